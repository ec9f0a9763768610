/**
 * Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`),
 * which kubectl ≥ 1.30 sends for its built-in generators (`kubectl create configmap`,
 * `create secret generic`, `create namespace`). The envelope: the magic `k8s\0`, then a
 * runtime.Unknown {typeMeta(1){apiVersion(1), kind(2)}, raw(2)}; `raw` is the object's own
 * message. Field numbers from k8s.io/api core/v1 and apimachinery meta/v1 generated.proto.
 * Only ConfigMap, Secret and Namespace are decoded (ObjectMeta's name, generateName,
 * namespace, labels, annotations, finalizers); anything else is a 415 naming the kind.
 */
import type {KubeObject} from './resources.js';
import {StoreError} from './store.js';

type FieldKind = 'string' | 'bytes' | 'varint' | 'bool' | 'map' | 'bytesMap' | 'strings' | Schema;
interface Schema {
	[field: number]: [name: string, kind: FieldKind];
}

const OBJECT_META: Schema = {
	1: ['name', 'string'], 2: ['generateName', 'string'], 3: ['namespace', 'string'], 5: ['uid', 'string'],
	6: ['resourceVersion', 'string'], 11: ['labels', 'map'], 12: ['annotations', 'map'], 14: ['finalizers', 'strings'],
};

const KINDS: Record<string, Schema> = {
	ConfigMap: {1: ['metadata', OBJECT_META], 2: ['data', 'map'], 3: ['binaryData', 'bytesMap'], 4: ['immutable', 'bool']},
	Secret: {1: ['metadata', OBJECT_META], 2: ['data', 'bytesMap'], 3: ['type', 'string'], 4: ['stringData', 'map'], 5: ['immutable', 'bool']},
	Namespace: {1: ['metadata', OBJECT_META], 2: ['spec', {1: ['finalizers', 'strings']}], 3: ['status', {1: ['phase', 'string']}]},
};

const UNKNOWN: Schema = {1: ['typeMeta', {1: ['apiVersion', 'string'], 2: ['kind', 'string']}], 2: ['raw', 'bytes']};

/** True when `body` starts with the protobuf magic `k8s\0`. */
export function isKubeProtobuf(body: Buffer): boolean {
	return body.length >= 4 && body[0] === 0x6b && body[1] === 0x38 && body[2] === 0x73 && body[3] === 0;
}

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
	let value = 0;
	let shift = 0;
	for (;;) {
		const byte = buf[at++];
		if (byte === undefined) {
			throw new StoreError(400, 'BadRequest', 'truncated protobuf body');
		}
		value += (byte & 0x7f) * 2 ** shift;
		shift += 7;
		if ((byte & 0x80) === 0) {
			return [value, at];
		}
	}
}

function decode(buf: Buffer, schema: Schema): KubeObject {
	const out: KubeObject = {};
	let at = 0;
	while (at < buf.length) {
		const [tag, afterTag] = readVarint(buf, at);
		const field = Math.floor(tag / 8);
		const wire = tag & 7;
		at = afterTag;
		let value: number | Buffer;
		if (wire === 0) {
			[value, at] = readVarint(buf, at);
		} else if (wire === 2) {
			const [length, start] = readVarint(buf, at);
			value = buf.subarray(start, start + length);
			at = start + length;
		} else if (wire === 1 || wire === 5) {
			at += wire === 1 ? 8 : 4;
			continue;
		} else {
			throw new StoreError(400, 'BadRequest', `unsupported protobuf wire type ${wire}`);
		}
		const spec = schema[field];
		if (!spec) {
			continue;
		}
		const [name, kind] = spec;
		if (kind === 'string') {
			out[name] = (value as Buffer).toString('utf8');
		} else if (kind === 'bytes') {
			out[name] = value;
		} else if (kind === 'varint') {
			out[name] = value;
		} else if (kind === 'bool') {
			out[name] = value !== 0;
		} else if (kind === 'strings') {
			(out[name] ??= []).push((value as Buffer).toString('utf8'));
		} else if (kind === 'map' || kind === 'bytesMap') {
			const entry = decode(value as Buffer, {1: ['key', 'string'], 2: ['value', 'bytes']});
			const raw: Buffer = entry.value ?? Buffer.alloc(0);
			(out[name] ??= {})[entry.key ?? ''] = kind === 'map' ? raw.toString('utf8') : raw.toString('base64');
		} else {
			out[name] = decode(value as Buffer, kind);
		}
	}
	return out;
}

/** Decodes a protobuf request body into a JSON object. Throws StoreError 415 for kinds not decoded. */
export function decodeKubeProtobuf(body: Buffer): KubeObject {
	const unknown = decode(body.subarray(4), UNKNOWN);
	const kind: string = unknown.typeMeta?.kind ?? '';
	const schema = KINDS[kind];
	if (!schema) {
		throw new StoreError(415, 'UnsupportedMediaType', `the test cluster decodes protobuf only for ${Object.keys(KINDS).join(', ')}, not ${kind || 'this body'}; send JSON`);
	}
	return {apiVersion: unknown.typeMeta.apiVersion, kind, ...decode(unknown.raw ?? Buffer.alloc(0), schema)};
}
