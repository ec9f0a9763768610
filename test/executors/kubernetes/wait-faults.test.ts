/**
 * Waits with a flaky API server: watches dropped (cleanly or abruptly),
 * 410 Gone, a paused server, quiet watches; and the number of API requests a
 * healthy wait makes, which must not grow with the time waited.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {TestCluster} from '../../support/kube/server.js';
import {put, runningPod, sleep, startHarness, typeOf, type Harness} from './harness.js';

const PROMPT_MS = 250;
const PODS = 'default/pods';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => {
	await h?.stop();
});

/** List and watch requests for the pods of namespace default, so far. */
function podRequests(cluster: TestCluster): {list: number; watch: number} {
	const stats = cluster.faults.stats.byVerbPath;
	return {list: stats[`list /api/v1/namespaces/${PODS}`] ?? 0, watch: stats[`watch /api/v1/namespaces/${PODS}`] ?? 0};
}

async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!test()) {
		if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
		await sleep(5);
	}
}

/** Starts `wait.deleted` on one fresh pod and waits until its watch is open. */
async function waitingForPod(harness: Harness, name: string) {
	put(harness.cluster, 'Pod', runningPod(name, {fault: name}));
	const before = podRequests(harness.cluster);
	const waiting = harness.start('wait', {deleted: {kind: 'Pod', selector: `fault=${name}`}});
	await until(() => waiting.progress.includes(`1 pod left: ${name}`) && podRequests(harness.cluster).watch > before.watch);
	await sleep(20);
	return {waiting, before};
}

/** Removes the pod now; returns performance.now() of the removal. */
function removePod(cluster: TestCluster, name: string): number {
	cluster.store.remove(typeOf('Pod'), 'default', name);
	return performance.now();
}

describe('watch dropped mid-wait', () => {
	test.each([false, true])('abrupt=%s: the watch is restarted and the wait ends right when the condition holds', async abrupt => {
		const {waiting, before} = await waitingForPod(h, `dropped-${abrupt}`);
		expect(h.cluster.faults.dropWatches(abrupt)).toBeGreaterThan(0);
		await until(() => podRequests(h.cluster).watch >= before.watch + 2);
		await sleep(30);
		const removed = removePod(h.cluster, `dropped-${abrupt}`);
		const ran = await waiting.done;
		expect(performance.now() - removed).toBeLessThan(PROMPT_MS);
		expect(ran.result).toEqual({ok: true});
		expect(podRequests(h.cluster).list - before.list).toBe(1); // resumed from the resourceVersion, no new list
		expect(ran.log).toMatch(abrupt ? /watch connection broke: restarted from resourceVersion \d+/ : /watch ended: restarted from resourceVersion \d+/);
		expect(ran.log).not.toContain('retrying in');
	});

	test('a change made while no watch was open is not missed', async () => {
		const {waiting} = await waitingForPod(h, 'between');
		h.cluster.faults.pause(300);
		h.cluster.faults.dropWatches();
		removePod(h.cluster, 'between'); // before the new watch is answered
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('no pods matching fault=between left');
	});
});

describe('410 Gone', () => {
	test('an expired resourceVersion makes the wait list again, and it still ends', async () => {
		const {waiting, before} = await waitingForPod(h, 'gone');
		h.cluster.faults.goneOnNextWatch(1);
		h.cluster.faults.dropWatches();
		await until(() => podRequests(h.cluster).list >= before.list + 2);
		await sleep(30);
		const removed = removePod(h.cluster, 'gone');
		const ran = await waiting.done;
		expect(performance.now() - removed).toBeLessThan(PROMPT_MS);
		expect(ran.result).toEqual({ok: true});
		expect(ran.log).toContain('watch expired (410 Gone): listing again');
	});

	test('so does a compacted history (the watch resumes from a version no longer kept)', async () => {
		const {waiting, before} = await waitingForPod(h, 'compacted');
		put(h.cluster, 'ConfigMap', {metadata: {name: 'bump', namespace: 'default'}}); // moves the global version on
		h.cluster.store.compact();
		h.cluster.faults.dropWatches();
		await until(() => podRequests(h.cluster).list >= before.list + 2);
		removePod(h.cluster, 'compacted');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.log).toContain('watch expired (410 Gone): listing again');
	});
});

describe('paused API server', () => {
	test('the wait survives a pause and ends when the change is seen', async () => {
		const quick = await startHarness({}, {watch: {quietMs: 300, retryDelayMs: 50, maxRetryDelayMs: 200}});
		try {
			const {waiting} = await waitingForPod(quick, 'paused');
			quick.cluster.faults.pause(1200);
			quick.cluster.faults.dropWatches(true);
			await sleep(400);
			removePod(quick.cluster, 'paused');
			await sleep(300);
			expect(waiting.progress.at(-1)).not.toBe('no pods matching fault=paused left'); // nothing answered yet
			const ran = await waiting.done;
			expect(ran.result).toEqual({ok: true});
			expect(ran.ms).toBeLessThan(5000);
		} finally {
			await quick.stop();
		}
	});
});

describe('a server that does not answer when the wait starts', () => {
	test('discovery and the list are tried again until it answers', async () => {
		const fresh = await startHarness({}, {requestTimeoutMs: 300, watch: {retryDelayMs: 50, maxRetryDelayMs: 100}});
		try {
			put(fresh.cluster, 'ConfigMap', {metadata: {name: 'there', namespace: 'default'}});
			fresh.cluster.faults.pause(1000);
			const ran = await fresh.run('wait', {exists: {kind: 'ConfigMap', name: 'there'}});
			expect(ran.result).toEqual({ok: true});
			expect(ran.progress).toContain('the API server failed: the API server ' + fresh.cluster.url + ' did not answer within 300 ms; retrying');
			expect(ran.progress.at(-1)).toBe('configmap there exists');
			expect(ran.log).toMatch(/discovery failed: .*; retrying in \d+ ms/);
		} finally {
			await fresh.stop();
		}
	});
});

describe('quiet watches', () => {
	test('a watch with no data for quietMs is restarted from its resourceVersion (no new list)', async () => {
		const quiet = await startHarness({bookmarkIntervalMs: 600_000}, {watch: {quietMs: 250}});
		try {
			const {waiting, before} = await waitingForPod(quiet, 'quiet');
			await sleep(900);
			const during = podRequests(quiet.cluster);
			expect(during.watch - before.watch).toBeGreaterThanOrEqual(3);
			expect(during.list - before.list).toBe(1);
			const removed = removePod(quiet.cluster, 'quiet');
			const ran = await waiting.done;
			expect(performance.now() - removed).toBeLessThan(PROMPT_MS);
			expect(ran.log).toMatch(/watch quiet for too long: restarted from resourceVersion \d+/);
		} finally {
			await quiet.stop();
		}
	});
});

describe('API requests', () => {
	test('a healthy wait makes one list and one watch however long it waits', async () => {
		const {waiting} = await waitingForPod(h, 'patient');
		const start = h.port.apiRequests();
		await sleep(2500); // bookmarks arrive every second; nothing else happens
		expect(h.port.apiRequests()).toBe(start);
		removePod(h.cluster, 'patient');
		expect((await waiting.done).result).toEqual({ok: true});
		expect((await waiting.done).log).toMatch(/wait\.deleted holds \(2 API requests\)/);
	});

	test('a request waiting cannot fix (a bad selector) fails at once', async () => {
		const ran = await h.run('wait', {exists: {kind: 'Pod', selector: 'app in (unclosed'}});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.error).toMatch(/unable to parse requirement/);
		expect(ran.ms).toBeLessThan(1000);
	});
});
