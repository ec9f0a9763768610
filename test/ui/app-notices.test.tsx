/**
 * Notes from before the run (interrupted steps, a changed runbook, a lock taken
 * over): word-wrapped, oldest first, never silently dropped: when they do not
 * all fit, a row says how many more and `n` shows them all.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {fitNotices} from '../../source/ui/notices.js';
import {KEY, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'long', title: 'Wait a long time', run: 'sleep 300'},
	{id: 'last', title: 'The last step', run: 'true'},
];
const interrupted = 'step long was running when the last process ended: it is interrupted and will not re-run unless you choose to';
const many = [
	'took over the lock from pid 4242 (root@vm), which is no longer running',
	'the runbook file changed since this run began; steps are matched by id; new steps: verify-counts, notify-team',
	interrupted,
	'step long: its leftover command was stopped (process group 31337)',
	'step other was running when the last process ended: it is interrupted and will not re-run unless you choose to',
	'the last note, about something that must not be lost either',
];

describe('start notes', () => {
	test('a note longer than a row is wrapped, not cut; continuation rows are indented', async () => {
		app = startApp(steps, {}, {notices: [interrupted]});
		const frame = await waitForFrame(app.t, 'note: step long');
		expect(frame).toContain('\nnote: step long was running when the last process ended: it is interrupted and\n      will not re-run unless you choose to\n');
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});

	test('more notes than fit: the oldest first, "+N more (n shows all)", n shows every note whole; Esc closes and they are put away', async () => {
		app = startApp(steps, {}, {notices: many});
		const {handle, operator, t} = app;
		void operator.onInterrupted(handle.stepView('long'));
		const frame = await waitForPrompt(t, 'was interrupted while running');
		// A quarter of the 24 rows at most: 5 rows of notes and the "+N more" row.
		const rows = frame.split('\n').filter(line => /^(note: | {6}\S|\+\d+ more)/.test(line));
		expect(rows.length).toBeLessThanOrEqual(6);
		expect(frame).toContain('note: took over the lock from pid 4242 (root@vm), which is no longer running');
		expect(frame).toContain('note: the runbook file changed since this run began; steps are matched by id;\n      new steps: verify-counts, notify-team\n');
		expect(frame).toMatch(/^\+\d more \(n shows all\)$/m);
		expect(frame).not.toContain('the last note');

		await press(t.stdin, 'n');
		const all = await waitForFrame(t, 'Notes before the run (6)');
		for (const note of many) {
			// Each note's words are all on screen, in order (wrapped at 80 columns).
			const shown = all.replace(/\n {6}/g, ' ');
			expect(shown, note).toContain(note);
		}
		await press(t.stdin, KEY.escape);
		const after = await waitForFrame(t, frame => !frame.includes('Notes before the run'));
		expect(after).toContain('was interrupted while running');
		expect(after).not.toContain('note: took over the lock');
	});

	test('any other key puts the notes away; so does the first step when all were shown', async () => {
		app = startApp(steps, {}, {notices: [interrupted]});
		const {handle, operator, t} = app;
		void operator.beforeStep(handle.stepView('last'));
		await waitForPrompt(t, 'note: step long');
		await press(t.stdin, KEY.down);
		await waitForFrame(t, frame => !frame.includes('note: step long'));

		app.t.unmount();
		app = startApp(steps, {}, {notices: [interrupted]});
		await waitForFrame(app.t, 'note: step long');
		app.handle.start('long');
		await waitForFrame(app.t, frame => !frame.includes('note: step long') && frame.includes('running'));
	});

	test('when the first step starts before hidden notes were seen, a one-row reminder stays until a key', async () => {
		app = startApp(steps, {}, {notices: many});
		const {handle, t} = app;
		await waitForFrame(t, '(n shows all)');
		handle.start('long');
		const frame = await waitForFrame(t, 'note: 6 notes from the start were not all shown (n shows them)');
		expect(frame).not.toContain('note: took over the lock');
		await press(t.stdin, 'n');
		await waitForFrame(t, 'Notes before the run (6)');
		await press(t.stdin, 'n');
		await waitForFrame(t, frame => !frame.includes('Notes before the run') && !frame.includes('not all shown'));
	});

	test('typing at a text prompt does not put the notes away, and n is typed, not taken', async () => {
		app = startApp(steps, {}, {notices: many});
		const {operator, t} = app;
		const answer = operator.askParam('NAMESPACE', {required: true});
		await waitForPrompt(t, 'Parameter NAMESPACE');
		expect(t.lastFrame()).toContain('(n shows all, after this answer)');
		await press(t.stdin, 'n', 's');
		expect(t.lastFrame()).toContain('note: took over the lock');
		expect(t.lastFrame()).not.toContain('Notes before the run');
		await press(t.stdin, KEY.enter);
		expect(await answer).toEqual({value: 'ns'});
	});
});

describe('fitNotices', () => {
	test('whole notes while they fit; a note that does not is cut with … and counted as more', () => {
		const fitted = fitNotices(['a '.repeat(30).trim(), 'b '.repeat(30).trim(), 'c'], 30, 4, 'n shows all');
		expect(fitted.rows).toEqual(['note: a a a a a a a a a a a a', '      a a a a a a a a a a a a', '      a a a a a a', '+2 more (n shows all)']);
		expect(fitted.hidden).toBe(2);
		expect(fitNotices(['x', 'y'], 30, 4, 'n').rows).toEqual(['note: x', 'note: y']);
		expect(fitNotices([], 30, 4, 'n').rows).toEqual([]);
		const cut = fitNotices(['a '.repeat(60).trim()], 30, 3, 'n');
		expect(cut.rows).toHaveLength(3);
		expect(cut.rows[1]).toMatch(/…$/);
		expect(cut.rows[2]).toBe('+1 more (n)');
	});
});
