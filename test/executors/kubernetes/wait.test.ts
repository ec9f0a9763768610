/**
 * Kubernetes waits against the real API server and controllers (real-cluster.ts), with the
 * test kubelet and the postgres-operator stand-in: every wait kind, with its progress
 * messages. How promptly a wait ends after the deciding change is measured by
 * `npm run bench` (against kubectl wait), not asserted here; the fault tests are in
 * wait-faults.test.ts.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startPostgresOperator, type PostgresOperator} from '../../support/kube/postgres-operator.js';
import type {RealCluster} from '../../support/kube/real-cluster.js';
import {getObject, putObject, runningPod, startRealHarness, type Harness} from './harness.js';
import {waitForItem} from '../../support/wait.js';

let h: Harness<RealCluster>;
let operator: PostgresOperator;
beforeAll(async () => {
	h = await startRealHarness();
	operator = await startPostgresOperator(h.cluster.cp);
}, 180_000);
afterAll(async () => {
	operator?.stop();
	await h?.stop();
});

/** Resolves once `list` (a wait's progress messages) has `message` (test/support/wait.ts: polled, never a fixed sleep). */
const until = (list: string[], message: string): Promise<string> => waitForItem(`progress "${message}"`, list, m => m === message);

/** A pod the test kubelet binds but leaves Pending (the test sets its status, as a kubelet would). */
const heldPod = (name: string, labels: Record<string, string> = {}) => {
	const pod = runningPod(name, labels);
	return {metadata: {...pod.metadata, annotations: {'test.runbook/hold': 'true'}}, spec: pod.spec};
};

/** Deletes a pod at once (grace period 0, as a kubelet's final delete). */
const removePod = (name: string) => h.cluster.api('DELETE', `/api/v1/namespaces/default/pods/${name}`, {apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0});

/** Sets a pod's status (merge patch of the status subresource). */
const setPodStatus = (name: string, status: object) => h.cluster.api('PATCH', `/api/v1/namespaces/default/pods/${name}/status`, {status}, 'application/merge-patch+json');

const deployment = (name: string, replicas: number) => ({
	metadata: {name, namespace: 'default'},
	spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'main', image: 'busybox'}]}}},
});

describe('deleted', () => {
	test('zero matches holds at once (unlike kubectl wait --for=delete, kubernetes#83242)', async () => {
		const ran = await h.run('wait', {deleted: {kind: 'Pod', selector: 'app=never-existed'}});
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['no pods matching app=never-existed left']);
	});

	test('reports what is left and ends when the last pod is gone', async () => {
		for (const name of ['spire-server-0', 'spire-server-1']) await putObject(h.cluster, 'Pod', heldPod(name, {app: 'spire-server'}));
		const waiting = h.start('wait', {deleted: {kind: 'Pod', selector: 'app=spire-server'}});
		await until(waiting.progress, '2 pods left: spire-server-0, spire-server-1');
		await removePod('spire-server-0');
		await until(waiting.progress, '1 pod left: spire-server-1');
		await removePod('spire-server-1');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['2 pods left: spire-server-0, spire-server-1', '1 pod left: spire-server-1', 'no pods matching app=spire-server left']);
		expect(ran.log).toMatch(/\d\d:\d\d:\d\d\.\d{3} 1 pod left: spire-server-1\n/);
	});

	test('a named object, through a terminating pod', async () => {
		await putObject(h.cluster, 'Pod', runningPod('solo'));
		const waiting = h.start('wait', {deleted: {kind: 'Pod', name: 'solo'}});
		await until(waiting.progress, '1 pod left: solo');
		await h.run('delete', {kind: 'Pod', name: 'solo'});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(await getObject(h.cluster, 'Pod', 'default', 'solo')).toBeUndefined();
		expect(ran.progress.at(-1)).toBe('pod solo is gone');
	});
});

describe('exists', () => {
	test('holds when the object appears', async () => {
		const waiting = h.start('wait', {exists: {kind: 'ConfigMap', name: 'late'}});
		await until(waiting.progress, 'waiting for configmap late to exist');
		await putObject(h.cluster, 'ConfigMap', {metadata: {name: 'late', namespace: 'default'}});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toEqual(['waiting for configmap late to exist', 'configmap late exists']);
	});
});

describe('jsonpath', () => {
	test('follows a custom resource status until it equals the value', async () => {
		const waiting = h.start('wait', {jsonpath: {kind: 'postgresql', apiVersion: 'acid.zalan.do/v1', name: 'pg-jp', path: '.status.PostgresClusterStatus', equals: 'Running'}});
		await until(waiting.progress, 'postgresql pg-jp does not exist yet');
		await putObject(h.cluster, 'postgresql', {metadata: {name: 'pg-jp', namespace: 'default'}, spec: {numberOfInstances: 1, teamId: 'x', postgresql: {version: '14'}, volume: {size: '1Gi'}}});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toContain('status.PostgresClusterStatus: Creating (waiting for Running)');
		expect(ran.progress.at(-1)).toBe('status.PostgresClusterStatus: Running');
		expect((await getObject(h.cluster, 'postgresql', 'default', 'pg-jp'))?.status.PostgresClusterStatus).toBe('Running');
	});
});

