/**
 * The TUI with groups (runbook format 1.1), around a real Runner: the step list indents the
 * steps of a group and names rescue and always steps; a failure inside a group with a
 * rescue offers `b roll back`, which asks first and then runs the group's rescue and always
 * steps. The shell and the store are the engine tests' fakes (no command runs; the runner,
 * the operator port and the app are the real ones).
 */
import {afterEach, describe, expect, test} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema} from '../../source/runbook/schema.js';
import {allSteps} from '../../source/runbook/groups.js';
import {Runner} from '../../source/engine/runner.js';
import {newRunState} from '../../source/engine/transitions.js';
import type {RunStatus} from '../../source/engine/state.js';
import {TuiOperator} from '../../source/ui/operator.js';
import {App} from '../../source/ui/app.js';
import {FakeClock, FakeShell, MemoryStore} from '../support/fake-ports.js';
import {press, renderIn, waitForFrame, type Terminal} from './harness.js';

const runbook = runbookSchema.parse(
	parse(`
version: 1.1
title: Upgrade
steps:
  - id: services
    title: Upgrade the services layer
    steps:
      - id: upgrade
        title: Helm upgrade
        run: helm upgrade
    rescue:
      - id: rollback
        title: Helm rollback
        run: helm rollback
    always:
      - id: cleanup
        title: Clean up
        run: rm -f tmp
  - id: done
    title: Done
    run: echo done
`),
);

let t: Terminal | undefined;
afterEach(() => {
	t?.unmount();
	t = undefined;
});

async function start(exits: Record<string, number>) {
	const shell = new FakeShell();
	for (const [id, exitCode] of Object.entries(exits)) shell.on(id, {exitCode});
	const clock = new FakeClock();
	const store = new MemoryStore();
	const operator = new TuiOperator();
	operator.setAuto(true);
	const state = newRunState({runId: 'r1', runbookPath: '/rb/g.yaml', runbookHash: 'h', title: runbook.title, stepIds: allSteps(runbook).map(s => s.id), by: 'alice@host', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
	const runner = new Runner({runbook, runbookDir: '/rb', state, runDir: '/tmp/runbook-tui-groups-ui', ports: {shell, store, clock, operator}, secrets: {}, by: 'alice@host', resumed: false});
	t = renderIn(<App handle={runner} operator={operator} />, {columns: 120, rows: 30});
	// As cli/drive.ts: the app is on screen (and subscribed) before the run starts.
	await waitForFrame(t, 'Upgrade the services layer');
	const finished: Promise<RunStatus> = runner.start();
	return {shell, store, t, finished};
}

describe('groups in the TUI', () => {
	test('a failure inside a group shows b roll back; b asks, y runs the rescue and always, and the run ends failed, rolled back', async () => {
		const run = await start({upgrade: 1});
		const failure = await waitForFrame(run.t, 'b roll back');
		expect(failure).toContain('r retry · s skip · m mark done · b roll back · l view log · q quit');
		// The list: the group, its steps indented, rescue and always named.
		expect(failure).toMatch(/1\. Upgrade the services layer/);
		expect(failure).toMatch(/✖ +2\. {3}Helm upgrade/);
		expect(failure).toMatch(/○ +3\. {3}rescue: Helm rollback/);
		expect(failure).toMatch(/○ +4\. {3}always: Clean up/);
		await press(run.t.stdin, 'b');
		await waitForFrame(run.t, 'Roll back group "Upgrade the services layer": run its rescue (rollback), then end the group failed? (y/N)');
		expect(run.shell.ran()).toEqual(['upgrade']);
		await press(run.t.stdin, 'y');
		expect(await run.finished).toBe('failed');
		expect(run.shell.ran()).toEqual(['upgrade', 'rollback', 'cleanup']);
		expect(run.store.last.steps.services).toMatchObject({status: 'failed', note: 'failed, rolled back'});
		await waitForFrame(run.t, 'group services failed, rolled back');
	});

	test('n at the roll back question keeps the failure screen; no rescue runs', async () => {
		const run = await start({upgrade: 1});
		await waitForFrame(run.t, 'b roll back');
		await press(run.t.stdin, 'b');
		await waitForFrame(run.t, 'Roll back group');
		await press(run.t.stdin, 'n');
		await waitForFrame(run.t, 'b roll back');
		expect(run.shell.ran()).toEqual(['upgrade']);
	});

	test('a failure outside a group offers no b', async () => {
		const run = await start({done: 1});
		const failure = await waitForFrame(run.t, 'r retry');
		expect(failure).not.toContain('b roll back');
		await press(run.t.stdin, 'b');
		expect(run.t.lastFrame()).not.toContain('Roll back group');
		expect(run.shell.ran()).toEqual(['upgrade', 'cleanup', 'done']);
	});
});
