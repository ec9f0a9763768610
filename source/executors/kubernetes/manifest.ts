/**
 * Manifests for `apply` and patches for `apply.patch` / `patch`: YAML (one or
 * more documents, `kind: List` flattened, as kubectl reads `-f`), RFC 7386
 * JSON merge patches, and the server-owned fields an exported object carries
 * (`kubectl get -o json` output) that must not be applied again.
 */
import {parseAllDocuments, parse} from 'yaml';

/** A Kubernetes object read from a manifest. */
export type Manifest = {apiVersion: string; kind: string; metadata: {name: string; namespace?: string; [key: string]: unknown}; [key: string]: unknown};

/**
 * The objects in YAML `text` (`source` names it in messages: a file path or
 * `the inline manifest`). Empty documents are skipped; `kind: List` (or
 * `*List`) documents give their `items`.
 * @throws Error naming the source and line for a YAML error, or the document
 *   for an object without apiVersion, kind or metadata.name.
 */
export function parseManifests(text: string, source: string): Manifest[] {
	const out: Manifest[] = [];
	const documents = parseAllDocuments(text);
	if (!Array.isArray(documents)) throw new Error(`${source}: not YAML documents`);
	documents.forEach((document, index) => {
		const error = document.errors[0];
		if (error) {
			const where = error.linePos?.[0] ? `line ${error.linePos[0].line}: ` : '';
			throw new Error(`${source}: ${where}${error.message.split('\n')[0]}`);
		}
		const value = document.toJS() as unknown;
		if (value === null || value === undefined) return;
		collect(value, `${source}, document ${index + 1}`, out);
	});
	return out;
}

/** Accepts an inline manifest: YAML text or one object (a mapping from the runbook). */
export function manifestsOf(manifest: unknown, source: string): Manifest[] {
	if (typeof manifest === 'string') return parseManifests(manifest, source);
	const out: Manifest[] = [];
	collect(manifest, source, out);
	return out;
}

function collect(value: unknown, where: string, out: Manifest[]): void {
	if (!isObject(value)) throw new Error(`${where}: expected a Kubernetes object (a mapping), not ${describe(value)}`);
	if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
		value.items.forEach((item, i) => collect(item, `${where}, item ${i + 1}`, out));
		return;
	}
	const metadata = value.metadata;
	if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
		throw new Error(`${where}: an object needs apiVersion, kind and metadata.name`);
	}
	out.push(value as Manifest);
}

/**
 * Parses a patch given as YAML or JSON text, or passes an object or list
 * through. `what` names it in messages.
 * @throws Error for text that is not YAML.
 */
export function patchValue(patch: unknown, what: string): unknown {
	if (typeof patch !== 'string') return patch;
	try {
		return parse(patch) as unknown;
	} catch (error) {
		throw new Error(`${what} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
	}
}

/**
 * Applies a JSON merge patch (RFC 7386) to `target` and returns the result
 * (inputs unchanged): a `null` value removes the key, a mapping merges into
 * the mapping at that key, anything else (lists included) replaces it.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
	if (!isObject(patch)) return structuredClone(patch);
	const result: Record<string, unknown> = isObject(target) ? {...target} : {};
	for (const [key, value] of Object.entries(patch)) {
		if (value === null) delete result[key];
		else result[key] = mergePatch(result[key], value);
	}
	return result;
}

/** Metadata fields the server owns: applying an exported object with them fails or conflicts. */
export const SERVER_OWNED_METADATA = ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const;

/**
 * A copy of `object` fit for server-side apply: `status` and the
 * {@link SERVER_OWNED_METADATA} removed (a stale `resourceVersion` would make
 * the apply fail with a conflict; `status` is not the caller's to set).
 */
export function stripServerFields(object: Manifest): Manifest {
	const copy = structuredClone(object);
	delete copy.status;
	for (const key of SERVER_OWNED_METADATA) delete copy.metadata[key];
	return copy;
}

/** True for a plain mapping (not null, not a list). */
export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
	if (Array.isArray(value)) return 'a list';
	return value === null ? 'null' : `a ${typeof value}`;
}
