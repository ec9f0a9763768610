/**
 * HTTP helpers of the test cluster: JSON answers, `Status` errors as the API server writes
 * them (k8s.io/apimachinery metav1.Status), request bodies (JSON or YAML), and the parse of
 * resource URLs (`/api/v1/namespaces/NS/pods/NAME/exec`, `/apis/apps/v1/statefulsets`).
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import {parse as parseYaml} from 'yaml';
import {decodeKubeProtobuf, isKubeProtobuf} from './protobuf.js';
import {findType, type KubeObject, type ResourceType} from './resources.js';
import {StoreError} from './store.js';

/** Sends `body` as JSON with `code`. */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
	const text = JSON.stringify(body);
	res.writeHead(code, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
	res.end(text);
}

/** A metav1.Status failure object. */
export function statusObject(code: number, reason: string, message: string, details?: KubeObject): KubeObject {
	return {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? {details} : {}), code};
}

/** Sends a Status failure. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string, details?: KubeObject): void {
	sendJson(res, code, statusObject(code, reason, message, details));
}

/** Sends a StoreError (or any Error, as 500) as a Status. */
export function sendError(res: ServerResponse, error: unknown, type?: ResourceType, name?: string): void {
	if (error instanceof StoreError) {
		const causes = (error as {causes?: unknown}).causes;
		const details = type ? {name, group: type.group, kind: type.plural, ...(causes ? {causes} : {})} : undefined;
		sendStatus(res, error.code, error.reason, error.message, details);
	} else {
		sendStatus(res, 500, 'InternalError', `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`);
	}
}

/**
 * Reads the whole body (limit 64 MiB) and parses JSON, YAML for `application/apply-patch+yaml`,
 * or Kubernetes protobuf (protobuf.ts) for what kubectl ≥ 1.30's generators send.
 */
export async function readBody(req: IncomingMessage): Promise<any> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > 64 * 1024 * 1024) {
			throw new StoreError(413, 'RequestEntityTooLarge', 'request body too large');
		}
		chunks.push(chunk as Buffer);
	}
	const raw = Buffer.concat(chunks);
	if ((req.headers['content-type'] ?? '').includes('protobuf') || isKubeProtobuf(raw)) {
		return decodeKubeProtobuf(raw);
	}
	const text = raw.toString('utf8');
	if (text.trim() === '') {
		return undefined;
	}
	try {
		return (req.headers['content-type'] ?? '').includes('yaml') ? parseYaml(text) : JSON.parse(text);
	} catch (error) {
		throw new StoreError(400, 'BadRequest', `the body of the request could not be decoded: ${(error as Error).message}`);
	}
}

/** A parsed resource URL. */
export interface ResourcePath {
	type: ResourceType;
	namespace?: string;
	name?: string;
	/** `status`, `scale`, `exec`, `log`... */
	subresource?: string;
}

/**
 * Parses `/api/v1/...` or `/apis/G/V/...` into type, namespace, name, subresource.
 * Returns undefined for URLs that are not resource URLs, or 'unknown' for an unknown type.
 */
export function parseResourcePath(pathname: string): ResourcePath | 'unknown' | undefined {
	const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
	let group: string;
	let version: string;
	let rest: string[];
	if (parts[0] === 'api' && parts.length >= 3) {
		group = '';
		version = parts[1]!;
		rest = parts.slice(2);
	} else if (parts[0] === 'apis' && parts.length >= 4) {
		group = parts[1]!;
		version = parts[2]!;
		rest = parts.slice(3);
	} else {
		return undefined;
	}
	let namespace: string | undefined;
	if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2]!)) {
		namespace = rest[1];
		rest = rest.slice(2);
	}
	const type = findType(group, version, rest[0]!);
	if (!type || rest.length > 3) {
		return 'unknown';
	}
	return {type, namespace, name: rest[1], subresource: rest[2]};
}
