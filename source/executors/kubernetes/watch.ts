/**
 * Keeping the set of objects that match a selector, as client-node's ListWatch
 * (kubernetes-client/javascript `src/cache.ts`) and client-go's reflector do:
 * list, then watch from the list's resourceVersion; apply each event; restart
 * the watch from the last resourceVersion seen when it ends or has been quiet
 * too long (client-node 2.x gives up on a watch after 30 s without data);
 * list again after 410 Gone (the resourceVersion is too old). A failed request
 * (server unreachable, 5xx) is retried with a growing pause. No polling: the
 * API requests grow only with restarts and failures, never with the time
 * waited while the watch is healthy and events flow.
 */
import {HttpMethod} from '@kubernetes/client-node';
import {KubeApiError, type KubeClient} from './client.js';

/** A Kubernetes object as JSON. */
export type KubeObject = {metadata?: {name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown}; [key: string]: unknown};

/** What {@link watchObjects} watches. */
export interface WatchTarget {
	/** Collection path: `/api/v1/namespaces/spire/pods`. */
	path: string;
	labelSelector?: string;
	fieldSelector?: string;
}

/** Settings of {@link watchObjects}. */
export interface WatchSettings {
	/** A watch with no data (events or bookmarks) for this long is restarted, in ms (30 s). */
	quietMs: number;
	/** First pause after a failed request, in ms; doubled up to `maxRetryDelayMs`. */
	retryDelayMs: number;
	maxRetryDelayMs: number;
}

/** Default settings: the client-node 2.x inactivity timeout, retries from 500 ms to 5 s. */
export const DEFAULT_WATCH_SETTINGS: WatchSettings = {quietMs: 30_000, retryDelayMs: 500, maxRetryDelayMs: 5_000};

/** A watch the server ends sooner than this (ms) without any event counts as a failed one. */
const QUICK_END_MS = 1000;

/** Things worth a line in the step log. */
export type WatchNote = {type: 'listed'; count: number; resourceVersion: string} | {type: 'restart'; why: 'ended' | 'broken' | 'quiet'; resourceVersion: string} | {type: 'gone'} | {type: 'retry'; error: string; delayMs: number};

/**
 * Lists and watches `target`, calling `check` with the current objects (keyed
 * `namespace/name`) after the list and after every event, until `check`
 * returns true (resolves `'done'`) or `signal` aborts (resolves `'aborted'`
 * within a few ms: the open request is aborted).
 * @throws KubeApiError for a failure waiting cannot fix (403 Forbidden, 404 of
 *   the resource type, 400 Bad Request such as a malformed selector).
 */
