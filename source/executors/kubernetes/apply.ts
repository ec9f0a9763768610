/**
 * `apply {file | manifest, patch?, namespace?}`: server-side apply of every
 * object in a manifest, as `kubectl apply --server-side --force-conflicts
 * --field-manager runbook-tui`. Each object first gets `patch` (an RFC 7386
 * merge patch: the seed's `jq 'del(.spec.selector) | del(.status)'` becomes
 * `patch: {spec: {selector: null}, status: null}`), then loses the fields the
 * server owns (stripServerFields), so an object saved with `kubectl get -o
 * json` can be applied again after the original was deleted.
 */
import {readFile} from 'node:fs/promises';
import {resolve} from 'node:path';
import {HttpMethod} from '@kubernetes/client-node';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import {type ActionIO, type PortContext, objectRef, textField} from './context.js';
import {resourcePath} from './discovery.js';
import {type Manifest, isObject, manifestsOf, mergePatch, parseManifests, patchValue, stripServerFields} from './manifest.js';

/** The field manager of every apply (kubectl's `--field-manager`). */
export const FIELD_MANAGER = 'runbook-tui';

/** Content type of a server-side apply request. */
export const APPLY_PATCH = 'application/apply-patch+yaml';

/**
 * Applies every object of the manifest (see the file comment). Objects are
 * applied in order; a failing one does not stop the others (as kubectl), and
 * the result names the first failure and how many failed.
 */
export async function apply(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const file = textField(spec, 'file');
	if (file !== undefined && spec.manifest !== undefined) return {ok: false, error: 'apply takes file or manifest, not both'};
	if (file === undefined && spec.manifest === undefined) return {ok: false, error: 'apply needs file or manifest'};

	let objects: Manifest[];
	if (file !== undefined) {
		const path = resolve(io.request.cwd, file);
		let text: string;
		try {
			text = await readFile(path, 'utf8');
		} catch (error) {
			return {ok: false, error: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
		}
		objects = parseManifests(text, path);
	} else {
		objects = manifestsOf(spec.manifest, 'the inline manifest');
	}
	if (objects.length === 0) return {ok: false, error: `${file ?? 'the inline manifest'} holds no Kubernetes object`};

	const patch = spec.patch === undefined ? undefined : patchValue(spec.patch, 'apply.patch');
	if (patch !== undefined && !isObject(patch)) return {ok: false, error: 'apply.patch must be a mapping (a JSON merge patch)'};
	const explicitNamespace = textField(spec, 'namespace');

	const failures: string[] = [];
	for (const original of objects) {
		const patched = (patch ? mergePatch(original, patch) : original) as Manifest;
		if (!isObject(patched.metadata) || typeof patched.metadata.name !== 'string') {
			failures.push(`${original.kind}/${original.metadata.name}: the patch removed metadata.name`);
			continue;
		}
		const object = stripServerFields(patched);
		try {
			const info = await ctx.discovery.resolve(object.kind, object.apiVersion, io.request.signal);
			const name = object.metadata.name;
			let namespace: string | undefined;
			if (info.namespaced) {
				const own = object.metadata.namespace;
				if (own && explicitNamespace && own !== explicitNamespace) {
					// kubectl refuses the same mismatch between -n and the object.
					throw new Error(`the object's namespace ${own} does not match apply.namespace ${explicitNamespace}`);
				}
				namespace = own || explicitNamespace || io.request.namespace;
				object.metadata.namespace = namespace;
			} else {
				delete object.metadata.namespace;
			}
			io.note(`apply ${objectRef(info, name)}${namespace ? ` in ${namespace}` : ''}`);
			await ctx.client.request(HttpMethod.PATCH, resourcePath(info, namespace, name), {
				query: {fieldManager: FIELD_MANAGER, force: true},
				body: object,
				contentType: APPLY_PATCH,
				signal: io.request.signal,
			});
			io.say(`${objectRef(info, name)} serverside-applied`);
		} catch (error) {
			if (io.request.signal.aborted) throw error;
			const message = `${object.kind}/${object.metadata.name}: ${(error as Error).message}`;
			io.note(`apply failed: ${message}`);
			failures.push(message);
		}
	}
	if (failures.length === 0) return {ok: true};
	const more = failures.length > 1 ? ` (and ${failures.length - 1} more of ${objects.length} objects failed; see the log)` : '';
	return {ok: false, error: `${failures[0]}${more}`};
}
