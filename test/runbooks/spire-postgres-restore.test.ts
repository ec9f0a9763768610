/**
 * runbooks/spire-postgres-restore.yaml end to end, without a terminal (`--plain --yes
 * --yes-destructive`), against the real test cluster (control plane, test kubelet, postgres-operator stand-in) seeded with the CSM objects, with
 * `spire-postgres-0` bound to a real PostgreSQL: the dump of a database with known rows is
 * restored through `exec` after the database and its roles were dropped; both secret
 * paths; then spire-server back to 3 ready pods, spire-agent and spire-jwks restarted, and
 * the agents on the nodes (a manual step, passed with --yes).
 *
 * The last two steps run programs of a CSM management node, by default at the document's
 * paths (params FIX_SPIRE_SCRIPT, HEARTBEAT_SPIRE_AGENT, SPIRE_AGENT_SOCKET). Off a node the
 * first stops the run with the runbook's own message (exit 1); the operator then runs them
 * on ncn-mw by hand and skips the two steps in the TUI, as the step says: the first test
 * does that through tmux and the run completes. The second gives the params stand-in
 * programs (as an operator on a node with another layout would give its paths): the run
 * completes in plain mode, and the stand-ins show they were called as the document says.
 */
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {useWorkspaces, type Workspace} from '../cli/helpers.js';
import type {RealCluster} from '../support/kube/real-cluster.js';
import {startTui, START_MS, useTerminals} from '../e2e/tui.js';
import {restartedAt, rolledOut, workloadState} from './cluster-checks.js';
import {cliEnvFor, dumpParams, runbookPath, runPlain, shown} from './harness.js';
import {expectCompletedRun, expectRestored, skippedSteps, type SecretsMode} from './restore-checks.js';
import {useRestoreSuite, type ServiceUnderTest} from './suite.js';

const SERVICE: ServiceUnderTest = {
	namespace: 'spire',
	postgresql: 'spire-postgres',
	secrets: ['postgres.spire-postgres.credentials', 'service-account.spire-postgres.credentials', 'spire.spire-postgres.credentials', 'standby.spire-postgres.credentials'],
	database: 'spire',
	owner: 'spire',
};
const FIX_SCRIPT = '/opt/cray/platform-utils/spire/fix-spire-on-storage.sh';
/** Steps that only run on a CSM management node. */
const NODE_STEPS = ['fix-spire-on-storage', 'verify-spire'];
const TITLES: Record<string, string> = {'fix-spire-on-storage': 'Fix any issues with the Spire token on storage nodes', 'verify-spire': 'Verify that Spire is working'};

const workspace = useWorkspaces();
useTerminals();
const suite = useRestoreSuite();

/**
 * Writes stand-ins for the node's programs into the workspace's bin/: each logs its
 * arguments to `node-tools.calls`; the heartbeat prints a token. Returns their params.
 */
function installNodeTools(ws: Workspace): Record<string, string> {
	const calls = JSON.stringify(ws.path('node-tools.calls'));
	const tools = {
		FIX_SPIRE_SCRIPT: ['fix-spire-on-storage.sh', 'echo "Spire token fixed on ncn-s001"'],
		HEARTBEAT_SPIRE_AGENT: ['heartbeat-spire-agent', 'echo "eyJhbGciOiJSUzI1NiJ9.test-token"'],
	};
	const params: Record<string, string> = {SPIRE_AGENT_SOCKET: ws.path('agent.sock')};
	mkdirSync(ws.path('bin'), {recursive: true});
	for (const [param, [name, body]] of Object.entries(tools)) {
		const file = ws.path(`bin/${name}`);
		writeFileSync(file, `#!/bin/bash\nprintf '%s %s\\n' ${name} "$*" >> ${calls}\n${body}\n`);
		chmodSync(file, 0o755);
		params[param] = file;
	}
	return params;
}

/**
 * Runs the runbook in plain mode. Without `nodeTools` it stops at the first step that
 * needs a management node; with them it completes. Checks the cluster and the database.
 */
