/**
 * The header's status line estimates the time left of the run from how long
 * each step took in earlier completed runs of the runbook (the caller reads
 * them; the UI gets them as data), and shows nothing without an estimate
 * (issue 10 item 4). Only `Date` is faked (Ink's timers stay real), so the
 * running step's share is exact and no assertion depends on the machine.
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
const steps = [
	{id: 'stop', title: 'Stop the service', run: 'systemctl stop x'},
	{id: 'dump', title: 'Dump the database', run: 'pg_dump'},
	{id: 'start', title: 'Start the service', run: 'systemctl start x'},
];

test('the status line shows the time left from earlier runs, less what the running step has taken', async () => {
	vi.useFakeTimers({toFake: ['Date'], now: T0});
	app = startApp(steps, {columns: 100, rows: 30}, {stepEstimates: {stop: 10_000, dump: 240_000, start: 20_000}});
	const {handle, t} = app;
	expect(await frameWith(t, '~4m30s left · step mode')).toContain('00:00 · ~4m30s left · step mode');
	handle.start('stop');
	vi.setSystemTime(T0 + 10_000);
	handle.finish('stop', 'succeeded');
	await frameWith(t, '~4m20s left');
	handle.start('dump');
	vi.setSystemTime(T0 + 70_000);
	await frameWith(t, '~3m20s left');
	// A step taking longer than it used to counts as 0, never as negative time.
	vi.setSystemTime(T0 + 400_000);
	await frameWith(t, '~20s left');
	handle.finish('dump', 'succeeded');
	handle.start('start');
	handle.finish('start', 'succeeded');
	handle.finishRun('completed');
	const frame = await frameWith(t, 'Run completed');
	expect(frame).not.toMatch(/left · /);
});

test('without earlier runs there is no estimate and nothing is shown', async () => {
	app = startApp(steps, {columns: 100, rows: 30});
	const frame = await frameWith(app.t, 'step mode');
	expect(frame).not.toContain('left');
	expect(frame).toMatch(/\d\d:\d\d · step mode/);
});
