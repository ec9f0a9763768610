/**
 * The object actions: `scale`, `delete`, `patch`, `restart`, each as the
 * kubectl command of the same name does it (runbook-format.md, "Actions").
 * Each returns a KubeResult; errors the API server reports become its
 * one-line message (`statefulsets.apps "web" not found`).
 */
import {HttpMethod} from '@kubernetes/client-node';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import {KubeApiError} from './client.js';
import {type ActionIO, type PortContext, objectRef, requireField, textField} from './context.js';
import {resourcePath} from './discovery.js';
import {isObject, patchValue} from './manifest.js';

/** Content type of a JSON merge patch (RFC 7386, kubectl `--type merge`). */
export const MERGE_PATCH = 'application/merge-patch+json';
/** Content type of a JSON patch (RFC 6902, kubectl `--type json`). */
export const JSON_PATCH = 'application/json-patch+json';

/**
 * `scale {kind, name | selector, replicas, namespace?}`: a merge patch
 * `{"spec":{"replicas":N}}` of each object's `scale` subresource, as `kubectl
 * scale` does (kubectl `pkg/scale/scale.go`, ScaleInterface.Patch). With a
 * `selector` (format 1.1), every object of the kind matching it in the namespace
 * is scaled, in name order, each named in the output as `kubectl scale sts -l
 * ...` prints them (`statefulset.apps/synapse-main scaled`); none matching is an
 * error, as kubectl's "no objects passed to scale".
 * `replicas` must be a whole number >= 0 (int32, the field's type); a string of
 * digits is accepted (a resolved `$VAR`; the engine checks it first).
 */
export async function scale(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const name = textField(spec, 'name');
	const selector = textField(spec, 'selector');
	if (name && selector) return {ok: false, error: 'scale takes name or selector, not both (as kubectl)'};
	if (!name && !selector) return {ok: false, error: 'scale needs name or selector'};
	const replicas = replicasOf(spec.replicas);
	if (replicas === undefined) return {ok: false, error: 'scale needs replicas, a whole number >= 0'};
	const info = await ctx.discovery.resolve(requireField(spec, 'kind', 'scale'), textField(spec, 'apiVersion'), io.request.signal);
	if (!info.subresources.has('scale')) return {ok: false, error: `${info.kind} has no scale subresource: it cannot be scaled`};
	const namespace = io.namespaceOf(spec);
	let names: string[];
	if (name) names = [name];
	else {
		io.note(`scale ${info.plural} matching ${selector} in ${namespace} to ${replicas}`);
		const list = await ctx.client.request<{items?: Array<{metadata?: {name?: string}}>}>(HttpMethod.GET, resourcePath(info, namespace), {
			query: {labelSelector: selector!},
			signal: io.request.signal,
		});
		names = (list?.items ?? [])
			.map(item => item.metadata?.name)
			.filter((n): n is string => Boolean(n))
			.sort();
		if (names.length === 0) return {ok: false, error: `no ${info.plural} match ${selector} in namespace ${namespace}: nothing was scaled`};
		io.note(`${names.length} ${names.length === 1 ? info.singular : info.plural} match: ${names.join(', ')}`);
	}
	for (const one of names) {
		io.note(`scale ${objectRef(info, one)} in ${namespace} to ${replicas}`);
		await ctx.client.request(HttpMethod.PATCH, resourcePath(info, namespace, one, 'scale'), {
			body: {spec: {replicas}},
			contentType: MERGE_PATCH,
			signal: io.request.signal,
		});
		io.say(`${objectRef(info, one)} scaled to ${replicas}`);
	}
	if (!selector) return {ok: true};
	const list = names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')} and ${names.length - 20} more`;
	return {ok: true, notice: `scaled ${names.length} ${names.length === 1 ? info.singular : info.plural} matching ${selector} in ${namespace} to ${replicas}: ${list}`};
}

/** The largest `spec.replicas` (an int32). */
const MAX_REPLICAS = 2_147_483_647;

/** `replicas` as a number: an integer 0..int32, or a string of digits; undefined otherwise (never `Number('')`, which is 0). */
export function replicasOf(value: unknown): number | undefined {
	const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
	return Number.isInteger(n) && n >= 0 && n <= MAX_REPLICAS ? n : undefined;
}

/**
 * `delete {kind, apiVersion?, name? | selector?, namespace?}`: deletes one
 * object by name (NotFound is an error: nothing was deleted) or every object
 * matching a label selector (none matching is fine: "nothing to delete").
 * Dependents are deleted in the background (`propagationPolicy: Background`,
 * kubectl's default `--cascade=background`).
 */
