/**
 * A run records its Kubernetes target, and resuming it against another one needs the
 * operator's word: runbooks/vcs-postgres-restore.yaml started without a terminal against
 * context `a` (real test cluster A) stops at its first destructive step; resumed with
 * `--context b` (test cluster B, same kubeconfig) it exits 2 naming `--confirm-context`
 * and changes nothing; with `--confirm-context b` it runs to the end against B — the
 * kubectl steps too, through KUBE_CONTEXT — and records B. Cluster A keeps what the first
 * session did and nothing more.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {stringify as toYaml} from 'yaml';
import {useWorkspaces} from '../cli/helpers.js';
import {startTui, useTerminals} from '../e2e/tui.js';
import type {RealCluster} from '../support/kube/real-cluster.js';
import {startPostgres, type PostgresServer} from '../support/postgres.js';
import {postgresqlState, workloadState} from './cluster-checks.js';
import {dropService} from './database.js';
import {cliEnvFor, prepareBackup, runbookPath, shown, startCsmCluster} from './harness.js';
import {before, expectRestored} from './restore-checks.js';
import {VCS_SERVICE} from './suite.js';

const SERVICE = VCS_SERVICE;

const workspace = useWorkspaces();
useTerminals();
let pg: PostgresServer;
let clusterA: RealCluster;
let clusterB: RealCluster;

beforeAll(async () => {
	pg = await startPostgres();
	const bind = [{namespace: SERVICE.namespace, postgresql: SERVICE.postgresql}];
	[clusterA, clusterB] = await Promise.all([startCsmCluster(pg, bind), startCsmCluster(pg, bind)]);
}, 300_000);
afterAll(async () => {
	await Promise.all([clusterA?.stop(), clusterB?.stop()]);
	await pg?.stop();
});

/** A kubeconfig user of `cluster`: its admin client certificate (each test cluster has its own CA). */
function userOf(cluster: RealCluster): {'client-certificate-data': string; 'client-key-data': string} {
	const b64 = (file: string): string => readFileSync(join(cluster.dir, file)).toString('base64');
	return {'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key')};
}

/** A kubeconfig with two contexts: `a` (cluster A, the current one) and `b` (cluster B). */
function twoContexts(file: string): string {
	writeFileSync(
		file,
		toYaml({
			apiVersion: 'v1',
			kind: 'Config',
			clusters: [
				{name: 'cluster-a', cluster: {server: clusterA.url, 'insecure-skip-tls-verify': true}},
				{name: 'cluster-b', cluster: {server: clusterB.url, 'insecure-skip-tls-verify': true}},
			],
			users: [
				{name: 'operator-a', user: userOf(clusterA)},
				{name: 'operator-b', user: userOf(clusterB)},
			],
			contexts: [
				{name: 'a', context: {cluster: 'cluster-a', user: 'operator-a', namespace: 'default'}},
				{name: 'b', context: {cluster: 'cluster-b', user: 'operator-b', namespace: 'default'}},
			],
			'current-context': 'a',
		}),
		{mode: 0o600},
	);
	return file;
}

