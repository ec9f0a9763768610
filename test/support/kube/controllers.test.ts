/**
 * The test cluster's controllers: StatefulSet ordering, Deployment and DaemonSet rollouts,
 * Jobs that complete or fail, the postgresql operator stand-in, pod termination, garbage
 * collection by owner, namespace deletion. Changes go through the HTTP API; the store's
 * change feed records what happened in what order.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {POD} from './context.js';
import {deployment, job, postgresql, statefulSet} from './fixture-kit.js';
import {startTestCluster, type TestCluster} from './server.js';
import {api, waitUntil} from './testing.js';
import type {StoreEvent} from './store.js';

let cluster: TestCluster;
const events: StoreEvent[] = [];

beforeAll(async () => {
	cluster = await startTestCluster({terminationDelayMs: 80, podReadyDelayMs: 40, controllerDelayMs: 10, jobDurationMs: 100, postgresRunningDelayMs: 30});
	cluster.store.subscribe((e) => events.push(e));
	await api(cluster, 'POST', '/api/v1/namespaces', {metadata: {name: 'ctl'}});
});

afterAll(async () => {
	await cluster.stop();
});

const podNames = (prefix: string): string[] => cluster.store.list(POD, 'ctl').map((p) => p.metadata.name).filter((n: string) => n.startsWith(prefix));
const ready = (name: string): boolean => (cluster.store.get(POD, 'ctl', name)?.status?.conditions ?? []).some((c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'True');
const get = async (path: string): Promise<any> => (await api(cluster, 'GET', path)).body;
const merge = {'Content-Type': 'application/merge-patch+json'};

describe('controllers', () => {
	it('StatefulSet: pods in ordinal order, each Ready before the next; scale down from the top', async () => {
		const mark = events.length;
		await api(cluster, 'POST', '/apis/apps/v1/namespaces/ctl/statefulsets', statefulSet('ctl', 'db', 3, {app: 'db'}));
		const sts = await waitUntil(async () => {
			const s = await get('/apis/apps/v1/namespaces/ctl/statefulsets/db');
			return s.status?.readyReplicas === 3 ? s : undefined;
		});
		expect(sts.status).toMatchObject({replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1});
		expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
		const added = events.slice(mark).filter((e) => e.type === 'ADDED' && e.resource === POD).map((e) => e.object.metadata.name);
		expect(added).toEqual(['db-0', 'db-1', 'db-2']);
		// db-1 was created only once db-0 was Ready.
		const readyAt = (name: string): number => events.findIndex((e) => e.resource === POD && e.object.metadata.name === name && e.object.status?.conditions?.some((c: {type: string; status: string}) => c.type === 'Ready' && c.status === 'True'));
		const addedAt = (name: string): number => events.findIndex((e, i) => i >= mark && e.type === 'ADDED' && e.object.metadata.name === name);
		expect(readyAt('db-0')).toBeLessThan(addedAt('db-1'));
		expect(cluster.store.get(POD, 'ctl', 'db-0')!.metadata.labels).toMatchObject({app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-0'});
		const down = events.length;
		await api(cluster, 'PATCH', '/apis/apps/v1/namespaces/ctl/statefulsets/db/scale', {spec: {replicas: 0}}, merge);
		await waitUntil(() => podNames('db-').length === 0);
		const terminated = events.slice(down).filter((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp && !e.previous?.metadata.deletionTimestamp).map((e) => e.object.metadata.name);
		expect(terminated).toEqual(['db-2', 'db-1', 'db-0']);
	});

	it('Deployment: rollout restart replaces every pod; status as rollout status reads it', async () => {
		await api(cluster, 'POST', '/apis/apps/v1/namespaces/ctl/deployments', deployment('ctl', 'web', 2, {app: 'web'}));
		await waitUntil(async () => (await get('/apis/apps/v1/namespaces/ctl/deployments/web')).status?.availableReplicas === 2);
		const before = podNames('web-');
		expect(before).toHaveLength(2);
		expect(before[0]).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}$/);
		await api(cluster, 'PATCH', '/apis/apps/v1/namespaces/ctl/deployments/web', {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': new Date().toISOString()}}}}}, {'Content-Type': 'application/strategic-merge-patch+json'});
		const done = await waitUntil(async () => {
			const d = await get('/apis/apps/v1/namespaces/ctl/deployments/web');
			const pods = podNames('web-');
			return d.status?.updatedReplicas === 2 && d.status?.availableReplicas === 2 && d.status?.replicas === 2 && pods.every((p) => !before.includes(p)) ? d : undefined;
		});
		expect(done.status.observedGeneration).toBe(2);
		expect(done.status.conditions.find((c: {type: string}) => c.type === 'Progressing').reason).toBe('NewReplicaSetAvailable');
	});

	it('DaemonSet: one pod per node', async () => {
		await api(cluster, 'POST', '/apis/apps/v1/namespaces/ctl/daemonsets', {metadata: {name: 'agent'}, spec: {selector: {matchLabels: {app: 'agent'}}, template: {metadata: {labels: {app: 'agent'}}, spec: {containers: [{name: 'a'}]}}}});
		const ds = await waitUntil(async () => {
			const d = await get('/apis/apps/v1/namespaces/ctl/daemonsets/agent');
			return d.status?.numberAvailable === 3 ? d : undefined;
		});
		expect(ds.status).toMatchObject({desiredNumberScheduled: 3, updatedNumberScheduled: 3});
		expect(cluster.store.list(POD, 'ctl').filter((p) => p.metadata.labels?.app === 'agent').map((p) => p.spec.nodeName).sort()).toEqual(['node-1', 'node-2', 'node-3']);
	});

	it('Job: completes, or fails with BackoffLimitExceeded when annotated', async () => {
		await api(cluster, 'POST', '/apis/batch/v1/namespaces/ctl/jobs', job('ctl', 'setup', {app: 'setup'}));
		await api(cluster, 'POST', '/apis/batch/v1/namespaces/ctl/jobs', job('ctl', 'broken', {app: 'broken'}, true));
		const ok = await waitUntil(async () => {
			const j = await get('/apis/batch/v1/namespaces/ctl/jobs/setup');
			return j.status?.succeeded === 1 ? j : undefined;
		});
		expect(ok.status.conditions[0]).toMatchObject({type: 'Complete', status: 'True'});
		expect(ok.spec.selector.matchLabels['controller-uid']).toBe(ok.metadata.uid);
		const bad = await waitUntil(async () => {
			const j = await get('/apis/batch/v1/namespaces/ctl/jobs/broken');
			return j.status?.conditions ? j : undefined;
		});
		expect(bad.status.conditions[0]).toMatchObject({type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded'});
		expect(cluster.store.list(POD, 'ctl').find((p) => p.metadata.labels?.['job-name'] === 'broken')?.status.phase).toBe('Failed');
	});

	it('postgresql: Creating → Running with spilo pods and secrets; deleting it takes both', async () => {
		await api(cluster, 'POST', '/apis/acid.zalan.do/v1/namespaces/ctl/postgresqls', postgresql('ctl', 'ctl-postgres', 2, {app_user: []}, 'ctl'));
		const creating = await get('/apis/acid.zalan.do/v1/namespaces/ctl/postgresqls/ctl-postgres');
		expect(creating.status?.PostgresClusterStatus).not.toBe('Running');
		await waitUntil(async () => (await get('/apis/acid.zalan.do/v1/namespaces/ctl/postgresqls/ctl-postgres')).status?.PostgresClusterStatus === 'Running');
		const spilo = (await get('/api/v1/namespaces/ctl/pods?labelSelector=application%3Dspilo,cluster-name%3Dctl-postgres')).items;
		expect(spilo.map((p: {metadata: {name: string}}) => p.metadata.name)).toEqual(['ctl-postgres-0', 'ctl-postgres-1']);
		expect(ready('ctl-postgres-1')).toBe(true);
		const secrets = (await get('/api/v1/namespaces/ctl/secrets')).items.map((s: {metadata: {name: string}}) => s.metadata.name);
		expect(secrets).toEqual(['app-user.ctl-postgres.credentials', 'postgres.ctl-postgres.credentials', 'standby.ctl-postgres.credentials']);
		const deleted = await api(cluster, 'DELETE', '/apis/acid.zalan.do/v1/namespaces/ctl/postgresqls/ctl-postgres');
		expect(deleted.status).toBe(200);
		expect(cluster.store.get(POD, 'ctl', 'ctl-postgres-0')?.metadata.deletionTimestamp).toBeDefined();
		expect((await get('/api/v1/namespaces/ctl/secrets')).items).toEqual([]);
		await waitUntil(() => podNames('ctl-postgres').length === 0);
	});

	it('pods terminate after the delay; gracePeriodSeconds=0 and Orphan propagation', async () => {
		await api(cluster, 'POST', '/apis/apps/v1/namespaces/ctl/statefulsets', statefulSet('ctl', 'keep', 1, {app: 'keep'}));
		await waitUntil(() => ready('keep-0'));
		const started = Date.now();
		const terminating = await api(cluster, 'DELETE', '/api/v1/namespaces/ctl/pods/keep-0');
		expect(terminating.body.metadata.deletionTimestamp).toBeDefined();
		await waitUntil(() => cluster.store.get(POD, 'ctl', 'keep-0')?.metadata.deletionTimestamp === undefined && ready('keep-0'));
		expect(Date.now() - started).toBeGreaterThanOrEqual(80);
		await api(cluster, 'DELETE', '/apis/apps/v1/namespaces/ctl/statefulsets/keep', {propagationPolicy: 'Orphan'});
		expect(cluster.store.get(POD, 'ctl', 'keep-0')?.metadata.deletionTimestamp).toBeUndefined();
		await api(cluster, 'DELETE', '/api/v1/namespaces/ctl/pods/keep-0?gracePeriodSeconds=0');
		expect(cluster.store.get(POD, 'ctl', 'keep-0')).toBeUndefined();
	});

	it('deleting a namespace deletes what is in it', async () => {
		await api(cluster, 'POST', '/api/v1/namespaces', {metadata: {name: 'gone'}});
		await api(cluster, 'POST', '/api/v1/namespaces/gone/configmaps', {metadata: {name: 'c'}});
		const ns = await api(cluster, 'DELETE', '/api/v1/namespaces/gone');
		expect(ns.body.status.phase).toBe('Terminating');
		expect((await api(cluster, 'GET', '/api/v1/namespaces/gone/configmaps/c')).status).toBe(404);
		await waitUntil(async () => (await api(cluster, 'GET', '/api/v1/namespaces/gone')).status === 404);
	});
});
