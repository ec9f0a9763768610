/**
 * Memory stays bounded whatever a step prints: the executor keeps no output
 * beyond a line and the log file's buffer, and the UI's tail keeps 500 lines.
 * These bound memory; they are not timing tests.
 */
import {execFileSync} from 'node:child_process';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {OutputTail} from '../../source/ui/tail.js';
import {run, tempDir} from './shell-helpers.js';

const MB = 1024 * 1024;
let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

/** Runs `script` feeding an OutputTail; returns it, the log path, and the peak rss / heap growth. */
async function runMeasured(script: string) {
	const tail = new OutputTail();
	const rss0 = process.memoryUsage.rss();
	const heap0 = process.memoryUsage().heapUsed;
	let peakRss = rss0;
	let peakHeap = heap0;
	let calls = 0;
	const {result, logPath} = await run(
		dir,
		script,
		{
			onOutput: chunk => {
				tail.push(chunk);
				if (++calls % 16 === 0) {
					peakRss = Math.max(peakRss, process.memoryUsage.rss());
					peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
				}
			},
		},
		{},
		false,
	);
	return {result, tail, logPath, rssGrowth: (peakRss - rss0) / MB, heapGrowth: (peakHeap - heap0) / MB};
}

function countLines(path: string): number {
	return Number(execFileSync('wc', ['-l', path], {encoding: 'utf8'}).trim().split(/\s+/)[0]);
}

test('seq 1000000: the tail has 500 lines, the log all of them, memory stays flat', async () => {
	const {result, tail, logPath, rssGrowth, heapGrowth} = await runMeasured('seq 1000000');
	expect(result.exitCode).toBe(0);
	expect(tail.totalLines).toBe(1_000_000);
	expect(tail.lines()).toHaveLength(500);
	expect(tail.lines()[0]).toEqual({stream: 'stdout', text: '999501'});
	expect(tail.lines().at(-1)).toEqual({stream: 'stdout', text: '1000000'});
	expect(countLines(logPath)).toBe(1_000_000 + 2); // output, plus the header and footer notes
	expect(rssGrowth).toBeLessThan(100);
	expect(heapGrowth).toBeLessThan(100);
}, 60_000);

test('200 MB of output: memory grows far less than the output (nothing accumulates)', async () => {
	// 200,000 lines of 1,000 bytes plus a newline. Were the output kept (zx keeps it by
	// default), memory would grow by at least 200 MB.
	const script = 'awk \'BEGIN { s = sprintf("%01000d", 0); for (i = 0; i < 200000; i++) print s }\'';
	const {result, tail, logPath, rssGrowth, heapGrowth} = await runMeasured(script);
	expect(result.exitCode).toBe(0);
	expect(tail.totalLines).toBe(200_000);
	expect(countLines(logPath)).toBe(200_000 + 2);
	// Kept output would grow both by 200 MB or more. The heap is what accumulates; the
	// resident size also holds what a collector delayed by load has not yet freed (1 MiB reads
	// of 1,000-byte lines: 105 MB was seen once under a CPU hog), so it gets the 150 MB budget.
	expect(rssGrowth).toBeLessThan(150);
	expect(heapGrowth).toBeLessThan(100);
}, 120_000);
