/**
 * The running step's time: read at every render (a step that just started
 * reads 0s, not a stale clock's 0ms), ticking every TICK_RUNNING_MS (300 ms) while it runs, in
 * whole seconds so the label does not jitter.
 */
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import {afterEach, expect, test, vi} from 'vitest';
import {formatRunning} from '../../source/ui/format.js';
import {TICK_IDLE_MS, TICK_RUNNING_MS, useClock} from '../../source/ui/hooks.js';
import {frameWith, plain, startApp, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
	vi.useRealTimers();
});

const T0 = Date.parse('2026-01-01T12:00:00Z');

test('a new step reads "running for 0s" at once, still 0s at 999 ms and "1s" at a second; never milliseconds while it runs', async () => {
	// Only Date is faked (Ink's timers and the clock's tick stay real): the test sets the time,
	// so what is asserted does not depend on how fast the machine is.
	vi.useFakeTimers({toFake: ['Date'], now: T0});
	app = startApp([{id: 'dump', title: 'Dump the database', run: 'pg_dump'}]);
	const {handle, t} = app;
	await frameWith(t, '1. Dump the database');
	const before = t.stdout.frames.length;
	handle.start('dump');
	expect(await frameWith(t, 'attempt 1 · running for')).toContain('attempt 1 · running for 0s');
	vi.setSystemTime(T0 + 999);
	// A tick renders again (a frame per render in debug mode): it reads the new time, still 0s.
	const seen = t.stdout.frames.length;
	await frameWith(t, () => t.stdout.frames.length > seen);
	expect(plain(t.lastFrame())).toContain('attempt 1 · running for 0s');
	vi.setSystemTime(T0 + 1000);
	await frameWith(t, 'attempt 1 · running for 1s');
	const frames = t.stdout.frames.slice(before).map(plain);
	expect(frames.some(frame => /running for \d+ms/.test(frame))).toBe(false);
	// The list shows the same whole seconds.
	expect(plain(t.lastFrame())).toMatch(/Dump the database +1s │/);
});

/** A component that only reads the clock. */
function Clock({active, running}: {active: boolean; running: boolean}) {
	return <Text>{String(useClock(active, running) > 0)}</Text>;
}

test('the clock ticks TICK_RUNNING_MS after the last render while a step runs, TICK_IDLE_MS otherwise, and not when inactive', () => {
	const periods = (active: boolean, running: boolean): unknown[] => {
		const spy = vi.spyOn(globalThis, 'setTimeout');
		try {
			const {unmount} = render(<Clock active={active} running={running} />);
			unmount();
			return spy.mock.calls.map(call => call[1]);
		} finally {
			spy.mockRestore();
		}
	};
	expect(TICK_RUNNING_MS).toBeLessThan(1000);
	expect(periods(true, true)).toContain(TICK_RUNNING_MS);
	expect(periods(true, false)).toContain(TICK_IDLE_MS);
	expect(periods(false, true)).not.toContain(TICK_RUNNING_MS);
});

test('a render for another reason (run events) re-arms the clock instead of adding a tick of its own', () => {
	const armed = vi.spyOn(globalThis, 'setTimeout');
	const cleared = vi.spyOn(globalThis, 'clearTimeout');
	try {
		const {rerender, unmount} = render(<Clock active running />);
		const first = armed.mock.results[armed.mock.calls.findIndex(call => call[1] === TICK_RUNNING_MS)]?.value;
		expect(first).toBeDefined();
		rerender(<Clock active running />);
		expect(cleared.mock.calls.map(call => call[0])).toContain(first);
		expect(armed.mock.calls.filter(call => call[1] === TICK_RUNNING_MS).length).toBe(2);
		unmount();
	} finally {
		armed.mockRestore();
		cleared.mockRestore();
	}
});

test('formatRunning: whole seconds, minutes past 60 s', () => {
	expect(formatRunning(0)).toBe('0s');
	expect(formatRunning(999)).toBe('0s');
	expect(formatRunning(1000)).toBe('1s');
	expect(formatRunning(61_500)).toBe('1m01s');
	expect(formatRunning(-5)).toBe('0s');
});
