/**
 * A run with secret values (issue 15): secret-free plain lines take the byte path,
 * everything else the redacting line path (masked-output.ts). The check that matters
 * is a differential one: for random output (secrets whole, split by escape sequences,
 * by reads, next to control characters, non-ASCII text, bytes that are not UTF-8, CR)
 * cut into random reads, the log and the screen must read exactly as the line path
 * alone makes them, with a real step log and the run's real masking. Then real bash
 * through the shell executor: a flood in a run with a secret is logged whole and
 * shown as a sample, the secret masked in both.
 *
 * Lines in the random output stay under the splitter's 64 Ki limit: a longer line is
 * cut in the line path and logged whole in the byte path (as in a run without secrets).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import type {OutputChunk} from '../../source/engine/output.js';
import {ByteOutput} from '../../source/executors/byte-output.js';
import {LineSplitter} from '../../source/executors/line-splitter.js';
import {isPlainText, MaskedOutput} from '../../source/executors/masked-output.js';
import {createOutputSink} from '../../source/executors/output-sink.js';
import {redactor, secretFinder, secretSafeCut} from '../../source/runbook/variables.js';
import {LOG_NOTE_PREFIX, StepLog} from '../../source/store/step-logs.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

const SECRET = 'hunter2-Secret';
const PEM = 'first line of the key\nsecond line of the key';
const SECRETS = [SECRET, PEM, 'pässwort-ü'];

test('isPlainText: printable ASCII, tab and newline only', () => {
	expect(isPlainText(Buffer.from('plain text\twith a tab ~!@#$%^&*()_+{}|:"<>?\n'))).toBe(true);
	expect(isPlainText(Buffer.alloc(0))).toBe(true);
	for (let byte = 0; byte < 256; byte++) {
		const plain = byte === 0x09 || byte === 0x0a || (byte >= 0x20 && byte <= 0x7e);
		expect(isPlainText(Buffer.from([0x61, byte, 0x62, 0x0a])), `byte 0x${byte.toString(16)}`).toBe(plain);
	}
});

test('secretFinder finds each value and each long line of a multi-line secret, as bytes', () => {
	const holds = secretFinder(SECRETS);
	expect(holds(Buffer.from(`x ${SECRET} y\n`))).toBe(true);
	expect(holds(Buffer.from('second line of the key\n'))).toBe(true);
	expect(holds(Buffer.from('pässwort-ü'))).toBe(true);
	expect(holds(Buffer.from('hunter2-Secre\nt\n'))).toBe(false);
	expect(secretFinder([])(Buffer.from(SECRET))).toBe(false);
});

/** A seeded random source (mulberry32), so a failure names the seed that makes it. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Random output bytes: plain lines mostly, with the things that must take the line path. */
function randomOutput(next: () => number): Buffer {
	const parts: (string | Buffer)[] = [];
	const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
	const count = 20 + Math.floor(next() * 400);
	for (let i = 0; i < count; i++) {
		// Mostly plain parts, so that reads of plain lines (the byte path) are common.
		if (next() < 0.93) {
			parts.push(pick(['plain words ', 'y\n', '\n', `line ${i}\n`, 'tab\there\n', 'x'.repeat(Math.floor(next() * 3000))]));
			continue;
		}
		parts.push(
			pick<string | Buffer>([
				SECRET,
				`${SECRET.slice(0, 6)}\x1b[0m${SECRET.slice(6)}`,
				`${SECRET.slice(0, 3)}\x1b]0;title\x07${SECRET.slice(3)}\n`,
				'second line of the key',
				PEM,
				'pässwort-ü',
				'\x07bell',
				'\r\n',
				'progress 1\rprogress 2',
				'zero\u200bwidth',
				'é',
				Buffer.from([0xff, 0xfe]),
				Buffer.from([0xc3]),
				Buffer.from([0x00]),
				'\x7f',
				'\x9b2J',
			]),
		);
	}
	return Buffer.concat(parts.map(part => (typeof part === 'string' ? Buffer.from(part) : part)));
}

/** Cuts `bytes` into reads of random sizes (1 byte to 8 KiB), each on a random stream. */
function reads(bytes: Buffer, next: () => number): {stream: OutputChunk['stream']; bytes: Buffer}[] {
	const list: {stream: OutputChunk['stream']; bytes: Buffer}[] = [];
	for (let at = 0; at < bytes.length; ) {
		const size = 1 + Math.floor(next() * (next() < 0.3 ? 16 : 8192));
		list.push({stream: next() < 0.25 ? 'stderr' : 'stdout', bytes: bytes.subarray(at, at + size)});
		at += size;
	}
	return list;
}

