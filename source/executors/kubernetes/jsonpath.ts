/**
 * kubectl-style JSONPath (`.status.PostgresClusterStatus`,
 * `{.status.conditions[?(@.type=="Ready")].status}`) read with the
 * `jsonpath-plus` package: the braces kubectl wants are optional here, and a
 * path starting with `.` or `[` is taken from the object's root, as kubectl does.
 */
import {JSONPath} from 'jsonpath-plus';

/**
 * The values at `path` in `object` (an empty list when there are none).
 * @throws Error `invalid jsonpath <path>: <why>` when the path does not parse.
 */
export function readJsonPath(object: unknown, path: string): unknown[] {
	const expression = toJsonPathPlus(path);
	try {
		const found = JSONPath({path: expression, json: object as object, wrap: true, ignoreEvalErrors: true}) as unknown[];
		return Array.isArray(found) ? found : [];
	} catch (error) {
		throw new Error(`invalid jsonpath ${path}: ${(error as Error).message}`);
	}
}

/** `.status.x` / `{.status.x}` / `status.x` → `$.status.x`. */
export function toJsonPathPlus(path: string): string {
	let text = path.trim();
	if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
	if (text.startsWith('$')) return text;
	if (text.startsWith('.') || text.startsWith('[')) return `$${text}`;
	return `$.${text}`;
}

/** The path as shown in messages: `status.PostgresClusterStatus` (no braces, no leading dot). */
export function displayPath(path: string): string {
	let text = path.trim();
	if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
	if (text.startsWith('$')) text = text.slice(1);
	return text.startsWith('.') ? text.slice(1) : text;
}

/**
 * A found value as kubectl prints it with `-o jsonpath`: strings bare, other
 * scalars in their JSON form, objects and lists as JSON; several values joined
 * by spaces; nothing found is `<none>`.
 */
export function formatJsonPathValues(values: readonly unknown[]): string {
	if (values.length === 0) return '<none>';
	return values.map(value => (typeof value === 'string' ? value : JSON.stringify(value))).join(' ');
}