async function restore(ws: Workspace, mode: SecretsMode, source: 's3' | 'local', nodeTools?: Record<string, string>): Promise<{runId: string; cluster: RealCluster}> {
	const {cluster: c, backup, was} = await suite.prepare(ws, SERVICE, {service_account: '', spire: '', standby: ''});
	const startedAt = Date.now();

	const dump = dumpParams(source, mode, backup);
	const result = await runPlain(ws, runbookPath('spire'), c.kubeconfigPath, {...dump, SECRETS_MODE: mode, ...nodeTools});
	const runId = ws.onlyRunId();
	const state = ws.state(runId);
	const skipped = skippedSteps(source, mode);
	if (nodeTools) {
		expect(result.code, shown(result)).toBe(0);
		expectCompletedRun(state, c, 'spire', skipped);
		expect(ws.lines('node-tools.calls')).toEqual(['fix-spire-on-storage.sh ', `heartbeat-spire-agent api fetch jwt -socketPath=${nodeTools.SPIRE_AGENT_SOCKET} -audience test`]);
		expect(result.stdout).toContain('verify-spire| eyJhbGciOiJSUzI1NiJ9.test-token');
	} else {
		if (existsSync(FIX_SCRIPT)) throw new Error(`${FIX_SCRIPT} exists on this machine: this test expects to run off a CSM node`);
		expect(result.code, shown(result)).toBe(1);
		expect(result.stderr).toContain(`runbook: step fix-spire-on-storage failed: exit code 1`);
		expect(result.stdout).toContain(`${FIX_SCRIPT} not found: run this step on a master or worker node (ncn-mw) as root.`);
		expect(state.steps['fix-spire-on-storage'].status).toBe('failed');
		expect(state.steps['verify-spire'].status).toBe('pending');
		// Everything before it is done: the manual step passed with --yes.
		const before_ = state.order.slice(0, state.order.indexOf('fix-spire-on-storage'));
		expect(before_.filter(id => state.steps[id].status !== (skipped.includes(id) ? 'skipped' : 'succeeded'))).toEqual([]);
	}
	expect(result.stdout).toContain('restart-spire-agent-on-nodes: taken as done (--yes)');
	expect(result.stdout).toContain("pdsh -S -w ncn-m00[1-3],ncn-w00[1-3],ncn-s00[1-3] 'systemctl restart spire-agent'");
	expect(state.kube).toEqual({context: 'test', cluster: 'test-cluster', server: c.url, namespace: 'spire'});

	expect(await workloadState(c, 'StatefulSet', 'spire', 'spire-server')).toEqual({
		replicas: 3,
		readyReplicas: 3,
		pods: {'spire-server-0': true, 'spire-server-1': true, 'spire-server-2': true},
	});
	await expectRestored(c, suite.pg(), SERVICE, backup, was, mode);
	for (const [kind, name] of [
		['DaemonSet', 'spire-agent'],
		['Deployment', 'spire-jwks'],
	] as const) {
		expect(Date.parse(await restartedAt(c, kind, 'spire', name)), `${kind} ${name} restarted`).toBeGreaterThanOrEqual(startedAt - 1000);
		expect(await rolledOut(c, kind, 'spire', name), `${kind} ${name} rolled out`).toBe(true);
	}
	return {runId, cluster: c};
}

describe('Restore Postgres for Spire, end to end', () => {
	it('update-passwords, from a manual dump; the node-only steps skipped in the TUI', async () => {
		const ws = workspace();
		const {runId, cluster: c} = await restore(ws, 'update-passwords', 'local');

		// The operator ran the two scripts on ncn-mw by hand: resume in a terminal and skip them.
		const tui = startTui(ws, ['resume', runId, '--state-dir', ws.stateDir, '--kubeconfig', c.kubeconfigPath], {env: cliEnvFor(ws), width: 100, height: 30});
		const {term} = tui;
		const order = ws.state(runId).order;
		for (const step of NODE_STEPS) {
			// Resumed in step mode: each step waits at its gate, where s skips it.
			const gate = await term.waitFor(`Run step ${order.indexOf(step) + 1} "${TITLES[step]}"?`, START_MS);
			expect(gate).toContain('s skip');
			term.sendKeys('s');
			await term.waitFor(`Skip step "${TITLES[step]}"? (y/N)`);
			term.sendKeys('y');
			await term.waitUntil(`${step} to be skipped`, () => ws.state(runId).steps[step].status === 'skipped', 20_000);
		}
		await tui.leaveSummary(20_000);
		expect(await tui.exitCode(20_000)).toBe(0);
		expectCompletedRun(ws.state(runId), c, 'spire', [...skippedSteps('local', 'update-passwords'), ...NODE_STEPS]);
		expect(
			ws
				.state(runId)
				.decisions.filter(d => d.kind === 'skip')
				.map(d => d.stepId),
		).toEqual(NODE_STEPS);
	}, 240_000);

	it('recreate-from-manifest, from the postgres-backup bucket; the node programs given as params: the run completes', async () => {
		const ws = workspace();
		await restore(ws, 'recreate-from-manifest', 's3', installNodeTools(ws));
	}, 240_000);
});
