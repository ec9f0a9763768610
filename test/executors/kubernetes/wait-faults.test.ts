/**
 * Waits with a flaky API server: the real one (real-cluster.ts, its watch cache off so that
 * watches are served from etcd and an etcd compaction gives a real 410 Gone) behind a TCP
 * proxy (fault-proxy.ts) that drops connections and pauses; quiet watches; and the number
 * of API requests a healthy wait makes.
 */
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {KubernetesPortOptions} from '../../../source/executors/kubernetes/index.js';
import {startFaultProxy, type FaultProxy} from '../../support/kube/fault-proxy.js';
import {startRealCluster, type RealCluster} from '../../support/kube/real-cluster.js';
import {putObject, runningPod, withPort, type Harness} from './harness.js';
import {waitUntil} from '../../support/wait.js';

let cluster: RealCluster;
let proxy: FaultProxy;
let h: Harness<RealCluster>;
const ports: Array<Harness<RealCluster>> = [];

/** A port through the proxy with `options`; the cluster stays up when it stops. */
function portWith(options: KubernetesPortOptions = {}): Harness<RealCluster> {
	const harness = withPort({...cluster, kubeconfigPath: proxy.kubeconfigPath, stop: async () => {}}, options);
	ports.push(harness);
	return harness;
}

beforeAll(async () => {
	cluster = await startRealCluster({watchCache: false});
	proxy = await startFaultProxy(cluster);
	h = portWith();
}, 180_000);
afterAll(async () => {
	for (const port of ports) await port.stop();
	await proxy?.stop();
	await cluster?.stop();
});

/** A pod the test kubelet leaves Pending, so that only the test removes it. */
function heldPod(name: string) {
	const pod = runningPod(name, {fault: name});
	return {metadata: {...pod.metadata, annotations: {'test.runbook/hold': 'true'}}, spec: pod.spec};
}

/** Starts `wait.deleted` on one fresh pod; resolves once its list and watch were sent. */
async function waitingForPod(harness: Harness<RealCluster>, name: string) {
	await putObject(cluster, 'Pod', heldPod(name));
	const before = harness.port.apiRequests();
	const waiting = harness.start('wait', {deleted: {kind: 'Pod', selector: `fault=${name}`}});
	await waitUntil('the list and the watch of the pod', () => waiting.progress.includes(`1 pod left: ${name}`) && harness.port.apiRequests() >= before + 2, 30_000);
	return {waiting, before};
}

/** Deletes the pod at once, straight to the API server (not through the proxy). */
async function removePod(name: string): Promise<void> {
	const answer = await cluster.api('DELETE', `/api/v1/namespaces/default/pods/${name}`, {apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0});
	expect(answer.status).toBe(200);
}

describe('watch dropped mid-wait', () => {
	test('the watch is restarted from its resourceVersion and the wait ends when the condition holds', async () => {
		const {waiting, before} = await waitingForPod(h, 'dropped');
		expect(proxy.dropAll()).toBeGreaterThan(0);
		await waitUntil('a third API request', () => h.port.apiRequests() >= before + 3, 30_000);
		await removePod('dropped');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		// The cut may come while the watch request is still on its way (a failed request, tried
		// again; undici says ECONNRESET or "other side closed" by when the cut lands) or once it streams
		// (a broken watch); either way it resumes, with no new list.
		expect(ran.log).toMatch(/watch (connection broke|ended): restarted from resourceVersion \d+|API request failed: .*(ECONNRESET|other side closed); retrying in \d+ ms/);
		expect(ran.log.match(/=== runbook: listed /g)).toHaveLength(1);
	});

	test('a change made while no watch was open is not missed', async () => {
		const {waiting} = await waitingForPod(h, 'between');
		proxy.pause();
		proxy.dropAll();
		await removePod('between'); // before the new watch is answered
		proxy.resume();
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress.at(-1)).toBe('no pods matching fault=between left');
	});
});