/** Feeds `pieces` through the line path alone (`masked: false`) or MaskedOutput; returns the log's output and what was shown. */
async function feed(pieces: {stream: OutputChunk['stream']; bytes: Buffer}[], masked: boolean, name: string): Promise<{log: string; shown: string[]; viaBytes: number}> {
	const log = await StepLog.open(join(dir, `${name}.log`));
	const shown: string[] = [];
	const show = (chunk: OutputChunk): void => void shown.push(...chunk.lines);
	const bytes = new ByteOutput({writeLog: (data, keep) => log.writeBytes(data, keep), onLogFull: () => {}, show, maxPartialBytes: 64 * 1024});
	let viaBytes = 0;
	const push = bytes.push.bind(bytes);
	bytes.push = (stream, data, keep) => {
		viaBytes++;
		push(stream, data, keep);
	};
	const sink = createOutputSink({
		redact: redactor(SECRETS),
		captureNote: '',
		log,
		hold: () => {},
		release: () => {},
		show: chunk => (masked ? bytes.showLines(chunk.stream, chunk.lines) : show(chunk)),
	});
	const splitters = {stdout: new LineSplitter(64 * 1024, secretSafeCut(SECRETS), {stripEscapes: true}), stderr: new LineSplitter(64 * 1024, secretSafeCut(SECRETS), {stripEscapes: true})};
	const line = (stream: OutputChunk['stream']) => (data: Buffer) => sink.deliver(stream, splitters[stream].push(data), false);
	const output = new MaskedOutput(bytes, {stdout: line('stdout'), stderr: line('stderr')}, secretFinder(SECRETS));
	for (const piece of pieces) {
		// A copy, overwritten after the call, as the reader reuses its buffers.
		const copy = Buffer.from(piece.bytes);
		if (masked) output.push(piece.stream, copy);
		else line(piece.stream)(copy);
		copy.fill(0x21);
	}
	for (const stream of ['stdout', 'stderr'] as const) sink.deliver(stream, splitters[stream].end(), true);
	bytes.finish();
	await log.close();
	return {log: readFileSync(log.path, 'utf8'), shown, viaBytes};
}

test('60 random outputs in random reads: the log and the screen read as the line path alone makes them, and no secret gets out', async () => {
	let viaBytes = 0;
	for (let seed = 1; seed <= 60; seed++) {
		const next = random(seed);
		const output = randomOutput(next);
		const pieces = reads(output, next);
		const lines = await feed(pieces, false, `lines-${seed}`);
		const masked = await feed(pieces, true, `masked-${seed}`);
		expect(masked.log, `seed ${seed}`).toBe(lines.log);
		expect(masked.shown, `seed ${seed}`).toEqual(lines.shown);
		for (const text of [masked.log, masked.shown.join('\n')]) {
			expect(text, `seed ${seed}`).not.toContain(SECRET);
			expect(text, `seed ${seed}`).not.toContain('second line of the key');
			expect(text, `seed ${seed}`).not.toContain('pässwort-ü');
		}
		viaBytes += masked.viaBytes;
	}
	// The byte path was taken, not only the line path (which would pass the comparison trivially).
	expect(viaBytes).toBeGreaterThan(100);
});

/** The log's output: every line that is not a runbook note. */
function logOutput(logPath: string): string {
	return readFileSync(logPath, 'utf8')
		.split('\n')
		.filter(line => !line.startsWith(LOG_NOTE_PREFIX))
		.join('\n');
}

test('a flood through bash in a run with a secret: the log has every line, the screen a sample, the secret masked in both', async () => {
	// 8 MiB of "y\n", the secret split by a colour code, the secret whole, then a last plain line.
	const script = `(yes || true) | head -c 8M; printf 'a ${SECRET.slice(0, 5)}\\033[1m${SECRET.slice(5)} b\\n'; echo "${SECRET}"; echo the end`;
	const {result, stdout, chunks, logPath} = await run(dir, script, {redact: redactor(SECRETS), holdsSecret: secretFinder(SECRETS)});
	expect(result.exitCode).toBe(0);
	const logged = logOutput(logPath).split('\n');
	expect(logged.filter(line => line === 'y')).toHaveLength(4 * 1024 * 1024);
	expect(logged.slice(-4, -1)).toEqual(['a *** b', '***', 'the end']);
	expect(readFileSync(logPath, 'utf8')).not.toContain(SECRET);
	expect(stdout.length).toBeLessThan(4 * 1024 * 1024);
	expect(chunks.flatMap(chunk => chunk.lines).some(line => /^runbook: … [\d,]+ bytes of output not shown \(the step log has all of it\)$/.test(line))).toBe(true);
	expect(stdout.join('\n')).not.toContain(SECRET);
	expect(stdout.at(-1)).toBe('the end');
});
