/**
 * The test cluster against @kubernetes/client-node 2.x: typed APIs (CoreV1Api, AppsV1Api,
 * CustomObjectsApi, BatchV1Api), Watch, Exec over WebSocket, and API errors as ApiException.
 */
import {PassThrough, Readable} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {AppsV1Api, CoreV1Api, CustomObjectsApi, Exec, PatchStrategy, Watch, setHeaderOptions, type KubeConfig, type V1Status} from '@kubernetes/client-node';
import {seedCsmFixtures} from './fixtures.js';
import {startTestCluster, type TestCluster} from './server.js';
import {kubeConfigFor, waitUntil} from './testing.js';

let cluster: TestCluster;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
	cluster = await startTestCluster({terminationDelayMs: 100, podReadyDelayMs: 50, controllerDelayMs: 10});
	seedCsmFixtures(cluster);
	kc = kubeConfigFor(cluster);
	core = kc.makeApiClient(CoreV1Api);
	apps = kc.makeApiClient(AppsV1Api);
});

afterAll(async () => {
	await cluster.stop();
});

/** Runs a command in a pod with client-node's Exec; resolves with output and the final Status. */
async function exec(pod: string, command: string[], stdin?: Readable): Promise<{stdout: string; stderr: string; status: V1Status}> {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	stdout.on('data', (c: Buffer) => out.push(c));
	stderr.on('data', (c: Buffer) => err.push(c));
	const status = await new Promise<V1Status>((resolve, reject) => {
		new Exec(kc).exec('spire', pod, 'postgres', command, stdout, stderr, stdin ?? null, false, resolve).catch(reject);
	});
	return {stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), status};
}

describe('client-node against the test cluster', () => {
	it('lists pods by label selector and reads the CSM secrets', async () => {
		const pods = await core.listNamespacedPod({namespace: 'spire', labelSelector: 'app.kubernetes.io/name=spire-server'});
		expect(pods.items.map((p) => p.metadata?.name)).toEqual(['spire-server-0', 'spire-server-1', 'spire-server-2']);
		expect(pods.items.every((p) => p.status?.phase === 'Running')).toBe(true);
		const secret = await core.readNamespacedSecret({namespace: 'spire', name: 'service-account.spire-postgres.credentials'});
		expect(Buffer.from(secret.data!.username!, 'base64').toString()).toBe('service_account');
	});

	it('creates, merge-patches and deletes a ConfigMap; errors are ApiExceptions with Status bodies', async () => {
		await core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'cm1', labels: {a: 'b'}}, data: {k: 'v'}}});
		await expect(core.createNamespacedConfigMap({namespace: 'default', body: {metadata: {name: 'cm1'}}})).rejects.toMatchObject({code: 409});
		const patched = await core.patchNamespacedConfigMap({namespace: 'default', name: 'cm1', body: {data: {k: 'w', n: 'x'}}},
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
		expect(patched.data).toEqual({k: 'w', n: 'x'});
		const jsonPatched = await core.patchNamespacedConfigMap({namespace: 'default', name: 'cm1', body: [{op: 'remove', path: '/data/n'}]});
		expect(jsonPatched.data).toEqual({k: 'w'});
		await core.deleteNamespacedConfigMap({namespace: 'default', name: 'cm1'});
		const error = await core.readNamespacedConfigMap({namespace: 'default', name: 'cm1'}).catch((e: unknown) => e);
		expect(error).toMatchObject({code: 404});
		expect(JSON.parse((error as {body: string}).body)).toMatchObject({kind: 'Status', reason: 'NotFound', message: 'configmaps "cm1" not found'});
	});

	it('scales a StatefulSet through the scale subresource; the controller follows', async () => {
		const scale = await apps.readNamespacedStatefulSetScale({namespace: 'services', name: 'cray-keycloak'});
		expect(scale.spec?.replicas).toBe(3);
		await apps.replaceNamespacedStatefulSetScale({namespace: 'services', name: 'cray-keycloak', body: {...scale, spec: {replicas: 1}}});
		await waitUntil(async () => (await core.listNamespacedPod({namespace: 'services', labelSelector: 'app.kubernetes.io/instance=cray-keycloak'})).items.length === 1);
		await apps.patchNamespacedStatefulSetScale({namespace: 'services', name: 'cray-keycloak', body: {spec: {replicas: 3}}},
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
		const sts = await waitUntil(async () => {
			const s = await apps.readNamespacedStatefulSet({namespace: 'services', name: 'cray-keycloak'});
			return s.status?.readyReplicas === 3 ? s : undefined;
		});
		expect(sts.status?.observedGeneration).toBe(sts.metadata?.generation);
	});

	it('patches and reads a postgresql custom object', async () => {
		const custom = kc.makeApiClient(CustomObjectsApi);
		await custom.patchNamespacedCustomObject({
			group: 'acid.zalan.do', version: 'v1', namespace: 'services', plural: 'postgresqls', name: 'gitea-vcs-postgres',
			body: [{op: 'replace', path: '/spec/numberOfInstances', value: 1}],
		});
		const pg = await waitUntil(async () => {
			const obj = await custom.getNamespacedCustomObject({group: 'acid.zalan.do', version: 'v1', namespace: 'services', plural: 'postgresqls', name: 'gitea-vcs-postgres'}) as {status?: {PostgresClusterStatus?: string}};
			const pods = await core.listNamespacedPod({namespace: 'services', labelSelector: 'application=spilo,cluster-name=gitea-vcs-postgres'});
			return pods.items.length === 1 && obj.status?.PostgresClusterStatus === 'Running' ? obj : undefined;
		});
		expect(pg.status?.PostgresClusterStatus).toBe('Running');
	});

	it('watches pods: ADDED, MODIFIED (terminating), DELETED, resuming from a resourceVersion', async () => {
		const list = await core.listNamespacedPod({namespace: 'default'});
		const events: string[] = [];
		const controller = await new Watch(kc).watch('/api/v1/namespaces/default/pods', {resourceVersion: list.metadata?.resourceVersion},
			(type: string, obj: {metadata: {name: string; deletionTimestamp?: string}}) => {
				events.push(`${type} ${obj.metadata.name}${obj.metadata.deletionTimestamp ? ' terminating' : ''}`);
			}, () => {});
		await core.createNamespacedPod({namespace: 'default', body: {metadata: {name: 'w1'}, spec: {containers: [{name: 'c', image: 'x'}]}}});
		await waitUntil(() => events.includes('MODIFIED w1'));
		await core.deleteNamespacedPod({namespace: 'default', name: 'w1'});
		await waitUntil(() => events.includes('DELETED w1 terminating'));
		controller.abort();
		expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'MODIFIED w1 terminating', 'DELETED w1 terminating']);
	});

	it('runs exec over WebSocket: stdout, stderr, exit status, stdin', async () => {
		const ok = await exec('spire-postgres-0', ['sh', '-c', 'echo out; echo err >&2']);
		expect(ok).toMatchObject({stdout: 'out\n', stderr: 'err\n', status: {status: 'Success'}});
		const failed = await exec('spire-postgres-0', ['sh', '-c', 'exit 7']);
		expect(failed.status).toMatchObject({status: 'Failure', reason: 'NonZeroExitCode', details: {causes: [{reason: 'ExitCode', message: '7'}]}});
		const counted = await exec('spire-postgres-0', ['wc', '-c'], Readable.from([Buffer.alloc(3 * 1024 * 1024, 1)]));
		expect(counted.stdout.trim()).toBe(String(3 * 1024 * 1024));
		const missing = await exec('spire-postgres-0', ['no-such-command']);
		expect(missing.status.status).toBe('Failure');
	});
});
