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
import {readFileSync} from 'node:fs';

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
export function enlargePipe(fd: number): Promise<number | undefined> {
	const size = wantedSize();
	// A pipe-max-size at or below the default would shrink the pipe, or change nothing.
	if (!perlWorks || size <= DEFAULT_PIPE_BYTES) return Promise.resolve(undefined);
	return new Promise(resolve => {
		try {
			// The pipe is lent as perl's fd 3, not as its stdin: libuv makes a child's fds 0-2
			// blocking, and that flag belongs to the open file, ours too, so our direct reads
			// of an empty pipe would block the event loop (output-reader.ts).
			// F_SETPIPE_SZ returns the size the kernel set (rounded up to whole pages): perl prints it.
			const script = `open(my $pipe, '<&=', 3) or exit 1; my $set = fcntl($pipe, ${F_SETPIPE_SZ}, ${size}) or exit 1; print $set + 0`;
			const child = spawn('perl', ['-e', script], {stdio: ['ignore', 'pipe', 'ignore', fd]});
			let printed = '';
			child.stdout!.setEncoding('utf8').on('data', (text: string) => (printed += text));
			child.once('error', error => {
				notFound(error);
				resolve(undefined);
			});
			child.once('close', code => {
				const set = Number(printed.trim());
				resolve(code === 0 && Number.isInteger(set) && set > 0 ? set : undefined);
			});
		} catch (error) {
			// A descriptor already closed (EBADF), too many processes (EAGAIN): this pipe keeps its size.
			notFound(error);
			resolve(undefined);
		}
	});
}
