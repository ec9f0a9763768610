/**
 * The test cluster's object store: every object by type, namespace and name, one global
 * resourceVersion counter (as etcd's revision), and a bounded log of change events for
 * watches. Objects go in and out as deep copies, so callers can never change the store
 * behind its back.
 */
import {randomUUID} from 'node:crypto';
import {applyDefaults} from './defaults.js';
import {typeKey, apiVersionOf, type KubeObject, type ResourceType} from './resources.js';

/** A change, as a watch sends it. `rv` is the resourceVersion the change produced. */
export interface StoreEvent {
	rv: number;
	type: 'ADDED' | 'MODIFIED' | 'DELETED';
	resource: ResourceType;
	object: KubeObject;
	/** For MODIFIED: the object before the change (watches with selectors need it). */
	previous?: KubeObject;
}

/** Thrown by store writes; `code`/`reason` become the HTTP Status. */
export class StoreError extends Error {
	code: number;
	reason: string;
	constructor(code: number, reason: string, message: string) {
		super(message);
		this.code = code;
		this.reason = reason;
	}
}

/** `statefulsets.apps "x"` / `pods "x"`: how the API server names an object in messages. */
export function describe(type: ResourceType, name: string): string {
	return `${type.plural}${type.group ? `.${type.group}` : ''} "${name}"`;
}

/** The store. `eventWindow` = how many change events are kept for watches that resume. */
export class Store {
	private revision = 0;
	private readonly objects = new Map<string, Map<string, KubeObject>>();
	private readonly log: StoreEvent[] = [];
	/** Events dropped from the log so far (0 = the log is complete from the start). */
	private trimmed = 0;
	private readonly listeners = new Set<(event: StoreEvent) => void>();
	eventWindow: number;

	constructor(eventWindow = 1000) {
		this.eventWindow = eventWindow;
	}

	/** The current global resourceVersion (the last write's). */
	get resourceVersion(): number {
		return this.revision;
	}

	/** Oldest resourceVersion a watch may resume from; 0 when nothing was ever dropped. */
	get oldestResumable(): number {
		return this.trimmed === 0 ? 0 : (this.log[0]?.rv ?? this.revision + 1) - 1;
	}

	/** Drops every retained event (the next resume from an older RV gets 410 Gone). */
	compact(): void {
		this.trimmed += this.log.length;
		this.log.length = 0;
	}

	/** Calls `listener` synchronously after each change; returns the unsubscribe function. */
	subscribe(listener: (event: StoreEvent) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Retained events with rv > `after`, oldest first. */
	eventsAfter(after: number): StoreEvent[] {
		return this.log.filter((e) => e.rv > after).map((e) => ({...e, object: structuredClone(e.object)}));
	}

	/** A copy of one object, or undefined. */
	get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
		const found = this.bucket(type).get(key(type, namespace, name));
		return found ? structuredClone(found) : undefined;
	}

	/** Copies of all objects of a type (in one namespace, or all when undefined), sorted by namespace/name. */
	list(type: ResourceType, namespace?: string): KubeObject[] {
		const out: KubeObject[] = [];
		for (const [k, obj] of [...this.bucket(type).entries()].sort(([a], [b]) => a.localeCompare(b))) {
			if (!type.namespaced || namespace === undefined || k.startsWith(`${namespace}/`)) {
				out.push(structuredClone(obj));
			}
		}
		return out;
	}

	/**
	 * Adds an object: fills uid, creationTimestamp, resourceVersion, generation, namespace,
	 * and the kind's defaults (defaults.ts).
	 * `metadata.generateName` makes a name. Throws StoreError 409 AlreadyExists.
	 */
	create(type: ResourceType, input: KubeObject): KubeObject {
		const obj = structuredClone(input);
		obj.apiVersion = apiVersionOf(type);
		obj.kind = type.kind;
		const meta = obj.metadata ??= {};
		if (!meta.name && meta.generateName) {
			meta.name = `${meta.generateName}${randomSuffix(5)}`;
		}
		if (!meta.name) {
			throw new StoreError(422, 'Invalid', `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`);
		}
		if (!type.namespaced) {
			delete meta.namespace;
		}
		const k = key(type, meta.namespace, meta.name);
		if (this.bucket(type).has(k)) {
			throw new StoreError(409, 'AlreadyExists', `${describe(type, meta.name)} already exists`);
		}
		applyDefaults(type.kind, obj);
		meta.uid = randomUUID();
		meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
		meta.generation = 1;
		delete meta.deletionTimestamp;
		delete meta.selfLink;
		meta.resourceVersion = String(++this.revision);
		this.bucket(type).set(k, obj);
		this.emit('ADDED', type, obj);
		return structuredClone(obj);
	}

