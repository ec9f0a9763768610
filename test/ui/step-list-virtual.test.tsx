/**
 * The step list is virtualised (issue 14): a frame asks for and draws only the rows
 * on screen, however many steps the runbook has, and moving the selection (or the
 * run) keeps the focused step on screen.
 */
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, test, vi} from 'vitest';
import {StepList, type StepListItem, type StepRows} from '../../source/ui/step-list.js';
import {manySteps} from './fake-handle.js';
import {KEY, plain, press, startApp, waitForFrame, type AppUnderTest} from './harness.js';

const N = 5000;

/** 5,000 rows that count which indexes were asked for. */
function countingRows(): StepRows & {asked: Set<number>; indexOfCalls: number} {
	const asked = new Set<number>();
	const rows = {
		asked,
		indexOfCalls: 0,
		count: N,
		itemAt(index: number): StepListItem {
			if (index < 0 || index >= N) throw new Error(`row ${index} asked, out of range`);
			asked.add(index);
			return {id: `s${index + 1}`, title: `Step ${index + 1}`, status: index < 2499 ? 'succeeded' : 'pending'};
		},
		indexOf(id: string): number {
			rows.indexOfCalls++;
			const n = Number(id.slice(1));
			return Number.isInteger(n) && n >= 1 && n <= N ? n - 1 : -1;
		},
	};
	return rows;
}

describe('StepList of 5,000 steps', () => {
	test('asks for and draws only the rows that fit, around the focused step', () => {
		const rows = countingRows();
		const {lastFrame, rerender, unmount} = render(<StepList steps={rows} currentId="s2500" height={20} width={40} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(20);
		// 18 step rows and the two "… N more" rows; no other row was built.
		expect(rows.asked.size).toBe(18);
		expect(lines[0]).toMatch(/^ {2}… \d+ more$/);
		expect(lines.at(-1)).toMatch(/^ {2}… \d+ more$/);
		expect(lines.some(line => /^› ○ 2500\. Step 2500\s*$/.test(line))).toBe(true);
		expect(lines.filter(line => line.includes('✔')).length).toBeGreaterThan(0);

		// The selection moves to the end: the last step is on screen, the rows built stay a screenful.
		rows.asked.clear();
		rerender(<StepList steps={rows} currentId="s2500" selectedId={`s${N}`} height={20} width={40} />);
		const end = (lastFrame() ?? '').split('\n');
		expect(rows.asked.size).toBeLessThanOrEqual(20);
		expect(Math.min(...rows.asked)).toBeGreaterThan(N - 25);
		expect(end.at(-1)).toMatch(/^› ○ 5000\. Step 5000\s*$/);
		expect(end[0]).toBe(`  … ${N - 19} more`);
		unmount();
	});

	test('the first step in focus: no rows above, the window starts at the top', () => {
		const rows = countingRows();
		const {lastFrame, unmount} = render(<StepList steps={rows} currentId="s1" height={10} width={40} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines[0]).toMatch(/^› ✔ {4}1\. Step 1\s*$/);
		expect(lines.at(-1)).toBe(`  … ${N - 9} more`);
		expect(Math.max(...rows.asked)).toBe(8);
		unmount();
	});
});

describe('the app with a runbook of 5,000 steps', () => {
	let app: AppUnderTest | undefined;
	afterEach(() => {
		app?.t.unmount();
		app = undefined;
	});

	test('a frame builds the visible rows only; the current step and the selection stay on screen', async () => {
		app = startApp(manySteps(N), {columns: 100, rows: 24});
		const {handle, t} = app;
		const views = vi.spyOn(handle, 'stepView');
		handle.start('step-2500');
		const frame = plain(await waitForFrame(t, f => plain(f).includes('2500. Step number 2500')));
		// The rows around step 2500 are on screen, the far ones are not.
		expect(frame).toContain('2501. Step number 2501');
		expect(frame).not.toContain('   1. Step number 1 ');
		expect(frame).toMatch(/… \d+ more/);
		// Each frame asked for some tens of step views (rows on screen, the panel), never for every step.
		const frames = Math.max(1, t.stdout.frames.length);
		expect(views.mock.calls.length).toBeLessThan(N / 10);
		expect(views.mock.calls.length / frames).toBeLessThan(100);

		// ↓ three times: the selection moves to step 2503 and stays on screen.
		await press(t.stdin, KEY.down, KEY.down, KEY.down);
		const moved = plain(await waitForFrame(t, f => /› .{1,4}2503\. Step number 2503/.test(plain(f))));
		expect(moved).toContain('2503. Step number 2503');
		// Further down than the rows above it (the window follows the selection): 12 presses more.
		for (let i = 0; i < 12; i++) await press(t.stdin, KEY.down);
		const far = plain(await waitForFrame(t, f => /› .{1,4}2515\. Step number 2515/.test(plain(f))));
		expect(far).not.toContain('2500. Step number 2500');
		// A guard for a loaded machine (each key waits for its frame), not a bound.
	}, 120_000);
});
