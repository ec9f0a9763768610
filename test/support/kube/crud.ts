/**
 * The REST verbs on resource URLs: get, list (+ watch), create, update (PUT), patch (merge,
 * JSON, strategic, server-side apply), delete, deletecollection, and the `status` and
 * `scale` subresources (autoscaling/v1 Scale), with the API server's error Statuses.
 * `?dryRun=All` computes the answer without storing it.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ClusterContext, DeleteOptions} from './context.js';
import type {Faults} from './faults.js';
import {readBody, sendError, sendJson, sendStatus, type ResourcePath} from './http-util.js';
import {jsonPatch, mergePatch, strategicMergePatch} from './patch.js';
import {apiVersionOf, RESOURCE_TYPES, type KubeObject, type ResourceType} from './resources.js';
import {parseFieldSelector, parseLabelSelector, SelectorError, type Matcher} from './selectors.js';
import {describe, StoreError} from './store.js';
import {toTable, wantsTable} from './table.js';
import {validate} from './validate.js';
import {serveWatch} from './watch.js';

const NAMESPACE_TYPE = RESOURCE_TYPES.find((t) => t.plural === 'namespaces')!;

/** The API verb of a request, as audit logs name it (for stats). */
export function verbOf(method: string, path: ResourcePath, url: URL): string {
	const watch = ['1', 'true'].includes(url.searchParams.get('watch') ?? '');
	switch (method) {
		case 'GET': return path.name ? (path.subresource === 'exec' ? 'exec' : 'get') : watch ? 'watch' : 'list';
		case 'POST': return path.subresource === 'exec' ? 'exec' : 'create';
		case 'PUT': return 'update';
		case 'PATCH': return 'patch';
		case 'DELETE': return path.name ? 'delete' : 'deletecollection';
		default: return method.toLowerCase();
	}
}

/** Serves one resource request; never throws (errors become Status answers). */
export async function handleResource(ctx: ClusterContext, faults: Faults, req: IncomingMessage, res: ServerResponse, path: ResourcePath, url: URL): Promise<void> {
	try {
		await dispatch(ctx, faults, req, res, path, url);
	} catch (error) {
		if (error instanceof SelectorError) {
			sendStatus(res, 400, 'BadRequest', error.message);
		} else {
			sendError(res, error, path.type, path.name);
		}
	}
}

function selectors(url: URL): Matcher {
	const labels = parseLabelSelector(url.searchParams.get('labelSelector'));
	const fields = parseFieldSelector(url.searchParams.get('fieldSelector'));
	return (o) => labels(o) && fields(o);
}

function notFound(type: ResourceType, name: string): StoreError {
	return new StoreError(404, 'NotFound', `${describe(type, name)} not found`);
}

