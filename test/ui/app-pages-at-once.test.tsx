/**
 * Several page keys in one read each count (issue 10): a terminal hands over
 * keys typed quickly (or a held-down PgDn) as one chunk, which Ink splits into
 * several key events handled before the next render. Each must move from where
 * the one before left it, at a destructive prompt's command and on the summary
 * screen that stays after a completed run.
 */
import {afterEach, describe, expect, test} from 'vitest';
import type {Step} from '../../source/runbook/schema.js';
import {KEY, plain, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

/** `↑ N more rows above` of a frame, or 0. */
function rowsAbove(frame: string): number {
	return Number(/↑ (\d+) more rows? above/.exec(plain(frame))?.[1] ?? 0);
}

describe('at a destructive prompt', () => {
	test('PgDn PgDn in one read scrolls two pages, PgUp PgUp in one read back to the top', async () => {
		const script = Array.from({length: 200}, (_, i) => `echo "check ${i + 1} of the drop"`).join('\n');
		const step: Step = {id: 'drop', title: 'Drop the database synapse', destructive: 'synapse', run: script};
		app = startApp([step], {columns: 80, rows: 24});
		const {handle, operator, t} = app;
		const answer = operator.confirmDestructive(handle.stepView('drop'), 'Drop the database synapse?', 'synapse');
		await waitForPrompt(t, 'Type synapse to confirm');
		// One page alone: how far one PgDn goes.
		await press(t.stdin, KEY.pageDown);
		const page = rowsAbove(await waitForFrame(t, frame => rowsAbove(frame) > 0));
		await press(t.stdin, KEY.pageUp);
		await waitForFrame(t, frame => rowsAbove(frame) === 0 && plain(frame).includes('check 1 of'));
		// Two PgDn in one chunk: two pages.
		t.stdin.write(KEY.pageDown + KEY.pageDown);
		const two = await waitForFrame(t, frame => rowsAbove(frame) > page);
		expect(rowsAbove(two)).toBe(2 * page);
		t.stdin.write(KEY.pageDown + KEY.pageDown + KEY.pageDown);
		const five = await waitForFrame(t, frame => rowsAbove(frame) > 2 * page);
		expect(rowsAbove(five)).toBe(5 * page);
		t.stdin.write(KEY.pageUp.repeat(5));
		await waitForFrame(t, frame => rowsAbove(frame) === 0 && plain(frame).includes('check 1 of'));
		await press(t.stdin, KEY.escape);
		expect(await answer).toBe('no');
	});
});

describe('on the summary screen of a completed run', () => {
	test('↓↓↓ in one read moves three rows', async () => {
		const steps: Step[] = Array.from({length: 30}, (_, i) => ({id: `s${i + 1}`, title: `Step number ${i + 1}`, run: 'true'}));
		app = startApp(steps, {columns: 80, rows: 24});
		const {handle, t} = app;
		for (const step of steps) {
			handle.start(step.id);
			handle.finish(step.id, 'succeeded', {exitCode: 0});
		}
		handle.emit({type: 'run-finished', status: 'completed'}, s => ({...s, status: 'completed', currentStepId: undefined}));
		const first = plain(await waitForFrame(t, 'Run completed'));
		expect(first).toMatch(/^ {2}✔ 1\. s1: Step number 1 /m);
		t.stdin.write(KEY.down + KEY.down + KEY.down);
		const moved = plain(await waitForFrame(t, frame => !plain(frame).includes('Run completed')));
		// Three rows down: the summary's first three rows (outcome, runbook, steps) are above the screen.
		expect(moved.split('\n')[1]).toMatch(/^ {2}✔ 1\. s1: Step number 1 /);
	});
});
