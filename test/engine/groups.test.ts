/**
 * Groups with a rescue path (runbook format 1.1; Ansible's block/rescue/always), driven
 * with the fake ports of the runner tests: Given a runbook with groups, the shell's exit
 * codes and the operator's answers, When the run goes (and is resumed), Then these steps
 * ran in this order, these questions were asked, and the saved state says this.
 */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema, type Runbook} from '../../source/runbook/schema.js';
import {allSteps} from '../../source/runbook/groups.js';
import {Runner} from '../../source/engine/runner.js';
import {newRunState, reconcileForResume} from '../../source/engine/transitions.js';
import type {RunEvent} from '../../source/engine/events.js';
import type {RunState} from '../../source/engine/state.js';
import type {FailureAnswer, GateAnswer} from '../../source/engine/ports.js';
import {FakeClock, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';

function book(yaml: string): Runbook {
	return runbookSchema.parse(parse(yaml));
}

interface Go {
	/** Exit codes per step id (default 0), in order of attempts (the last repeats). */
	exits?: Record<string, number[]>;
	gate?: GateAnswer[];
	failure?: FailureAnswer[];
	/** A saved state to resume from (reconciled as `runbook resume` does). */
	from?: RunState;
}

/** One process's run of `runbook`: a new run, or a resume of `from`. */
async function go(runbook: Runbook, options: Go = {}) {
	const shell = new FakeShell();
	for (const [id, codes] of Object.entries(options.exits ?? {})) shell.on(id, ...codes.map(exitCode => ({exitCode})));
	const store = new MemoryStore();
	const clock = new FakeClock();
	const operator = new ScriptedOperator();
	operator.answers.gate.push(...(options.gate ?? []));
	operator.answers.failure.push(...(options.failure ?? []));
	const ids = allSteps(runbook).map(s => s.id);
	const state = options.from ? reconcileForResume(options.from, ids, 'h1', clock.now()).state : newRunState({runId: 'r1', runbookPath: '/rb/g.yaml', runbookHash: 'h1', title: runbook.title, stepIds: ids, by: 'alice@host', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
	const events: RunEvent[] = [];
	const runner = new Runner({runbook, runbookDir: '/rb', state, runDir: '/state/runs/r1', ports: {shell, store, clock, operator}, secrets: {}, by: 'alice@host', resumed: Boolean(options.from)});
	runner.subscribe(e => events.push(e));
	const status = await runner.start();
	const finished = events.find(e => e.type === 'run-finished');
	const statuses = Object.fromEntries(Object.entries(store.last.steps).map(([id, s]) => [id, s.status]));
	return {status, ran: shell.ran(), asked: operator.asked, failures: operator.failures, state: store.last, statuses, events, reason: finished?.type === 'run-finished' ? finished.reason : undefined};
}

const upgrade = book(`
version: 1.1
title: Upgrade with a rollback
steps:
  - id: backup
    run: echo backup
  - id: services
    title: Upgrade the services layer
    steps:
      - id: upgrade
        run: helm upgrade
      - id: verify
        run: curl health
    rescue:
      - id: rollback
        run: helm rollback
      - id: rollback-verify
        run: curl health
    always:
      - id: cleanup
        run: rm -f tmp
  - id: done
    run: echo done
`);

describe('groups: success, rescue, always', () => {
	it('a group whose steps succeed: its steps, then its always steps, then the run goes on; the rescue never runs', async () => {
		const r = await go(upgrade);
		expect(r.status).toBe('completed');
		expect(r.ran).toEqual(['backup', 'upgrade', 'verify', 'cleanup', 'done']);
		expect(r.statuses).toMatchObject({services: 'succeeded', rollback: 'pending', 'rollback-verify': 'pending', cleanup: 'succeeded'});
		expect(r.state.groups?.services).toEqual({phase: 'done', outcome: 'succeeded'});
	});

	it('a step of the group fails and the operator rolls back: the rescue runs, then always, and the run ends failed, rolled back', async () => {
		const r = await go(upgrade, {exits: {verify: [1]}, failure: ['roll-back']});
		expect(r.ran).toEqual(['backup', 'upgrade', 'verify', 'rollback', 'rollback-verify', 'cleanup']);
		expect(r.status).toBe('failed');
		expect(r.reason).toBe('group services failed, rolled back (step verify failed; its rescue ran)');
		expect(r.failures[0]?.rollBack).toEqual({groupId: 'services', title: 'Upgrade the services layer', steps: ['rollback', 'rollback-verify']});
		expect(r.statuses).toMatchObject({verify: 'failed', services: 'failed', rollback: 'succeeded', cleanup: 'succeeded', done: 'pending'});
		expect(r.state.steps.services.note).toBe('failed, rolled back');
		expect(r.state.groups?.services).toEqual({phase: 'done', outcome: 'rolled-back', failedStep: 'verify'});
		expect(r.state.decisions.map(d => [d.kind, d.stepId])).toContainEqual(['roll-back', 'verify']);
	});

	it('retry and skip still work inside a group: a skipped failure goes on with the group, which succeeds', async () => {
		const r = await go(upgrade, {exits: {upgrade: [1, 1]}, failure: ['retry', 'skip']});
		expect(r.ran).toEqual(['backup', 'upgrade', 'upgrade', 'verify', 'cleanup', 'done']);
		expect(r.status).toBe('completed');
		expect(r.statuses.services).toBe('succeeded');
	});

	it('quit at a failure inside a group leaves the group open: no rescue, no always; the run fails with the step', async () => {
		const r = await go(upgrade, {exits: {upgrade: [1]}, failure: ['quit']});
		expect(r.ran).toEqual(['backup', 'upgrade']);
		expect(r.status).toBe('failed');
		expect(r.reason).toBe('step upgrade failed');
		expect(r.state.groups?.services).toEqual({phase: 'body'});
	});

	it('a rescue step that fails stops the run (failed) and says so; always does not run, and no roll back is offered for it', async () => {
		const r = await go(upgrade, {exits: {verify: [1], rollback: [1]}, failure: ['roll-back', 'quit']});
		expect(r.ran).toEqual(['backup', 'upgrade', 'verify', 'rollback']);
		expect(r.status).toBe('failed');
		expect(r.reason).toBe('the rescue of group services failed at step rollback: the rollback did not finish (resume to continue it)');
		expect(r.failures.map(f => f.rollBack?.groupId)).toEqual(['services', undefined]);
		expect(r.state.groups?.services).toMatchObject({phase: 'rescue'});
	});

	it('an always step that fails is a failure like any other (no roll back offered)', async () => {
		const r = await go(upgrade, {exits: {cleanup: [1]}, failure: ['quit']});
		expect(r.ran).toEqual(['backup', 'upgrade', 'verify', 'cleanup']);
		expect(r.status).toBe('failed');
		expect(r.failures[0]?.rollBack).toBeUndefined();
	});

	it('a group whose when does not hold is skipped with every step inside it', async () => {
		const rb = book(`
version: 1.1
title: When
params: {MODE: {default: none}}
steps:
  - id: g
    when: {var: MODE, equals: full}
    steps: [{id: a, run: a}]
    rescue: [{id: b, run: b}]
    always: [{id: c, run: c}]
  - id: d
    run: d
`);
		const r = await go(rb);
		expect(r.ran).toEqual(['d']);
		expect(r.statuses).toEqual({g: 'skipped', a: 'skipped', b: 'skipped', c: 'skipped', d: 'succeeded'});
	});
});

describe('groups: resume', () => {
	it('inside the body: the body goes on from the open step, then always', async () => {
		const first = await go(upgrade, {gate: ['run', 'run', 'quit']});
		expect(first.ran).toEqual(['backup', 'upgrade']);
		expect(first.state.groups?.services).toEqual({phase: 'body'});
		const r = await go(upgrade, {from: first.state});
		expect(r.ran).toEqual(['verify', 'cleanup', 'done']);
		expect(r.status).toBe('completed');
	});

	it('inside the rescue: the rescue goes on (the failed step is not run again), then always; the run ends rolled back', async () => {
		const first = await go(upgrade, {exits: {verify: [1]}, failure: ['roll-back'], gate: ['run', 'run', 'run', 'run', 'quit']});
		expect(first.ran).toEqual(['backup', 'upgrade', 'verify', 'rollback']);
		expect(first.state.groups?.services).toMatchObject({phase: 'rescue', outcome: 'rolled-back'});
		const r = await go(upgrade, {from: first.state});
		expect(r.ran).toEqual(['rollback-verify', 'cleanup']);
		expect(r.status).toBe('failed');
		expect(r.reason).toBe('group services failed, rolled back (step verify failed; its rescue ran)');
	});

	it('inside always (after a rescue): always goes on and the group still ends rolled back', async () => {
		const first = await go(upgrade, {exits: {verify: [1]}, failure: ['roll-back'], gate: ['run', 'run', 'run', 'run', 'run', 'quit']});
		expect(first.ran).toEqual(['backup', 'upgrade', 'verify', 'rollback', 'rollback-verify']);
		expect(first.state.groups?.services).toMatchObject({phase: 'always', outcome: 'rolled-back'});
		const r = await go(upgrade, {from: first.state});
		expect(r.ran).toEqual(['cleanup']);
		expect(r.statuses.services).toBe('failed');
		expect(r.status).toBe('failed');
	});

	it('inside always (after success): always goes on, the group succeeds and the run completes', async () => {
		const first = await go(upgrade, {gate: ['run', 'run', 'run', 'quit']});
		expect(first.state.groups?.services).toEqual({phase: 'always', outcome: 'succeeded'});
		const r = await go(upgrade, {from: first.state});
		expect(r.ran).toEqual(['cleanup', 'done']);
		expect(r.status).toBe('completed');
	});

	it('after a rollback: the group runs again from its first step (the rollback undid it)', async () => {
		const first = await go(upgrade, {exits: {verify: [1]}, failure: ['roll-back']});
		const r = await go(upgrade, {from: first.state});
		expect(r.ran).toEqual(['upgrade', 'verify', 'cleanup', 'done']);
		// The reset is told step by step (the TUI keeps its time left from these events).
		const pending = r.events.flatMap(e => (e.type === 'step-status' && e.status === 'pending' ? [e.stepId] : []));
		expect(pending).toEqual(['services', 'upgrade', 'verify', 'rollback', 'rollback-verify', 'cleanup']);
		expect(r.status).toBe('completed');
		expect(r.statuses.services).toBe('succeeded');
	});
});

describe('groups: a checklist inside', () => {
	const checked = book(`
version: 1.1
title: Checklist in a group
steps:
  - id: services
    steps:
      - id: ready
        manual: {items: [Backups taken, Window announced]}
      - id: upgrade
        run: helm upgrade
    rescue:
      - id: rollback
        run: helm rollback
`);

	it('after a rollback the group runs again from its start, and its checklist is asked anew', async () => {
		const first = await go(checked, {exits: {upgrade: [1]}, failure: ['roll-back']});
		expect(first.asked.filter(a => a.startsWith('checklist:'))).toEqual(['checklist:ready:1', 'checklist:ready:2']);
		expect(first.state.steps.ready!.ticked).toEqual(['Backups taken', 'Window announced']);
		const r = await go(checked, {from: first.state});
		expect(r.asked.filter(a => a.startsWith('checklist:'))).toEqual(['checklist:ready:1', 'checklist:ready:2']);
		expect(r.status).toBe('completed');
	});
});

describe('groups: nesting', () => {
	const nested = book(`
version: 1.1
title: Nested
steps:
  - id: outer
    steps:
      - id: o1
        run: o1
      - id: inner
        steps:
          - id: i1
            run: i1
        always:
          - id: i-always
            run: ia
      - id: o2
        run: o2
    rescue:
      - id: o-rescue
        run: or
    always:
      - id: o-always
        run: oa
  - id: last
    run: last
`);

	it('a failure in a group without a rescue rolls back the nearest enclosing group that has one; the inner always runs first', async () => {
		const r = await go(nested, {exits: {i1: [1]}, failure: ['roll-back']});
		expect(r.failures[0]?.rollBack?.groupId).toBe('outer');
		expect(r.ran).toEqual(['o1', 'i1', 'i-always', 'o-rescue', 'o-always']);
		expect(r.statuses).toMatchObject({inner: 'failed', outer: 'failed', o2: 'pending', last: 'pending'});
		expect(r.state.steps.outer.note).toBe('failed, rolled back');
		expect(r.status).toBe('failed');
	});

	it('an inner group with its own rescue is rolled back alone; the outer group ends failed and runs only its always', async () => {
		const rb = book(`
version: 1.1
title: Nested rescues
steps:
  - id: outer
    steps:
      - id: inner
        steps: [{id: i1, run: i1}]
        rescue: [{id: i-rescue, run: ir}]
      - id: o2
        run: o2
    rescue: [{id: o-rescue, run: or}]
    always: [{id: o-always, run: oa}]
`);
		const r = await go(rb, {exits: {i1: [1]}, failure: ['roll-back']});
		expect(r.failures[0]?.rollBack?.groupId).toBe('inner');
		expect(r.ran).toEqual(['i1', 'i-rescue', 'o-always']);
		expect(r.state.steps.inner.note).toBe('failed, rolled back');
		expect(r.state.steps.outer.note).toBe('failed');
		expect(r.reason).toBe('group inner failed, rolled back (step i1 failed; its rescue ran)');
	});

	it('resume inside a nested group continues there', async () => {
		const first = await go(nested, {gate: ['run', 'quit']});
		expect(first.ran).toEqual(['o1']);
		const r = await go(nested, {from: first.state});
		expect(r.ran).toEqual(['i1', 'i-always', 'o2', 'o-always', 'last']);
		expect(r.status).toBe('completed');
	});
});
