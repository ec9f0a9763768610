/**
 * Step mode after a fast step: while the gate of the next step waits, the panel
 * keeps the step that just ended in view (status, exit code, time, output tail)
 * above a "Next" section with what Enter will run.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {KEY, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'hello', title: 'Say hello', run: 'echo "hello from step one"'},
	{
		id: 'copy',
		title: 'Copy the dump',
		description: 'Copies the dump to the backup host.',
		run: ['set -e', 'scp dump.sql backup:/srv/', 'ssh backup ls -l /srv/dump.sql', 'echo copied'].join('\n'),
	},
	{id: 'last', title: 'The last step', run: 'true'},
];

/** Runs step `id` through its gate (Enter) with `lines` of output, ending with `status`. */
async function runStep(a: AppUnderTest, id: string, lines: string[], status: 'succeeded' | 'failed' | 'skipped' = 'succeeded'): Promise<void> {
	const gate = a.operator.beforeStep(a.handle.stepView(id));
	await waitForPrompt(a.t, `"${a.handle.stepView(id).title}"?`);
	await press(a.t.stdin, KEY.enter);
	expect(await gate).toBe('run');
	a.handle.start(id);
	a.handle.output(id, 'stdout', lines);
	a.handle.finish(id, status, {exitCode: status === 'failed' ? 2 : 0, ...(status === 'failed' ? {error: 'exit code 2'} : {})});
}

describe('the gate after a step ended', () => {
	test("shows the ended step's result and output, and the next step's whole command, at 80x24", async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		handle.vars.copy = {HOST: 'backup'};
		await runStep(app, 'hello', ['hello from step one', 'and a second line']);
		const gate = operator.beforeStep(handle.stepView('copy'));
		const frame = await waitForPrompt(t, '▶ Run step 2 "Copy the dump"?');
		// The step that just ended: mark, title, status with exit code, its output.
		expect(frame).toMatch(/│ ✔ 1\/3 Say hello \[run\]/);
		expect(frame).toMatch(/│ attempt 1 · succeeded in \d+ms · exit code 0/);
		// Only stdout: no "(! = stderr)" key for a marker that is not on screen.
		expect(frame).toContain('── output: 2 lines ──');
		expect(frame).not.toContain('= stderr');
		expect(frame).toContain('│   hello from step one');
		expect(frame).toContain('│   and a second line');
		// What Enter runs: the next step, its description, every line of its command, its vars.
		expect(frame).toContain('│ ▶ Next: 2/3 Copy the dump [run]');
		expect(frame).toContain('│ Copies the dump to the backup host.');
		expect(frame).toContain('│ $ set -e');
		expect(frame).toContain('│   scp dump.sql backup:/srv/');
		expect(frame).toContain('│   ssh backup ls -l /srv/dump.sql');
		expect(frame).toContain('│   echo copied');
		expect(frame).toContain('│ vars: HOST=backup');
		expect(frame.split('\n')).toHaveLength(24);
		// The ended step comes first, then the next one.
		expect(frame.indexOf('hello from step one')).toBeLessThan(frame.indexOf('▶ Next:'));

		await press(t.stdin, KEY.enter);
		expect(await gate).toBe('run');
		handle.start('copy');
		handle.output('copy', 'stdout', ['copied']);
		// Once the next step runs, the panel is that step's own again.
		const running = await waitForFrame(t, '2/3 Copy the dump [run]');
		expect(running).not.toContain('▶ Next:');
		expect(running).not.toContain('hello from step one');
	});

	test('a skipped step after a failure shows ↷, its exit code and note (wrapped, not cut); ↑ still browses; Esc comes back to the gate view', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		await runStep(app, 'hello', ['something went wrong'], 'failed');
		handle.finish('hello', 'skipped', {note: 'skipped by the operator after a failure'});
		void operator.beforeStep(handle.stepView('copy'));
		const frame = await waitForPrompt(t, '▶ Run step 2');
		expect(frame).toMatch(/│ ↷ 1\/3 Say hello \[run\]/);
		// The status wraps onto a second row rather than losing the note.
		// Where the line wraps depends on the measured time's digits ("5ms", "13ms"): read the panel's
		// rows joined, and check that the note is wrapped, not cut.
		const panel = frame
			.split('\n')
			.map(line => line.split('│ ')[1]?.trimEnd() ?? '')
			.join(' ');
		expect(panel).toMatch(/attempt 1 · skipped in \d+ms · exit code 2 · skipped by the operator after a failure /);
		expect(panel).not.toMatch(/skipped…|operator…/);
		expect(frame).toContain('something went wrong');
		await press(t.stdin, KEY.down);
		const browsing = t.lastFrame();
		expect(browsing).toContain('3/3 The last step [run]');
		expect(browsing).not.toContain('▶ Next:');
		await press(t.stdin, KEY.escape);
		await waitForFrame(t, '▶ Next: 2/3 Copy the dump');
	});

	test('the first gate of a run (nothing ended yet) is the plain step panel', async () => {
		app = startApp(steps);
		const {handle, operator, t} = app;
		void operator.beforeStep(handle.stepView('hello'));
		const frame = await waitForPrompt(t, '▶ Run step 1');
		expect(frame).toContain('1/3 Say hello [run]');
		expect(frame).not.toContain('▶ Next:');
	});

	test('a long output tail leaves the next command whole; a command too long for the panel says how many rows are not shown and that d shows them', async () => {
		const longScript = Array.from({length: 40}, (_, i) => `echo line ${i + 1}`).join('\n');
		app = startApp([steps[0], {id: 'long', title: 'A long script', run: longScript}]);
		const {handle, operator, t} = app;
		await runStep(
			app,
			'hello',
			Array.from({length: 200}, (_, i) => `out ${i + 1}`),
		);
		void operator.beforeStep(handle.stepView('long'));
		const frame = await waitForPrompt(t, '▶ Run step 2');
		// The last output lines are there, at least two of them.
		expect(frame).toContain('out 200');
		expect(frame).toContain('out 199');
		expect(frame).toMatch(/output: 200 lines, last \d+/);
		expect(frame).toContain('$ echo line 1');
		expect(frame).toMatch(/↓ \d+ more rows: d shows the whole step/);
		expect(frame.split('\n')).toHaveLength(24);
	});
});

