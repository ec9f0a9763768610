import {describe, expect, test} from 'vitest';
import {panelRows, scrollWindow, windowList} from '../../source/ui/layout.js';
import {displayLine, displayLines, formatClock, formatDuration} from '../../source/ui/format.js';
import {answerProblem} from '../../source/ui/prompt-view.js';
import {colorsEnabled} from '../../source/ui/color.js';

describe('windowList', () => {
	test('the focused item is always shown and the rows (with "… more" markers) fit', () => {
		for (const total of [1, 2, 5, 24, 31, 100]) {
			for (const height of [1, 2, 3, 4, 10, 23]) {
				for (let focus = 0; focus < total; focus++) {
					const w = windowList(total, focus, height);
					const rows = (w.above > 0 ? 1 : 0) + (w.end - w.start) + (w.below > 0 ? 1 : 0);
					if (height >= 3 || total <= height) expect(rows, `${total}/${focus}/${height}`).toBeLessThanOrEqual(height);
					expect(focus).toBeGreaterThanOrEqual(w.start);
					expect(focus).toBeLessThan(w.end);
					expect(w.above).toBe(w.start);
					expect(w.below).toBe(total - w.end);
				}
			}
		}
	});

	test('a short list is shown whole', () => {
		expect(windowList(5, 4, 10)).toEqual({start: 0, end: 5, above: 0, below: 0});
	});

	test('a long list centres on the focus with a marker on each side', () => {
		expect(windowList(30, 15, 10)).toEqual({start: 11, end: 19, above: 11, below: 11});
	});
});

describe('panelRows', () => {
	const wants = {title: 2, status: 2, description: 5, block: 40, progress: 1, output: 10_000};
	test('the parts never need more rows than the panel has, in every mode', () => {
		for (const mode of ['follow', 'decide', 'failed'] as const) {
			for (let height = 0; height < 30; height++) {
				const rows = panelRows(height, wants, mode);
				const used = rows.title + rows.status + rows.description + rows.block + rows.progress + rows.outputHeading + rows.output;
				expect(used, `${mode} ${height}`).toBeLessThanOrEqual(Math.max(2, height));
			}
		}
	});

	test('output takes the rows left after a short command; the description gets what the output leaves', () => {
		expect(panelRows(20, {title: 1, status: 1, description: 1, block: 3, progress: 0, output: 500})).toEqual({title: 1, status: 1, description: 1, block: 3, progress: 0, outputHeading: 1, output: 13});
		// Little output: the description is no longer capped at 2 rows.
		expect(panelRows(20, {title: 1, status: 1, description: 9, block: 3, progress: 0, output: 2}).description).toBe(9);
	});

	test('a long script gets at most half of the rows when there is output', () => {
		const rows = panelRows(22, {title: 1, status: 1, description: 0, block: 100, progress: 0, output: 100});
		expect(rows.block).toBeLessThanOrEqual(10);
		expect(rows.output).toBeGreaterThanOrEqual(9);
	});

	test('decide: the whole command and vars first; failed: the whole description before the command', () => {
		const decide = panelRows(18, {title: 2, status: 1, description: 6, block: 12, progress: 0, output: 40}, 'decide');
		expect(decide.block).toBe(12);
		expect(decide.title).toBe(2);
		expect(decide.description).toBe(2);
		const failed = panelRows(18, {title: 1, status: 1, description: 6, block: 12, progress: 0, output: 40}, 'failed');
		expect(failed.description).toBe(6);
		expect(failed.output).toBeGreaterThanOrEqual(3);
	});
});

describe('scrollWindow', () => {
	test('rows and markers fit; every row can be reached; the offset is clamped', () => {
		for (const total of [0, 1, 5, 12, 40]) {
			for (const height of [1, 2, 3, 4, 10]) {
				const seen = new Set<number>();
				let last;
				for (let offset = -2; offset <= total + 2; offset++) {
					last = scrollWindow(total, height, offset);
					const rows = (last.above > 0 && height >= 3 ? 1 : 0) + (last.end - last.start) + (last.below > 0 && height >= 3 ? 1 : 0);
					expect(rows, `${total}/${height}/${offset}`).toBeLessThanOrEqual(Math.max(height, 0));
					for (let i = last.start; i < last.end; i++) seen.add(i);
				}
				if (height > 0) expect(seen.size, `${total}/${height}`).toBe(total);
				expect(scrollWindow(total, height, 1e9).start).toBe(last!.maxOffset);
			}
		}
	});
});

