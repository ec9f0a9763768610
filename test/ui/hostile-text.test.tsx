/**
 * Hostile text never reaches the terminal raw from the TUI (issue 9, item 6): a
 * runbook title, step titles, errors, notes, captured values and output lines
 * carrying escape sequences (OSC 0 window title, OSC 52 clipboard, a cursor
 * position query that makes the terminal type into stdin, 8-bit CSI) are drawn
 * with visible controls (`\x1b`) in the header, on the summary screen and in
 * the lines printed after the TUI is gone. Checked on the bytes the terminal
 * receives (the whole stdout of startTui), not on Ink's cleaned frames.
 */
import {expect, test} from 'vitest';

process.env['CI'] = 'true';
const {startTui} = await import('../../source/ui/render.js');
const {TuiOperator} = await import('../../source/ui/operator.js');
const {FakeHandle} = await import('./fake-handle.js');
const {KEY, Stdin, Stdout, plain, press} = await import('./harness.js');
const {waitUntil} = await import('../support/wait.js');

/** Sequences a terminal acts on; none of them is ever written by Ink itself. */
const HOSTILE = '\u001B]0;PWNED\u0007\u001B]52;c;SGVsbG8=\u0007\u001B[6n\u009B6n';
const VISIBLE = '\\x1b]0;PWNED\\x07\\x1b]52;c;SGVsbG8=\\x07\\x1b[6n\\x9b6n';

/** Fails when `all` (everything written to the terminal) holds a raw hostile byte. */
function expectNothingRaw(all: string): void {
	expect(all).not.toContain('\u001B]');
	expect(all).not.toContain('\u0007');
	expect(all).not.toContain('\u001B[6n');
	expect(all).not.toContain('\u009B');
}

function start(title: string, steps: ConstructorParameters<typeof FakeHandle>[0]) {
	const handle = new FakeHandle(steps, {title});
	const stdout = new Stdout(200, 40);
	const stdin = new Stdin();
	const tui = startTui(handle, new TuiOperator(), {stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream});
	let exited = false;
	void tui.waitUntilExit().then(() => {
		exited = true;
	});
	return {handle, stdout, stdin, all: () => stdout.frames.join(''), exited: () => exited};
}

test('a failed run: the header and the lines printed after the TUI show the title, the step title and the error with visible controls', async () => {
	const {handle, all, exited} = start(`Restore ${HOSTILE}`, [{id: 'dump', title: `Dump ${HOSTILE}`, run: 'pg_dump'}]);
	await waitUntil('the header', () => plain(all()).includes('Restore '));
	handle.start('dump');
	handle.finish('dump', 'failed', {exitCode: 3, error: `exit code 3 ${HOSTILE}`});
	handle.finishRun('failed', `step dump failed: ${HOSTILE}`);
	await waitUntil('the app to exit', exited);
	const text = all();
	expectNothingRaw(text);
	const left = text.lastIndexOf('\u001B[?1049l');
	expect(plain(text.slice(0, left))).toContain(`Restore ${VISIBLE}`); // the header
	expect(plain(text.slice(0, left))).toContain(`: step dump failed: ${VISIBLE}.`); // the last frame's summary row
	const after = plain(text.slice(left));
	expect(after).toContain(`Runbook: Restore ${VISIBLE}`);
	expect(after).toContain(`✖ Step dump failed: exit code 3 ${VISIBLE}`);
});

test('a completed run: the summary screen shows step titles, notes, captured values and output with visible controls', async () => {
	const steps = [
		{id: 'dump', title: `Dump ${HOSTILE}`, run: 'pg_dump', capture: 'DUMP_PATH'},
		{id: 'check', title: 'Check', run: 'check'},
	];
	const {handle, stdin, all, exited} = start(`Restore ${HOSTILE}`, steps);
	await waitUntil('the header', () => plain(all()).includes('Restore '));
	const state = handle.getState();
	state.vars = {DUMP_PATH: `/backup/${HOSTILE}`};
	handle.start('dump');
	handle.output('dump', 'stdout', [`dumped ${HOSTILE}`]);
	handle.finish('dump', 'succeeded', {exitCode: 0});
	handle.finish('check', 'skipped', {note: `skipped: ${HOSTILE}`});
	handle.finishRun('completed');
	await waitUntil('the summary screen', () => plain(all()).includes('q/Enter/Esc leave'));
	const screen = all();
	expectNothingRaw(screen);
	for (const shown of [`Dump ${VISIBLE}`, `skipped: ${VISIBLE}`, `DUMP_PATH=/backup/${VISIBLE}`, `Runbook: Restore ${VISIBLE}`]) expect(plain(screen)).toContain(shown);
	await press(stdin, KEY.enter);
	await waitUntil('the app to exit', exited);
	expectNothingRaw(all());
});
