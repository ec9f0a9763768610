/**
 * Kubernetes waits against the test cluster: every wait kind, with its
 * progress messages, ending within milliseconds of the change that makes it
 * hold (no polling), and coping with a flaky API server.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {StoreEvent} from '../../support/kube/store.js';
import type {TestCluster} from '../../support/kube/server.js';
import {get, put, runningPod, sleep, startHarness, typeOf, type Harness} from './harness.js';

/** How soon after the deciding change a wait must end, ms: generous for a loaded 2-core machine; polling would take seconds. */
const PROMPT_MS = 250;

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => {
	await h?.stop();
});

/** Resolves with performance.now() at the first store event for which `test` holds. */
function when(cluster: TestCluster, test: (event: StoreEvent) => boolean): Promise<number> {
	return new Promise(resolve => {
		const unsubscribe = cluster.store.subscribe(event => {
			if (test(event)) {
				unsubscribe();
				resolve(performance.now());
			}
		});
	});
}

/** Resolves once `list` has an item for which `test` holds (checked every 5 ms). */
async function until<T>(list: T[], test: (item: T) => boolean, timeoutMs = 5000): Promise<void> {
	const end = Date.now() + timeoutMs;
	while (!list.some(test)) {
		if (Date.now() > end) throw new Error(`not seen within ${timeoutMs} ms; have: ${JSON.stringify(list)}`);
		await sleep(5);
	}
}

const deployment = (name: string, replicas: number) => ({
	metadata: {name, namespace: 'default'},
	spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'main', image: 'busybox'}]}}},
});

describe('deleted', () => {
	test('zero matches holds at once: one list, no watch (unlike kubectl wait --for=delete, kubernetes#83242)', async () => {
		await h.run('wait', {exists: {kind: 'Pod', name: 'warm-up-discovery'}}, {signal: AbortSignal.timeout(50)});
		const before = {...h.cluster.faults.stats.byVerb};
		const ran = await h.run('wait', {deleted: {kind: 'Pod', selector: 'app=never-existed'}});
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['no pods matching app=never-existed left']);
		expect(ran.ms).toBeLessThan(2 * PROMPT_MS);
		expect((h.cluster.faults.stats.byVerb.list ?? 0) - (before.list ?? 0)).toBe(1);
		expect(h.cluster.faults.stats.byVerb.watch ?? 0).toBe(before.watch ?? 0);
	});

	test('reports what is left and ends when the last pod is gone', async () => {
		for (const name of ['spire-server-0', 'spire-server-1']) put(h.cluster, 'Pod', runningPod(name, {app: 'spire-server'}));
		const waiting = h.start('wait', {deleted: {kind: 'Pod', selector: 'app=spire-server'}});
		await until(waiting.progress, m => m === '2 pods left: spire-server-0, spire-server-1');
		const gone = when(h.cluster, e => e.type === 'DELETED' && e.object.metadata.name === 'spire-server-1');
		h.cluster.store.remove(typeOf('Pod'), 'default', 'spire-server-0');
		await until(waiting.progress, m => m === '1 pod left: spire-server-1');
		await sleep(50);
		h.cluster.store.remove(typeOf('Pod'), 'default', 'spire-server-1');
		const ran = await waiting.done;
		const ended = performance.now();
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['2 pods left: spire-server-0, spire-server-1', '1 pod left: spire-server-1', 'no pods matching app=spire-server left']);
		expect(ended - (await gone)).toBeLessThan(PROMPT_MS);
		expect(ran.log).toMatch(/\d\d:\d\d:\d\d\.\d{3} 1 pod left: spire-server-1\n/);
	});

	test('a named object, through a terminating pod', async () => {
		put(h.cluster, 'Pod', runningPod('solo'));
		const waiting = h.start('wait', {deleted: {kind: 'Pod', name: 'solo'}});
		await until(waiting.progress, m => m === '1 pod left: solo');
		const gone = when(h.cluster, e => e.type === 'DELETED' && e.object.metadata.name === 'solo');
		await h.run('delete', {kind: 'Pod', name: 'solo'});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(performance.now() - (await gone)).toBeLessThan(PROMPT_MS);
		expect(ran.progress.at(-1)).toBe('pod solo is gone');
	});
});

