/**
 * How a step's output reaches the executor: FIFOs read lazily (the default) or
 * Node's own pipes (the fallback). The same behaviour either way; with FIFOs,
 * a command printing line by line arrives in few big batches; no descriptor
 * is left open, whatever way the step ends.
 */
import {readdirSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type {ShellExecutorOptions} from '../../source/executors/shell.js';
import {waitUntil} from '../support/wait.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

/** Open file descriptors of this process: number → what it refers to (`pipe:[123]`, a path...). */
function openFds(): Map<string, string> {
	const fds = new Map<string, string>();
	for (const fd of readdirSync('/proc/self/fd')) {
		try {
			fds.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
		} catch {
			// closed meanwhile (the directory's own descriptor, say)
		}
	}
	return fds;
}

/**
 * Pipes, sockets and FIFOs open now that were not open in `before`: what a run
 * would leave behind. (The test worker opens and closes files of its own
 * meanwhile, so the count of descriptors alone is not a measure.)
 */
function newPipes(before: Map<string, string>): string[] {
	const out: string[] = [];
	for (const [fd, target] of openFds()) {
		if (before.get(fd) === target) continue;
		if (/^(pipe|socket):|runbook-pipes-/.test(target)) out.push(`${fd} -> ${target}`);
	}
	return out;
}

describe.each([['fifo'], ['socket']] as Array<[NonNullable<ShellExecutorOptions['pipes']>]>)('pipes: %s', pipes => {
	const options: ShellExecutorOptions = {pipes};

	test('lines of both streams, a last line without a newline, exit code and capture', async () => {
		const {result, stdout, stderr, log} = await run(dir, "seq 1 3\necho warn >&2\nprintf 'tail'\nprintf 'e1\\ne2' >&2\nexit 5", {capture: true}, options);
		expect(result).toMatchObject({exitCode: 5, aborted: false, stdout: '1\n2\n3\ntail'});
		expect(stdout).toEqual(['1', '2', '3', 'tail']);
		expect(stderr).toEqual(['warn', 'e1', 'e2']);
		// The unfinished last lines are logged when the streams end (stdout's first).
		expect(log.split('\n').slice(1, -2)).toEqual(['1', '2', '3', 'warn', 'e1', 'tail', 'e2']);
	});

	test('a background child still holding stdout keeps the step running; its later output is delivered', async () => {
		// 'late' is printed after bash has exited: seeing it proves the step waited for the pipe.
		const {result, stdout} = await run(dir, '(sleep 0.4; echo late) &\necho early', {}, options);
		expect(result.exitCode).toBe(0);
		expect(stdout).toEqual(['early', 'late']);
	});

	test('output, then an error message on stderr: the log keeps that order', async () => {
		for (let i = 0; i < 10; i++) {
			const {log} = await run(dir, 'seq 1 5000\necho oops >&2', {logPath: join(dir, `order-${i}.log`)}, options);
			const lines = log.trimEnd().split('\n');
			expect(lines.at(-2)).toBe('oops');
			expect(lines.at(-3)).toBe('5000');
		}
	});

	test('no file descriptor stays open after a run, whatever way it ends', async () => {
		await run(dir, 'echo warm-up', {}, options); // modules loaded, their handles open
		const before = openFds();
		await run(dir, 'seq 1 20000; echo e >&2', {}, options);
		await run(dir, 'exit 3', {}, options);
		await run(dir, 'echo hi', {cwd: join(dir, 'missing')}, options);
		await run(dir, 'echo hi', {}, {...options, bash: join(dir, 'no-bash')});
		const controller = new AbortController();
		const aborted = run(dir, 'echo started\nsleep 30', {signal: controller.signal, onOutput: () => controller.abort()}, options);
		expect((await aborted).result.aborted).toBe(true);
		// A destroyed pipe closes its descriptor a moment later (libuv's close callback).
		await waitUntil('the pipes to close', () => newPipes(before).length === 0).catch(() => {});
		expect(newPipes(before)).toEqual([]);
	});
});

describe('FIFOs read lazily', () => {
	test('a bash loop writing one line per write arrives in a few big batches, every line kept', async () => {
		const lines = 20_000;
		const {result, stdout, chunks} = await run(dir, `for i in $(seq 1 ${lines}); do echo "row $i: INSERT 0 1"; done`, {}, {pipes: 'fifo'});
		expect(result.exitCode).toBe(0);
		expect(stdout).toHaveLength(lines);
		expect(stdout.at(-1)).toBe(`row ${lines}: INSERT 0 1`);
		// Node's socket pairs wake the reader for nearly every line; a FIFO read every
		// 2 ms takes hundreds of lines at once.
		expect(chunks.length).toBeLessThan(lines / 10);
	});
});
