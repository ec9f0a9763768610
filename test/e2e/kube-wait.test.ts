/**
 * A Kubernetes wait in a real terminal (tmux, 80x24): a StatefulSet on the real API server
 * and controller-manager (test/support/kube/real-cluster.ts) with two pods is scaled to 0,
 * and the next step waits until its pods are deleted. A deleted pod stays Terminating until
 * the test releases it (the test kubelet's holdDeletions: what the screen shows meanwhile
 * does not race a timer), and the real StatefulSet controller removes the pods one at a
 * time (highest ordinal first), so the step's live "what is left" line reads "2 pods left:
 * web-0, web-1", then, once web-1 is released, "1 pod left: web-0", then the step succeeds
 * — right after the last pod is removed from the cluster.
 *
 * A wait that runs out of its timeout offers "wait longer" (w) besides retry, skip and
 * quit: the second test's pods are held past the step's 2s, and w waits again.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {apiWatch} from '../support/kube/controlplane.js';
import {statefulSet} from '../support/kube/fixture-kit.js';
import {startRealCluster, type RealCluster} from '../support/kube/real-cluster.js';
import {waitFor} from '../support/wait.js';
import {exitSummary, startTui, START_MS, useTerminals} from './tui.js';

const workspace = useWorkspaces();
useTerminals();
let cluster: RealCluster;
beforeAll(async () => {
	cluster = await startRealCluster({terminationDelayMs: 200, holdDeletions: true});
}, 180_000);
afterAll(async () => {
	await cluster?.stop();
});

/** A namespace with StatefulSet web (2 pods, app=web) rolled out; its name. */
async function rolledOutWeb(): Promise<string> {
	const ns = await cluster.namespace('shop');
	await cluster.create(ns, [statefulSet(ns, 'web', 2, {app: 'web'})]);
	await waitFor('statefulset web with 2 ready replicas', async () => (await cluster.get(`/apis/apps/v1/namespaces/${ns}/statefulsets/web`))?.status?.readyReplicas === 2, {timeoutMs: 60_000, intervalMs: 50});
	return ns;
}

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
		const ns = await rolledOutWeb();
		const podsGone: string[] = [];
		const pods = await cluster.api('GET', `/api/v1/namespaces/${ns}/pods`);
		const stopWatch = await apiWatch(
			cluster.cp,
			`/api/v1/namespaces/${ns}/pods`,
			pods.body.metadata.resourceVersion,
			event => {
				if (event.type === 'DELETED') podsGone.push(event.object.metadata.name);
			},
			() => {},
		);
		const ws = workspace();
		const file = ws.write('stop-web.yaml', RUNBOOK.replace('namespace: shop', `namespace: ${ns}`));
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '--kubeconfig', cluster.kubeconfigPath]);
		const {term} = tui;
		await tui.startRun();

		const both = await term.waitFor('2 pods left: web-0, web-1', START_MS);
		// The running step (a spinner), and in its panel the live line under the attempt.
		expect(both).toMatch(/^› \S 2\. Wait for the web/m);
		expect(both).toContain('2/2 Wait for the web pods to terminate [wait]');
		// The wait's countdown first (issue 10 item 4), then what is left.
		expect(both).toMatch(/│ ↻ (?:\d+m)?\d+s left of 1m · 2 pods left: web-0, web-1$/m);
		expect(both).toContain('context: test · server: https://127.0.0.1:');
		cluster.kubelet.releasePod(ns, 'web-1');
		const one = await term.waitFor('1 pod left: web-0', START_MS);
		expect(one).toMatch(/│ ↻ (?:\d+m)?\d+s left of 1m · 1 pod left: web-0$/m);
		expect(one).not.toContain('2 pods left');
		await waitFor('the first pod to be deleted', () => podsGone.length === 1, {timeoutMs: 30_000});
		expect(podsGone).toEqual(['web-1']);
		cluster.kubelet.releasePod(ns, 'web-0');

		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		expect(exitSummary(term.capture({history: true}))).toMatch(/^✔ Run completed in \S+\.\nRunbook: Stop the web pods\nSteps: 2\/2 done\./);
		const state = ws.state(ws.onlyRunId());
		expect(stepStatuses(state)).toEqual({'scale-down': 'succeeded', 'pods-gone': 'succeeded'});
		// The wait ended once the last pod had left the cluster.
		await waitFor('the second pod to be deleted', () => podsGone.length === 2, {timeoutMs: 30_000});
		stopWatch();
		expect((await cluster.api('GET', `/api/v1/namespaces/${ns}/pods`)).body.items).toEqual([]);
		// The screens came in that order: both pods, then one, then none.
		const first = term.screens.findIndex(s => s.includes('2 pods left: web-0, web-1'));
		const second = term.screens.findIndex(s => s.includes('1 pod left: web-0'));
		expect(first).toBeGreaterThanOrEqual(0);
		expect(second).toBeGreaterThan(first);
		expect(term.screens.slice(second + 1).some(s => s.includes('2 pods left'))).toBe(false);
	}, 90_000);

	it('a wait that times out offers w: wait longer, which waits its timeout again and succeeds', async () => {
		const ns = await rolledOutWeb();
		const ws = workspace();
		// The pods are held until the first 2 s wait has timed out.
		const file = ws.write('stop-web.yaml', RUNBOOK.replace('timeout: 1m', 'timeout: 2s').replace('namespace: shop', `namespace: ${ns}`));
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '--kubeconfig', cluster.kubeconfigPath]);
		const {term} = tui;
		await tui.startRun();
		const failed = await term.waitFor('failed (attempt 1): timed out after', START_MS);
		// The attempt's time is whole seconds of the real clock: 2s, or more on a loaded machine.
		expect(failed).toMatch(/attempt 1 · failed in \d+s · timed out after 2s/);
		expect(failed).toContain('w wait 2s longer · r retry · s skip · m mark done · l view log · q quit');
		cluster.kubelet.releasePod(ns, 'web-1');
		cluster.kubelet.releasePod(ns, 'web-0');
		term.sendKeys('w');
		// Each longer wait that still times out asks again; w until the pods are gone.
		for (let n = 2; ; n++) {
			const screen = await term.waitFor(new RegExp(`failed \\(attempt ${n}\\)|Run completed`), START_MS);
			if (!screen.includes(`failed (attempt ${n})`)) break;
			term.sendKeys('w');
		}
		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		const state = ws.state(ws.onlyRunId());
		expect(stepStatuses(state)).toEqual({'scale-down': 'succeeded', 'pods-gone': 'succeeded'});
		const outcomes = state.steps['pods-gone'].attempts.map(a => a.outcome);
		expect(outcomes.at(-1)).toBe('succeeded');
		expect(outcomes.slice(0, -1).every(o => o === 'timed-out')).toBe(true);
		expect(state.decisions.filter(d => d.kind === 'wait-longer').map(d => d.detail)).toEqual(outcomes.slice(0, -1).map(() => 'waiting another 2s'));
	}, 90_000);
});
