/**
 * startTui: renders interactively even under CI=true (Ink would otherwise draw
 * only the last frame), takes keys, and exits by itself when the run ends.
 */
import {expect, test} from 'vitest';

process.env['CI'] = 'true';
const {startTui} = await import('../../source/ui/render.js');
const {TuiOperator} = await import('../../source/ui/operator.js');
const {FakeHandle} = await import('./fake-handle.js');
const {KEY, Stdin, Stdout, delay, plain, press} = await import('./harness.js');

async function until(check: () => boolean, what: string): Promise<void> {
	const end = Date.now() + 3000;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await delay(10);
	}
}

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
	await until(() => output().includes('note: step dump was running'), 'the first frame');

	const gate = operator.beforeStep(handle.stepView('dump'));
	await until(() => output().includes('Run step 1 "Dump the database"?'), 'the gate');
	await delay(40);
	await press(stdin, KEY.enter);
	expect(await gate).toBe('run');
	expect(exited).toBe(false);

	handle.start('dump');
	handle.finish('dump', 'succeeded', {exitCode: 0});
	handle.finishRun('completed');
	await until(() => exited, 'the app to exit');
	expect(output()).toContain('✔ Run completed in');
});

test('unmount() ends it at once', async () => {
	const handle = new FakeHandle([{id: 'dump', run: 'pg_dump'}]);
	const stdout = new Stdout(80, 24);
	const tui = startTui(handle, new TuiOperator(), {stdout: stdout as unknown as NodeJS.WriteStream, stdin: new Stdin() as unknown as NodeJS.ReadStream});
	await delay(30);
	tui.unmount();
	await tui.waitUntilExit();
	expect(plain(stdout.frames.join(''))).toContain('1. dump');
});
