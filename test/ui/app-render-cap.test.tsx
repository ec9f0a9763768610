/**
 * What a frame of the TUI costs under a flood (issues 14 and 15): run events
 * render at most once per RENDER_INTERVAL_MS of run time, and a frame redraws
 * only what changed: an output tail or a clock tick does not build the step
 * list's rows again. Timers and Date are faked, so what is counted is renders
 * and rows caused by the run, whatever the machine's load (the rates
 * themselves are timing figures: npm run bench's scale and bulk rows).
 */
import {afterEach, expect, test, vi} from 'vitest';
import {RENDER_INTERVAL_MS, TICK_IDLE_MS, TICK_RUNNING_MS} from '../../source/ui/hooks.js';
import {manySteps} from './fake-handle.js';
import {plain, startApp, waitForFrame, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
	vi.useRealTimers();
});

/** Lets the app's scheduled renders (microtasks, immediates) run, as the event loop would between two events. */
function turn(): Promise<void> {
	return new Promise(resolve => setImmediate(resolve));
}

const FAKE = {toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] as const};

test('1,000 steps starting and ending over 2 s of run time: at most one frame per RENDER_INTERVAL_MS, and the end is shown', async () => {
	vi.useFakeTimers({toFake: [...FAKE.toFake]});
	const n = 1000;
	app = startApp(manySteps(n), {columns: 100, rows: 24});
	const {handle, t} = app;
	await waitForFrame(t, '1. Step number 1');
	const before = t.stdout.frames.length;
	// A step every 2 ms, each transition in its own turn of the event loop, as a fast runbook's are.
	for (let i = 1; i <= n; i++) {
		handle.start(`step-${i}`);
		vi.advanceTimersByTime(1);
		await turn();
		handle.finish(`step-${i}`, 'succeeded');
		vi.advanceTimersByTime(1);
		await turn();
	}
	const runMs = 2 * n;
	const drawn = t.stdout.frames.length - before;
	// One frame on the first event (the leading edge), then one per interval at most; a spinner
	// with a timer of its own, or a clock ticking between the event frames, would add more.
	expect(drawn).toBeLessThanOrEqual(Math.ceil(runMs / RENDER_INTERVAL_MS) + 1);
	// The screen keeps following the run (a frame at least every TICK_RUNNING_MS).
	expect(drawn).toBeGreaterThanOrEqual(Math.floor(runMs / TICK_RUNNING_MS));
	vi.advanceTimersByTime(RENDER_INTERVAL_MS);
	await turn();
	const frame = plain(await waitForFrame(t, f => plain(f).includes(`${n}. Step number ${n}`)));
	expect(frame).toMatch(new RegExp(`✔ +${n}\\. Step number ${n}`));
});

test('an output flood and clock ticks re-render the panel, not the step list: no step rows are built again within a second of the step', async () => {
	vi.useFakeTimers({toFake: [...FAKE.toFake], now: Date.parse('2026-12-07T02:00:00.000Z')});
	app = startApp(manySteps(5000), {columns: 100, rows: 24});
	const {handle, t} = app;
	await waitForFrame(t, '1. Step number 1');
	handle.start('step-2');
	await waitForFrame(t, f => plain(f).includes('running for 0s'));
	const views = vi.spyOn(handle, 'stepView');
	const before = t.stdout.frames.length;
	// 600 ms of output, a chunk every 3 ms: several frames, all within the step's first second.
	for (let chunk = 1; chunk <= 200; chunk++) {
		handle.output('step-2', 'stdout', [`line ${chunk}`]);
		vi.advanceTimersByTime(3);
		await turn();
	}
	const frame = plain(await waitForFrame(t, f => plain(f).includes('line 200')));
	const drawn = t.stdout.frames.length - before;
	expect(drawn).toBeGreaterThanOrEqual(2);
	expect(frame).toContain('line 200');
	// Each frame built the panel's view of step 2 (one or two step views), never the list's
	// rows (a step view each, some twenty on a 24-row screen).
	expect(views.mock.calls.length).toBeLessThanOrEqual(2 * drawn);
	expect(views.mock.calls.every(call => call[0] === 'step-2')).toBe(true);

	// Past the step's first second the list's row of step 2 changes (1s): its rows are built once more.
	views.mockClear();
	vi.advanceTimersByTime(200);
	await turn();
	await waitForFrame(t, f => /Step number 2 +1s/.test(plain(f)));
	expect(views.mock.calls.some(call => call[0] !== 'step-2')).toBe(true);
});

test('between steps, a clock tick redraws the header, not the step list', async () => {
	vi.useFakeTimers({toFake: [...FAKE.toFake]});
	app = startApp(manySteps(5000), {columns: 100, rows: 24});
	const {handle, t} = app;
	await waitForFrame(t, '1. Step number 1');
	handle.start('step-1');
	handle.finish('step-1', 'succeeded');
	vi.advanceTimersByTime(RENDER_INTERVAL_MS);
	await waitForFrame(t, f => /✔ +1\. Step number 1/.test(plain(f)));
	const views = vi.spyOn(handle, 'stepView');
	const before = t.stdout.frames.length;
	for (let tick = 0; tick < 5; tick++) {
		vi.advanceTimersByTime(TICK_IDLE_MS);
		await turn();
	}
	await waitForFrame(t, () => t.stdout.frames.length >= before + 3);
	expect(views.mock.calls.length).toBeGreaterThan(0);
	expect(views.mock.calls.every(call => call[0] === 'step-1')).toBe(true);
});
