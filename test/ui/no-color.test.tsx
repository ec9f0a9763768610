/**
 * NO_COLOR: frames carry no ANSI colour codes (and they do carry them without
 * NO_COLOR, so the check can fail). Colours are forced on for this file before
 * Ink and chalk load: their supports-color decides once, at import.
 */
import {afterEach, expect, test, vi} from 'vitest';

process.env['FORCE_COLOR'] = '3';
const {KEY, press, startApp, waitForFrame, waitForPrompt} = await import('./harness.js');

afterEach(() => {
	vi.unstubAllEnvs();
});

/** SGR parameters that set a colour: 30–39, 40–49, 90–97, 100–107 (38/48 extended forms included). */
function colourCodes(frame: string): string[] {
	const found: string[] = [];
	// eslint-disable-next-line no-control-regex
	for (const match of frame.matchAll(/\u001B\[([0-9;]*)m/g)) {
		const params = match[1].split(';').map(Number);
		if (params.some(p => (p >= 30 && p <= 49) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107))) found.push(match[0]);
	}
	return found;
}

/** Drives a TUI through states with colours: running spinner, stderr, failure, a choice list, a text input. */
async function colourfulFrames(): Promise<string[]> {
	const app = startApp([
		{id: 'dump', title: 'Dump the database', run: 'pg_dump'},
		{id: 'mode', ask: {var: 'MODE', prompt: 'Mode?', choices: ['one', 'two']}},
		{id: 'name', ask: {var: 'NAME', prompt: 'Name?'}},
		{id: 'drop', destructive: true, run: 'dropdb x'},
	]);
	const {handle, operator, t} = app;
	try {
		handle.start('dump');
		handle.output('dump', 'stderr', ['a warning']);
		await waitForFrame(t, 'a warning');
		handle.finish('dump', 'failed', {exitCode: 2, error: 'exit code 2'});
		const failure = operator.onFailure(handle.stepView('dump'), {error: 'exit code 2', exitCode: 2, attempt: 1});
		await waitForPrompt(t, 'failed (attempt 1)');
		await press(t.stdin, 's', 'y');
		await failure;
		const mode = operator.ask(handle.stepView('mode'), handle.stepView('mode').step.ask!);
		await waitForPrompt(t, 'Mode?');
		await press(t.stdin, KEY.enter);
		await mode;
		const destructive = operator.confirmDestructive(handle.stepView('drop'), 'Destructive.', 'yes');
		await waitForPrompt(t, 'Type yes');
		await press(t.stdin, 'x', KEY.enter);
		await waitForFrame(t, 'That is not');
		await press(t.stdin, KEY.escape);
		await destructive;
		return [...t.stdout.frames];
	} finally {
		t.unmount();
	}
}

test('without NO_COLOR the frames are coloured (the check below can fail)', async () => {
	const frames = await colourfulFrames();
	expect(colourCodes(frames.join('\n')).length).toBeGreaterThan(0);
});

test('with NO_COLOR=1 no frame has a colour code', async () => {
	vi.stubEnv('NO_COLOR', '1');
	const frames = await colourfulFrames();
	expect(frames.length).toBeGreaterThan(5);
	for (const frame of frames) expect(colourCodes(frame), frame).toEqual([]);
	// Marks that carry meaning without colour are there.
	const all = frames.join('\n');
	expect(all).toContain('✖');
	expect(all).toContain('! a warning');
});
