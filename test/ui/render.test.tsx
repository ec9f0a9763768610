/**
 * startTui: renders interactively even under CI=true (Ink would otherwise draw
 * only the last frame), on the alternate screen, takes keys, exits by itself
 * when the run ends, and then prints the run's summary on the primary screen.
 */
import {expect, test} from 'vitest';

process.env['CI'] = 'true';
const {startTui} = await import('../../source/ui/render.js');
const {TuiOperator} = await import('../../source/ui/operator.js');
const {FakeHandle} = await import('./fake-handle.js');
const {KEY, Stdin, Stdout, plain, press} = await import('./harness.js');
const {waitUntil} = await import('../support/wait.js');

test('draws frames while the run goes on, takes keys, exits when the run ends', async () => {
	const handle = new FakeHandle([{id: 'dump', title: 'Dump the database', run: 'pg_dump'}]);
	const operator = new TuiOperator();
	const stdout = new Stdout(80, 24);
	const stdin = new Stdin();
	const tui = startTui(handle, operator, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		notices: ['step dump was running when the last process ended'],
	});
	let exited = false;
	void tui.waitUntilExit().then(() => {
		exited = true;
	});
	const output = () => plain(stdout.frames.join(''));
	await waitUntil('the first frame', () => output().includes('note: step dump was running'));

	const gate = operator.beforeStep(handle.stepView('dump'));
	await waitUntil('the gate', () => output().includes('Run step 1 "Dump the database"?'));
	await press(stdin, KEY.enter);
	expect(await gate).toBe('run');
	expect(exited).toBe(false);

	handle.start('dump');
	handle.finish('dump', 'succeeded', {exitCode: 0});
	handle.finishRun('completed');
	// The summary screen stays until a key.
	await waitUntil('the summary screen', () => output().includes('q/Enter/Esc leave'));
	expect(exited).toBe(false);
	await press(stdin, KEY.enter);
	await waitUntil('the app to exit', () => exited);
	expect(output()).toContain('✔ Run completed in');
});

const ENTER_ALTERNATE = '\u001B[?1049h';
const LEAVE_ALTERNATE = '\u001B[?1049l';

test('frames go to the alternate screen; after it is left, the summary is printed once, with the resume command given', async () => {
	const handle = new FakeHandle([{id: 'dump', title: 'Dump the database', run: 'pg_dump'}], {runDir: '/srv/state/runs/r-1', runId: 'r-1'});
	const stdout = new Stdout(80, 24);
	const tui = startTui(handle, new TuiOperator(), {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stdin: new Stdin() as unknown as NodeJS.ReadStream,
		resumeCommand: 'runbook resume r-1 --state-dir /srv/state',
	});
	await waitUntil('the first frame', () => plain(stdout.frames.join('')).includes('1. Dump the database'));
	handle.start('dump');
	handle.finish('dump', 'failed', {exitCode: 3, error: 'exit code 3'});
	handle.finishRun('failed', 'step dump failed: exit code 3');
	await tui.waitUntilExit();
	const all = stdout.frames.join('');
	const entered = all.indexOf(ENTER_ALTERNATE);
	const left = all.lastIndexOf(LEAVE_ALTERNATE);
	expect(entered).toBeGreaterThanOrEqual(0);
	expect(left).toBeGreaterThan(entered);
	// Every frame is between the two; the summary comes after, on the primary screen.
	expect(all.slice(0, entered)).not.toContain('Dump the database');
	const after = plain(all.slice(left));
	expect(after).not.toContain('1. Dump the database');
	const summary = after.slice(after.indexOf('✖'));
	expect(summary).toMatch(/^✖ Run failed after \S+: step dump failed: exit code 3\.\nRunbook: Restore the test database\nSteps: 0\/1 done\.\n✖ Step dump failed: exit code 3\nRun folder: \/srv\/state\/runs\/r-1\nResume with: runbook resume r-1 --state-dir \/srv\/state\n$/);
	// Waiting again prints nothing more.
	await tui.waitUntilExit();
	expect(stdout.frames.join('')).toBe(all);
});

test('unmount() ends it at once', async () => {
	const handle = new FakeHandle([{id: 'dump', run: 'pg_dump'}]);
	const stdout = new Stdout(80, 24);
	const tui = startTui(handle, new TuiOperator(), {stdout: stdout as unknown as NodeJS.WriteStream, stdin: new Stdin() as unknown as NodeJS.ReadStream});
	await waitUntil('the first frame', () => plain(stdout.frames.join('')).includes('1. dump'));
	tui.unmount();
	await tui.waitUntilExit();
	expect(plain(stdout.frames.join(''))).toContain('1. dump');
});