describe('410 Gone', () => {
	test('a compacted history (the watch resumes from a version etcd no longer keeps) makes the wait list again, and it still ends', async () => {
		const {waiting, before} = await waitingForPod(h, 'compacted');
		proxy.pause();
		proxy.dropAll();
		// Two writes move the revision past the one after the list (a compaction keeps its own
		// revision), then etcd forgets everything before.
		for (const name of ['bump-1', 'bump-2']) await putObject(cluster, 'ConfigMap', {metadata: {name, namespace: 'default'}});
		await cluster.cp.compact();
		proxy.resume();
		await waitUntil('the watch to try again', () => h.port.apiRequests() >= before + 3, 30_000);
		await removePod('compacted');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.log).toContain('watch expired (410 Gone): listing again');
	});
});

describe('paused API server', () => {
	test('the wait survives a pause and ends when the change is seen', async () => {
		const quick = portWith({watch: {quietMs: 300, retryDelayMs: 50, maxRetryDelayMs: 200}});
		const {waiting, before} = await waitingForPod(quick, 'paused');
		proxy.pause();
		proxy.dropAll();
		await removePod('paused');
		await waitUntil('a try again while the server is paused', () => quick.port.apiRequests() >= before + 3, 30_000);
		expect(waiting.progress.at(-1)).not.toBe('no pods matching fault=paused left'); // nothing answered yet
		proxy.resume();
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
	});
});

describe('a server that does not answer when the wait starts', () => {
	test('discovery and the list are tried again until it answers', async () => {
		await putObject(cluster, 'ConfigMap', {metadata: {name: 'there', namespace: 'default'}});
		// 2 s per request: the requests after the resume go through the proxy to a loaded API server.
		const fresh = portWith({requestTimeoutMs: 2000, watch: {retryDelayMs: 50, maxRetryDelayMs: 100}});
		proxy.pause();
		const running = fresh.start('wait', {exists: {kind: 'ConfigMap', name: 'there'}});
		await waitUntil('progress saying the API server failed', () => running.progress.some(m => m.startsWith('the API server failed')), 30_000);
		proxy.resume();
		const ran = await running.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.progress).toContain(`the API server failed: the API server ${proxy.url} did not answer within 2s; retrying`);
		expect(ran.progress.at(-1)).toBe('configmap there exists');
		expect(ran.log).toMatch(/discovery failed: .*; retrying in \d+ ms/);
	});
});

describe('quiet watches', () => {
	test('a watch with no data for quietMs is restarted from its resourceVersion (no new list)', async () => {
		const quiet = portWith({watch: {quietMs: 250}});
		const {waiting} = await waitingForPod(quiet, 'quiet');
		const watching = quiet.port.apiRequests();
		await waitUntil('three more watches', () => quiet.port.apiRequests() >= watching + 3, 30_000);
		await removePod('quiet');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.log).toMatch(/watch quiet for too long: restarted from resourceVersion \d+/);
		expect(ran.log.match(/=== runbook: listed /g)).toHaveLength(1);
	});
});

describe('API requests', () => {
	test('a healthy wait makes one list and one watch, whatever else changes meanwhile', async () => {
		// No quiet restart of the watch (30 s by default) however long the changes take to make.
		const patient = portWith({watch: {quietMs: 3_600_000}});
		const {waiting} = await waitingForPod(patient, 'patient');
		for (let i = 0; i < 5; i++) await putObject(cluster, 'ConfigMap', {metadata: {name: `noise-${i}`, namespace: 'default'}});
		await putObject(cluster, 'Pod', heldPod('unrelated'));
		await removePod('patient');
		const ran = await waiting.done;
		expect(ran.result).toEqual({ok: true});
		expect(ran.log).toMatch(/wait\.deleted holds \(2 API requests\)/);
	});

	test('a request waiting cannot fix (a bad selector) fails at once', async () => {
		const ran = await h.run('wait', {exists: {kind: 'Pod', selector: 'app in (unclosed'}});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.error).toMatch(/unable to parse requirement/);
	});
});
