/**
 * The TUI around running steps: the gate, the running step, auto mode,
 * progress, quitting and stopping, looking at other steps, help, the end.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {HELP_KEYS} from '../../source/ui/help-view.js';
import {KEY, press, settled, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'dump', title: 'Dump the database', description: 'Writes dump.sql.', run: 'pg_dump "$DB" > dump.sql'},
	{id: 'copy', title: 'Copy the dump', run: 'cp dump.sql /backup/'},
	{id: 'wait-db', title: 'Wait for the database', wait: {command: {run: 'pg_isready'}}},
];

describe('a run step', () => {
	test('gate → Enter → running spinner and output tail → succeeded mark', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		handle.vars.dump = {DB: 'spire'};
		const gate = operator.beforeStep(handle.stepView('dump'));
		const prompt = await waitForPrompt(t, 'Enter run · s skip · q quit');
		expect(prompt).toContain('Run step 1 "Dump the database"?');
		expect(prompt).toContain('$ pg_dump "$DB" > dump.sql');
		expect(prompt).toContain('vars: DB=spire');
		expect(prompt).toMatch(/○ +1\. Dump the database/);
		expect(await settled(gate)).toBe(false);
		await press(t.stdin, KEY.enter);
		expect(await gate).toBe('run');

		handle.start('dump');
		handle.output('dump', 'stdout', ['dumping table users']);
		handle.output('dump', 'stderr', ['warning: table is big']);
		const running = await waitForFrame(t, 'dumping table users');
		expect(running).toMatch(new RegExp(`${SPINNER.source} +1\\. Dump the`));
		expect(running).toContain('\n  dumping table users'.slice(1));
		expect(running).toContain('! warning: table is big');
		expect(running).toContain('attempt 1 · running');
		expect(running).not.toContain('Run step 1');

		handle.finish('dump', 'succeeded', {exitCode: 0});
		const done = await waitForFrame(t, frame => /✔ +1\. Dump the/.test(frame));
		expect(done).toContain('attempt 1 · succeeded in');
		expect(done).not.toMatch(SPINNER);
	});

	test('s at the gate asks first; n keeps the gate, y skips', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		const gate = operator.beforeStep(handle.stepView('copy'));
		await waitForPrompt(t, 'Run step 2');
		await press(t.stdin, 's');
		expect(t.lastFrame()).toContain('Skip step "Copy the dump"? (y/N)');
		await press(t.stdin, 'n');
		expect(await settled(gate)).toBe(false);
		expect(t.lastFrame()).toContain('Run step 2');
		await press(t.stdin, 's', 'y');
		expect(await gate).toBe('skip');
	});

	test('a wait shows its progress line', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.start('wait-db');
		handle.emit({type: 'progress', stepId: 'wait-db', message: 'attempt 3: exit 1; next check in 2s'});
		const frame = await waitForFrame(t, 'attempt 3: exit 1');
		expect(frame).toContain('↻ attempt 3: exit 1; next check in 2s');
		expect(frame).toContain('3/3 Wait for the database [wait]');
	});
});

describe('auto mode', () => {
	test('a toggles auto: the waiting gate resolves without Enter, later gates too; a again goes back to step mode', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		const gate = operator.beforeStep(handle.stepView('dump'));
		await waitForPrompt(t, 'Run step 1');
		expect(t.lastFrame()).toContain('step mode');
		await press(t.stdin, 'a');
		expect(await gate).toBe('run');
		await waitForFrame(t, 'auto mode');
		expect(operator.isAuto()).toBe(true);
		expect(await operator.beforeStep(handle.stepView('copy'))).toBe('run');

		// Auto mode stops at a confirmation.
		const confirm = operator.confirm(handle.stepView('copy'), 'Copy now?');
		await waitForPrompt(t, 'Copy now?');
		expect(await settled(confirm)).toBe(false);
		await press(t.stdin, 'y');
		expect(await confirm).toBe('yes');

		await press(t.stdin, 'a');
		await waitForFrame(t, 'step mode');
		const next = operator.beforeStep(handle.stepView('wait-db'));
		expect(await settled(next)).toBe(false);
		await waitForPrompt(t, 'Run step 3');
		await press(t.stdin, KEY.enter);
		expect(await next).toBe('run');
	});
});

describe('quitting', () => {
	test('q while a command runs asks, n keeps it running, y stops it through handle.stopCommand', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.start('dump');
		await waitForPrompt(t, 'q stop & quit');
		await press(t.stdin, 'q');
		expect(t.lastFrame()).toContain('A command is running. Stop it and quit? (y/N)');
		await press(t.stdin, 'n');
		expect(t.lastFrame()).not.toContain('Stop it and quit?');
		expect(handle.stopped).toEqual([]);
		await press(t.stdin, 'q', 'y');
		expect(handle.stopped).toEqual(['operator quit']);
	});

	test('Ctrl-C while running: the first asks, the second stops', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.start('dump');
		await waitForPrompt(t, 'q stop & quit');
		await press(t.stdin, KEY.ctrlC);
		expect(t.lastFrame()).toContain('Stop it and quit? (y/N)');
		expect(handle.stopped).toEqual([]);
		await press(t.stdin, KEY.ctrlC);
		expect(handle.stopped).toEqual(['operator quit']);
	});

	test('asked again while the stopped command runs out its grace period, the question is to kill it', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.start('dump');
		await waitForPrompt(t, 'q stop & quit');
		await press(t.stdin, 'q', 'y');
		expect(handle.stopped).toEqual(['operator quit']);
		// The command ignores SIGTERM: still busy, and a second stop would kill it.
		handle.canKill = true;
		await press(t.stdin, 'q');
		expect(t.lastFrame()).toContain('The command is still stopping (SIGTERM sent). Kill it now (SIGKILL)? (y/N)');
		await press(t.stdin, 'y');
		expect(handle.stopped).toEqual(['operator quit', 'operator quit']);
	});

	test('q at a prompt asks "Quit? Progress is kept." and answers quit on y', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		const gate = operator.beforeStep(handle.stepView('dump'));
		await waitForPrompt(t, 'Run step 1');
		await press(t.stdin, 'q');
		expect(t.lastFrame()).toContain('Quit? Progress is kept. (y/N)');
		await press(t.stdin, KEY.escape);
		expect(await settled(gate)).toBe(false);
		await press(t.stdin, 'q', 'y');
		expect(await gate).toBe('quit');
		expect(handle.stopped).toEqual([]);
	});

	test('Ctrl-C at a prompt asks to quit; a second Ctrl-C answers quit', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		const manual = operator.manual(handle.stepView('copy'), 'Copy it by hand');
		await waitForPrompt(t, 'Manual step');
		await press(t.stdin, KEY.ctrlC);
		expect(t.lastFrame()).toContain('Quit? Progress is kept. (y/N)');
		expect(await settled(manual)).toBe(false);
		await press(t.stdin, KEY.ctrlC);
		expect(await manual).toBe('quit');
	});

	test('q between steps (nothing runs, no prompt) makes the next question answer quit', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		await waitForPrompt(t, 'q quit');
		await press(t.stdin, 'q');
		expect(t.lastFrame()).toContain('Quit? Progress is kept. (y/N)');
		await press(t.stdin, 'y');
		expect(await operator.beforeStep(handle.stepView('dump'))).toBe('quit');
	});
});

describe('looking around', () => {
	test('↑/↓ show another step and its output; Esc follows the current step again', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.start('dump');
		handle.output('dump', 'stdout', ['output of the dump']);
		handle.finish('dump', 'succeeded', {exitCode: 0});
		handle.start('copy');
		handle.output('copy', 'stdout', ['output of the copy']);
		await waitForPrompt(t, 'output of the copy');
		expect(t.lastFrame()).toContain('2/3 Copy the dump');
		await press(t.stdin, KEY.up);
		let frame = t.lastFrame();
		expect(frame).toContain('1/3 Dump the database');
		expect(frame).toContain('output of the dump');
		expect(frame).not.toContain('output of the copy');
		expect(frame).toContain('Esc follow');
		await press(t.stdin, KEY.down, KEY.down);
		expect(t.lastFrame()).toContain('3/3 Wait for the database');
		await press(t.stdin, KEY.escape);
		frame = await waitForFrame(t, '2/3 Copy the dump');
		expect(frame).toContain('output of the copy');
	});

	test('? shows every key; Esc closes it', async () => {
		app = startApp(steps);
		const {t} = app;
		await waitForPrompt(t, 'q quit');
		await press(t.stdin, '?');
		const help = t.lastFrame();
		expect(help).toContain('Keys (Esc or ? closes)');
		for (const [keys] of HELP_KEYS) expect(help).toContain(keys);
		await press(t.stdin, KEY.escape);
		await waitForFrame(t, frame => !frame.includes('Keys (Esc or ? closes)'));
		expect(t.lastFrame()).toContain('Dump the database');
	});

	test('a notice from the run is shown on its own row', async () => {
		app = startApp(steps);
		const {handle, t} = app;
		handle.emit({type: 'notice', level: 'warn', stepId: 'dump', message: 'exit code 1; retry 1 of 3 in 2s'});
		await waitForFrame(t, 'warn: exit code 1; retry 1 of 3 in 2s');
	});

	test('start notices are shown until the first step', async () => {
		app = startApp(steps, {}, {notices: ['the runbook changed since the run began']});
		const {handle, t} = app;
		await waitForFrame(t, 'note: the runbook changed since the run began');
		handle.start('dump');
		await waitForFrame(t, frame => !frame.includes('the runbook changed'));
	});
});

describe('the end of the run', () => {
	test('a failed run shows a summary with how to resume and calls onQuit', async () => {
		app = startApp(steps);
		const {handle, t, quits} = app;
		handle.start('dump');
		handle.finish('dump', 'failed', {exitCode: 3, error: 'exit code 3'});
		handle.finishRun('failed', 'step dump failed: exit code 3');
		const frame = await waitForFrame(t, 'Run failed');
		expect(frame).toMatch(/✖ Run failed after \S+: step dump failed: exit code 3\./);
		expect(frame).toContain('Resume with: runbook resume 20250101-1200-test');
		await t.waitUntilExit();
		expect(quits.count).toBe(1);
	});

	test('a completed run says so, with no resume hint', async () => {
		app = startApp(steps);
		const {handle, t, quits} = app;
		handle.finishRun('completed');
		const frame = await waitForFrame(t, 'Run completed');
		expect(frame).not.toContain('runbook resume');
		await press(t.stdin, 'q');
		await t.waitUntilExit();
		expect(quits.count).toBe(1);
	});
});

describe('auto mode and a declined confirmation', () => {
	test('n at a confirm stops auto mode with a notice naming s and a; the step waits at its gate instead of asking again', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		operator.setAuto(true);
		expect(await operator.beforeStep(handle.stepView('copy'))).toBe('run');
		const confirm = operator.confirm(handle.stepView('copy'), 'Copy now?');
		await waitForPrompt(t, 'Copy now?');
		await press(t.stdin, 'n');
		expect(await confirm).toBe('no');
		expect(operator.isAuto()).toBe(false);
		// The engine's next gate for the step waits for the operator.
		const gate = operator.beforeStep(handle.stepView('copy'));
		const frame = await waitForPrompt(t, 'Auto mode stopped');
		expect(frame).toContain('step mode');
		expect(frame).toContain('s skips it');
		expect(frame).toContain('a resumes auto mode');
		expect(await settled(gate)).toBe(false);
		await press(t.stdin, 'a');
		expect(await gate).toBe('run');
		expect(t.lastFrame()).not.toContain('Auto mode stopped');
	});
});
