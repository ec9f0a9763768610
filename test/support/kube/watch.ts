/**
 * Watches (`GET <list URL>?watch=1`), as the API server streams them: one JSON object per
 * line, `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":...}`.
 * - no resourceVersion, or "0": ADDED for every current object, then changes;
 * - resourceVersion N: every retained change after N, then changes; N older than the
 *   retained window (ClusterOptions.eventWindow) → one ERROR event with a 410 Gone Status
 *   ("too old resource version"), then the stream ends — as the real server does;
 * - selectors apply to the object before and after a change: an object that stops matching
 *   is sent as DELETED, one that starts matching as ADDED;
 * - `allowWatchBookmarks=true` → BOOKMARK every bookmarkIntervalMs with the current RV;
 * - `timeoutSeconds` ends the stream; a Table Accept header wraps each object in a Table.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ClusterContext} from './context.js';
import type {Faults} from './faults.js';
import {apiVersionOf, type KubeObject, type ResourceType} from './resources.js';
import type {Matcher} from './selectors.js';
import type {StoreEvent} from './store.js';
import {statusObject} from './http-util.js';
import {toTable, wantsTable} from './table.js';

/** What a watch selects. */
export interface WatchQuery {
	type: ResourceType;
	namespace?: string;
	matches: Matcher;
	resourceVersion: string | null;
	bookmarks: boolean;
	timeoutSeconds?: number;
	includeObject: string | null;
}

/** Streams a watch on `res` until the client leaves, the timeout, stop, or dropWatches. */
export function serveWatch(ctx: ClusterContext, faults: Faults, req: IncomingMessage, res: ServerResponse, query: WatchQuery): void {
	const table = wantsTable(req.headers.accept);
	res.writeHead(200, {'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache'});
	res.flushHeaders();
	const send = (type: string, object: KubeObject): void => {
		if (res.writableEnded || res.destroyed) {
			return;
		}
		const body = table && type !== 'ERROR' && type !== 'BOOKMARK'
			? toTable(query.type.kind, [object], object.metadata?.resourceVersion ?? '', query.includeObject)
			: object;
		res.write(`${JSON.stringify({type, object: body})}\n`);
	};
	const rv = query.resourceVersion;
	if (rv && rv !== '0' && (faults.takeGone() || Number(rv) < ctx.store.oldestResumable)) {
		send('ERROR', statusObject(410, 'Expired', `too old resource version: ${rv} (${ctx.store.resourceVersion})`));
		res.end();
		return;
	}
	const inScope = (o: KubeObject): boolean => !query.type.namespaced || query.namespace === undefined || o.metadata?.namespace === query.namespace;
	const selected = (o: KubeObject | undefined): boolean => o !== undefined && inScope(o) && query.matches(o);
	const deliver = (event: StoreEvent): void => {
		if (event.resource !== query.type) {
			return;
		}
		const now = selected(event.object);
		if (event.type === 'MODIFIED' && event.previous) {
			const before = selected(event.previous);
			if (now) {
				send(before ? 'MODIFIED' : 'ADDED', event.object);
			} else if (before) {
				send('DELETED', event.object);
			}
		} else if (now) {
			send(event.type, event.object);
		}
	};
	const unsubscribe = ctx.store.subscribe(deliver);
	if (!rv || rv === '0') {
		for (const o of ctx.store.list(query.type, query.namespace)) {
			if (query.matches(o)) {
				send('ADDED', o);
			}
		}
	} else {
		for (const e of ctx.store.eventsAfter(Number(rv))) {
			deliver(e);
		}
	}
	faults.watches.add(res);
	const timers: NodeJS.Timeout[] = [];
	if (query.bookmarks) {
		timers.push(setInterval(() => send('BOOKMARK', {
			kind: query.type.kind, apiVersion: apiVersionOf(query.type), metadata: {resourceVersion: String(ctx.store.resourceVersion)},
		}), ctx.options.bookmarkIntervalMs));
	}
	if (query.timeoutSeconds && query.timeoutSeconds > 0) {
		timers.push(setTimeout(() => res.end(), query.timeoutSeconds * 1000));
	}
	const cleanup = (): void => {
		unsubscribe();
		faults.watches.delete(res);
		for (const t of timers) {
			clearTimeout(t);
		}
	};
	res.on('close', cleanup);
	res.on('finish', cleanup);
}
