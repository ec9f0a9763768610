/**
 * The TUI fits the terminal: no row wider than the columns, no more rows than
 * the terminal has, with a long runbook and a step printing 10,000 lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import stringWidth from 'string-width';
import {afterAll, afterEach, describe, expect, test, vi} from 'vitest';
import {RENDER_INTERVAL_MS} from '../../source/ui/hooks.js';
import {manySteps} from './fake-handle.js';
import {KEY, plain, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-fit-'));
afterAll(() => fs.rmSync(runDir, {recursive: true, force: true}));

let app: AppUnderTest | undefined;
afterEach(() => {
	vi.useRealTimers();
	app?.t.unmount();
	app = undefined;
});

const long = 'x'.repeat(300);
const steps = [
	...manySteps(12),
	{
		id: 'big-output',
		title: `A step with a very long title that does not fit in the step list or even in the panel ${long}`,
		description: `First line of a long description ${long}\nSecond line\nThird line`,
		run: Array.from({length: 40}, (_, i) => `echo "line ${i} of a long script ${long}"`).join('\n'),
	},
	...manySteps(30).slice(13),
	{id: 'choose', ask: {var: 'MODE', prompt: `Which mode? ${long}`, choices: ['one', 'two', 'three', 'four', 'five', 'six', 'seven']}},
];

/** Every frame written so far, checked against the terminal size. */
function expectFits(frames: readonly string[], columns: number, rows: number): void {
	expect(frames.length).toBeGreaterThan(0);
	for (const frame of frames) {
		const lines = plain(frame).split('\n');
		expect(lines.length, frame).toBeLessThanOrEqual(rows);
		for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
	}
}

describe.each([
	[80, 24],
	[100, 30],
	[60, 16],
])('%ix%i', (columns, rows) => {
	test('30 steps, 10,000 output lines, long titles, script and prompt: every frame fits', async () => {
		app = startApp(steps, {columns, rows}, {runDir});
		const {handle, operator, t} = app;
		handle.vars['big-output'] = {LONG: long, SECRET: '***'};
		const gate = operator.beforeStep(handle.stepView('big-output'));
		await waitForPrompt(t, 'Enter run');
		await press(t.stdin, KEY.enter);
		expect(await gate).toBe('run');
		handle.start('big-output');
		for (let i = 0; i < 100; i++) {
			handle.output(
				'big-output',
				i % 10 === 0 ? 'stderr' : 'stdout',
				Array.from({length: 100}, (_, j) => `output line ${i * 100 + j + 1}${j === 50 ? ` ${long}\t\u001B[31mred\u001B[0m` : ''}`),
			);
		}
		const frame = await waitForFrame(t, 'output line 10000');
		expect(frame).toContain('10,000 lines');
		expect(frame).toMatch(/… \d+ more/);

		// Log view, help and a choice list fit as well.
		const logPath = handle.logPath('big-output', 1);
		fs.mkdirSync(path.dirname(logPath), {recursive: true});
		fs.writeFileSync(logPath, Array.from({length: 500}, (_, i) => `log ${i} ${long}`).join('\n'));
		handle.finish('big-output', 'failed', {exitCode: 1, error: 'exit code 1'});
		const failure = operator.onFailure(handle.stepView('big-output'), {error: `exit code 1 ${long}`, exitCode: 1, attempt: 1});
		await waitForPrompt(t, 'l view log');
		await press(t.stdin, 'l');
		await waitForFrame(t, 'Log of');
		await press(t.stdin, KEY.escape, '?');
		await waitForFrame(t, 'Keys (Esc or ? closes)');
		await press(t.stdin, KEY.escape, 's');
		await waitForFrame(t, 'Skip step');
		await press(t.stdin, 'y');
		expect(await failure).toBe('skip');
		const choice = operator.ask(handle.stepView('choose'), handle.stepView('choose').step.ask!);
		await waitForPrompt(t, '? Which mode?');
		await press(t.stdin, KEY.down, KEY.enter);
		expect(await choice).toEqual({value: 'two'});
		handle.finishRun('aborted', `operator quit ${long}`);
		await waitForFrame(t, 'Run paused');
		expectFits(t.stdout.frames, columns, rows);
	});
});

test("1,000,000 output lines in 2,000 separate chunks: one render for the first, none for the rest until the throttle's timer fires, then one shows the last line", async () => {
	// The throttle's timer and the clock's tick move only when the test moves them (vi.waitFor
	// moves them too), so what is counted is renders caused by output, whatever the machine's
	// load (the rate itself is a timing figure: npm run bench's output rows).
	vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']});
	app = startApp(manySteps(3), {}, {runDir});
	const {handle, t} = app;
	// No step-started: no spinner, so every frame comes from an app render.
	await waitForFrame(t, '1. Step number 1');
	const before = t.stdout.frames.length;
	for (let chunk = 0; chunk < 2000; chunk++) {
		handle.output(
			'step-1',
			'stdout',
			Array.from({length: 500}, (_, i) => `line ${chunk * 500 + i + 1}`),
		);
		// Each chunk in its own macrotask, as output from a process arrives.
		await new Promise(resolve => setImmediate(resolve));
	}
	// One render for the first chunk (the throttle's leading edge), none for the other 1,999.
	expect(t.stdout.frames.length - before).toBe(1);
	expect(plain(t.stdout.frames.at(-1) ?? '')).toContain('output: 500 lines');
	vi.advanceTimersByTime(RENDER_INTERVAL_MS);
	vi.useRealTimers();
	const frame = await waitForFrame(t, 'line 1000000');
	expect(frame).toContain('1,000,000 lines');
	expect(t.stdout.frames.length - before).toBe(2);
});
