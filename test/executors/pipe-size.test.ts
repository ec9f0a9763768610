/**
 * Enlarging a step's output pipe (pipe-size.ts) on real FIFOs, with a real perl
 * making the fcntl call; the size is read back with F_GETPIPE_SZ by another perl.
 */
import {spawnSync} from 'node:child_process';
import {readFileSync, readSync, writeSync} from 'node:fs';
import {expect, test} from 'vitest';
import {closeQuietly, openFifos} from '../../source/executors/fifo.js';
import {DEFAULT_PIPE_BYTES, enlargePipe, LARGE_PIPE_BYTES, preparePipe} from '../../source/executors/pipe-size.js';
import {useTmpdir} from '../support/tmpdir.js';

// The FIFOs are made in this test's own folder (TMPDIR).
useTmpdir('runbook-pipe-size-test-');

/**
 * Runs a perl `script` with `fd` as its fd 3 (not its stdin: a child's fds 0-2 are
 * made blocking, ours too), returning what it prints.
 */
function perlOn(fd: number, script: string): string {
	const result = spawnSync('perl', ['-MFcntl', '-e', `open(my $fd, '<&=', 3) or die; ${script}`], {stdio: ['ignore', 'pipe', 'inherit', fd], encoding: 'utf8'});
	return result.stdout;
}

/** The size of the pipe `fd` is an end of, in bytes (fcntl F_GETPIPE_SZ, 1032). */
function pipeSize(fd: number): number {
	return Number(perlOn(fd, 'print fcntl($fd, 1032, 0)'));
}

/** Whether `fd`'s open file is non-blocking (O_NONBLOCK). */
function nonBlocking(fd: number): boolean {
	return perlOn(fd, 'print((fcntl($fd, F_GETFL, 0) & O_NONBLOCK) ? 1 : 0)') === '1';
}

const linuxWithPerl = process.platform === 'linux' && spawnSync('perl', ['-e', '1']).status === 0;

test.runIf(linuxWithPerl)('enlargePipe makes a FIFO hold 1 MiB (or pipe-max-size), for both its ends, and leaves our read end non-blocking', async () => {
	const [fifo] = (await openFifos(1))!;
	try {
		expect(pipeSize(fifo.readFd)).toBe(DEFAULT_PIPE_BYTES);
		expect(nonBlocking(fifo.readFd)).toBe(true);
		const max = Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8'));
		const expected = Math.min(max, LARGE_PIPE_BYTES);
		expect(await enlargePipe(fifo.readFd)).toBe(expected);
		expect(pipeSize(fifo.readFd)).toBe(expected);
		expect(pipeSize(fifo.writeFd)).toBe(expected);
		// Still non-blocking: the reader reads it directly, and a read of the empty pipe must
		// not stop the event loop (libuv makes a child's stdin blocking, for every holder).
		expect(nonBlocking(fifo.readFd)).toBe(true);
		expect(() => readSync(fifo.readFd, Buffer.alloc(16))).toThrow(/EAGAIN/);
		// A writer that does not wait on a reader now gets the whole size in: 900 KiB in one go.
		const writer = spawnSync('head', ['-c', String(expected - 64 * 1024), '/dev/zero'], {stdio: ['ignore', fifo.writeFd, 'inherit'], timeout: 60_000});
		expect(writer.status).toBe(0);
	} finally {
		closeQuietly(fifo.readFd);
		closeQuietly(fifo.writeFd);
	}
});

test('enlargePipe resolves undefined, not a rejection, for a descriptor that is not a pipe', async () => {
	expect(await enlargePipe(0x7ffffff0)).toBeUndefined();
});

test.runIf(linuxWithPerl)('preparePipe also opens a second read end of the same pipe that blocks, and leaves ours non-blocking (issue 15: pool reads)', async () => {
	const [fifo] = (await openFifos(1))!;
	const prepared = await preparePipe(fifo.readFd, true);
	try {
		expect(prepared.bytes).toBe(Math.min(Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8')), LARGE_PIPE_BYTES));
		expect(prepared.blockingFd).toBeTypeOf('number');
		const second = prepared.blockingFd!;
		expect(second).not.toBe(fifo.readFd);
		expect(nonBlocking(second)).toBe(false);
		expect(nonBlocking(fifo.readFd)).toBe(true);
		// The same pipe: what is written is read from either end, once.
		writeSync(fifo.writeFd, 'first\nsecond\n');
		const buffer = Buffer.alloc(64);
		expect(buffer.subarray(0, readSync(second, buffer, 0, 6, null)).toString()).toBe('first\n');
		expect(buffer.subarray(0, readSync(fifo.readFd, buffer)).toString()).toBe('second\n');
		expect(() => readSync(fifo.readFd, buffer)).toThrow(/EAGAIN/);
	} finally {
		if (prepared.blockingFd !== undefined) closeQuietly(prepared.blockingFd);
		closeQuietly(fifo.readFd);
		closeQuietly(fifo.writeFd);
	}
});

test('preparePipe resolves with neither, not a rejection, for a descriptor that is not a pipe', async () => {
	expect(await preparePipe(0x7ffffff0, true)).toEqual({bytes: undefined, blockingFd: undefined});
});