export async function deleteObjects(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const name = textField(spec, 'name');
	const selector = textField(spec, 'selector');
	if (name && selector) return {ok: false, error: 'delete takes name or selector, not both (as kubectl)'};
	if (!name && !selector) return {ok: false, error: 'delete needs name or selector'};
	const info = await ctx.discovery.resolve(requireField(spec, 'kind', 'delete'), textField(spec, 'apiVersion'), io.request.signal);
	const namespace = io.namespaceOf(spec);
	const query = {propagationPolicy: 'Background'};
	if (name) {
		io.note(`delete ${objectRef(info, name)} in ${namespace}`);
		try {
			await ctx.client.request(HttpMethod.DELETE, resourcePath(info, namespace, name), {query, signal: io.request.signal});
		} catch (error) {
			if (error instanceof KubeApiError && error.status === 404) {
				return {ok: false, error: `${error.message} in namespace ${namespace}: nothing was deleted`};
			}
			throw error;
		}
		io.say(`${objectRef(info, name)} deleted`);
		return {ok: true};
	}
	io.note(`delete ${info.plural} matching ${selector} in ${namespace}`);
	const list = await ctx.client.request<{items?: Array<{metadata?: {name?: string}}>}>(HttpMethod.GET, resourcePath(info, namespace), {
		query: {labelSelector: selector},
		signal: io.request.signal,
	});
	const names = (list?.items ?? []).map(item => item.metadata?.name).filter((n): n is string => Boolean(n));
	if (names.length === 0) {
		io.say(`nothing to delete: no ${info.plural} match ${selector} in namespace ${namespace}`);
		return {ok: true};
	}
	for (const one of names) {
		try {
			await ctx.client.request(HttpMethod.DELETE, resourcePath(info, namespace, one), {query, signal: io.request.signal});
			io.say(`${objectRef(info, one)} deleted`);
		} catch (error) {
			if (error instanceof KubeApiError && error.status === 404) continue; // gone meanwhile: what we wanted
			throw error;
		}
	}
	return {ok: true};
}

/**
 * `patch {kind, apiVersion?, name, type: merge|json, patch}`: a JSON merge
 * patch (RFC 7386, a mapping) or a JSON patch (RFC 6902, a list of
 * operations), given as a value or as YAML/JSON text.
 */
export async function patchObject(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const name = requireField(spec, 'name', 'patch');
	const type = textField(spec, 'type') ?? 'merge';
	if (type !== 'merge' && type !== 'json') return {ok: false, error: `patch type must be merge or json, not ${type}`};
	const patch = patchValue(spec.patch, 'patch.patch');
	if (type === 'merge' && !isObject(patch)) return {ok: false, error: 'a merge patch must be a mapping (type: merge)'};
	if (type === 'json' && !Array.isArray(patch)) return {ok: false, error: 'a JSON patch must be a list of operations (type: json)'};
	const info = await ctx.discovery.resolve(requireField(spec, 'kind', 'patch'), textField(spec, 'apiVersion'), io.request.signal);
	const namespace = io.namespaceOf(spec);
	io.note(`patch (${type}) ${objectRef(info, name)} in ${namespace}: ${JSON.stringify(patch)}`);
	await ctx.client.request(HttpMethod.PATCH, resourcePath(info, namespace, name), {
		body: patch,
		contentType: type === 'merge' ? MERGE_PATCH : JSON_PATCH,
		signal: io.request.signal,
	});
	io.say(`${objectRef(info, name)} patched`);
	return {ok: true};
}

/** The annotation `kubectl rollout restart` sets on the pod template (kubectl `polymorphichelpers/objectrestarter.go`). */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * `restart {kind, name}`: as `kubectl rollout restart`, sets the pod template
 * annotation {@link RESTARTED_AT} to the current time (ISO 8601), which makes
 * the controller replace every pod.
 */
export async function restart(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const name = requireField(spec, 'name', 'restart');
	const kind = requireField(spec, 'kind', 'restart');
	if (!['Deployment', 'StatefulSet', 'DaemonSet'].includes(kind)) return {ok: false, error: `restart works on Deployment, StatefulSet and DaemonSet, not ${kind}`};
	const info = await ctx.discovery.resolve(kind, 'apps/v1', io.request.signal);
	const namespace = io.namespaceOf(spec);
	const now = new Date().toISOString();
	io.note(`restart ${objectRef(info, name)} in ${namespace}: ${RESTARTED_AT}=${now}`);
	await ctx.client.request(HttpMethod.PATCH, resourcePath(info, namespace, name), {
		body: {spec: {template: {metadata: {annotations: {[RESTARTED_AT]: now}}}}},
		contentType: MERGE_PATCH,
		signal: io.request.signal,
	});
	io.say(`${objectRef(info, name)} restarted`);
	return {ok: true};
}
