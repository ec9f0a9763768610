/**
 * The TUI samples a flood of output (issue 15): however many output chunks
 * arrive, it draws a frame per RENDER_INTERVAL_MS for them, not one per chunk,
 * and the frame after the flood shows its last line.
 * Ink draws a whole frame per render in debug mode (harness.tsx), so frames
 * written count renders.
 */
import {afterEach, expect, test} from 'vitest';
import {KEY, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

/** Resolves on the next turn of the event loop (after I/O and timers due). */
const nextTurn = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

test('thousands of output chunks in a row: frames are sampled, not one per chunk, and the last line is shown', async () => {
	app = startApp([{id: 'flood', title: 'Print a lot', run: 'yes | head -c 2G'}]);
	const {handle, operator, t} = app;
	const gate = operator.beforeStep(handle.stepView('flood'));
	await waitForPrompt(t, 'Enter run');
	await press(t.stdin, KEY.enter);
	expect(await gate).toBe('run');
	handle.start('flood');
	await waitForFrame(t, 'attempt 1 · running');

	const framesBefore = t.stdout.frames.length;
	let chunks = 0;
	// 2,000 chunks, one per event-loop turn, as a reader delivers them.
	while (chunks < 2000) {
		for (let i = 0; i < 5; i++) handle.output('flood', 'stdout', [`line ${++chunks}`, 'y', 'y']);
		await nextTurn();
	}
	const frames = t.stdout.frames.length - framesBefore;
	// Sampled, not a frame per chunk (without the throttle: 381 frames for 2,000 chunks). How many
	// frames a second the throttle allows is a timing figure: npm run bench's output rows.
	expect(frames).toBeLessThan(chunks / 10);
	// The sample ends on what came last.
	await waitForFrame(t, `line ${chunks}`);
});
