/**
 * runbooks/ess-backup.yaml and ess-restore.yaml end to end, without a terminal (`--plain
 * --yes --yes-destructive`), against the real test cluster (control plane, test kubelet)
 * with the real `helm` installing test/fixtures/charts/matrix-stack (a small stand-in for
 * ESS's chart with the document's names and labels: sts/ess-postgres, Synapse labelled
 * app.kubernetes.io/component=matrix-server, MAS labelled matrix-authentication, the
 * generated Secret and the deployment markers made by hooks), and `ess-postgres-0` bound to
 * a real PostgreSQL 15 holding Synapse's and MAS's databases with known rows.
 *
 * The restore starts as on a new deployment: after the backup the namespace is deleted
 * (release, Secrets, markers and all) and the pod is bound to a second, new PostgreSQL
 * with the roles and empty databases a fresh chart's Postgres creates; the runbook drops
 * them, loads the dump, and the row counts must match the first server's.
 *
 * Stand-ins: the test kubelet (no container runs; exec runs the command locally, psql
 * reaching the bound PostgreSQL), and a PersistentVolume with a K3s-style hostPath for the
 * media claim (no provisioner runs; the media copy itself is a manual step, passed with
 * --yes).
 */
import {readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {ROOT, stepStatuses, useWorkspaces, type Workspace} from '../cli/helpers.js';
import {startRealCluster, type RealCluster} from '../support/kube/real-cluster.js';
import {waitFor} from '../support/wait.js';
import {psql, startPostgres, type PostgresServer} from '../support/postgres.js';
import {mustGet, podsMatching, podReady} from './cluster-checks.js';
import {FAST_KUBELET, shown} from './harness.js';
import {CHARTS, helmOk, history, runHelmRunbook} from './helm-support.js';

const BACKUP = path.join(ROOT, 'runbooks', 'ess-backup.yaml');
const RESTORE = path.join(ROOT, 'runbooks', 'ess-restore.yaml');
const CHART = path.join(CHARTS, 'matrix-stack');
const CHART_VERSION = '25.6.1';
const RELEASE = 'ess';
/** The tables seeded, with their row counts: database.table → rows. */
const TABLES: Record<string, number> = {
	'synapse.users': 25,
	'synapse.rooms': 7,
	'synapse.events': 400,
	'matrixauthenticationservice.users': 25,
	'matrixauthenticationservice.oauth2_sessions': 40,
};

const workspace = useWorkspaces();
let cluster: RealCluster;
const servers: PostgresServer[] = [];
beforeAll(async () => {
	cluster = await startRealCluster(FAST_KUBELET);
}, 180_000);
afterAll(async () => {
	await cluster?.stop();
});
afterEach(async () => {
	for (const server of servers.splice(0)) await server.stop();
});

/** A PostgreSQL with ESS's two roles and databases (owned by them), empty or holding the rows of {@link TABLES}. */
async function essPostgres(rows: boolean): Promise<PostgresServer> {
	const pg = await startPostgres();
	servers.push(pg);
	await psql(
		pg,
		'postgres',
		`CREATE ROLE synapse_user LOGIN PASSWORD 'synapse-password';
		CREATE ROLE matrixauthenticationservice_user LOGIN PASSWORD 'mas-password';
		CREATE DATABASE synapse OWNER synapse_user ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
		CREATE DATABASE matrixauthenticationservice OWNER matrixauthenticationservice_user;`,
	);
	if (!rows) {
		// What a fresh deployment's database holds before the restore replaces it.
		await psql(pg, 'synapse', 'SET ROLE synapse_user; CREATE TABLE fresh_install (id integer);');
		return pg;
	}
	await psql(
		pg,
		'synapse',
		`SET ROLE synapse_user;
		CREATE TABLE users (name text PRIMARY KEY, creation_ts bigint NOT NULL);
		INSERT INTO users SELECT '@user' || i || ':example.org', i FROM generate_series(1, ${TABLES['synapse.users']}) AS i;
		CREATE TABLE rooms (room_id text PRIMARY KEY, creator text);
		INSERT INTO rooms SELECT '!room' || i || ':example.org', '@user1:example.org' FROM generate_series(1, ${TABLES['synapse.rooms']}) AS i;
		CREATE TABLE events (stream_ordering integer PRIMARY KEY, room_id text NOT NULL, body text NOT NULL);
		INSERT INTO events SELECT i, '!room' || (i % 7 + 1) || ':example.org', md5(i::text) FROM generate_series(1, ${TABLES['synapse.events']}) AS i;`,
	);
	await psql(
		pg,
		'matrixauthenticationservice',
		`SET ROLE matrixauthenticationservice_user;
		CREATE TABLE users (user_id uuid PRIMARY KEY, username text NOT NULL);
		INSERT INTO users SELECT md5(i::text)::uuid, 'user' || i FROM generate_series(1, ${TABLES['matrixauthenticationservice.users']}) AS i;
		CREATE TABLE oauth2_sessions (id integer PRIMARY KEY, user_id uuid NOT NULL);
		INSERT INTO oauth2_sessions SELECT i, md5((i % 25 + 1)::text)::uuid FROM generate_series(1, ${TABLES['matrixauthenticationservice.oauth2_sessions']}) AS i;`,
	);
	return pg;
}

/** database.table → row count and an md5 of the rows, for every table of {@link TABLES}. */
async function contents(pg: PostgresServer): Promise<Record<string, string>> {
	const out: Record<string, string> = {};
	for (const name of Object.keys(TABLES)) {
		const [database, table] = name.split('.') as [string, string];
		out[name] = (await psql(pg, database, `SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM ${table} AS t;`)).trim();
	}
	return out;
}

/** The two workloads the document scales: replicas wanted and pods ready. */
async function workloads(namespace: string): Promise<{synapse: number; mas: number; readyPods: number}> {
	const synapse = await mustGet(cluster, 'StatefulSet', namespace, `${RELEASE}-synapse-main`);
	const mas = await mustGet(cluster, 'Deployment', namespace, `${RELEASE}-matrix-authentication-service`);
	const pods = [...(await podsMatching(cluster, namespace, {'app.kubernetes.io/component': 'matrix-server'})), ...(await podsMatching(cluster, namespace, {'app.kubernetes.io/component': 'matrix-authentication'}))];
	return {synapse: synapse.spec.replicas, mas: mas.spec.replicas, readyPods: pods.filter(podReady).length};
}

/** Waits until `namespace` runs ready Postgres, Synapse and MAS pods. */
async function deploymentReady(namespace: string): Promise<void> {
	await waitFor(
		'the postgres pod ready and 2 ready pods',
		async () => {
			const pods = await podsMatching(cluster, namespace, {'app.kubernetes.io/instance': `${RELEASE}-postgres`});
			return pods.some(podReady) && (await workloads(namespace)).readyPods === 2;
		},
		{timeoutMs: 120_000},
	);
}

/** A K3s local-path style volume bound to the media claim of `namespace`; returns its path on the "node". */
async function mediaVolume(namespace: string): Promise<string> {
	const hostPath = `/var/lib/rancher/k3s/storage/pvc-${namespace}-media_${namespace}_${RELEASE}-synapse-media`;
	await cluster.create('', [
		{
			apiVersion: 'v1',
			kind: 'PersistentVolume',
			metadata: {name: `pvc-${namespace}-media`},
			spec: {
				capacity: {storage: '10Gi'},
				accessModes: ['ReadWriteOnce'],
				storageClassName: '',
				persistentVolumeReclaimPolicy: 'Retain',
				hostPath: {path: hostPath, type: 'DirectoryOrCreate'},
				claimRef: {apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name: `${RELEASE}-synapse-media`},
			},
		},
	]);
	return hostPath;
}

/**
 * An ESS deployment in a new namespace: `pg` bound to ess-postgres-0, the chart installed
 * with the values file `values.yaml` (as an operator's hostnames file), the media volume,
 * every pod ready. Returns the namespace and the media volume's path.
 */
async function deployEss(ws: Workspace, pg: PostgresServer): Promise<{namespace: string; mediaPath: string}> {
	const namespace = await cluster.namespace('ess');
	cluster.kubelet.pods.bindPostgres({namespace, name: `${RELEASE}-postgres-0`}, pg);
	ws.write('my-values.yaml', 'serverName: example.org\n');
	await helmOk(ws, cluster.kubeconfigPath, ['install', RELEASE, CHART, '--namespace', namespace, '-f', ws.path('my-values.yaml')]);
	const mediaPath = await mediaVolume(namespace);
	await deploymentReady(namespace);
	return {namespace, mediaPath};
}

/** Decoded `data` of a Secret (or `data` of a ConfigMap). */
async function dataOf(kind: 'Secret' | 'ConfigMap', namespace: string, name: string): Promise<Record<string, string>> {
	const object = await cluster.get(`/api/v1/namespaces/${namespace}/${kind === 'Secret' ? 'secrets' : 'configmaps'}/${name}`);
	if (!object) throw new Error(`${kind} ${namespace}/${name} does not exist`);
	const data: Record<string, string> = object.data ?? {};
	return kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')])) : data;
}

/** Mode bits of a file. */
const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe('ess-backup.yaml', () => {
	it('stops Synapse and MAS by label, dumps with pg_dumpall into a private file, saves values, Secrets and markers, shows the media path, and redeploys', async () => {
		const ws = workspace();
		const pg = await essPostgres(true);
		const {namespace, mediaPath} = await deployEss(ws, pg);
		const secret = await dataOf('Secret', namespace, `${RELEASE}-generated`);

		const result = await runHelmRunbook(ws, BACKUP, cluster.kubeconfigPath, {NAMESPACE: namespace, CHART});
		expect(result.code, shown(result)).toBe(0);
		const statuses = stepStatuses(ws.state(ws.onlyRunId()));
		expect(statuses).toEqual({
			'check-release': 'succeeded',
			'scale-down-synapse': 'succeeded',
			'scale-down-mas': 'succeeded',
			'synapse-stopped': 'succeeded',
			'mas-stopped': 'succeeded',
			'dump-database': 'succeeded',
			'check-dump': 'succeeded',
			'backup-external-database': 'skipped',
			'save-values': 'succeeded',
			'save-secrets': 'succeeded',
			'save-configmaps': 'succeeded',
			'locate-media': 'succeeded',
			'copy-media': 'succeeded',
			redeploy: 'succeeded',
			'synapse-ready': 'succeeded',
			'mas-ready': 'succeeded',
		});

		// The dump: every database and role, complete, readable by the owner only.
		const dump = readFileSync(ws.path('dump.sql'), 'utf8');
		expect(modeOf(ws.path('dump.sql'))).toBe(0o600);
		expect(dump).toMatch(/^CREATE DATABASE synapse /m);
		expect(dump).toMatch(/^CREATE DATABASE matrixauthenticationservice /m);
		expect(dump).toMatch(/^CREATE ROLE synapse_user;$/m);
		expect(dump.trimEnd().split('\n').slice(-3)).toContain('-- PostgreSQL database cluster dump complete');
		expect(dump).toContain('@user25:example.org');

		// The values as helm get values prints them; the generated Secret and the markers as kubectl get -o yaml.
		expect(parseYaml(readFileSync(ws.path('values.yaml'), 'utf8'))).toEqual({serverName: 'example.org'});
		const secrets = parseYaml(readFileSync(ws.path('secrets.yaml'), 'utf8'));
		expect(secrets.kind).toBe('List');
		expect(secrets.items.map((item: any) => `${item.kind}/${item.metadata.name}`)).toEqual([`Secret/${RELEASE}-generated`]);
		expect(Object.keys(secrets.items[0].data).sort()).toEqual(Object.keys(secret).sort());
		expect(Buffer.from(secrets.items[0].data.SYNAPSE_MACAROON, 'base64').toString('utf8')).toBe(secret.SYNAPSE_MACAROON);
		const markers = parseYaml(readFileSync(ws.path('configmaps.yaml'), 'utf8'));
		expect(markers.items.map((item: any) => `${item.kind}/${item.metadata.name}`)).toEqual([`ConfigMap/${RELEASE}-markers`]);
		for (const file of ['values.yaml', 'secrets.yaml', 'configmaps.yaml']) expect(modeOf(ws.path(file)), file).toBe(0o600);
		// The Secret's content is never shown (the step is sensitive), only its size.
		expect(result.stdout).not.toContain(secret.SYNAPSE_MACAROON);
		expect(result.stdout).not.toContain(secrets.items[0].data.SYNAPSE_MACAROON);

		// The media volume's path, found by its claim, is in the manual step's text.
		expect(result.stdout).toContain(`sudo tar -C "${mediaPath}" -czf synapse-media.tar.gz .`);

		// Scaled back by helm upgrade --install of the same chart version: a second revision.
		expect(await workloads(namespace)).toEqual({synapse: 1, mas: 1, readyPods: 2});
		const revisions = await history(ws, cluster.kubeconfigPath, namespace, RELEASE);
		expect(revisions.map(r => [r.revision, r.status, r.chart])).toEqual([
			[1, 'superseded', `matrix-stack-${CHART_VERSION}`],
			[2, 'deployed', `matrix-stack-${CHART_VERSION}`],
		]);
	}, 600_000);
});

describe('ess-restore.yaml', () => {
	it('restores a backup into a new deployment: Secrets and markers applied, databases and roles dropped, the dump loaded, the rows match', async () => {
		const ws = workspace();
		const old = await essPostgres(true);
		const {namespace} = await deployEss(ws, old);
		const before = await contents(old);
		const secret = await dataOf('Secret', namespace, `${RELEASE}-generated`);
		const markers = await dataOf('ConfigMap', namespace, `${RELEASE}-markers`);
		const backup = await runHelmRunbook(ws, BACKUP, cluster.kubeconfigPath, {NAMESPACE: namespace, CHART});
		expect(backup.code, shown(backup)).toBe(0);
		const backupRun = ws.onlyRunId();

		// The deployment is lost: the namespace goes with the release, the Secret and the markers.
		expect((await cluster.api('DELETE', `/api/v1/namespaces/${namespace}`)).status).toBe(200);
		await waitFor('the namespace to be deleted', async () => (await cluster.get(`/api/v1/namespaces/${namespace}`)) === undefined, {timeoutMs: 120_000});
		// The new deployment's Postgres: a new server with the chart's roles and empty databases.
		const fresh = await essPostgres(false);
		cluster.kubelet.pods.bindPostgres({namespace, name: `${RELEASE}-postgres-0`}, fresh);

		const result = await runHelmRunbook(ws, RESTORE, cluster.kubeconfigPath, {NAMESPACE: namespace, CHART, CHART_VERSION});
		expect(result.code, shown(result)).toBe(0);
		const restoreRun = ws.runIds().find(id => id !== backupRun)!;
		expect(stepStatuses(ws.state(restoreRun))).toEqual({
			'check-backup-files': 'succeeded',
			'create-namespace': 'succeeded',
			'apply-secrets': 'succeeded',
			'apply-configmaps': 'succeeded',
			deploy: 'succeeded',
			'postgres-ready': 'succeeded',
			'scale-down-synapse': 'succeeded',
			'scale-down-mas': 'succeeded',
			'synapse-stopped': 'succeeded',
			'mas-stopped': 'succeeded',
			'drop-mas-database': 'succeeded',
			'drop-synapse-database': 'succeeded',
			'drop-synapse-role': 'succeeded',
			'drop-mas-role': 'succeeded',
			'copy-dump': 'succeeded',
			'load-dump': 'succeeded',
			'check-databases': 'succeeded',
			'remove-dump-from-pod': 'succeeded',
			'locate-media': 'succeeded',
			'restore-media': 'succeeded',
			redeploy: 'succeeded',
			'synapse-ready': 'succeeded',
			'mas-ready': 'succeeded',
			'verify-login': 'succeeded',
		});

		// The rows of the old server, in the new one; the new deployment's empty tables are gone.
		expect(await contents(fresh)).toEqual(before);
		expect((await psql(fresh, 'synapse', `SELECT count(*) FROM pg_tables WHERE tablename = 'fresh_install';`)).trim()).toBe('0');
		expect((await psql(fresh, 'postgres', `SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE '%_user';`)).trim()).toBe('matrixauthenticationservice_user,synapse_user');
		expect(result.stdout).toContain('synapse_tables | users | rooms');
		expect(result.stdout).toMatch(/\b3 \|\s+25 \|\s+7\b/);

		// The chart kept the restored credentials and markers instead of generating new ones.
		expect(await dataOf('Secret', namespace, `${RELEASE}-generated`)).toEqual(secret);
		expect(await dataOf('ConfigMap', namespace, `${RELEASE}-markers`)).toEqual(markers);
		// Deployed twice (step 2 and step 5), every workload back, the dump gone from the pod.
		const revisions = await history(ws, cluster.kubeconfigPath, namespace, RELEASE);
		expect(revisions.map(r => [r.revision, r.status])).toEqual([
			[1, 'superseded'],
			[2, 'deployed'],
		]);
		expect(await workloads(namespace)).toEqual({synapse: 1, mas: 1, readyPods: 2});
		expect(() => statSync(path.join(cluster.kubelet.pods.rootOf(namespace, `${RELEASE}-postgres-0`), 'tmp', 'dump.sql'))).toThrow(/ENOENT/);
	}, 900_000);
});
