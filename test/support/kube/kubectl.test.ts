/**
 * kubectl of the API server's release against the real test cluster (control plane, test
 * kubelet, postgres-operator stand-in; real-cluster.ts) seeded with the Cray CSM objects:
 * the commands of the "Restore Postgres" document (seed 003) and the other verbs runbooks
 * use, as an operator would type them. It shows the cluster the runbook tests run on
 * answers those commands as a live one does (the stand-ins included).
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {kubectlPath} from './controlplane.js';
import {seedCsmFixtures} from './fixtures.js';
import {startPostgresOperator, type PostgresOperator} from './postgres-operator.js';
import {startRealCluster, type RealCluster} from './real-cluster.js';
import {runKubectl, type KubectlResult} from './testing.js';
import {waitFor} from '../wait.js';

let cluster: RealCluster;
let operator: PostgresOperator;
let dir: string;

function k(args: string[], input?: string): Promise<KubectlResult> {
	return runKubectl(kubectlPath(), cluster, args, {cwd: dir, timeoutMs: 60_000, ...(input !== undefined ? {input} : {})});
}

async function ok(args: string[], input?: string): Promise<string> {
	const result = await k(args, input);
	expect(result.stderr, `kubectl ${args.join(' ')}`).not.toMatch(/error/i);
	expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
	return result.stdout;
}

/** `kubectl wait --for=delete -l ...` (succeeds when every matching object is gone already). */
async function waitDeleted(args: string[]): Promise<void> {
	await ok(['wait', '--for=delete', ...args, '--timeout=60s']);
}