function toScale(obj: KubeObject): KubeObject {
	const labels = obj.spec?.selector?.matchLabels ?? {};
	return {
		kind: 'Scale', apiVersion: 'autoscaling/v1',
		metadata: {name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp},
		spec: {replicas: obj.spec?.replicas ?? 1},
		status: {replicas: obj.status?.replicas ?? 0, selector: Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`).join(',')},
	};
}

function patchWith(contentType: string, current: KubeObject, patch: unknown): KubeObject {
	if (contentType.includes('json-patch+json')) {
		return jsonPatch(current, patch);
	}
	if (contentType.includes('merge-patch+json')) {
		return contentType.includes('strategic') ? strategicMergePatch(current, patch) : mergePatch(current, patch);
	}
	if (contentType.includes('apply-patch')) {
		return strategicMergePatch(current, patch);
	}
	throw new StoreError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`);
}

async function dispatch(ctx: ClusterContext, faults: Faults, req: IncomingMessage, res: ServerResponse, path: ResourcePath, url: URL): Promise<void> {
	const {type, name, subresource} = path;
	const namespace = type.namespaced ? path.namespace : undefined;
	const method = req.method ?? 'GET';
	const dryRun = url.searchParams.has('dryRun');
	const store = ctx.store;
	if (subresource && !(type.subresources as string[]).includes(subresource)) {
		throw new StoreError(404, 'NotFound', `the server could not find the requested resource`);
	}
	if (!name) {
		if (method === 'GET') {
			if (['1', 'true'].includes(url.searchParams.get('watch') ?? '')) {
				const timeout = url.searchParams.get('timeoutSeconds');
				serveWatch(ctx, faults, req, res, {
					type, namespace, matches: selectors(url), resourceVersion: url.searchParams.get('resourceVersion'),
					bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true', includeObject: url.searchParams.get('includeObject'),
					...(timeout ? {timeoutSeconds: Number(timeout)} : {}),
				});
				return;
			}
			const items = store.list(type, namespace).filter(selectors(url));
			const rv = String(store.resourceVersion);
			sendJson(res, 200, wantsTable(req.headers.accept)
				? toTable(type.kind, items, rv, url.searchParams.get('includeObject'))
				: {kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: {resourceVersion: rv}, items});
			return;
		}
		if (method === 'POST') {
			const body = await readBody(req);
			if (!body || typeof body !== 'object') {
				throw new StoreError(400, 'BadRequest', 'the request body is empty');
			}
			body.metadata ??= {};
			if (namespace !== undefined) {
				if (body.metadata.namespace && body.metadata.namespace !== namespace) {
					throw new StoreError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
				}
				body.metadata.namespace = namespace;
			}
			sendJson(res, 201, create(ctx, type, body, dryRun));
			return;
		}
		if (method === 'DELETE') {
			const matches = selectors(url);
			const deleted = store.list(type, namespace).filter(matches)
				.map((o) => dryRun ? o : ctx.deleteObject(type, o.metadata.namespace, o.metadata.name, deleteOptions(url, undefined)))
				.filter((o) => o !== undefined);
			sendJson(res, 200, {kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: {resourceVersion: String(store.resourceVersion)}, items: deleted});
			return;
		}
		throw new StoreError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
	}
	const current = store.get(type, namespace, name);
	if (method === 'GET') {
		if (!current) {
			throw notFound(type, name);
		}
		if (subresource === 'scale') {
			sendJson(res, 200, toScale(current));
		} else {
			sendJson(res, 200, wantsTable(req.headers.accept) && !subresource
				? toTable(type.kind, [current], current.metadata.resourceVersion, url.searchParams.get('includeObject'))
				: current);
		}
		return;
	}
	if (method === 'DELETE') {
		const body = await readBody(req);
		if (!current) {
			throw notFound(type, name);
		}
		const pre = body?.preconditions;
		if ((pre?.uid && pre.uid !== current.metadata.uid) || (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)) {
			throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${describe(type, name)}: the precondition failed`);
		}
		sendJson(res, 200, dryRun ? current : ctx.deleteObject(type, namespace, name, deleteOptions(url, body)));
		return;
	}
	const body = await readBody(req);
	const contentType = String(req.headers['content-type'] ?? 'application/json');
	if (method === 'PATCH' && contentType.includes('apply-patch') && !url.searchParams.get('fieldManager')) {
		throw new StoreError(400, 'BadRequest', 'PATCH, application/apply-patch+yaml requires a non-empty fieldManager');
	}
	if (!current) {
		if (method === 'PATCH' && contentType.includes('apply-patch') && !subresource) {
			const obj = {...body, metadata: {...body?.metadata, name, ...(namespace ? {namespace} : {})}};
			sendJson(res, 201, create(ctx, type, withManager(obj, url, 'Apply'), dryRun));
			return;
		}
		throw notFound(type, name);
	}
	let next: KubeObject;
	if (subresource === 'scale') {
		const scale = method === 'PUT' ? body : patchWith(contentType, toScale(current), body);
		if (scale?.metadata?.resourceVersion && scale.metadata.resourceVersion !== current.metadata.resourceVersion) {
			throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${describe(type, name)}: the object has been modified; please apply your changes to the latest version and try again`);
		}
		next = {...current, spec: {...current.spec, replicas: scale?.spec?.replicas}};
	} else if (method === 'PUT') {
		if (body?.metadata?.name !== name) {
			throw new StoreError(400, 'BadRequest', `the name of the object (${body?.metadata?.name}) does not match the name on the URL (${name})`);
		}
		next = body;
	} else if (method === 'PATCH') {
		next = patchWith(contentType, current, body);
		if (contentType.includes('apply-patch')) {
			next = withManager(next, url, 'Apply');
		}
	} else {
		throw new StoreError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
	}
	next.metadata = {...next.metadata, name, ...(namespace ? {namespace} : {})};
	delete next.metadata.deletionTimestamp;
	if (current.metadata.deletionTimestamp) {
		next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
	}
	if (subresource === 'status') {
		next = {...current, status: next.status, metadata: {...current.metadata, resourceVersion: next.metadata.resourceVersion}};
	} else if ((type.subresources as string[]).includes('status')) {
		next.status = current.status;
	}
	validate(type, next);
	const expected = method === 'PUT' || next.metadata.resourceVersion !== current.metadata.resourceVersion ? next.metadata.resourceVersion : undefined;
	if (dryRun) {
		sendJson(res, 200, subresource === 'scale' ? toScale(next) : next);
		return;
	}
	const saved = store.update(type, next, expected);
	sendJson(res, 200, subresource === 'scale' ? toScale(saved) : saved);
}

function withManager(obj: KubeObject, url: URL, operation: string): KubeObject {
	const manager = url.searchParams.get('fieldManager') ?? 'unknown';
	const entries = (obj.metadata?.managedFields ?? []).filter((m: KubeObject) => !(m.manager === manager && m.operation === operation));
	entries.push({manager, operation, apiVersion: obj.apiVersion, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fieldsType: 'FieldsV1', fieldsV1: {}});
	return {...obj, metadata: {...obj.metadata, managedFields: entries}};
}

function deleteOptions(url: URL, body: KubeObject | undefined): DeleteOptions {
	const grace = url.searchParams.get('gracePeriodSeconds') ?? body?.gracePeriodSeconds;
	const policy = url.searchParams.get('propagationPolicy') ?? body?.propagationPolicy ?? (body?.orphanDependents ? 'Orphan' : undefined);
	return {
		...(grace !== undefined && grace !== null ? {gracePeriodSeconds: Number(grace)} : {}),
		...(policy ? {propagationPolicy: policy} : {}),
	};
}

/** Validates and stores a new object (404 when its namespace does not exist). */
export function create(ctx: ClusterContext, type: ResourceType, body: KubeObject, dryRun = false): KubeObject {
	if (body.apiVersion && body.apiVersion !== apiVersionOf(type)) {
		throw new StoreError(400, 'BadRequest', `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(type)})`);
	}
	if (type.namespaced) {
		body.metadata.namespace ??= 'default';
		if (!ctx.store.get(NAMESPACE_TYPE, undefined, body.metadata.namespace)) {
			throw new StoreError(404, 'NotFound', `namespaces "${body.metadata.namespace}" not found`);
		}
	}
	if ((type.subresources as string[]).includes('status') || type.kind === 'Pod') {
		delete body.status;
	}
	if (type === NAMESPACE_TYPE) {
		body.status = {phase: 'Active'};
	} else if (type.kind === 'Pod') {
		body.status = {phase: 'Pending', qosClass: 'BestEffort'};
	}
	validate(type, body);
	return dryRun ? {...body, apiVersion: apiVersionOf(type), kind: type.kind} : ctx.store.create(type, body);
}
