/**
 * The byte path of a step's output (issue 15): with nothing to redact, the log
 * gets the bytes as written and the screen a sample. Real bash and real pipes
 * through the shell executor; the sampler's budget also with a hand-driven clock
 * (ms), so what is shown does not depend on how fast this machine is.
 */
import {createHash} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import {afterEach, beforeEach, expect, test, vi} from 'vitest';
import type {OutputChunk} from '../../source/engine/output.js';
import {ByteOutput, END_TAIL_BYTES, IDLE_SHOW_MS, SHOW_BURST_BYTES, SHOW_BYTES_PER_SECOND} from '../../source/executors/byte-output.js';
import {LOG_NOTE_PREFIX} from '../../source/store/step-logs.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

/** The log's output: every line that is not a runbook note, each with its `\n`. */
function logOutput(logPath: string): Buffer {
	const bytes = readFileSync(logPath);
	const first = bytes.indexOf(10) + 1; // the "started" note
	const last = bytes.lastIndexOf(Buffer.from(`\n${LOG_NOTE_PREFIX}`)) + 1;
	return bytes.subarray(first, last);
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

test('a flood of short lines: the log has every byte; the screen a sample, a note of what it skipped, and the last line', async () => {
	// 8 MiB of "y\n" then a last line: 4 Mi lines, far over the screen's budget.
	const {result, chunks, logPath} = await run(dir, '(yes || true) | head -c 8M; echo the end', {redactsNothing: true});
	expect(result.exitCode).toBe(0);
	const expected = Buffer.concat([Buffer.alloc(8 * 1024 * 1024, 'y\n'), Buffer.from('the end\n')]);
	expect(sha(logOutput(logPath))).toBe(sha(expected));
	const shown = chunks.flatMap(chunk => chunk.lines);
	expect(shown.length).toBeLessThan(4 * 1024 * 1024);
	expect(shown.some(line => /^runbook: … [\d,]+ bytes of output not shown \(the step log has all of it\)$/.test(line))).toBe(true);
	expect(shown.at(-1)).toBe('the end');
});

test('stdout and stderr lines never meet mid-line in the log; a last line without a newline is kept', async () => {
	const script = 'for i in $(seq 1 2000); do printf "out %s" $i; printf " more\\n"; echo "err $i" >&2; done; printf "no newline"';
	const {result, stdout, stderr, logPath} = await run(dir, script, {redactsNothing: true});
	expect(result.exitCode).toBe(0);
	const lines = logOutput(logPath).toString('utf8').trimEnd().split('\n');
	expect(lines.filter(line => line.startsWith('out ')).length).toBe(2000);
	expect(lines.filter(line => line.startsWith('err ')).length).toBe(2000);
	for (const line of lines) expect(line).toMatch(/^(?:out \d+ more|err \d+|no newline)$/);
	expect(lines.at(-1)).toBe('no newline');
	// Under the budget everything is shown.
	expect(stdout).toHaveLength(2001);
	expect(stderr).toHaveLength(2000);
});

test('with something to redact (redactsNothing unset), output takes the line path: redacted in the log and on screen', async () => {
	const {logPath, stdout} = await run(dir, 'echo "token s3cret here"', {redact: text => text.replaceAll('s3cret', '***')});
	expect(logOutput(logPath).toString('utf8')).toBe('token *** here\n');
	expect(stdout).toEqual(['token *** here']);
});

test('the budget: a burst is shown whole, then SHOW_BYTES_PER_SECOND; skipped bytes are counted', () => {
	let now = 0;
	const shown: OutputChunk[] = [];
	const logged: Buffer[] = [];
	const output = new ByteOutput({
		writeLog: bytes => {
			logged.push(bytes);
			return true;
		},
		onLogFull: () => {},
		show: chunk => shown.push(chunk),
		maxPartialBytes: 1024,
		now: () => now,
	});
	const line = Buffer.from(`${'x'.repeat(1023)}\n`); // 1 KiB lines
	const piece = Buffer.concat(Array.from({length: 64}, () => line)); // 64 KiB
	for (let i = 0; i < SHOW_BURST_BYTES / piece.length; i++) output.push('stdout', piece);
	expect(shown.flatMap(chunk => chunk.lines)).toHaveLength(SHOW_BURST_BYTES / 1024);
	expect(output.omittedBytes).toBe(0);
	// The burst is spent: the next piece is skipped...
	output.push('stdout', piece);
	expect(output.omittedBytes).toBe(piece.length);
	// ...and after a quarter of a second, a quarter of the rate is shown, after the note.
	now += 250;
	const before = shown.length;
	output.push('stdout', piece);
	const after = shown.slice(before);
	expect(after[0].lines[0]).toBe(`runbook: … ${(piece.length + piece.length - SHOW_BYTES_PER_SECOND / 4).toLocaleString('en')} bytes of output not shown (the step log has all of it)`);
	expect(after[1].lines).toHaveLength(SHOW_BYTES_PER_SECOND / 4 / 1024);
	expect(Buffer.concat(logged).length).toBe(SHOW_BURST_BYTES + 2 * piece.length);
});

test('on the byte path too (nothing to redact), escape sequences reach neither the log nor the screen', async () => {
	// SGR colour, OSC 52 (clipboard), OSC 0 (window title), and a C1 CSI (U+009B).
	const script = "printf '\\033[31mRED\\033[0m \\033]52;c;cHduZWQ=\\007 \\033]0;pwned\\007 \\302\\2332J end\\n'; echo plain line";
	const {result, stdout, logPath} = await run(dir, script, {redactsNothing: true});
	expect(result.exitCode).toBe(0);
	const logged = logOutput(logPath);
	expect(logged.includes(0x1b)).toBe(false);
	expect(logged.toString('utf8')).not.toMatch(/[\u0080-\u009f]/);
	expect(logged.toString('utf8')).toContain('RED');
	expect(logged.toString('utf8')).toContain('plain line\n');
	for (const line of stdout) expect(line).not.toMatch(/[\u001b\u0080-\u009f]/);
	expect(stdout.at(-1)).toBe('plain line');
});

test('the log reads the same on both paths: CRLF loses its \\r, a lone \\r and NUL read \\xNN, bytes not UTF-8 read U+FFFD', async () => {
	// Written a byte at a time by printf's %b, across the piece boundaries of the reads too.
	const script = ["printf 'crlf line\\r\\n'", "printf 'bad \\377\\376 bytes\\n'", "printf 'nul \\000 byte\\n'", "printf 'progress 1\\rprogress 2\\n'", "printf 'split é'; printf 'tail\\n'", 'echo plain'].join('; ');
	const bytePath = await run(dir, script, {redactsNothing: true, logPath: `${dir}/bytes.log`});
	const linePath = await run(dir, script, {logPath: `${dir}/lines.log`});
	const logged = logOutput(bytePath.logPath).toString('utf8');
	expect(logged).toBe(logOutput(linePath.logPath).toString('utf8'));
	expect(logged).toBe('crlf line\nbad \uFFFD\uFFFD bytes\nnul \\x00 byte\nprogress 1\\x0dprogress 2\nsplit étail\nplain\n');
});

test('a flood through the byte path reuses its batch buffers: peak memory grows far less than the output', async () => {
	// 512 MiB of base64 lines (one piece in ten leaves an unfinished line behind); every byte must reach the log.
	const before = process.memoryUsage().rss;
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
	const {result, logPath} = await run(dir, 'head -c 384M /dev/zero | base64', {redactsNothing: true}, {}, false);
	clearInterval(timer);
	expect(result.exitCode).toBe(0);
	const lines = Math.ceil((384 * 1024 * 1024) / 57);
	expect(statSync(logPath).size).toBeGreaterThan(lines * 77);
	expect(peak - before).toBeLessThan(64 * 1024 * 1024);
});

/** A ByteOutput on a hand-driven clock that collects what it shows and logs. */
function sampler(): {output: ByteOutput; shown: OutputChunk[]; logged: Buffer[]; tick: (ms: number) => void} {
	let now = 0;
	const shown: OutputChunk[] = [];
	const logged: Buffer[] = [];
	const output = new ByteOutput({
		writeLog: bytes => {
			logged.push(Buffer.from(bytes));
			return true;
		},
		onLogFull: () => {},
		show: chunk => shown.push(chunk),
		maxPartialBytes: 64 * 1024,
		now: () => now,
	});
	return {output, shown, logged, tick: ms => void (now += ms)};
}

const NOTE = /^runbook: … [\d,]+ bytes of output not shown \(the step log has all of it\)$/;

test('once output is skipped, small reads wait for a quarter second of budget: a few notes a second, not one per read', () => {
	const {output, shown, tick} = sampler();
	output.push('stdout', Buffer.alloc(SHOW_BURST_BYTES, 'y\n'));
	// A thousand 100-byte reads a millisecond apart, over the 64 bytes a ms the budget refills:
	// every other read fits what refilled since the last one, so, shown as they fit, each would
	// come after a note of the one skipped before it.
	const line = (i: number): Buffer => Buffer.from(`${String(i).padStart(99, '0')}\n`);
	for (let i = 0; i < 1000; i++) {
		tick(1);
		output.push('stdout', line(i));
	}
	const notes = shown.flatMap(chunk => chunk.lines).filter(line => NOTE.test(line));
	// One second of reads: a note about every quarter second (the budget's MIN_SHOW_BYTES).
	expect(notes.length).toBeGreaterThanOrEqual(2);
	expect(notes.length).toBeLessThanOrEqual(5);
	output.finish();
	expect(shown.flatMap(chunk => chunk.lines).at(-1)).toBe(line(999).toString().trimEnd());
});

test('a pause in the output shows what was skipped: the note, then the last lines not shown', () => {
	// The hand-driven clock says how long the output has been quiet; vitest's fake timers fire
	// the pause's timer, so nothing here waits on the wall clock.
	vi.useFakeTimers();
	try {
		const {output, shown, tick} = sampler();
		const lines = (): string[] => shown.flatMap(chunk => chunk.lines);
		output.push('stdout', Buffer.alloc(SHOW_BURST_BYTES + 64 * 1024, 'y\n'));
		output.push('stdout', Buffer.concat([Buffer.alloc(8 * 1024, 'z\n'), Buffer.from('skipped one\nskipped two\nlatest words\n')]));
		expect(lines().at(-1)).toBe('y');
		// Nothing more is pushed, and finish is not called: the command is still running, quiet.
		tick(1000);
		vi.advanceTimersByTime(IDLE_SHOW_MS);
		expect(lines().slice(-3)).toEqual(['skipped one', 'skipped two', 'latest words']);
		// The note for the 8 KiB not shown comes first, after the last line shown before the pause.
		const note = lines().findLastIndex(line => NOTE.test(line));
		expect(note).toBeGreaterThan(lines().lastIndexOf('y'));
		expect(
			lines()
				.slice(note + 1, -3)
				.every(line => line === 'z'),
		).toBe(true);
		output.finish();
	} finally {
		vi.useRealTimers();
	}
});

test('a skipped last line longer than the kept end: its end is shown after …, cut at a character', () => {
	const {output, shown} = sampler();
	output.push('stdout', Buffer.alloc(SHOW_BURST_BYTES, 'y\n'));
	const long = `${'é'.repeat(5000)}END`;
	output.push('stdout', Buffer.from(`${long}\n`));
	output.finish();
	const last = shown.flatMap(chunk => chunk.lines).at(-1)!;
	expect(last.startsWith('…é')).toBe(true);
	expect(last.endsWith('éEND')).toBe(true);
	expect(last).not.toContain('\uFFFD');
	expect(Buffer.byteLength(last)).toBeLessThanOrEqual(END_TAIL_BYTES + Buffer.byteLength('…'));
	expect(long.endsWith(last.slice(1))).toBe(true);
});