describe('the gate of a step that asks before it runs', () => {
	const asking = [
		{id: 'load', title: 'Load the dump', confirm: true as const, run: 'psql < dump.sql'},
		{id: 'drop', title: 'Drop the database', destructive: 'spire', run: 'dropdb spire'},
	];

	test('a confirm step is asked once: the gate asks nothing, Enter shows the question, y runs', async () => {
		app = startApp(asking);
		const {handle, operator, t} = app;
		const gate = operator.beforeStep(handle.stepView('load'));
		const frame = await waitForPrompt(t, '▶ Step 1 "Load the dump" asks before it runs.');
		expect(frame).toContain('Enter ask · s skip · q quit');
		expect(frame).not.toContain('Run step 1');
		await press(t.stdin, KEY.enter);
		expect(await gate).toBe('run');
		// What the engine asks next (runner.confirmations): the one question, y/N.
		const confirm = operator.confirm(handle.stepView('load'), 'Run step "Load the dump"?');
		const question = await waitForPrompt(t, 'Run step "Load the dump"?');
		expect(question.split('Load the dump"?').length - 1).toBe(1);
		await press(t.stdin, 'y');
		expect(await confirm).toBe('yes');
	});

	test('so is a destructive step: its gate leads to the word to type', async () => {
		app = startApp(asking);
		const {handle, operator, t} = app;
		void operator.beforeStep(handle.stepView('drop'));
		const frame = await waitForPrompt(t, '▶ Step 2 "Drop the database" asks before it runs.');
		expect(frame).not.toContain('Run step 2');
	});
});