	/**
	 * Replaces an object. `expectedVersion` (the caller's metadata.resourceVersion) must match
	 * the stored one when given: else 409 Conflict, as the API server's optimistic concurrency.
	 * The generation goes up when anything but metadata and status changed. Throws 404 NotFound.
	 * (The caller decides about `deletionTimestamp`: the HTTP layer keeps the stored one.)
	 */
	update(type: ResourceType, input: KubeObject, expectedVersion?: string): KubeObject {
		const meta = input.metadata ?? {};
		const k = key(type, meta.namespace, meta.name);
		const old = this.bucket(type).get(k);
		if (!old) {
			throw new StoreError(404, 'NotFound', `${describe(type, meta.name)} not found`);
		}
		if (expectedVersion && expectedVersion !== old.metadata.resourceVersion) {
			throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${describe(type, meta.name)}: the object has been modified; please apply your changes to the latest version and try again`);
		}
		const obj = structuredClone(input);
		obj.apiVersion = apiVersionOf(type);
		obj.kind = type.kind;
		for (const fixed of ['uid', 'creationTimestamp', 'namespace', 'name']) {
			if (old.metadata[fixed] === undefined) {
				delete obj.metadata[fixed];
			} else {
				obj.metadata[fixed] = old.metadata[fixed];
			}
		}
		obj.metadata.generation = old.metadata.generation + (specChanged(old, obj) ? 1 : 0);
		if (JSON.stringify({...old, metadata: {...old.metadata, resourceVersion: ''}}) === JSON.stringify({...obj, metadata: {...obj.metadata, resourceVersion: ''}})) {
			return structuredClone(old);
		}
		obj.metadata.resourceVersion = String(++this.revision);
		this.bucket(type).set(k, obj);
		this.emit('MODIFIED', type, obj, old);
		return structuredClone(obj);
	}

	/** Removes an object now (no grace); returns it with a new resourceVersion, or undefined when absent. */
	remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
		const k = key(type, namespace, name);
		const old = this.bucket(type).get(k);
		if (!old) {
			return undefined;
		}
		this.bucket(type).delete(k);
		old.metadata.resourceVersion = String(++this.revision);
		this.emit('DELETED', type, old);
		return structuredClone(old);
	}

	/** Every stored object of every type, with its type (for garbage collection by owner). */
	*all(): Generator<{type: ResourceType; object: KubeObject}> {
		for (const [, bucket] of this.objects) {
			for (const obj of bucket.values()) {
				const type = this.types.get(obj.apiVersion + '/' + obj.kind);
				if (type) {
					yield {type, object: structuredClone(obj)};
				}
			}
		}
	}

	private readonly types = new Map<string, ResourceType>();

	private bucket(type: ResourceType): Map<string, KubeObject> {
		const k = typeKey(type);
		let b = this.objects.get(k);
		if (!b) {
			b = new Map();
			this.objects.set(k, b);
			this.types.set(apiVersionOf(type) + '/' + type.kind, type);
		}
		return b;
	}

	private emit(kind: StoreEvent['type'], type: ResourceType, obj: KubeObject, previous?: KubeObject): void {
		const event: StoreEvent = {rv: Number(obj.metadata.resourceVersion), type: kind, resource: type, object: structuredClone(obj), ...(previous ? {previous} : {})};
		this.log.push(event);
		while (this.log.length > this.eventWindow) {
			this.log.shift();
			this.trimmed++;
		}
		for (const listener of [...this.listeners]) {
			listener(event);
		}
	}
}

function key(type: ResourceType, namespace: string | undefined, name: string): string {
	return type.namespaced ? `${namespace ?? 'default'}/${name}` : `/${name}`;
}

function specChanged(old: KubeObject, obj: KubeObject): boolean {
	const strip = ({metadata: _m, status: _s, ...rest}: KubeObject): string => JSON.stringify(rest);
	return strip(old) !== strip(obj);
}

/** `n` random lowercase letters/digits, as Kubernetes' generated name suffixes (no vowels). */
export function randomSuffix(n: number): string {
	const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
	let out = '';
	for (let i = 0; i < n; i++) {
		out += alphabet[Math.floor(Math.random() * alphabet.length)];
	}
	return out;
}
