/**
 * runbooks/kleidia-upgrade.yaml and kleidia-rollback.yaml end to end, without a terminal
 * (`--plain --yes --yes-destructive`), against the real test cluster (control plane, test
 * kubelet) with the real `helm` installing the three small charts of
 * test/fixtures/charts/kleidia-* (the document's release, StatefulSet, Deployment and label
 * names), `kleidia-data-postgres-cluster-0` bound to a real PostgreSQL 15 (user yubiuser,
 * database kleidia with known rows), and the health endpoint served by a local HTTP server.
 *
 * The upgrades go to version 1.1.0 of each chart (copies of the fixtures with another
 * version and image). A broken 1.1.0 of the services chart puts an annotation on its pods
 * that makes the test kubelet leave them Pending (an image that never pulls) with a short
 * progressDeadlineSeconds: its rollout fails as `kubectl rollout status` fails, and the
 * services group's rescue must roll the release back (a new revision, "Rollback to 1").
 *
 * Stand-ins: the test kubelet (no container runs; exec runs the command locally), and
 * OpenBao's `vault` CLI (a script first on PATH: `status` prints an unsealed status,
 * `operator raft snapshot save FILE` writes a file of random bytes; each call is logged).
 * The health endpoint answers 200 with a JSON body; it does not check the backend.
 */
