/**
 * The TUI samples a flood of output (issue 15): however many output chunks
 * arrive, it draws at most one frame per RENDER_INTERVAL_MS for them (plus the
 * running clock's ticks), and the frame after the flood shows its last line.
 * Ink draws a whole frame per render in debug mode (harness.tsx), so frames
 * written count renders.
 */
import {afterEach, expect, test} from 'vitest';
import {RENDER_INTERVAL_MS, TICK_RUNNING_MS} from '../../source/ui/hooks.js';
import {KEY, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

/** Resolves on the next turn of the event loop (after I/O and timers due). */
const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

test('thousands of output chunks in a row: frames stay within the render rate, and the last line is shown', async () => {
	app = startApp([{id: 'flood', title: 'Print a lot', run: 'yes | head -c 2G'}]);
	const {handle, operator, t} = app;
	const gate = operator.beforeStep(handle.stepView('flood'));
	await waitForPrompt(t, 'Enter run');
	await press(t.stdin, KEY.enter);
	expect(await gate).toBe('run');
	handle.start('flood');
	await waitForFrame(t, 'attempt 1 · running');

	const framesBefore = t.stdout.frames.length;
	const started = performance.now();
	let chunks = 0;
	// A chunk per event-loop turn, as a reader delivers them, for at least a second and 2,000 chunks.
	while (chunks < 2000 || performance.now() - started < 1000) {
		for (let i = 0; i < 5; i++) handle.output('flood', 'stdout', [`line ${++chunks}`, 'y', 'y']);
		await nextTurn();
	}
	const elapsed = performance.now() - started;
	const frames = t.stdout.frames.length - framesBefore;
	// Per RENDER_INTERVAL_MS the throttle draws at most its leading and trailing edge (a loaded machine
	// can run a timer late, so both may fall in one interval), plus one per clock tick and one each
	// at the start and end. Without the throttle this is a frame per chunk (381 for 2,000).
	const allowed = 2 * Math.ceil(elapsed / RENDER_INTERVAL_MS) + Math.ceil(elapsed / TICK_RUNNING_MS) + 2;
	expect(frames).toBeLessThanOrEqual(allowed);
	expect(frames).toBeLessThan(chunks / 10);
	// The sample ends on what came last.
	await waitForFrame(t, `line ${chunks}`);
});