describe('resuming against another Kubernetes target', () => {
	it('exits 2 naming --confirm-context, and passes with it against the new target', async () => {
		const ws = workspace();
		const kubeconfig = twoContexts(ws.path('kubeconfig'));
		const backup = await prepareBackup(ws, clusterB, pg, SERVICE);
		await dropService(pg, {database: SERVICE.database, owner: SERVICE.owner, roles: {service_account: '', standby: ''}});
		const params = ['-p', 'DUMP_SOURCE=local', '-p', `DUMPFILE=${backup.dumpFile}`, '-p', 'MANIFEST=none', '-p', 'SECRETS_MODE=update-passwords'];
		const wasA = (await postgresqlState(clusterA, 'services', SERVICE.postgresql)).uid;
		const wasB = await before(clusterB, SERVICE);

		// 1. Against a (the current context), in a terminal: the operator quits at delete-cluster's prompt.
		// (Without a terminal and without --yes-destructive the run is refused before its first step.)
		const first = startTui(ws, ['run', runbookPath('vcs'), '--auto', '--state-dir', ws.stateDir, '--kubeconfig', kubeconfig, ...params], {env: cliEnvFor(ws), width: 100, height: 30});
		// On the way: manual steps marked done (m), the asks answered as the -p values say (the
		// TUI asks them, preset by -p), each as soon as it is drawn.
		const answers: Array<[string, (term: typeof first.term) => void]> = [
			// The plan of the new run first: Enter starts it.
			['Nothing has run yet. Enter starts the run', term => term.sendKeys('Enter')],
			// -p presets these asks: the choice starts on `local`, the text is filled in; Enter takes them.
			['? Where is the dump?', term => term.sendKeys('Enter')],
			['? File name of the dump', term => term.sendKeys('Enter')],
			['? File name of the secrets manifest', term => term.sendKeys('Enter')],
		];
		const done = new Set<string>();
		let prompt = '';
		await first.term.waitUntil(
			"delete-cluster's typed confirmation",
			() => {
				prompt = first.term.capture();
				if (prompt.includes('to confirm (Esc cancels)')) return true;
				const manual = prompt.includes('☐ Manual step') ? `manual ${/│ (\d+)\/\d+ /.exec(prompt)?.[1]}` : undefined;
				const answer = answers.find(([text]) => prompt.includes(text));
				const key = manual ?? answer?.[0];
				if (!key || done.has(key)) return false;
				done.add(key);
				if (manual) first.term.sendKeys('m');
				else answer![1](first.term);
				return false;
			},
			120_000,
		);
		expect(prompt).toContain('Delete the');
		expect(prompt).toContain(`context: a · server: ${clusterA.url}`);
		first.term.sendKeys('C-c');
		await first.term.waitFor('Quit? Progress is kept. (y/N)');
		first.term.sendKeys('y');
		expect(await first.exitCode(30_000)).toBe(1);
		const runId = ws.onlyRunId();
		expect(ws.state(runId).kube).toEqual({context: 'a', cluster: 'cluster-a', server: clusterA.url, namespace: 'services'});
		expect(ws.state(runId).steps['save-cluster-definition'].status).toBe('succeeded');
		expect((await workloadState(clusterA, 'Deployment', 'services', 'gitea-vcs')).replicas).toBe(0);

		// 2. Resumed against b without the confirmation: exit 2, nothing ran, the target is still a.
		const resume = ['resume', runId, '--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir, '--kubeconfig', kubeconfig, '--context', 'b', ...params];
		const refused = await ws.cli(resume, {env: cliEnvFor(ws)});
		expect(refused.code, shown(refused)).toBe(2);
		expect(refused.stderr).toContain(`run ${runId} was started against another Kubernetes target (context a → b; server ${clusterA.url} → ${clusterB.url})`);
		expect(refused.stderr).toContain('pass --confirm-context b');
		expect(refused.stdout).toBe('');
		expect(ws.state(runId).kube?.context).toBe('a');
		expect(ws.state(runId).steps['delete-cluster'].status).toBe('pending');
		// Naming another context than the one connected to is no confirmation either.
		const wrong = await ws.cli([...resume, '--confirm-context', 'a'], {env: cliEnvFor(ws)});
		expect(wrong.code, shown(wrong)).toBe(2);
		expect((await postgresqlState(clusterB, 'services', SERVICE.postgresql)).uid).toBe(wasB.postgresqlUid);

		// 3. With --confirm-context b: runs to the end against B and records it.
		const accepted = await ws.cli([...resume, '--confirm-context', 'b'], {env: cliEnvFor(ws), timeoutMs: 90_000});
		expect(accepted.code, shown(accepted)).toBe(0);
		expect(accepted.stdout).toContain(`kubernetes: context: b · server: ${clusterB.url} · namespace: services`);
		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(state.kube).toEqual({context: 'b', cluster: 'cluster-b', server: clusterB.url, namespace: 'services'});
		expect(state.decisions.filter(d => d.kind === 'context-change-accepted').map(d => d.detail)).toEqual([`context a → b; server ${clusterA.url} → ${clusterB.url}`]);
		// B was restored (the kubectl steps read B's Secrets through KUBE_CONTEXT=b)...
		await expectRestored(clusterB, pg, SERVICE, backup, wasB, 'update-passwords');
		expect(await workloadState(clusterB, 'Deployment', 'services', 'gitea-vcs')).toMatchObject({replicas: 1, readyReplicas: 1});
		// ...and A kept what the first session did, nothing more.
		expect((await postgresqlState(clusterA, 'services', SERVICE.postgresql)).uid).toBe(wasA);
		expect((await workloadState(clusterA, 'Deployment', 'services', 'gitea-vcs')).replicas).toBe(0);
	}, 240_000);
});