import {chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {ROOT, stepStatuses, useWorkspaces, type Workspace} from '../cli/helpers.js';
import {startRealCluster, type RealCluster} from '../support/kube/real-cluster.js';
import {waitFor} from '../support/wait.js';
import {psql, startPostgres, type PostgresServer} from '../support/postgres.js';
import {mustGet, podsMatching, podReady} from './cluster-checks.js';
import {FAST_KUBELET, shown} from './harness.js';
import {CHARTS, chartVersion, helmOk, history, runHelmRunbook} from './helm-support.js';

const UPGRADE = path.join(ROOT, 'runbooks', 'kleidia-upgrade.yaml');
const ROLLBACK = path.join(ROOT, 'runbooks', 'kleidia-rollback.yaml');
const LAYERS = ['platform', 'data', 'services'] as const;
type Layer = (typeof LAYERS)[number];
const ROWS = 50;
/** The steps of the upgrade's three rescue lists, in runbook order. */
const RESCUE_STEPS = ['rollback-platform', 'rollback-platform-status', 'rollback-data', 'rollback-data-rollout', 'rollback-data-version', 'rollback-services', 'rollback-backend-rollout', 'rollback-frontend-rollout'];

const workspace = useWorkspaces();
let cluster: RealCluster;
let pg: PostgresServer;
let health: Server;
let healthUrl: string;
let vaultDir: string;
const savedPath = process.env.PATH;
beforeAll(async () => {
	vaultDir = mkdtempSync(path.join(tmpdir(), 'vault-stand-in-'));
	writeFileSync(
		path.join(vaultDir, 'vault'),
		`#!/bin/bash
# Stand-in for the OpenBao CLI (vault) in the OpenBao pod: logs each call.
printf '%s %s\\n' "\${POD_NAME:-?}" "$*" >> ${JSON.stringify(path.join(vaultDir, 'calls'))}
case "$*" in
  status) printf 'Key             Value\\n---             -----\\nSeal Type       shamir\\nInitialized     true\\nSealed          false\\nVersion         2.4.0\\nStorage Type    raft\\n' ;;
  "operator raft snapshot save "*) head -c 8192 /dev/urandom > "$5" ;;
  *) echo "vault (test stand-in): unsupported: $*" >&2; exit 2 ;;
esac
`,
	);
	chmodSync(path.join(vaultDir, 'vault'), 0o755);
	// The test kubelet runs exec commands with this process's PATH.
	process.env.PATH = `${vaultDir}${path.delimiter}${savedPath ?? ''}`;
	health = createServer((request, response) => {
		const ok = request.url === '/api/health';
		response.writeHead(ok ? 200 : 404, {'Content-Type': 'application/json'});
		response.end(ok ? '{"status":"healthy","version":"1.1.0"}' : '{"error":"not found"}');
	});
	await new Promise<void>(resolve => health.listen(0, '127.0.0.1', resolve));
	healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/api/health`;
	pg = await startPostgres();
	await psql(pg, 'postgres', 'CREATE ROLE yubiuser SUPERUSER LOGIN; CREATE DATABASE kleidia OWNER yubiuser;');
	await psql(
		pg,
		'kleidia',
		`SET ROLE yubiuser; CREATE TABLE yubikeys (serial integer PRIMARY KEY, owner text NOT NULL);
		INSERT INTO yubikeys SELECT 10000000 + i, 'user' || i FROM generate_series(1, ${ROWS}) AS i;`,
	);
	cluster = await startRealCluster(FAST_KUBELET);
}, 180_000);
afterAll(async () => {
	process.env.PATH = savedPath;
	await cluster?.stop();
	await pg?.stop();
	await new Promise(resolve => health?.close(resolve));
	rmSync(vaultDir, {recursive: true, force: true});
});
afterEach(() => {
	rmSync(path.join(vaultDir, 'calls'), {force: true});
});

/** The vault stand-in's calls so far: `POD ARGS` lines. */
function vaultCalls(): string[] {
	try {
		return readFileSync(path.join(vaultDir, 'calls'), 'utf8').split('\n').filter(Boolean);
	} catch {
		return [];
	}
}

/** The image of the first container of a workload's pod template. */
async function imageOf(kind: 'StatefulSet' | 'Deployment', namespace: string, name: string): Promise<string> {
	return (await mustGet(cluster, kind, namespace, name)).spec.template.spec.containers[0].image;
}

/** Waits until the OpenBao, PostgreSQL, backend and frontend pods of `namespace` are ready. */
async function kleidiaReady(namespace: string): Promise<void> {
	const selectors: Array<Record<string, string>> = [{'app.kubernetes.io/name': 'openbao'}, {app: 'postgres-cluster'}, {'app.kubernetes.io/name': 'kleidia-backend'}, {'app.kubernetes.io/name': 'kleidia-frontend'}];
	await waitFor(
		'the Kleidia pods to be ready',
		async () => {
			for (const labels of selectors) {
				const pods = await podsMatching(cluster, namespace, labels);
				if (pods.length === 0 || !pods.every(podReady)) return false;
			}
			return true;
		},
		{timeoutMs: 120_000},
	);
}

/**
 * Kleidia 1.0.0 in a new namespace: the PostgreSQL pod bound to the test's server, the
 * three releases installed from the fixture charts with the values files the document
 * upgrades with (written into the workspace), every pod ready. Returns the namespace.
 */
async function deployKleidia(ws: Workspace): Promise<string> {
	const namespace = await cluster.namespace('kleidia');
	cluster.kubelet.pods.bindPostgres({namespace, name: 'kleidia-data-postgres-cluster-0'}, pg);
	for (const layer of LAYERS) {
		ws.write(`${layer}-values.yaml`, `global:\n  domain: kleidia.example.com\n  layer: ${layer}\n`);
		await helmOk(ws, cluster.kubeconfigPath, ['install', `kleidia-${layer}`, path.join(CHARTS, `kleidia-${layer}`), '--namespace', namespace, '--values', ws.path(`${layer}-values.yaml`)]);
	}
	await kleidiaReady(namespace);
	return namespace;
}

/** Version 1.1.0 of each chart in the workspace; the services one broken (its pods never get ready) when asked. */
function upgradeCharts(ws: Workspace, brokenServices: boolean): Record<Layer, string> {
	return {
		platform: chartVersion(ws, 'kleidia-platform', '1.1.0', {openbao: {image: 'quay.io/openbao/openbao:2.4.1'}}),
		data: chartVersion(ws, 'kleidia-data', '1.1.0', {postgres: {image: 'docker.io/library/postgres:15.10'}}),
		services: chartVersion(ws, 'kleidia-services', '1.1.0', {
			backend: {image: 'ghcr.io/kleidia/kleidia-backend:1.1.0'},
			frontend: {image: 'ghcr.io/kleidia/kleidia-frontend:1.1.0'},
			...(brokenServices ? {podAnnotations: {'test.runbook/hold': 'true'}, progressDeadlineSeconds: 3} : {}),
		}),
	};
}

/** The upgrade runbook's params for `charts`. */
function upgradeParams(namespace: string, charts: Record<Layer, string>): Record<string, string> {
	return {NAMESPACE: namespace, PLATFORM_CHART: charts.platform, DATA_CHART: charts.data, SERVICES_CHART: charts.services, HEALTH_URL: healthUrl};
}

/** [revision, status, chart] of each revision of `kleidia-<layer>`. */
async function revisions(ws: Workspace, namespace: string, layer: Layer): Promise<Array<[number, string, string]>> {
	return (await history(ws, cluster.kubeconfigPath, namespace, `kleidia-${layer}`)).map(r => [r.revision, r.status, r.chart]);
}

/** Checks the backups of an upgrade run: the dump, the OpenBao snapshot and the three values files, private. */
function expectBackups(ws: Workspace, namespace: string, date: string): void {
	const dump = readFileSync(ws.path(`backup-${date}.sql`), 'utf8');
	expect(dump).toMatch(/^CREATE DATABASE kleidia /m);
	expect(dump).toContain('10000050\tuser50');
	expect(dump.trimEnd().split('\n').slice(-3)).toContain('-- PostgreSQL database cluster dump complete');
	// The snapshot copied out of the pod is the file vault wrote there, byte for byte.
	const inPod = readFileSync(path.join(cluster.kubelet.pods.rootOf(namespace, 'kleidia-platform-openbao-0'), 'tmp', 'vault-backup.snap'));
	expect(inPod.length).toBe(8192);
	expect(readFileSync(ws.path(`vault-backup-${date}.snap`)).equals(inPod)).toBe(true);
	for (const layer of LAYERS) {
		expect(readFileSync(ws.path(`${layer}-values-${date}.yaml`), 'utf8')).toContain(`layer: ${layer}`);
	}
	for (const file of [`backup-${date}.sql`, `vault-backup-${date}.snap`, ...LAYERS.map(layer => `${layer}-values-${date}.yaml`)]) {
		expect(statSync(ws.path(file)).mode & 0o777, file).toBe(0o600);
	}
}

describe('kleidia-upgrade.yaml', () => {
	it('takes the backups, then upgrades platform, data and services in order, each checked', async () => {
		const ws = workspace();
		const namespace = await deployKleidia(ws);
		const result = await runHelmRunbook(ws, UPGRADE, cluster.kubeconfigPath, upgradeParams(namespace, upgradeCharts(ws, false)));
		expect(result.code, shown(result)).toBe(0);
		const state = ws.state(ws.onlyRunId());
		// Every step succeeded; no rescue ran.
		expect(Object.entries(stepStatuses(state)).filter(([, status]) => status !== 'succeeded')).toEqual(RESCUE_STEPS.map(id => [id, 'pending']));
		expect(state.groups).toMatchObject({platform: {outcome: 'succeeded'}, data: {outcome: 'succeeded'}, services: {outcome: 'succeeded'}});
		expectBackups(ws, namespace, state.vars.BACKUP_DATE!);
		expect(state.vars.BACKUP_DATE).toMatch(/^\d{8}$/);

		for (const layer of LAYERS) {
			expect(await revisions(ws, namespace, layer), layer).toEqual([
				[1, 'superseded', `kleidia-${layer}-1.0.0`],
				[2, 'deployed', `kleidia-${layer}-1.1.0`],
			]);
		}
		expect(await imageOf('StatefulSet', namespace, 'kleidia-data-postgres-cluster')).toBe('docker.io/library/postgres:15.10');
		expect(await imageOf('Deployment', namespace, 'kleidia-services-backend')).toBe('ghcr.io/kleidia/kleidia-backend:1.1.0');
		// The document's checks ran in the pods: vault status after the platform, SELECT version() after the data layer.
		expect(vaultCalls()).toEqual(['kleidia-platform-openbao-0 operator raft snapshot save /tmp/vault-backup.snap'.replace('/tmp', path.join(cluster.kubelet.pods.rootOf(namespace, 'kleidia-platform-openbao-0'), 'tmp')), 'kleidia-platform-openbao-0 status']);
		expect(result.stdout).toMatch(/PostgreSQL 15\.\d+/);
		expect(result.stdout).toMatch(/services-health: check \d+: status 200 — .*healthy/);
	}, 900_000);

	it('rolls the services back with their rescue when the new version cannot become ready; the run stops there', async () => {
		const ws = workspace();
		const namespace = await deployKleidia(ws);
		const result = await runHelmRunbook(ws, UPGRADE, cluster.kubeconfigPath, upgradeParams(namespace, upgradeCharts(ws, true)));
		expect(result.code, shown(result)).toBe(1);
		expect(result.stdout + result.stderr).toContain('exceeded its progress deadline');
		expect(result.stdout + result.stderr).toContain('rolled back');
		const state = ws.state(ws.onlyRunId());
		expect(stepStatuses(state)).toMatchObject({
			'upgrade-platform': 'succeeded',
			'platform-status': 'succeeded',
			'upgrade-data': 'succeeded',
			'data-version': 'succeeded',
			'upgrade-services': 'succeeded',
			'backend-rollout': 'failed',
			'frontend-rollout': 'pending',
			'services-health': 'pending',
			'rollback-services': 'succeeded',
			'rollback-backend-rollout': 'succeeded',
			'rollback-frontend-rollout': 'succeeded',
			'new-versions': 'pending',
			'rollback-platform': 'pending',
			'rollback-data': 'pending',
		});
		expect(state.groups).toMatchObject({platform: {outcome: 'succeeded'}, data: {outcome: 'succeeded'}, services: {outcome: 'rolled-back', failedStep: 'backend-rollout'}});
		expectBackups(ws, namespace, state.vars.BACKUP_DATE!);

		// helm rollback made a third revision of the services: 1.0.0 again; platform and data stay upgraded.
		const services = await history(ws, cluster.kubeconfigPath, namespace, 'kleidia-services');
		expect(services.map(r => [r.revision, r.status, r.chart])).toEqual([
			[1, 'superseded', 'kleidia-services-1.0.0'],
			[2, 'superseded', 'kleidia-services-1.1.0'],
			[3, 'deployed', 'kleidia-services-1.0.0'],
		]);
		expect(services[2]!.description).toBe('Rollback to 1');
		expect(await revisions(ws, namespace, 'platform')).toEqual([
			[1, 'superseded', 'kleidia-platform-1.0.0'],
			[2, 'deployed', 'kleidia-platform-1.1.0'],
		]);
		expect(await revisions(ws, namespace, 'data')).toEqual([
			[1, 'superseded', 'kleidia-data-1.0.0'],
			[2, 'deployed', 'kleidia-data-1.1.0'],
		]);
		const backend = await mustGet(cluster, 'Deployment', namespace, 'kleidia-services-backend');
		expect(backend.spec.template.spec.containers[0].image).toBe('ghcr.io/kleidia/kleidia-backend:1.0.0');
		expect(backend.spec.template.metadata.annotations?.['test.runbook/hold']).toBeUndefined();
		expect((await podsMatching(cluster, namespace, {'app.kubernetes.io/name': 'kleidia-backend'})).filter(podReady)).toHaveLength(1);
	}, 900_000);
});

describe('kleidia-rollback.yaml', () => {
	/** Kleidia upgraded to 1.1.0 with helm (revision 2 of each release). */
	async function upgraded(ws: Workspace): Promise<string> {
		const namespace = await deployKleidia(ws);
		const charts = upgradeCharts(ws, false);
		for (const layer of LAYERS) {
			await helmOk(ws, cluster.kubeconfigPath, ['upgrade', `kleidia-${layer}`, charts[layer], '--namespace', namespace, '--values', ws.path(`${layer}-values.yaml`)]);
		}
		await kleidiaReady(namespace);
		return namespace;
	}

	it('rolls services back to a given revision, platform and data to the previous one, each verified', async () => {
		const ws = workspace();
		const namespace = await upgraded(ws);
		const result = await runHelmRunbook(ws, ROLLBACK, cluster.kubeconfigPath, {NAMESPACE: namespace, SERVICES_REVISION: '1', ROLLBACK_DATA: 'yes'});
		expect(result.code, shown(result)).toBe(0);
		const statuses = stepStatuses(ws.state(ws.onlyRunId()));
		expect(Object.entries(statuses).filter(([, status]) => status !== 'succeeded')).toEqual([]);
		for (const layer of LAYERS) {
			const revs = await history(ws, cluster.kubeconfigPath, namespace, `kleidia-${layer}`);
			expect(
				revs.map(r => [r.revision, r.status, r.chart]),
				layer,
			).toEqual([
				[1, 'superseded', `kleidia-${layer}-1.0.0`],
				[2, 'superseded', `kleidia-${layer}-1.1.0`],
				[3, 'deployed', `kleidia-${layer}-1.0.0`],
			]);
			expect(revs[2]!.description, layer).toBe('Rollback to 1');
		}
		expect(await imageOf('StatefulSet', namespace, 'kleidia-data-postgres-cluster')).toBe('docker.io/library/postgres:15');
		expect(await imageOf('Deployment', namespace, 'kleidia-services-frontend')).toBe('ghcr.io/kleidia/kleidia-frontend:1.0.0');
		expect(vaultCalls()).toEqual(['kleidia-platform-openbao-0 status']);
		expect(result.stdout).toMatch(/PostgreSQL 15\.\d+/);
	}, 900_000);

	it('leaves the data layer alone unless its warning is answered yes (the document: only if absolutely necessary)', async () => {
		const ws = workspace();
		const namespace = await upgraded(ws);
		const result = await runHelmRunbook(ws, ROLLBACK, cluster.kubeconfigPath, {NAMESPACE: namespace});
		expect(result.code, shown(result)).toBe(0);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toMatchObject({'rollback-services': 'succeeded', 'rollback-platform': 'succeeded', 'data-decision': 'succeeded', 'data-history': 'skipped', 'rollback-data': 'skipped'});
		expect(await revisions(ws, namespace, 'services')).toEqual([
			[1, 'superseded', 'kleidia-services-1.0.0'],
			[2, 'superseded', 'kleidia-services-1.1.0'],
			[3, 'deployed', 'kleidia-services-1.0.0'],
		]);
		expect(await revisions(ws, namespace, 'data')).toEqual([
			[1, 'superseded', 'kleidia-data-1.0.0'],
			[2, 'deployed', 'kleidia-data-1.1.0'],
		]);
	}, 900_000);
});
