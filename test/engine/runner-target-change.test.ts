/**
 * A Kubernetes target change the operator accepted for a resume (cli/kube-target.ts) is
 * recorded by the Runner as a `context-change-accepted` decision when the run starts: saved,
 * and emitted as a decision event (which the journal and the report read). Fake ports
 * (test/support/fake-ports.ts); the CLI test test/cli/context-change.test.ts runs the same
 * against the real control plane.
 */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema} from '../../source/runbook/schema.js';
import {Runner} from '../../source/engine/runner.js';
import type {AcceptedTargetChange} from '../../source/engine/kubernetes-target.js';
import {newRunState} from '../../source/engine/transitions.js';
import type {RunEvent} from '../../source/engine/events.js';
import {FakeClock, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';

const OLD = {context: 'a', cluster: 'c1', server: 'https://one:6443', namespace: 'first'};
const NEW = {context: 'b', cluster: 'c2', server: 'https://two:6443', namespace: 'second'};

const runbook = runbookSchema.parse(parse('version: 1\ntitle: One step\nsteps:\n  - id: one\n    run: echo one\n'));

function run(acceptedTargetChange?: AcceptedTargetChange) {
	const clock = new FakeClock();
	const store = new MemoryStore();
	const events: RunEvent[] = [];
	const state0 = newRunState({runId: 'r1', runbookPath: '/rb/one.yaml', runbookHash: 'h1', title: runbook.title, stepIds: ['one'], by: 'alice@host', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
	const state = {...state0, kube: OLD};
	const runner = new Runner({
		runbook,
		runbookDir: '/rb',
		state,
		runDir: '/state/runs/r1',
		ports: {shell: new FakeShell(), store, clock, operator: new ScriptedOperator()},
		secrets: {},
		by: 'bob@host',
		resumed: true,
		...(acceptedTargetChange ? {acceptedTargetChange} : {}),
	});
	runner.subscribe(event => events.push(event));
	return {runner, store, events};
}

describe('an accepted Kubernetes target change', () => {
	it('is a context-change-accepted decision, after the resume one, saved and emitted before the run starts', async () => {
		const {runner, store, events} = run({detail: 'context a → b; namespace first → second', kube: NEW});
		expect(await runner.start()).toBe('completed');
		// The new target is recorded in the same save as the decision, never before it.
		const first = store.saved.findIndex(s => s.kube?.context === 'b');
		expect(first).toBeGreaterThan(-1);
		expect(store.saved[first]!.decisions.map(d => d.kind)).toContain('context-change-accepted');
		expect(store.saved.slice(0, first).every(s => s.kube?.context === 'a' && !s.decisions.some(d => d.kind === 'context-change-accepted'))).toBe(true);
		expect(store.last.decisions.map(d => [d.kind, d.by, d.detail])).toEqual([
			['resume', 'bob@host', 'by bob@host'],
			['context-change-accepted', 'bob@host', 'context a → b; namespace first → second'],
		]);
		const order = events.map(e => (e.type === 'decision' ? `decision ${e.decision.kind}` : e.type));
		expect(order.slice(0, 3)).toEqual(['decision resume', 'decision context-change-accepted', 'run-started']);
	});

	it('is not recorded when there was no change', async () => {
		const {runner, store, events} = run();
		expect(await runner.start()).toBe('completed');
		expect(store.last.decisions.map(d => d.kind)).toEqual(['resume']);
		expect(store.last.kube).toEqual(OLD);
		expect(events.some(e => e.type === 'decision' && e.decision.kind === 'context-change-accepted')).toBe(false);
	});
});
