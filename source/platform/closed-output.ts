/**
 * A closed standard output is not an error: `runbook runs | head -n 1` ends
 * `head` after one line, and the next write of ours fails with EPIPE (Node
 * ignores SIGPIPE, so the write fails instead of ending the process, and an
 * unhandled stream error prints a stack trace). After EPIPE the stream is
 * closed and later writes are dropped; the command goes on and ends with the
 * exit code it would have had. A `run` goes on too: a step's processes are
 * never left behind because a reader went away.
 */

/** Error codes of a write to a stream whose reader is gone (or that was closed for that). */
const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Makes EPIPE on `streams` (default: stdout and stderr) quiet; any other write
 * error is thrown on, as without this hook (an uncaught exception). Call once,
 * before anything prints.
 */
export function quietOnClosedOutput(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
	for (const stream of streams) {
		stream.on('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== undefined && CLOSED_CODES.has(error.code)) {
				if (!stream.destroyed) stream.destroy();
				return;
			}
			throw error;
		});
	}
}

/** How often {@link exitWhenFlushed} looks again, in ms. */
const FLUSH_CHECK_MS = 50;

/**
 * Ends the process with `code` once stdout and stderr have written what they
 * hold (or were closed): a pipe whose reader is slower than we are holds output
 * in Node's buffer, and `process.exit` would drop it. The first check comes after
 * the I/O callbacks already due (`setImmediate`), then every {@link FLUSH_CHECK_MS}
 * on an unref'd timer, so the process also ends by itself when nothing else is left;
 * a lingering handle does not keep a finished command alive. (The first check on the
 * timer too cost every command 50 ms at its end: a fifth of a one-step run.)
 */
export function exitWhenFlushed(code: number, streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
	const check = (): void => {
		if (streams.every(stream => stream.destroyed || stream.writableLength === 0)) process.exit(code);
		else setTimeout(check, FLUSH_CHECK_MS).unref();
	};
	setImmediate(check).unref();
}
