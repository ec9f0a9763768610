/**
 * Patch bodies the API server accepts, applied to plain JSON:
 * - `application/merge-patch+json`: RFC 7386 JSON merge patch (null deletes a key, arrays replace);
 * - `application/json-patch+json`: RFC 6902 (add, remove, replace, move, copy, test);
 * - `application/strategic-merge-patch+json`: merge patch, except that lists of objects that
 *   all have `name` merge by name (as containers, env, volumes do in strategic merge), and
 *   directives (`$patch: delete`, `$setElementOrder/...`, `$retainKeys`) are honoured loosely;
 * - `application/apply-patch+yaml` (server-side apply): the applied fields are merged in the
 *   strategic way; ownership and conflicts are not tracked (an approximation).
 */
import {StoreError} from './store.js';

type Json = any;

function isObject(v: unknown): v is Record<string, Json> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 merge patch; returns a new value. */
export function mergePatch(target: Json, patch: Json): Json {
	if (!isObject(patch)) {
		return structuredClone(patch);
	}
	const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
	for (const [k, v] of Object.entries(patch)) {
		if (v === null) {
			delete out[k];
		} else {
			out[k] = mergePatch(out[k], v);
		}
	}
	return out;
}

/** Strategic merge patch (approximation, see the module comment); returns a new value. */
export function strategicMergePatch(target: Json, patch: Json): Json {
	if (Array.isArray(patch) && Array.isArray(target) && byName(patch) && byName(target)) {
		const out: Json[] = structuredClone(target);
		for (const item of patch) {
			const at = out.findIndex((x) => x.name === item.name);
			if (item.$patch === 'delete') {
				if (at >= 0) {
					out.splice(at, 1);
				}
			} else if (at >= 0) {
				out[at] = strategicMergePatch(out[at], item);
			} else {
				out.push(strategicMergePatch(undefined, item));
			}
		}
		return out;
	}
	if (!isObject(patch)) {
		return structuredClone(patch);
	}
	if (patch.$patch === 'replace') {
		const {$patch: _p, ...rest} = patch;
		return strategicMergePatch(undefined, rest);
	}
	const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
	for (const [k, v] of Object.entries(patch)) {
		if (k.startsWith('$')) {
			continue;
		}
		if (v === null) {
			delete out[k];
		} else {
			out[k] = strategicMergePatch(out[k], v);
		}
	}
	return out;
}

function byName(list: Json[]): boolean {
	return list.every((x) => isObject(x) && typeof x.name === 'string');
}

function unescape(token: string): string {
	return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parsePointer(path: string): string[] {
	if (path === '') {
		return [];
	}
	if (!path.startsWith('/')) {
		throw invalid(`invalid JSON pointer "${path}"`);
	}
	return path.slice(1).split('/').map(unescape);
}

function invalid(message: string): StoreError {
	return new StoreError(422, 'Invalid', message);
}

/** RFC 6902 JSON patch; returns a new document. Throws StoreError 422 for a failed op. */
export function jsonPatch(doc: Json, ops: Json): Json {
	if (!Array.isArray(ops)) {
		throw new StoreError(400, 'BadRequest', 'json patch must be an array of operations');
	}
	let root = structuredClone(doc);
	const parentOf = (tokens: string[], op: string): [Json, string] => {
		let node = root;
		for (const t of tokens.slice(0, -1)) {
			node = Array.isArray(node) ? node[Number(t)] : node?.[t];
			if (node === undefined || node === null || typeof node !== 'object') {
				throw invalid(`the server rejected our request due to an error in our request: doc is missing path: "/${tokens.join('/')}" (${op})`);
			}
		}
		return [node, tokens[tokens.length - 1]!];
	};
	const get = (path: string): Json => {
		let node = root;
		for (const t of parsePointer(path)) {
			node = Array.isArray(node) ? node[Number(t)] : node?.[t];
			if (node === undefined) {
				throw invalid(`doc is missing path: "${path}"`);
			}
		}
		return node;
	};
	const remove = (path: string): Json => {
		const tokens = parsePointer(path);
		const [parent, last] = parentOf(tokens, 'remove');
		if (Array.isArray(parent)) {
			return parent.splice(Number(last), 1)[0];
		}
		if (!(last in parent)) {
			throw invalid(`doc is missing path: "${path}": missing value`);
		}
		const v = parent[last];
		delete parent[last];
		return v;
	};
	const add = (path: string, value: Json, replace: boolean): void => {
		const tokens = parsePointer(path);
		if (tokens.length === 0) {
			root = structuredClone(value);
			return;
		}
		const [parent, last] = parentOf(tokens, replace ? 'replace' : 'add');
		if (Array.isArray(parent)) {
			const index = last === '-' ? parent.length : Number(last);
			if (replace) {
				parent[index] = structuredClone(value);
			} else {
				parent.splice(index, 0, structuredClone(value));
			}
		} else {
			if (replace && !(last in parent)) {
				throw invalid(`doc is missing key: "${path}": missing value`);
			}
			parent[last] = structuredClone(value);
		}
	};
	for (const op of ops) {
		switch (op?.op) {
			case 'add': add(op.path, op.value, false); break;
			case 'replace': add(op.path, op.value, true); break;
			case 'remove': remove(op.path); break;
			case 'move': add(op.path, remove(op.from), false); break;
			case 'copy': add(op.path, get(op.from), false); break;
			case 'test':
				if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value)) {
					throw invalid(`testing value ${op.path} failed`);
				}
				break;
			default: throw new StoreError(400, 'BadRequest', `unknown json patch operation ${JSON.stringify(op?.op)}`);
		}
	}
	return root;
}
