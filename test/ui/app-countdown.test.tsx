/**
 * A running step with a `timeout` shows what is left of it in the step panel
 * ("2m10s left of 5m"), and a wait that ended no longer shows its last
 * "next check in 2s" (issue 10 item 4). The TUI reads `Date.now()`: the test
 * fakes only `Date` (Ink's timers stay real) and moves it, so no assertion
 * depends on how fast the machine is. vi.waitFor advances faked time, so the
 * frames are awaited with real timers here.
 */
import {afterEach, expect, test, vi} from 'vitest';
import {type AppUnderTest, frameWith, startApp} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
	vi.useRealTimers();
});

const T0 = Date.parse('2026-01-01T12:00:00Z');
const waitStep = {id: 'ready', title: 'Wait for the database', timeout: '5m', wait: {command: {run: 'pg_isready', interval: '2s'}}};

test('a running wait counts its timeout down in the panel, with the latest check', async () => {
	vi.useFakeTimers({toFake: ['Date'], now: T0});
	app = startApp([waitStep], {columns: 100, rows: 30});
	const {handle, t} = app;
	await frameWith(t, 'Wait for the database');
	handle.start('ready');
	await frameWith(t, '5m00s left of 5m');
	handle.emit({type: 'progress', stepId: 'ready', message: 'check 1: exit code 2; next check in 2s'});
	vi.setSystemTime(T0 + 170_000);
	const frame = await frameWith(t, '2m10s left of 5m');
	expect(frame).toContain('↻ 2m10s left of 5m · check 1: exit code 2; next check in 2s');
	// Past the timeout (before the engine stopped it) it reads 0s, never a negative time.
	vi.setSystemTime(T0 + 301_000);
	await frameWith(t, '0s left of 5m');
});

test.each(['succeeded', 'failed'] as const)('a wait that %s no longer shows "next check in" nor the countdown', async status => {
	vi.useFakeTimers({toFake: ['Date'], now: T0});
	app = startApp([waitStep, {id: 'next', title: 'Next step', manual: 'look'}], {columns: 100, rows: 30});
	const {handle, t} = app;
	await frameWith(t, 'Wait for the database');
	handle.start('ready');
	handle.emit({type: 'progress', stepId: 'ready', message: 'check 3: exit code 2; next check in 2s'});
	await frameWith(t, 'next check in 2s');
	vi.setSystemTime(T0 + 10_000);
	handle.finish('ready', status, status === 'failed' ? {error: 'condition did not hold'} : {});
	const frame = await frameWith(t, `${status} in 10s`);
	expect(frame).not.toContain('next check');
	expect(frame).not.toContain('left of 5m');
});
