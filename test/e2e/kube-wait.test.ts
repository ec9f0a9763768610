/**
 * A Kubernetes wait in a real terminal (tmux, 80x24): a StatefulSet of the test cluster
 * (test/support/kube/) with two pods is scaled to 0, and the next step waits until its
 * pods are deleted. Pods take 2.5 s to terminate and the StatefulSet removes them one at a
 * time (highest ordinal first), so the step's live "what is left" line reads "2 pods left:
 * web-0, web-1", then "1 pod left: web-0", then the step succeeds — right after the last
 * pod is removed from the cluster.
 */
import {afterEach, describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {statefulSet, seed} from '../support/kube/fixture-kit.js';
import {startTestCluster, type TestCluster} from '../support/kube/server.js';
import {POD} from '../support/kube/context.js';
import {exitSummary, startTui, START_MS, useTerminals} from './tui.js';

const workspace = useWorkspaces();
useTerminals();
let cluster: TestCluster | undefined;
afterEach(async () => {
	await cluster?.stop();
	cluster = undefined;
});

const TERMINATION_MS = 2500;

const RUNBOOK = `version: 1
title: Stop the web pods
kubernetes:
  namespace: shop
steps:
  - id: scale-down
    title: Scale web to 0
    scale: { kind: StatefulSet, name: web, replicas: 0 }
  - id: pods-gone
    title: Wait for the web pods to terminate
    timeout: 1m
    wait:
      deleted: { kind: Pod, selector: app=web }
`;

describe('a Kubernetes wait in the TUI', () => {
	it('shows what is left, live, and succeeds when the last pod is gone', async () => {
		cluster = await startTestCluster({terminationDelayMs: TERMINATION_MS, controllerDelayMs: 10});
		seed(cluster.context, [statefulSet('shop', 'web', 2, {app: 'web'})]);
		const podsGone: number[] = [];
		cluster.store.subscribe(event => {
			if (event.resource === POD && event.type === 'DELETED') podsGone.push(Date.now());
		});
		const ws = workspace();
		const file = ws.write('stop-web.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '--kubeconfig', cluster.kubeconfigPath]);
		const {term} = tui;

		const both = await term.waitFor('2 pods left: web-0, web-1', START_MS);
		// The running step (a spinner), and in its panel the live line under the attempt.
		expect(both).toMatch(/^› \S 2\. Wait for the web/m);
		expect(both).toContain('2/2 Wait for the web pods to terminate [wait]');
		expect(both).toMatch(/│ ↻ 2 pods left: web-0, web-1$/m);
		expect(both).toContain('context: test · server: http://127.0.0.1:');
		const one = await term.waitFor('1 pod left: web-0', TERMINATION_MS * 3);
		expect(one).toMatch(/│ ↻ 1 pod left: web-0$/m);
		expect(one).not.toContain('2 pods left');
		expect(podsGone).toHaveLength(1);

		expect(await tui.exitCode(TERMINATION_MS * 4)).toBe(0);
		expect(exitSummary(term.capture({history: true}))).toMatch(/^✔ Run completed in \S+\.\nRunbook: Stop the web pods\nSteps: 2\/2 done\./);
		const state = ws.state(ws.onlyRunId());
		expect(stepStatuses(state)).toEqual({'scale-down': 'succeeded', 'pods-gone': 'succeeded'});
		// The wait ended right after the last pod left the cluster (not on a polling tick).
		expect(podsGone).toHaveLength(2);
		const finished = Date.parse(state.steps['pods-gone'].finishedAt!);
		expect(finished - podsGone[1]).toBeGreaterThanOrEqual(-5);
		expect(finished - podsGone[1]).toBeLessThan(1000);
		// The screens came in that order: both pods, then one, then none.
		const first = term.screens.findIndex(s => s.includes('2 pods left: web-0, web-1'));
		const second = term.screens.findIndex(s => s.includes('1 pod left: web-0'));
		expect(first).toBeGreaterThanOrEqual(0);
		expect(second).toBeGreaterThan(first);
		expect(term.screens.slice(second + 1).some(s => s.includes('2 pods left'))).toBe(false);
	}, 90_000);
});
