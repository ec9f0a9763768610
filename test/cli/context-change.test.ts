/**
 * A resume against another Kubernetes target, accepted with `--confirm-context`, is an
 * operator decision like any other: the Runner records it (`context-change-accepted`), so
 * it is in the saved state, in the journal, and in the Markdown report's decisions and
 * timeline (before, it was written into the state outside the Runner and never reached the
 * journal, so the report's timeline did not show it).
 *
 * The built CLI without a terminal, against the real control plane (kube-apiserver and etcd;
 * no controllers, kubelet or container runtime are needed: the steps apply ConfigMaps). One
 * kubeconfig has two contexts on that cluster: `a` (namespace `first`) and `b` (`second`).
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {parse as parseYaml, stringify as toYaml} from 'yaml';
import {apiRequest, startControlPlane, type ControlPlane} from '../support/kube/controlplane.js';
import {cliEnvFor, shown} from '../runbooks/harness.js';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();
let cp: ControlPlane;

beforeAll(async () => {
	cp = await startControlPlane({controllers: false});
	for (const name of ['first', 'second']) {
		expect((await apiRequest(cp, 'POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}})).status).toBe(201);
	}
}, 180_000);
afterAll(async () => {
	await cp?.stop();
});

/** The control plane's kubeconfig with two contexts on its cluster: `a` (namespace `first`, the current one) and `b` (`second`). */
function twoContexts(file: string): string {
	const config = parseYaml(readFileSync(cp.kubeconfigPath, 'utf8'));
	config.contexts = [
		{name: 'a', context: {cluster: 'test-cluster', user: 'admin', namespace: 'first'}},
		{name: 'b', context: {cluster: 'test-cluster', user: 'admin', namespace: 'second'}},
	];
	config['current-context'] = 'a';
	writeFileSync(file, toYaml(config), {mode: 0o600});
	return file;
}

/** A ConfigMap applied, a gate that fails until the file `ready` exists, another ConfigMap. */
const RUNBOOK = `version: 1
title: Settings where the context points
steps:
  - id: settings
    apply:
      manifest: { apiVersion: v1, kind: ConfigMap, metadata: { name: settings }, data: { from: runbook } }
  - id: gate
    run: test -f ready
  - id: settings-after
    apply:
      manifest: { apiVersion: v1, kind: ConfigMap, metadata: { name: after }, data: { from: runbook } }
`;

const configMapStatus = async (namespace: string, name: string): Promise<number> => (await apiRequest(cp, 'GET', `/api/v1/namespaces/${namespace}/configmaps/${name}`)).status;

describe('a resume against another Kubernetes target, accepted', () => {
	it('records context-change-accepted through the run: in the state, the journal and the report', async () => {
		const ws = workspace();
		const kubeconfig = twoContexts(ws.path('kubeconfig'));
		const file = ws.write('settings.yaml', RUNBOOK);
		const common = ['--plain', '--yes', '--state-dir', ws.stateDir, '--kubeconfig', kubeconfig];

		// 1. Against a: the first ConfigMap is applied in `first`, the gate fails.
		const first = await ws.cli(['run', file, ...common], {env: cliEnvFor(ws), timeoutMs: 90_000});
		expect(first.code, shown(first)).toBe(1);
		const runId = ws.onlyRunId();
		expect(ws.state(runId).kube).toMatchObject({context: 'a', namespace: 'first'});
		expect(await configMapStatus('first', 'settings')).toBe(200);

		// 2. Resumed against b, confirmed: the rest runs in `second`.
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, ...common, '--context', 'b', '--confirm-context', 'b'], {env: cliEnvFor(ws), timeoutMs: 90_000});
		expect(resumed.code, shown(resumed)).toBe(0);
		expect(await configMapStatus('second', 'after')).toBe(200);
		expect(await configMapStatus('first', 'after')).toBe(404);
		const change = 'context a → b; namespace first → second';
		const state = ws.state(runId);
		expect(state.kube).toMatchObject({context: 'b', namespace: 'second'});
		expect(state.decisions.filter(d => d.kind === 'context-change-accepted').map(d => ({by: d.by, detail: d.detail}))).toEqual([{by: 'test-operator', detail: change}]);

		// The journal has it once, after the resume decision and before the session's first step.
		const journal = readFileSync(join(ws.stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
			.split('\n')
			.filter(Boolean)
			.map(line => JSON.parse(line));
		const accepted = journal.findIndex(e => e.event === 'decision' && e.kind === 'context-change-accepted');
		expect(accepted, JSON.stringify(journal, null, 1)).toBeGreaterThan(-1);
		expect(journal[accepted]).toMatchObject({by: 'test-operator', detail: change});
		expect(journal.filter(e => e.event === 'decision' && e.kind === 'context-change-accepted')).toHaveLength(1);
		const resumeDecision = journal.findLastIndex(e => e.event === 'decision' && e.kind === 'resume');
		const gateRetried = journal.findLastIndex(e => e.event === 'step-started' && e.step === 'gate');
		expect(resumeDecision).toBeLessThan(accepted);
		expect(accepted).toBeLessThan(gateRetried);

		// 3. The report shows it in its decisions and in its timeline (the timeline is the journal's).
		const report = await ws.cli(['report', runId, '--state-dir', ws.stateDir], {env: cliEnvFor(ws)});
		expect(report.code, shown(report)).toBe(0);
		const decisions = report.stdout.slice(report.stdout.indexOf('## Decisions'), report.stdout.indexOf('## Failures and skips'));
		const timeline = report.stdout.slice(report.stdout.indexOf('## Timeline'));
		expect(decisions).toMatch(/\| test-operator \|\s*\| context-change-accepted \| context a → b; namespace first → second \|/);
		expect(timeline).toMatch(/\| test-operator \|\s*\| decision: context-change-accepted \| context a → b; namespace first → second \|/);
	}, 240_000);
});