describe('exists', () => {
	test('holds when the object appears', async () => {
		const waiting = h.start('wait', {exists: {kind: 'ConfigMap', name: 'late'}});
		await until(waiting.progress, m => m === 'waiting for configmap late to exist');
		const added = when(h.cluster, e => e.type === 'ADDED' && e.object.metadata.name === 'late');
		put(h.cluster, 'ConfigMap', {metadata: {name: 'late', namespace: 'default'}});
		const ran = await waiting.done;
		expect(performance.now() - (await added)).toBeLessThan(PROMPT_MS);
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['waiting for configmap late to exist', 'configmap late exists']);
	});
});

describe('jsonpath', () => {
	test('follows a custom resource status until it equals the value', async () => {
		const waiting = h.start('wait', {jsonpath: {kind: 'postgresql', apiVersion: 'acid.zalan.do/v1', name: 'pg-jp', path: '.status.PostgresClusterStatus', equals: 'Running'}});
		await until(waiting.progress, m => m === 'postgresql pg-jp does not exist yet');
		put(h.cluster, 'postgresql', {metadata: {name: 'pg-jp', namespace: 'default'}, spec: {numberOfInstances: 1, teamId: 'x'}});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toContain('status.PostgresClusterStatus: Creating (waiting for Running)');
		expect(ran.progress.at(-1)).toBe('status.PostgresClusterStatus: Running');
		expect(get(h.cluster, 'postgresql', 'default', 'pg-jp')?.status.PostgresClusterStatus).toBe('Running');
	});
});

describe('condition', () => {
	test('a pod condition, default status True', async () => {
		const pod = put(h.cluster, 'Pod', {...runningPod('cond-pod'), status: {phase: 'Running'}});
		const waiting = h.start('wait', {condition: {kind: 'Pod', name: 'cond-pod', type: 'Ready'}});
		await until(waiting.progress, m => m === 'condition Ready: not reported yet (waiting for True)');
		const notReady = h.cluster.store.update(typeOf('Pod'), {...pod, status: {phase: 'Running', conditions: [{type: 'Ready', status: 'False', reason: 'ContainersNotReady'}]}});
		await until(waiting.progress, m => m === 'condition Ready: False, reason ContainersNotReady (waiting for True)');
		h.cluster.store.update(typeOf('Pod'), {...notReady, status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}});
		const changed = performance.now();
		const ran = await waiting.done;
		expect(performance.now() - changed).toBeLessThan(PROMPT_MS);
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('condition Ready: True');
	});
});

describe('rollout', () => {
	test('a StatefulSet restart, judged as kubectl rollout status', async () => {
		put(h.cluster, 'StatefulSet', {...deployment('db', 3)});
		expect((await h.run('wait', {rollout: {kind: 'StatefulSet', name: 'db'}})).result).toEqual({ok: true});
		expect((await h.run('restart', {kind: 'StatefulSet', name: 'db'})).result.ok).toBe(true);
		const ran = await h.run('wait', {rollout: {kind: 'StatefulSet', name: 'db'}});
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.some(m => /^rollout: \d of 3 (updated|ready)/.test(m))).toBe(true);
		expect(ran.progress.at(-1)).toMatch(/^rollout complete: 3 of 3 /);
		const status = get(h.cluster, 'StatefulSet', 'default', 'db')?.status;
		expect(status).toMatchObject({readyReplicas: 3, updatedReplicas: 3});
	});

	test('a Deployment and a DaemonSet', async () => {
		put(h.cluster, 'Deployment', deployment('web', 2));
		const web = await h.run('wait', {rollout: {kind: 'Deployment', name: 'web'}});
		expect(web.result).toEqual({ok: true});
		expect(web.progress.at(-1)).toBe('rollout complete: 2 of 2 updated');
		put(h.cluster, 'DaemonSet', deployment('agent', 0));
		const agent = await h.run('wait', {rollout: {kind: 'DaemonSet', name: 'agent'}});
		expect(agent.result).toEqual({ok: true});
		expect(agent.progress.at(-1)).toBe('rollout complete: 3 of 3 updated');
	});

	test('a wait this port cannot run fails as final', async () => {
		expect((await h.run('wait', {command: {run: 'true'}})).result).toEqual({ok: false, final: true, error: 'wait needs exactly one of deleted, exists, jsonpath, condition, rollout, jobComplete, podsReady (got command)'});
	});

	test('only for workloads', async () => {
		expect((await h.run('wait', {rollout: {kind: 'ConfigMap', name: 'x'}})).result).toEqual({ok: false, final: true, error: 'rollout works on Deployment, StatefulSet and DaemonSet, not ConfigMap'});
	});
});

