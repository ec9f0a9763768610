/**
 * The start screen (issue 10, item 2) on a fake run in a fake terminal: the
 * plan's lines are the first frame, wrapped whole; ↑↓ PgUp PgDn g G scroll it
 * (several keys of one read each count); `a` switches the mode Enter starts;
 * Enter starts the run, also when typed the moment the screen appears; q asks
 * and y quits. The real terminal (tmux) is in test/e2e/plan-screen.test.ts.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {buildPlan, planLines} from '../../source/engine/plan.js';
import type {Runbook} from '../../source/runbook/schema.js';
import {KEY, plain, press, startApp, waitForFrame, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const runbook: Runbook = {
	version: 1,
	title: 'Restore the test database',
	description: 'Stops the service, drops the database and recreates it from the dump,\nthen starts the service again.',
	source: '004 Method 1',
	kubernetes: {context: 'prod', namespace: 'synapse'},
	params: {DB_NAME: {default: 'synapse'}, PASSWORD: {secret: true}, DUMP: {required: true}},
	steps: [{id: 'dump', title: 'Dump the database', run: 'pg_dump'}, {id: 'drop', title: 'Drop it', destructive: 'synapse', run: 'dropdb synapse'}, ...Array.from({length: 3}, (_, i) => ({id: `check-${i + 1}`, title: `Check ${i + 1}`, run: 'true'}))],
} as Runbook;

/** The plan's lines as run.ts gives them to the TUI. */
function lines(): string[] {
	const plan = buildPlan(runbook, '/srv/runbooks/restore.yaml', {vars: {DB_NAME: 'synapse'}, secrets: {PASSWORD: 'hunter2-secret'}, missing: ['DUMP']}, {});
	return planLines(plan, {short: true, noTitle: true, missing: 'MISSING: asked before the first step'});
}

/** A plan long enough to scroll at 80x24: 80 more params. */
function longLines(): string[] {
	return [...lines(), ...Array.from({length: 80}, (_, i) => `  EXTRA_${i + 1} = value ${i + 1}`)];
}

describe('the start screen', () => {
	test('shows the plan whole (secret ***, missing param asked after), and Enter starts the run', async () => {
		app = startApp(runbook.steps, {columns: 80, rows: 24});
		const {operator, t} = app;
		const started = operator.awaitStart(lines());
		const frame = plain(await waitForFrame(t, 'Enter starts the run'));
		expect(frame).toContain('Stops the service, drops the database and recreates it from the dump, then');
		expect(frame).toContain('5 steps; destructive: drop; need an answer: drop.');
		expect(frame).toContain('Without a terminal it needs: -p DUMP=VALUE --yes-destructive.');
		expect(frame).toContain('Kubernetes: context prod, namespace synapse');
		expect(frame).toContain('PASSWORD = ***');
		expect(frame).toContain('DUMP = MISSING: asked before the first step');
		expect(frame).not.toContain('hunter2-secret');
		expect(frame).toContain('▶ Nothing has run yet. Enter starts the run in step mode.');
		expect(frame).toContain('Enter start · ↑↓ PgUp/PgDn scroll · a auto · d details · ? help · q quit');
		// The step list is not drawn: the plan takes the screen.
		expect(frame).not.toContain('1. Dump the database');
		await press(t.stdin, 'a');
		await waitForFrame(t, 'Enter starts the run in auto mode.');
		expect(operator.isAuto()).toBe(true);
		await press(t.stdin, KEY.enter);
		expect(await started).toBe('run');
	});

	test('scrolls: PgDn, G, g; two PgDn in one read move two pages', async () => {
		app = startApp(runbook.steps, {columns: 80, rows: 24});
		const {operator, t} = app;
		const started = operator.awaitStart(longLines());
		const first = plain(await waitForFrame(t, 'Plan: rows 1–'));
		const page = Number(/Plan: rows 1–(\d+) of/.exec(first)![1]);
		await press(t.stdin, 'G');
		const end = plain(await waitForFrame(t, '(end)'));
		expect(end).toContain('EXTRA_80 = value 80');
		await press(t.stdin, 'g');
		await waitForFrame(t, `Plan: rows 1–${page} of`);
		t.stdin.write(KEY.pageDown + KEY.pageDown);
		await waitForFrame(t, `Plan: rows ${2 * page + 1}–`);
		await press(t.stdin, KEY.enter);
		expect(await started).toBe('run');
	});

	test('Enter typed the moment the screen is drawn starts the run', async () => {
		app = startApp(runbook.steps, {columns: 80, rows: 24});
		const {operator, t} = app;
		const write = t.stdout.write;
		t.stdout.write = (frame: string, ...rest: unknown[]) => {
			const result = write(frame, ...rest);
			if (plain(frame).includes('Enter starts the run')) {
				t.stdout.write = write;
				queueMicrotask(() => t.stdin.write(KEY.enter));
			}
			return result;
		};
		expect(await operator.awaitStart(lines())).toBe('run');
	});

	test('q asks first; y quits', async () => {
		app = startApp(runbook.steps, {columns: 80, rows: 24});
		const {operator, t} = app;
		const started = operator.awaitStart(lines());
		await waitForFrame(t, 'Enter starts the run');
		await press(t.stdin, 'q');
		await waitForFrame(t, 'Quit? Progress is kept. (y/N)');
		await press(t.stdin, 'y');
		expect(await started).toBe('quit');
	});
});