describe('condition', () => {
	test('a pod condition, default status True', async () => {
		await putObject(h.cluster, 'Pod', heldPod('cond-pod'));
		const waiting = h.start('wait', {condition: {kind: 'Pod', name: 'cond-pod', type: 'Ready'}});
		await until(waiting.progress, 'condition Ready: not reported yet (waiting for True)');
		await setPodStatus('cond-pod', {phase: 'Running', conditions: [{type: 'Ready', status: 'False', reason: 'ContainersNotReady'}]});
		await until(waiting.progress, 'condition Ready: False, reason ContainersNotReady (waiting for True)');
		await setPodStatus('cond-pod', {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('condition Ready: True');
	});
});

describe('rollout', () => {
	test('a StatefulSet restart, judged as kubectl rollout status', async () => {
		await putObject(h.cluster, 'StatefulSet', {...deployment('db', 3)});
		expect((await h.run('wait', {rollout: {kind: 'StatefulSet', name: 'db'}})).result).toEqual({ok: true});
		expect((await h.run('restart', {kind: 'StatefulSet', name: 'db'})).result.ok).toBe(true);
		const ran = await h.run('wait', {rollout: {kind: 'StatefulSet', name: 'db'}});
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.some(m => /^rollout: \d of 3 (updated|ready)/.test(m))).toBe(true);
		expect(ran.progress.at(-1)).toMatch(/^rollout complete: 3 of 3 /);
		const status = (await getObject(h.cluster, 'StatefulSet', 'default', 'db'))?.status;
		expect(status).toMatchObject({readyReplicas: 3, updatedReplicas: 3});
	});

	test('a Deployment and a DaemonSet', async () => {
		await putObject(h.cluster, 'Deployment', deployment('web', 2));
		const web = await h.run('wait', {rollout: {kind: 'Deployment', name: 'web'}});
		expect(web.result).toEqual({ok: true});
		expect(web.progress.at(-1)).toBe('rollout complete: 2 of 2 updated');
		const {replicas: _replicas, ...agentSpec} = deployment('agent', 0).spec;
		await putObject(h.cluster, 'DaemonSet', {metadata: {name: 'agent', namespace: 'default'}, spec: agentSpec});
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
		await until(waiting.progress, 'job ok-job does not exist yet');
		await putObject(h.cluster, 'Job', {metadata: {name: 'ok-job', namespace: 'default'}, spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'main', image: 'x'}]}}}});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toContain('job ok-job: 1 active, 0 succeeded, 0 failed');
		expect(ran.progress.at(-1)).toBe('job ok-job complete: 1 succeeded');
	});

	test('a failed Job fails the wait at once, with the reason, as final', async () => {
		// backoffLimit 0: the real Job controller fails the Job on its first failed pod.
		await putObject(h.cluster, 'Job', {metadata: {name: 'bad-job', namespace: 'default'}, spec: {backoffLimit: 0, template: {metadata: {annotations: {'test.runbook/fail': 'true'}}, spec: {restartPolicy: 'Never', containers: [{name: 'main', image: 'x'}]}}}});
		const ran = await h.run('wait', {jobComplete: {name: 'bad-job'}});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.final).toBe(true);
		expect(ran.result.error).toMatch(/^job bad-job failed: BackoffLimitExceeded/);
	});
});

describe('podsReady', () => {
	test('exactly count pods, all ready', async () => {
		const waiting = h.start('wait', {podsReady: {selector: 'app=ready-set', count: 2}});
		await until(waiting.progress, '0 of 2 pods ready, 0 match app=ready-set (waiting for exactly 2)');
		await putObject(h.cluster, 'StatefulSet', {...deployment('ready-set', 2)});
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('2 of 2 pods ready');
		expect(ran.progress).toContain('0 of 2 pods ready, 1 match app=ready-set (waiting for exactly 2); not ready: ready-set-0');
	});

	test('without count: every matching pod ready, and at least one (format 1.1)', async () => {
		const waiting = h.start('wait', {podsReady: {selector: 'app=all-set'}});
		await until(waiting.progress, 'no pods match app=all-set yet (waiting for at least one, all ready)');
		await putObject(h.cluster, 'Pod', heldPod('all-set-a', {app: 'all-set'}));
		await putObject(h.cluster, 'Pod', runningPod('all-set-b', {app: 'all-set'}));
		await until(waiting.progress, '1 of 2 pods ready; not ready: all-set-a');
		await setPodStatus('all-set-a', {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}], containerStatuses: [{name: 'main', ready: true, image: 'busybox', imageID: '', restartCount: 0, state: {running: {}}}]});
		const done = await waiting.done;
		expect(done.result).toEqual({ok: true});
		expect(done.progress.at(-1)).toBe('2 of 2 pods ready');
	});

	test('a count given as a string of digits (a resolved $VAR) counts; anything else is refused', async () => {
		await putObject(h.cluster, 'Pod', runningPod('counted-0', {app: 'counted'}));
		expect((await h.run('wait', {podsReady: {selector: 'app=counted', count: '1'}})).result).toEqual({ok: true});
		for (const count of ['', 'abc', '-1', '1.5']) {
			expect((await h.run('wait', {podsReady: {selector: 'app=counted', count}})).result).toEqual({
				ok: false,
				final: true,
				error: 'wait.podsReady needs count, a whole number >= 0 (or no count: every matching pod)',
			});
		}
	});
});

describe('stopping', () => {
	test('abort ends a wait, saying what was left', async () => {
		await putObject(h.cluster, 'Pod', runningPod('stays', {app: 'stays'}));
		const controller = new AbortController();
		const waiting = h.start('wait', {deleted: {kind: 'Pod', selector: 'app=stays'}}, {signal: controller.signal});
		await until(waiting.progress, '1 pod left: stays');
		controller.abort();
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: false, error: 'stopped while waiting: 1 pod left: stays'});
	});
});