describe('jobComplete', () => {
	test('a Job that succeeds', async () => {
		const waiting = h.start('wait', {jobComplete: {name: 'ok-job'}});
		await until(waiting.progress, m => m === 'job ok-job does not exist yet');
		put(h.cluster, 'Job', {metadata: {name: 'ok-job', namespace: 'default'}, spec: {template: {spec: {containers: [{name: 'main', image: 'x'}]}}}});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toContain('job ok-job: 1 active, 0 succeeded, 0 failed');
		expect(ran.progress.at(-1)).toBe('job ok-job complete: 1 succeeded');
	});

	test('a failed Job fails the wait at once, with the reason, as final', async () => {
		const failed = when(h.cluster, e => e.object.metadata?.name === 'bad-job' && (e.object.status?.conditions ?? []).some((c: {type: string}) => c.type === 'Failed'));
		put(h.cluster, 'Job', {metadata: {name: 'bad-job', namespace: 'default', annotations: {'test.runbook/fail': 'true'}}, spec: {template: {spec: {containers: [{name: 'main', image: 'x'}]}}}});
		const ran = await h.run('wait', {jobComplete: {name: 'bad-job'}});
		expect(performance.now() - (await failed)).toBeLessThan(PROMPT_MS);
		expect(ran.result.ok).toBe(false);
		expect(ran.result.final).toBe(true);
		expect(ran.result.error).toMatch(/^job bad-job failed: BackoffLimitExceeded/);
	});
});

describe('podsReady', () => {
	test('exactly count pods, all ready', async () => {
		const waiting = h.start('wait', {podsReady: {selector: 'app=ready-set', count: 2}});
		await until(waiting.progress, m => m === '0 of 2 pods ready, 0 match app=ready-set (waiting for exactly 2)');
		put(h.cluster, 'StatefulSet', {...deployment('ready-set', 2)});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('2 of 2 pods ready');
		expect(ran.progress).toContain('0 of 2 pods ready, 1 match app=ready-set (waiting for exactly 2); not ready: ready-set-0');
	});
});

describe('stopping', () => {
	test('abort ends a wait at once (within 500 ms even on a loaded machine; it takes a few ms), saying what was left', async () => {
		put(h.cluster, 'Pod', runningPod('stays', {app: 'stays'}));
		const controller = new AbortController();
		const waiting = h.start('wait', {deleted: {kind: 'Pod', selector: 'app=stays'}}, {signal: controller.signal});
		await until(waiting.progress, m => m === '1 pod left: stays');
		await until([h.cluster.faults], faults => faults.watches.size > 0);
		const watchesBefore = h.cluster.faults.watches.size;
		const aborted = performance.now();
		controller.abort();
		const ran = await waiting.done;
		expect(performance.now() - aborted).toBeLessThan(500);
		expect(ran.result).toEqual({ok: false, error: 'stopped while waiting: 1 pod left: stays'});
		// The watch request is closed (the server sees it a moment later).
		await until([h.cluster.faults], faults => faults.watches.size === watchesBefore - 1);
	});

	test('abort while the API server does not answer also ends at once (within 500 ms)', async () => {
		h.cluster.faults.pause(3000);
		try {
			const controller = new AbortController();
			const waiting = h.start('wait', {exists: {kind: 'Pod', name: 'never'}}, {signal: controller.signal});
			await sleep(200);
			const aborted = performance.now();
			controller.abort();
			const ran = await waiting.done;
			expect(performance.now() - aborted).toBeLessThan(500);
			expect(ran.result.ok).toBe(false);
		} finally {
			h.cluster.faults.resume();
		}
	});
});
