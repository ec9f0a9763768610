/**
 * The postgres-operator stand-in against the real API server: the CRD's schema is enforced
 * by the server, a `postgresql` becomes a StatefulSet whose pods the real controller makes,
 * with credential Secrets, spilo roles and status Running, none of them owned by the
 * postgresql (the operator's default, enable_owner_references: false); deleting it takes its
 * StatefulSet and Secrets (the stand-in) and then the pods (the real garbage collector).
 */
import {afterAll, beforeAll, expect, test} from 'vitest';
import {postgresql} from './fixture-kit.js';
import {startPostgresOperator, type PostgresOperator} from './postgres-operator.js';
import {startRealCluster, type RealCluster} from './real-cluster.js';
import {waitFor} from '../wait.js';

let cluster: RealCluster;
let operator: PostgresOperator;
beforeAll(async () => {
	cluster = await startRealCluster();
	operator = await startPostgresOperator(cluster.cp);
}, 180_000);
afterAll(async () => {
	operator?.stop();
	await cluster?.stop();
});

test('the API server enforces the CRD schema', async () => {
	const ns = await cluster.namespace('schema');
	const bad = postgresql(ns, 'bad', 2, {}, 'team');
	delete bad.spec.teamId;
	bad.spec.numberOfInstances = 'two';
	const refused = await cluster.api('POST', `/apis/acid.zalan.do/v1/namespaces/${ns}/postgresqls`, bad);
	expect(refused.status).toBe(422);
	expect(refused.body.message).toContain('spec.teamId: Required value');
	expect(refused.body.message).toContain('spec.numberOfInstances: Invalid value: "string"');
});

test('a postgresql becomes a running cluster; deleting it takes its objects', async () => {
	const ns = await cluster.namespace('pg');
	await cluster.create(ns, [postgresql(ns, 'spire-postgres', 3, {spire: ['superuser']}, 'spire')]);
	const pgPath = `/apis/acid.zalan.do/v1/namespaces/${ns}/postgresqls/spire-postgres`;
	await waitFor('the postgresql to be Running', async () => (await cluster.get(pgPath))?.status?.PostgresClusterStatus === 'Running', {timeoutMs: 90_000, intervalMs: 100});
	const pods = (await cluster.api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=cluster-name%3Dspire-postgres`)).body.items;
	const roles = await waitFor(
		'every pod to have a spilo-role',
		async () => {
			const items = (await cluster.api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=cluster-name%3Dspire-postgres`)).body.items;
			const all = items.map((p: any) => `${p.metadata.name}=${p.metadata.labels['spilo-role']}`).sort();
			return all.every((r: string) => !r.endsWith('undefined')) ? all : undefined;
		},
		{timeoutMs: 30_000, intervalMs: 100},
	);
	expect(pods).toHaveLength(3);
	expect(roles).toEqual(['spire-postgres-0=master', 'spire-postgres-1=replica', 'spire-postgres-2=replica']);
	const secrets = (await cluster.api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items.map((s: any) => s.metadata.name).sort();
	expect(secrets).toEqual(['postgres.spire-postgres.credentials', 'spire.spire-postgres.credentials', 'standby.spire-postgres.credentials']);
	// The operator's default: no ownerReferences on what it creates.
	const sts = await cluster.get(`/apis/apps/v1/namespaces/${ns}/statefulsets/spire-postgres`);
	const owners = [sts, ...(await cluster.api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items].map((o: any) => o.metadata.ownerReferences ?? []);
	expect(owners).toEqual([[], [], [], []]);

	// The stand-in deletes the StatefulSet and the Secrets, as the operator does; the real
	// garbage collector then takes the StatefulSet's pods.
	expect((await cluster.api('DELETE', pgPath)).status).toBe(200);
	await waitFor('the statefulset to be deleted', async () => (await cluster.get(`/apis/apps/v1/namespaces/${ns}/statefulsets/spire-postgres`)) === undefined, {timeoutMs: 120_000, intervalMs: 200});
	await waitFor('the secrets to be deleted', async () => (await cluster.api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items.length === 0, {timeoutMs: 120_000, intervalMs: 200});
	await waitFor('the pods to be deleted', async () => (await cluster.api('GET', `/api/v1/namespaces/${ns}/pods`)).body.items.length === 0, {timeoutMs: 120_000, intervalMs: 200});
}, 300_000);
