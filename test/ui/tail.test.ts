import {describe, expect, test} from 'vitest';
import {OutputTail, TAIL_ELLIPSIS} from '../../source/ui/tail.js';

const numbered = (from: number, to: number): string[] => Array.from({length: to - from + 1}, (_, i) => `line ${from + i}`);

describe('OutputTail', () => {
	test('keeps lines oldest first, with their stream', () => {
		const tail = new OutputTail();
		tail.push({stream: 'stdout', lines: ['a', 'b']});
		tail.push({stream: 'stderr', lines: ['oops']});
		tail.push({stream: 'stdout', lines: ['c']});
		expect(tail.lines()).toEqual([
			{stream: 'stdout', text: 'a'},
			{stream: 'stdout', text: 'b'},
			{stream: 'stderr', text: 'oops'},
			{stream: 'stdout', text: 'c'},
		]);
		expect(tail.totalLines).toBe(4);
	});

	test('drops the oldest lines beyond maxLines, across many small pushes', () => {
		const tail = new OutputTail({maxLines: 7});
		const all: string[] = [];
		for (let i = 1; i <= 53; i++) {
			const lines = numbered(all.length + 1, all.length + (i % 4) + 1);
			all.push(...lines);
			tail.push({stream: 'stdout', lines});
			expect(tail.lines().map(line => line.text)).toEqual(all.slice(-7));
		}
		expect(tail.totalLines).toBe(all.length);
	});

	test('a chunk larger than the ring keeps its last maxLines lines', () => {
		const tail = new OutputTail({maxLines: 5});
		tail.push({stream: 'stdout', lines: ['old']});
		tail.push({stream: 'stderr', lines: numbered(1, 12)});
		expect(tail.lines().map(line => line.text)).toEqual(numbered(8, 12));
		expect(tail.lines().every(line => line.stream === 'stderr')).toBe(true);
		expect(tail.totalLines).toBe(13);
	});

	test('1,000,000 lines: 500 kept (the default), all counted', () => {
		const tail = new OutputTail();
		for (let start = 1; start <= 1_000_000; start += 1000) tail.push({stream: 'stdout', lines: numbered(start, start + 999)});
		expect(tail.totalLines).toBe(1_000_000);
		const lines = tail.lines();
		expect(lines).toHaveLength(500);
		expect(lines[0].text).toBe('line 999501');
		expect(lines[499].text).toBe('line 1000000');
	});

	test('a long line is cut to maxLineLength, ending with an ellipsis', () => {
		const tail = new OutputTail({maxLineLength: 10});
		tail.push({stream: 'stdout', lines: ['0123456789', '0123456789abc', 'x'.repeat(5000)]});
		const texts = tail.lines().map(line => line.text);
		expect(texts[0]).toBe('0123456789');
		expect(texts[1]).toBe(`012345678${TAIL_ELLIPSIS}`);
		expect(texts[2]).toHaveLength(10);
		expect(texts[2].endsWith(TAIL_ELLIPSIS)).toBe(true);
	});

	test('the default line limit is 1000 characters', () => {
		const tail = new OutputTail();
		tail.push({stream: 'stdout', lines: ['y'.repeat(1000), 'y'.repeat(1001)]});
		expect(tail.lines()[0].text).toBe('y'.repeat(1000));
		expect(tail.lines()[1].text).toBe('y'.repeat(999) + TAIL_ELLIPSIS);
	});

	test('a cut never splits a surrogate pair', () => {
		const tail = new OutputTail({maxLineLength: 5});
		// "abc" + 🙂 (2 code units) + "def": the cut at 4 would fall inside the emoji.
		tail.push({stream: 'stdout', lines: ['abc🙂def']});
		expect(tail.lines()[0].text).toBe(`abc${TAIL_ELLIPSIS}`);
	});

	test('lines() is the same array until the next change', () => {
		const tail = new OutputTail();
		tail.push({stream: 'stdout', lines: ['a']});
		const first = tail.lines();
		expect(tail.lines()).toBe(first);
		tail.push({stream: 'stdout', lines: ['b']});
		expect(tail.lines()).not.toBe(first);
		expect(first).toHaveLength(1);
	});

	test('an empty chunk changes nothing', () => {
		const tail = new OutputTail();
		tail.push({stream: 'stdout', lines: ['a']});
		const before = tail.lines();
		tail.push({stream: 'stdout', lines: []});
		expect(tail.lines()).toBe(before);
		expect(tail.totalLines).toBe(1);
	});

	test('clear() forgets lines and the count', () => {
		const tail = new OutputTail({maxLines: 3});
		tail.push({stream: 'stdout', lines: numbered(1, 10)});
		tail.clear();
		expect(tail.lines()).toEqual([]);
		expect(tail.totalLines).toBe(0);
		tail.push({stream: 'stderr', lines: ['again']});
		expect(tail.lines()).toEqual([{stream: 'stderr', text: 'again'}]);
	});

	test('rejects limits that cannot work', () => {
		expect(() => new OutputTail({maxLines: 0})).toThrow(RangeError);
		expect(() => new OutputTail({maxLines: 2.5})).toThrow(RangeError);
		expect(() => new OutputTail({maxLineLength: 1})).toThrow(RangeError);
	});
});
