/**
 * Watch semantics and fault switches of the test cluster: resume from a resourceVersion,
 * 410 Gone for an RV older than the event window (and forced), bookmarks, timeoutSeconds,
 * selectors across changes, dropWatches, pause, request counters.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestCluster, type TestCluster} from './server.js';
import {api, waitUntil} from './testing.js';

let cluster: TestCluster;
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
	cluster = await startTestCluster({controllers: false, eventWindow: 5, bookmarkIntervalMs: 50});
});

afterAll(async () => {
	await cluster.stop();
});

/** An open watch: events so far (type + name or RV), and whether the stream ended. */
interface OpenWatch {
	events: Array<{type: string; object: any}>;
	ended: Promise<'end' | 'error'>;
	close(): void;
}

async function watch(query: string): Promise<OpenWatch> {
	const controller = new AbortController();
	const response = await fetch(`${cluster.url}${CMS}?watch=1&${query}`, {signal: controller.signal});
	expect(response.status).toBe(200);
	const events: OpenWatch['events'] = [];
	const ended = (async (): Promise<'end' | 'error'> => {
		let rest = '';
		try {
			for await (const chunk of response.body!) {
				rest += Buffer.from(chunk).toString();
				let nl: number;
				while ((nl = rest.indexOf('\n')) >= 0) {
					events.push(JSON.parse(rest.slice(0, nl)));
					rest = rest.slice(nl + 1);
				}
			}
			return 'end';
		} catch {
			return 'error';
		}
	})();
	return {events, ended, close: () => controller.abort()};
}

const names = (w: OpenWatch): string[] => w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.metadata?.name ?? e.object.code}`);

describe('watches and faults', () => {
	it('resumes from a resourceVersion; selectors turn changes into ADDED/DELETED', async () => {
		const created = (await api(cluster, 'POST', CMS, {metadata: {name: 'a', labels: {sel: 'yes'}}})).body;
		const w = await watch(`resourceVersion=${Number(created.metadata.resourceVersion) - 1}&labelSelector=sel%3Dyes`);
		await api(cluster, 'PATCH', `${CMS}/a`, {metadata: {labels: {sel: 'no'}}}, {'Content-Type': 'application/merge-patch+json'});
		await api(cluster, 'PATCH', `${CMS}/a`, {metadata: {labels: {sel: 'yes'}}}, {'Content-Type': 'application/merge-patch+json'});
		await api(cluster, 'DELETE', `${CMS}/a`);
		await waitUntil(() => names(w).length === 4);
		expect(names(w)).toEqual(['ADDED a', 'DELETED a', 'ADDED a', 'DELETED a']);
		w.close();
	});

	it('answers a resourceVersion older than the event window with an ERROR 410 event', async () => {
		const first = (await api(cluster, 'POST', CMS, {metadata: {name: 'old'}})).body.metadata.resourceVersion;
		for (let i = 0; i < 6; i++) {
			await api(cluster, 'POST', CMS, {metadata: {name: `n${i}`}});
		}
		const w = await watch(`resourceVersion=${first}`);
		expect(await w.ended).toBe('end');
		expect(w.events).toEqual([{type: 'ERROR', object: expect.objectContaining({kind: 'Status', code: 410, reason: 'Expired'})}]);
		const current = (await api(cluster, 'GET', CMS)).body.metadata.resourceVersion;
		const fine = await watch(`resourceVersion=${current}`);
		cluster.faults.goneOnNextWatch(1);
		const forced = await watch(`resourceVersion=${current}`);
		expect(await forced.ended).toBe('end');
		expect(forced.events[0]).toMatchObject({type: 'ERROR', object: {code: 410}});
		fine.close();
	});

	it('sends bookmarks when asked, ends at timeoutSeconds, and starts with ADDED for every object without an RV', async () => {
		const w = await watch('allowWatchBookmarks=true&timeoutSeconds=1');
		await waitUntil(() => w.events.some((e) => e.type === 'BOOKMARK'));
		const bookmark = w.events.find((e) => e.type === 'BOOKMARK')!;
		expect(bookmark.object).toMatchObject({kind: 'ConfigMap', apiVersion: 'v1', metadata: {resourceVersion: String(cluster.store.resourceVersion)}});
		expect(names(w).filter((n) => n.startsWith('ADDED n'))).toHaveLength(6);
		const started = Date.now();
		expect(await w.ended).toBe('end');
		expect(Date.now() - started).toBeLessThan(1500);
	});

	it('dropWatches ends every open stream (cleanly or abruptly)', async () => {
		const a = await watch('resourceVersion=0');
		const b = await watch('resourceVersion=0');
		await waitUntil(() => cluster.faults.watches.size === 2);
		expect(cluster.faults.dropWatches()).toBe(2);
		expect(await a.ended).toBe('end');
		expect(await b.ended).toBe('end');
		const c = await watch('resourceVersion=0');
		await waitUntil(() => cluster.faults.watches.size === 1);
		cluster.faults.dropWatches(true);
		expect(await c.ended).toBe('error');
	});

	it('pause holds requests; stats count them by verb and path', async () => {
		cluster.faults.resetStats();
		cluster.faults.pause(300);
		const started = Date.now();
		const answer = await api(cluster, 'GET', CMS);
		expect(answer.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(250);
		await api(cluster, 'GET', `${CMS}/n1`);
		await api(cluster, 'GET', '/api/v1/namespaces/default/configmaps/n2');
		expect(cluster.faults.stats.total).toBe(3);
		expect(cluster.faults.stats.byVerb).toEqual({list: 1, get: 2});
		expect(cluster.faults.stats.byVerbPath[`list ${CMS}`]).toBe(1);
	});
});
