import {describe, expect, test} from 'vitest';
import {CaptureBuffer} from '../../source/executors/capture-buffer.js';
import {LineSplitter} from '../../source/executors/line-splitter.js';
import {secretSafeCut} from '../../source/runbook/variables.js';

describe('LineSplitter', () => {
	test('splits on newlines and holds the unfinished line until it ends', () => {
		const splitter = new LineSplitter();
		expect(splitter.push(Buffer.from('one\ntw'))).toEqual(['one']);
		expect(splitter.push(Buffer.from('o\nthr'))).toEqual(['two']);
		expect(splitter.push(Buffer.from('ee'))).toEqual([]);
		expect(splitter.end()).toEqual(['three']);
		expect(splitter.end()).toEqual([]);
	});

	test('keeps empty lines and removes the CR of CRLF', () => {
		const splitter = new LineSplitter();
		expect(splitter.push(Buffer.from('a\r\n\n\r\nb\rc\n'))).toEqual(['a', '', '', 'b\rc']);
	});

	test('a UTF-8 character split across chunks arrives whole', () => {
		const bytes = Buffer.from('é€🙂\n');
		const splitter = new LineSplitter();
		const lines: string[] = [];
		for (let i = 0; i < bytes.length; i++) lines.push(...splitter.push(bytes.subarray(i, i + 1)));
		expect(lines).toEqual(['é€🙂']);
	});

	test('an unfinished line longer than the limit is delivered in pieces', () => {
		const splitter = new LineSplitter(4);
		expect(splitter.push(Buffer.from('abcdefghij'))).toEqual(['abcd', 'efgh']);
		expect(splitter.push(Buffer.from('k\n'))).toEqual(['ijk']);
	});

	test('a line that arrives whole in one chunk is cut as one that arrives in pieces (a large read holds many such lines)', () => {
		expect(new LineSplitter(4).push(Buffer.from('abcdefghij\nxy\nabcd\n'))).toEqual(['abcd', 'efgh', 'ij', 'xy', 'abcd']);
		// The cut still moves off a secret, which is seen whole in a complete line.
		const cut = secretSafeCut(['SECRET']);
		expect(new LineSplitter(8, cut).push('abcdeSECRETxyz\n')).toEqual(['abcde', 'SECRETxy', 'z']);
	});

	test('a chunk far longer than the limit, of short lines (a flood), splits as it would line by line: CRs removed, nothing cut but the long line', () => {
		const short = Array.from({length: 5000}, (_, i) => (i % 3 === 0 ? `y${i}\r` : `y${i}`));
		const splitter = new LineSplitter(16);
		// The unfinished line of one chunk ends in the next, after a CR at the chunk's end.
		expect(splitter.push(`${short.join('\n')}\nhalf\r`)).toEqual(short.map(line => line.replace(/\r$/, '')));
		expect(splitter.push(`\n${'z'.repeat(40)}\nend\n`)).toEqual(['half', 'z'.repeat(16), 'z'.repeat(16), 'z'.repeat(8), 'end']);
	});
});

describe('CaptureBuffer', () => {
	test('joins lines with newlines; the last unfinished line has none', () => {
		const capture = new CaptureBuffer(100);
		capture.add(['a', 'b'], false);
		capture.add(['c'], true);
		expect(capture.text()).toBe('a\nb\nc');
		expect(capture.truncated).toBe(false);
	});

	test('stops at the byte limit and reports the cut once', () => {
		const capture = new CaptureBuffer(6);
		expect(capture.add(['abc', 'def'], false)).toBe(true);
		expect(capture.add(['more'], false)).toBe(false);
		expect(capture.text()).toBe('abc\nde');
		expect(capture.truncated).toBe(true);
	});
});

test('a LineCut moves the cut of an over-long line, once it has seen lookahead units past it (the shell executor keeps a secret whole: variables.ts secretSafeCut)', () => {
	const cut = secretSafeCut(['SECRET']);
	expect(cut.lookahead).toBeGreaterThanOrEqual('SECRET'.length - 1);
	const splitter = new LineSplitter(8, {lookahead: 5, at: cut.at});
	// Not cut before 8 + 5 units are there: SECRET would not be seen whole yet.
	expect(splitter.push('abcdeSECRE')).toEqual([]);
	// Cut at 8 would split SECRET (at 5..10): the cut moves back to its start.
	expect(splitter.push('Txyz')).toEqual(['abcde']);
	// The last line, ended by end(), is cut at the limit too (SECRET does not span 8).
	expect(splitter.end()).toEqual(['SECRETxy', 'z']);
	// A cut outside 1..max is taken as max.
	expect(new LineSplitter(4, {lookahead: 0, at: () => 0}).push('abcdefgh')).toEqual(['abcd']);
	expect(cut.at('SECRETSECRET', 3)).toBe(3); // only a cut at 0 would do: taken as asked
});