describe('format', () => {
	test('durations', () => {
		expect(formatDuration(850)).toBe('850ms');
		expect(formatDuration(12_400)).toBe('12s');
		expect(formatDuration(184_000)).toBe('3m04s');
		expect(formatDuration(3_720_000)).toBe('1h02m');
		expect(formatClock(65_000)).toBe('01:05');
		expect(formatClock(3_725_000)).toBe('1:02:05');
	});

	test('output lines lose escape sequences and control characters, keep the text after the last CR, expand tabs', () => {
		expect(displayLine('\u001B[31mred\u001B[0m text')).toBe('red text');
		expect(displayLine('\u001B]0;title\u0007after')).toBe('after');
		expect(displayLine('10%\r50%\r100%')).toBe('100%');
		expect(displayLine('crlf line\r')).toBe('crlf line');
		expect(displayLine('a\tb')).toBe('a       b');
		expect(displayLine('bell\u0007 nul\u0000')).toBe('bell nul');
		expect(displayLines('one\ntwo\n')).toEqual(['one', 'two']);
	});
});

describe('answers', () => {
	test('pattern and choices are checked like the engine does; a secret never appears in the message', () => {
		expect(answerProblem('3', {pattern: '^[0-9]+$'})).toBeUndefined();
		expect(answerProblem('abc', {pattern: '^[0-9]+$'})).toBe('"abc" does not match the pattern ^[0-9]+$');
		expect(answerProblem('c', {choices: ['a', 'b']})).toMatch(/not one of: a, b/);
		const secret = answerProblem('hunter2', {pattern: '^[0-9]{6}$', secret: true});
		expect(secret).toMatch(/does not match/);
		expect(secret).not.toContain('hunter2');
		expect(answerProblem('', {})).toMatch(/answer is needed/);
	});
});

test('NO_COLOR counts when set and not empty', () => {
	expect(colorsEnabled({})).toBe(true);
	expect(colorsEnabled({NO_COLOR: ''})).toBe(true);
	expect(colorsEnabled({NO_COLOR: '1'})).toBe(false);
});

test('textRows counts word-wrapped rows', async () => {
	const {textRows} = await import('../../source/ui/prompt-view.js');
	expect(textRows('short', 80, 3)).toBe(1);
	expect(textRows('aaaa bbbb cccc', 9, 5)).toBe(2);
	expect(textRows('aaaa bbbb cccc', 4, 5)).toBe(3);
	expect(textRows('x'.repeat(25), 10, 5)).toBe(3);
	expect(textRows('x'.repeat(100), 10, 3)).toBe(3);
	expect(textRows('one\ntwo', 80, 3)).toBe(2);
});

test('wrapText: greedy word wrap, no row starting or ending with a space, long words broken, newlines kept', async () => {
	const {wrapText, wrapTextTo, truncateMiddle} = await import('../../source/ui/format.js');
	expect(wrapText('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc']);
	expect(wrapText('aaaa  bbbb   cccc', 9)).toEqual(['aaaa bbbb', 'cccc']);
	expect(wrapText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
	expect(wrapText('one\ntwo', 80)).toEqual(['one', 'two']);
	expect(wrapText('', 10)).toEqual(['']);
	for (const row of wrapText('a lost (the safety backup keeps a copy). And more words here', 12)) {
		expect(row).not.toMatch(/^ | $/);
		expect(row.length).toBeLessThanOrEqual(12);
	}
	expect(wrapTextTo('aaaa bbbb cccc dddd', 9, 2)).toEqual(['aaaa bbbb', 'cccc dddd']);
	expect(wrapTextTo('aaaa bbbb cccc dddd eeee', 9, 2)).toEqual(['aaaa bbbb', 'cccc ddd…']);
	expect(wrapTextTo('aaaa bbbb cc dd eeee', 9, 2)).toEqual(['aaaa bbbb', 'cc dd…']);
	expect(truncateMiddle('https://api.example.com:6443', 15)).toBe('https:/…om:6443');
	expect(truncateMiddle('short', 15)).toBe('short');
});

describe('gatePanelRows', () => {
	test('fixed rows first, then 2 output rows, the whole next command and vars, description; output takes the rest; never more than the height', async () => {
		const {gatePanelRows} = await import('../../source/ui/layout.js');
		expect(gatePanelRows(21, {status: 1, output: 100, nextDescription: 1, nextBlock: 5})).toEqual({output: 11, nextDescription: 1, nextBlock: 5});
		// A command longer than the panel: the output keeps 2 rows, the command gets the rest.
		expect(gatePanelRows(21, {status: 2, output: 100, nextDescription: 2, nextBlock: 41})).toEqual({output: 2, nextDescription: 0, nextBlock: 14});
		for (let height = 0; height < 30; height++) {
			const rows = gatePanelRows(height, {status: 2, output: 50, nextDescription: 3, nextBlock: 21});
			expect(4 + rows.output + rows.nextDescription + rows.nextBlock).toBeLessThanOrEqual(Math.max(5, height));
		}
	});
});