describe('kubectl against the real test cluster', () => {
	beforeAll(async () => {
		cluster = await startRealCluster({terminationDelayMs: 150, jobRunMs: 120});
		operator = await startPostgresOperator(cluster.cp);
		await seedCsmFixtures(cluster);
		dir = mkdtempSync(join(tmpdir(), 'kubectl-test-'));
	}, 240_000);

	afterAll(async () => {
		operator?.stop();
		await cluster?.stop();
		if (dir) rmSync(dir, {recursive: true, force: true});
	});

	it('get: table text, -o name, -o json, -o jsonpath', async () => {
		const text = await ok(['get', 'pods', '-n', 'services', '-l', 'app.kubernetes.io/instance=cray-keycloak']);
		expect(text.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
		expect(text).toMatch(/cray-keycloak-0\s+2\/2\s+Running\s+0\s+\d+s/);
		expect(await ok(['get', 'pods', '-n', 'spire', '-l', 'app.kubernetes.io/name=spire-server', '-o', 'name'])).toBe('pod/spire-server-0\npod/spire-server-1\npod/spire-server-2\n');
		const pg = JSON.parse(await ok(['get', 'postgresql', 'spire-postgres', '-n', 'spire', '-o', 'json']));
		expect(pg.status.PostgresClusterStatus).toBe('Running');
		const user = await ok(['get', 'secret', 'spire.spire-postgres.credentials', '-n', 'spire', '-ojsonpath={.data.username}']);
		expect(Buffer.from(user, 'base64').toString()).toBe('spire');
		const none = await k(['get', 'pods', '-n', 'spire', '-l', 'app=nothing']);
		expect(none.stdout).toBe('');
		expect(none.stderr).toMatch(/No resources found in spire namespace/);
		const missing = await k(['get', 'deployment', 'nope', '-n', 'spire']);
		expect(missing.code).toBe(1);
		expect(missing.stderr).toMatch(/NotFound.*deployments.apps "nope" not found/);
	});

	it('scale statefulset to 0, wait --for=delete, scale back, rollout status', async () => {
		await ok(['scale', 'statefulset', 'spire-server', '-n', 'spire', '--replicas=0']);
		await waitDeleted(['pod', '-l', 'app.kubernetes.io/name=spire-server', '-n', 'spire']);
		const left = (await cluster.api('GET', '/api/v1/namespaces/spire/pods')).body.items.map((p: {metadata: {name: string}}) => p.metadata.name);
		expect(left.filter((name: string) => name.startsWith('spire-server'))).toEqual([]);
		await ok(['scale', 'statefulset', 'spire-server', '-n', 'spire', '--replicas=3']);
		const status = await ok(['rollout', 'status', 'statefulset', 'spire-server', '-n', 'spire', '--timeout=60s']);
		expect(status).toMatch(/rolling update complete 3 pods at revision spire-server-/);
	});

	it("delete -f and create -f a postgresql CR (the document's rebuild), patch --type=json", async () => {
		const cr = JSON.parse(await ok(['get', 'postgresql', 'keycloak-postgres', '-n', 'services', '-o', 'json']));
		cr.metadata = {name: cr.metadata.name, namespace: cr.metadata.namespace, labels: cr.metadata.labels};
		delete cr.status;
		writeFileSync(join(dir, 'postgres-cr.json'), JSON.stringify(cr));
		expect(await ok(['delete', '-f', 'postgres-cr.json'])).toMatch(/postgresql.acid.zalan.do "keycloak-postgres" deleted/);
		await waitDeleted(['pod', '-l', 'application=spilo,cluster-name=keycloak-postgres', '-n', 'services']);
		// The operator stand-in deletes the postgresql's Secrets (asynchronously, as the operator).
		await waitFor('the credentials secret to be deleted', async () => /NotFound/.test((await k(['get', 'secret', 'postgres.keycloak-postgres.credentials', '-n', 'services'])).stderr), {timeoutMs: 120_000, intervalMs: 200});
		cr.spec.numberOfInstances = 1;
		writeFileSync(join(dir, 'postgres-cr.json'), JSON.stringify(cr));
		expect(await ok(['create', '-f', 'postgres-cr.json'])).toMatch(/postgresql.acid.zalan.do\/keycloak-postgres created/);
		await ok(['wait', '--for=jsonpath={.status.PostgresClusterStatus}=Running', 'postgresql/keycloak-postgres', '-n', 'services', '--timeout=60s']);
		expect(await ok(['get', 'pods', '-l', 'application=spilo,cluster-name=keycloak-postgres', '-n', 'services', '-o', 'name'])).toBe('pod/keycloak-postgres-0\n');
		await ok(['patch', 'postgresql', 'keycloak-postgres', '-n', 'services', '--type=json', '-p=[{"op" : "replace", "path":"/spec/numberOfInstances", "value" : 3}]']);
		await ok(['rollout', 'status', 'statefulset', 'keycloak-postgres', '-n', 'services', '--timeout=60s']);
		expect((await ok(['get', 'pods', '-l', 'application=spilo,cluster-name=keycloak-postgres', '-n', 'services', '-o', 'name'])).split('\n').filter(Boolean)).toHaveLength(3);
	});

	it('apply -f (client-side, twice) and apply --server-side of the secrets manifest', async () => {
		const manifest = {
			apiVersion: 'v1',
			kind: 'List',
			items: ['postgres', 'service-account', 'standby'].map(u => ({
				apiVersion: 'v1',
				kind: 'Secret',
				metadata: {name: `${u}.gitea-vcs-postgres.credentials`, namespace: 'services'},
				type: 'Opaque',
				data: {username: Buffer.from(u.replace('-', '_')).toString('base64'), password: Buffer.from('ABC123').toString('base64')},
			})),
		};
		expect(await ok(['delete', 'secret', 'postgres.gitea-vcs-postgres.credentials', 'service-account.gitea-vcs-postgres.credentials', 'standby.gitea-vcs-postgres.credentials', '-n', 'services'])).toMatch(/secret "standby.gitea-vcs-postgres.credentials" deleted/);
		writeFileSync(join(dir, 'secrets.manifest'), JSON.stringify(manifest));
		// The operator may have re-created them already (as the real one does): created or configured.
		expect(await ok(['apply', '-f', 'secrets.manifest'])).toMatch(/secret\/standby.gitea-vcs-postgres.credentials (created|configured)/);
		manifest.items[0]!.data.password = Buffer.from('XYZ').toString('base64');
		writeFileSync(join(dir, 'secrets.manifest'), JSON.stringify(manifest));
		const second = await ok(['apply', '-f', 'secrets.manifest']);
		expect(second).toMatch(/secret\/postgres.gitea-vcs-postgres.credentials configured/);
		expect(second).toMatch(/secret\/standby.gitea-vcs-postgres.credentials unchanged/);
		const password = await ok(['get', 'secret', 'postgres.gitea-vcs-postgres.credentials', '-n', 'services', '-o', 'jsonpath={.data.password}']);
		expect(Buffer.from(password, 'base64').toString()).toBe('XYZ');
		expect(await ok(['apply', '--server-side', '-f', 'secrets.manifest'])).toMatch(/serverside-applied/);
	});

	it('rollout restart + rollout status of deployments and a daemonset', async () => {
		const before = await ok(['get', 'pods', '-n', 'services', '-l', 'app.kubernetes.io/name=cray-oauth2-proxies-customer-access-ingress', '-o', 'name']);
		await ok(['rollout', 'restart', '-n', 'services', 'deployment/cray-oauth2-proxies-customer-access-ingress']);
		expect(await ok(['rollout', 'status', '-n', 'services', 'deployment/cray-oauth2-proxies-customer-access-ingress', '--timeout=60s'])).toMatch(/successfully rolled out/);
		const after = await ok(['get', 'pods', '-n', 'services', '-l', 'app.kubernetes.io/name=cray-oauth2-proxies-customer-access-ingress', '-o', 'name']);
		expect(after).not.toBe(before);
		await ok(['rollout', 'restart', 'daemonset', 'spire-agent', '-n', 'spire']);
		expect(await ok(['rollout', 'status', 'daemonset', 'spire-agent', '-n', 'spire', '--timeout=60s'])).toMatch(/successfully rolled out/);
	});

	it('replace --force of a job (keycloak-setup), then it completes', async () => {
		const list = JSON.parse(await ok(['get', 'job', '-n', 'services', '-l', 'app.kubernetes.io/instance=cray-keycloak', '-o', 'json']));
		const job = list.items[0];
		for (const key of ['creationTimestamp', 'managedFields', 'resourceVersion', 'selfLink', 'uid']) {
			delete job.metadata[key];
		}
		delete job.spec.selector;
		delete job.spec.template.metadata.labels;
		delete job.status;
		expect(await ok(['replace', '--force', '-f', '-'], JSON.stringify(job))).toMatch(/job.batch\/keycloak-setup-2 replaced/);
		await ok(['wait', '--for=condition=complete', 'job/keycloak-setup-2', '-n', 'services', '--timeout=60s']);
		expect(await ok(['get', 'jobs', '-n', 'services', '-l', 'app.kubernetes.io/instance=cray-keycloak'])).toMatch(/keycloak-setup-2\s+Complete\s+1\/1/);
	});

	it('create secret generic / configmap, label, delete', async () => {
		expect(await ok(['create', 'secret', 'generic', 'manual', '-n', 'spire', '--from-literal=username=postgres'])).toBe('secret/manual created\n');
		expect(Buffer.from(await ok(['get', 'secret', 'manual', '-n', 'spire', '-o', 'jsonpath={.data.username}']), 'base64').toString()).toBe('postgres');
		expect(await ok(['create', 'configmap', 'notes', '-n', 'spire', '--from-literal=a=b'])).toBe('configmap/notes created\n');
		expect(await ok(['label', 'configmap', 'notes', '-n', 'spire', 'step=1'])).toBe('configmap/notes labeled\n');
		expect(await ok(['get', 'configmaps', '-n', 'spire', '-l', 'step=1', '-o', 'name'])).toBe('configmap/notes\n');
		expect(await ok(['delete', 'secret', 'manual', '-n', 'spire'])).toBe('secret "manual" deleted from spire namespace\n');
	});

	it('exec (exit codes, stdin) and cp both ways', async () => {
		const failed = await k(['exec', 'spire-postgres-0', '-c', 'postgres', '-n', 'spire', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
		expect(failed).toMatchObject({code: 3, stdout: 'out\n'});
		expect(failed.stderr).toMatch(/err\n[\s\S]*command terminated with exit code 3/);
		expect(await ok(['exec', '-i', 'spire-postgres-0', '-n', 'spire', '--', 'wc', '-c'], 'x'.repeat(100_000))).toBe('100000\n');
		writeFileSync(join(dir, 'spire-postgres-2022-09-14T03-10-04.psql'), 'CREATE TABLE t (a int);\n');
		await ok(['cp', './spire-postgres-2022-09-14T03-10-04.psql', 'spire-postgres-0:/home/postgres/spire-postgres-2022-09-14T03-10-04.psql', '-c', 'postgres', '-n', 'spire']);
		expect(readFileSync(join(cluster.kubelet.pods.rootOf('spire', 'spire-postgres-0'), 'home/postgres/spire-postgres-2022-09-14T03-10-04.psql'), 'utf8')).toBe('CREATE TABLE t (a int);\n');
		await ok(['cp', 'spire-postgres-0:/home/postgres/spire-postgres-2022-09-14T03-10-04.psql', './back.psql', '-c', 'postgres', '-n', 'spire']);
		expect(readFileSync(join(dir, 'back.psql'), 'utf8')).toBe('CREATE TABLE t (a int);\n');
	});
});
