/**
 * Enlarging a pipe that a fast producer keeps full (issue 15). A Linux pipe
 * holds 64 KiB: a producer writing faster than we read blocks each time it
 * fills, and on a loaded machine each block costs it the rest of its time
 * slice. `fcntl(fd, F_SETPIPE_SZ, size)` (fcntl(2), Linux 2.6.35) lets any
 * process holding one end make it hold up to `/proc/sys/fs/pipe-max-size`
 * (1 MiB by default) without privileges. Node has no fcntl (and no FFI), and
 * the npm packages that expose one are native addons without F_SETPIPE_SZ, so
 * a `perl` (perl-base is an essential package on Debian and Ubuntu) is started
 * with the pipe as its fd 3 and makes the call: the size belongs to the pipe,
 * not to the descriptor, so it stays after perl exits. Only for a pipe whose
 * reads come near its size (output-reader.ts), so a step printing little costs
 * no process start. Without perl, or on
 * another system, the pipe keeps its size and output is read as before.
 */
import {spawn} from 'node:child_process';
import {constants, openSync, readFileSync} from 'node:fs';
import {closeQuietly} from './fifo.js';

/** fcntl(2)'s F_SETPIPE_SZ on Linux (F_LINUX_SPECIFIC_BASE 1024 + 7). */
const F_SETPIPE_SZ = 1031;

/** Pipe size asked for, in bytes (1 MiB, Linux's default pipe-max-size), at most pipe-max-size. */
export const LARGE_PIPE_BYTES = 1024 * 1024;

/** A Linux pipe's size until enlarged, in bytes (pipe(7): 16 pages). */
export const DEFAULT_PIPE_BYTES = 64 * 1024;

/** False once perl was not found: no later pipe tries again. */
let perlWorks = process.platform === 'linux';

/** The size to ask for: {@link LARGE_PIPE_BYTES}, or less when `/proc/sys/fs/pipe-max-size` says so. */
function wantedSize(): number {
	try {
		const max = Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8').trim());
		return Number.isInteger(max) && max > 0 ? Math.min(max, LARGE_PIPE_BYTES) : LARGE_PIPE_BYTES;
	} catch {
		return LARGE_PIPE_BYTES;
	}
}

/** Stops later tries when `error` says there is no perl. */
function notFound(error: unknown): void {
	if ((error as NodeJS.ErrnoException).code === 'ENOENT') perlWorks = false;
}

/**
 * Asks for the pipe that `fd` is an end of to hold {@link LARGE_PIPE_BYTES}
 * (see the file comment). Resolves with the pipe's new size in bytes, or
 * undefined when it could not be changed (not Linux, no perl, the user's pipe
 * pages used up: `/proc/sys/fs/pipe-user-pages-soft`). Never rejects; `fd` is
 * only lent to perl (duplicated as its fd 3) and stays ours, non-blocking.
 */
export async function enlargePipe(fd: number): Promise<number | undefined> {
	return (await preparePipe(fd, false)).bytes;
}

/** What {@link preparePipe} made of a pipe. */
export interface PreparedPipe {
	/** The pipe's new size in bytes; undefined when it could not be changed (see {@link enlargePipe}). */
	bytes: number | undefined;
	/**
	 * A second read end of the same pipe, blocking, for reads made in libuv's thread pool
	 * (output-reader.ts); the caller closes it. Undefined when it was not asked for or could
	 * not be made.
	 */
	blockingFd: number | undefined;
}

/**
 * Enlarges the pipe `fd` is the read end of (as {@link enlargePipe}) and, with
 * `blocking`, opens a second read end of it that blocks: a read there waits in the
 * kernel and returns as soon as the writer has written (output-reader.ts reads a
 * flood so, off the main thread). Node cannot open a FIFO both blocking and without
 * waiting for a writer (open(2) of a FIFO for reading blocks until one comes, which
 * the writer may never do), nor clear O_NONBLOCK (no fcntl): the end is opened
 * non-blocking through `/proc/self/fd`, a new open file of the same pipe, and the same
 * perl clears its O_NONBLOCK (the flag belongs to the open file: ours changes too).
 * One perl for both. Never rejects.
 */
export function preparePipe(fd: number, blocking: boolean): Promise<PreparedPipe> {
	const size = wantedSize();
	// A pipe-max-size at or below the default would shrink the pipe, or change nothing.
	const enlarge = size > DEFAULT_PIPE_BYTES;
	if (!perlWorks || (!enlarge && !blocking)) return Promise.resolve({bytes: undefined, blockingFd: undefined});
	let second: number | undefined;
	if (blocking) {
		try {
			second = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
		} catch {
			second = undefined; // no /proc, or fd is no longer open: only the size
		}
	}
	return new Promise(resolve => {
		// Once: a spawn that fails emits 'error' and then 'close', and the second end must be
		// closed once only (its number may be another file's by the second event).
		let settled = false;
		const done = (bytes: number | undefined, madeBlocking: boolean): void => {
			if (settled) return;
			settled = true;
			if (second !== undefined && !madeBlocking) closeQuietly(second);
			resolve({bytes, blockingFd: madeBlocking ? second : undefined});
		};
		try {
			// The pipe is lent as perl's fd 3 (and the second end as its fd 4), not as its stdin:
			// libuv makes a child's fds 0-2 blocking, and that flag belongs to the open file,
			// ours too, so our direct reads of an empty pipe would block the event loop.
			// F_SETPIPE_SZ returns the size the kernel set (rounded up to whole pages): perl prints
			// it on the first line, and "blocking" on the second once fd 4's O_NONBLOCK is cleared.
			const setSize = enlarge ? `my $set = fcntl($pipe, ${F_SETPIPE_SZ}, ${size}); print(($set ? $set + 0 : 0), "\n");` : 'print "0\n";';
			const clear = second === undefined ? '' : `open(my $second, '<&=', 4) or exit 1; my $flags = fcntl($second, F_GETFL, 0) or exit 1; fcntl($second, F_SETFL, $flags & ~O_NONBLOCK) or exit 1; print "blocking\n";`;
			const script = `open(my $pipe, '<&=', 3) or exit 1; ${setSize} ${clear}`;
			const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'ignore', fd];
			if (second !== undefined) stdio.push(second);
			const child = spawn('perl', ['-MFcntl', '-e', script], {stdio});
			let printed = '';
			child.stdout!.setEncoding('utf8').on('data', (text: string) => (printed += text));
			child.once('error', error => {
				notFound(error);
				done(undefined, false);
			});
			child.once('close', () => {
				const [sizeLine, blockingLine] = printed.split('\n');
				const set = Number(sizeLine?.trim());
				done(Number.isInteger(set) && set > 0 ? set : undefined, blockingLine === 'blocking');
			});
		} catch (error) {
			// A descriptor already closed (EBADF), too many processes (EAGAIN): this pipe keeps its size.
			notFound(error);
			done(undefined, false);
		}
	});
}