export async function watchObjects(client: KubeClient, target: WatchTarget, check: (objects: ReadonlyMap<string, KubeObject>) => boolean, signal: AbortSignal, settings: WatchSettings = DEFAULT_WATCH_SETTINGS, onNote: (note: WatchNote) => void = () => {}): Promise<'done' | 'aborted'> {
	if (signal.aborted) return 'aborted';
	// An abort answers at once; the request it aborts winds down behind (without calling back).
	let onAbort: (() => void) | undefined;
	const aborted = new Promise<'aborted'>(resolve => {
		onAbort = () => resolve('aborted');
		signal.addEventListener('abort', onAbort, {once: true});
	});
	const guardedCheck = (objects: ReadonlyMap<string, KubeObject>): boolean => signal.aborted || check(objects);
	const guardedNote = (note: WatchNote): void => {
		if (!signal.aborted) onNote(note);
	};
	try {
		return await Promise.race([listAndWatch(client, target, guardedCheck, signal, settings, guardedNote), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort!);
	}
}

async function listAndWatch(client: KubeClient, target: WatchTarget, check: (objects: ReadonlyMap<string, KubeObject>) => boolean, signal: AbortSignal, settings: WatchSettings, onNote: (note: WatchNote) => void): Promise<'done' | 'aborted'> {
	const objects = new Map<string, KubeObject>();
	let resourceVersion = '';
	let failures = 0;
	let quickEnds = 0; // watches in a row that the server ended at once, with no event
	let sawEvent = false;
	const selectors = {labelSelector: target.labelSelector || undefined, fieldSelector: target.fieldSelector || undefined};
	while (!signal.aborted) {
		try {
			if (!resourceVersion) {
				const list = await client.request<{metadata?: {resourceVersion?: string}; items?: KubeObject[]}>(HttpMethod.GET, target.path, {query: selectors, signal});
				objects.clear();
				for (const item of list?.items ?? []) objects.set(keyOf(item), item);
				resourceVersion = list?.metadata?.resourceVersion ?? '0';
				failures = 0;
				onNote({type: 'listed', count: objects.size, resourceVersion});
				if (check(objects)) return signal.aborted ? 'aborted' : 'done';
			}
			const started = Date.now();
			sawEvent = false;
			const end = await watchOnce(client, target.path, {...selectors, resourceVersion}, objects, check, signal, settings.quietMs, rv => {
				resourceVersion = rv;
				failures = 0;
				sawEvent = true;
			});
			if (end === 'done' || end === 'aborted') return end;
			if (end === 'gone') {
				resourceVersion = '';
				onNote({type: 'gone'});
				continue;
			}
			onNote({type: 'restart', why: end, resourceVersion});
			quickEnds = end !== 'quiet' && !sawEvent && Date.now() - started < QUICK_END_MS ? quickEnds + 1 : 0;
			// A server that ends every watch at once must not make this a busy loop.
			if (quickEnds > 1) await sleep(Math.min(settings.retryDelayMs * 2 ** (quickEnds - 2), settings.maxRetryDelayMs), signal);
		} catch (error) {
			if (signal.aborted) break;
			if (error instanceof KubeApiError && error.status === 410) {
				resourceVersion = '';
				onNote({type: 'gone'});
				continue;
			}
			// Only a request the server did not answer, or answered 429/5xx, is worth another try.
			if (!(error instanceof KubeApiError) || !error.transient) throw error;
			const delayMs = retryDelay(failures, settings);
			failures++;
			onNote({type: 'retry', error: error instanceof Error ? error.message : String(error), delayMs});
			await sleep(delayMs, signal);
		}
	}
	return 'aborted';
}

/** Runs one watch request; says how it ended. */
async function watchOnce(
	client: KubeClient,
	path: string,
	query: {labelSelector?: string; fieldSelector?: string; resourceVersion: string},
	objects: Map<string, KubeObject>,
	check: (objects: ReadonlyMap<string, KubeObject>) => boolean,
	signal: AbortSignal,
	quietMs: number,
	onResourceVersion: (rv: string) => void,
): Promise<'done' | 'aborted' | 'gone' | 'ended' | 'broken' | 'quiet'> {
	const controller = new AbortController();
	const onAbort = (): void => controller.abort();
	signal.addEventListener('abort', onAbort, {once: true});
	let quiet = false;
	let timer: NodeJS.Timeout | undefined;
	const arm = (): void => {
		clearTimeout(timer);
		timer = setTimeout(() => {
			quiet = true;
			controller.abort();
		}, quietMs);
	};
	arm();
	try {
		const body = await client.stream(path, {...query, watch: 1, allowWatchBookmarks: true}, controller.signal);
		arm();
		const reader = body.getReader();
		const decoder = new TextDecoder();
		let partial = '';
		for (;;) {
			let chunk: Awaited<ReturnType<typeof reader.read>>;
			try {
				chunk = await reader.read();
			} catch (error) {
				if (signal.aborted || quiet) throw error;
				return 'broken'; // the connection broke after the watch was set up: start another at once
			}
			const {done, value} = chunk;
			if (done) return 'ended';
			arm();
			const text = partial + decoder.decode(value, {stream: true});
			const lines = text.split('\n');
			partial = lines.pop() ?? '';
			for (const line of lines) {
				if (line.trim() === '') continue;
				let event: {type?: string; object?: KubeObject & {code?: number}};
				try {
					event = JSON.parse(line) as typeof event;
				} catch {
					continue; // not an event; the next one may be fine
				}
				const object = event.object;
				if (!object) continue;
				if (event.type === 'ERROR') return object.code === 410 ? 'gone' : 'ended';
				if (event.type === 'ADDED' || event.type === 'MODIFIED') objects.set(keyOf(object), object);
				else if (event.type === 'DELETED') objects.delete(keyOf(object));
				const rv = object.metadata?.resourceVersion;
				if (rv) onResourceVersion(rv);
				if (event.type !== 'BOOKMARK' && check(objects)) return 'done';
			}
		}
	} catch (error) {
		if (signal.aborted) return 'aborted';
		if (quiet) return 'quiet';
		throw error;
	} finally {
		clearTimeout(timer);
		signal.removeEventListener('abort', onAbort);
		controller.abort();
	}
}

/** `namespace/name`: the key of an object in a watched set. */
export function keyOf(object: KubeObject): string {
	return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * The pause before another try of a request that failed `failures` times before
 * (0 for the first retry): `retryDelayMs` doubled per failure, at most
 * `maxRetryDelayMs`; ms.
 */
export function retryDelay(failures: number, settings: {retryDelayMs: number; maxRetryDelayMs: number}): number {
	return Math.min(settings.retryDelayMs * 2 ** failures, settings.maxRetryDelayMs);
}

/** Resolves after `ms` ms, or at once when `signal` aborts (never rejects); leaves no listener behind. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise(resolve => {
		const done = (): void => {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal.addEventListener('abort', done, {once: true});
	});
}
