/**
 * The log file of one step attempt: output lines appended as they arrive,
 * with the executor's own notes marked so they cannot pass for output.
 *
 * Format (UTF-8 text, one line per output line, stdout and stderr interleaved
 * in arrival order, stderr lines NOT prefixed, so the log reads like the
 * terminal would have):
 *
 * ```
 * === runbook: step "dump" started 2025-05-01T10:00:00.000Z in /srv/app ===
 * ...output...
 * === runbook: step "dump" exit code 0 after 1234 ms ===
 * ```
 *
 * The engine's `StepLogs` port (engine/step-log-port.ts) is {@link stepLogFiles}: executors
 * open logs through it and the UI reads them back through the run handle ({@link readStepLog}).
 *
 * Over 300 lines on purpose: the writer and the bounded reader of one file format, with the
 * writer's three write paths (direct notes, gathered lines, lent buffers) whose order is kept
 * only if they stay side by side.
 */
import fs, {createWriteStream, type WriteStream} from 'node:fs';
import {makePrivateDir, openAppend} from '../platform/safe-file.js';
import {dirname} from 'node:path';
import type {StepLogs, StepLogText, StepLogWriter} from '../engine/step-log-port.js';

/** What starts every note line the executor writes into a step log. */
export const LOG_NOTE_PREFIX = '=== runbook: ';

/**
 * Buffer before `write` asks the caller to wait for `drain`, in bytes: a few
 * batches ({@link BATCH_BYTES}), so the output is read on while the file system
 * writes (through libuv's thread pool; queued batches go in one `writev`).
 */
const HIGH_WATER_MARK = 4 * 1024 * 1024;

/**
 * Output lines are gathered in memory and written together, at most this many
 * ms after the first of them: a command that prints line by line (a bash loop
 * of `echo`) otherwise costs one file write, through libuv's thread pool, per
 * line (bench/: a million such lines).
 */
const FLUSH_DELAY_MS = 20;

/**
 * Output is gathered into batch buffers of this many bytes (1 MiB), each written
 * once full: a fast producer (`base64` of a large file) costs one file write per MiB.
 */
const BATCH_BYTES = 1024 * 1024;

/**
 * Batch buffers kept for reuse once written: the ones in flight under
 * {@link HIGH_WATER_MARK}, plus one being filled. Reusing them is what keeps a
 * flood's memory flat: a fresh buffer per read (or per batch) is garbage the
 * collector frees late (V8 counts such memory as external and collects it in
 * large steps), which showed as tens of MB of peak RSS (bench/: bulk rows).
 */
const SPARE_BATCHES = HIGH_WATER_MARK / BATCH_BYTES + 1;

/**
 * A piece of output at least this large (64 KiB) whose owner lends its buffer
 * (`writeBytes`' `keep`) is written from that buffer, not copied into a batch:
 * a flood (`base64`, `yes`) is then written without a copy of each MiB in this
 * thread (issue 15: 0.1 s per 512 MiB). Smaller ones are gathered as before.
 */
const LEND_BYTES = 64 * 1024;

/**
 * An open step log. `write` returns false when the caller should pause its
 * source until `onDrain`; a write failure (disk full) is kept in `failure` and
 * later writes are dropped, so output keeps flowing to the screen. Output is
 * copied into batch buffers (reused, see {@link SPARE_BATCHES}) written when
 * full or {@link FLUSH_DELAY_MS} ms after their first byte; notes and `close`
 * write everything gathered before them, so the order is kept.
 */
export class StepLog implements StepLogWriter {
	/** The first write error, as a one-line message; undefined while all is well. */
	failure: string | undefined;
	readonly #stream: WriteStream;
	/** The file's descriptor (the stream's): idle notes are written to it directly. */
	readonly #fd: number;
	/** Set by close: a direct write after it could meet another file given the same number. */
	#closed = false;
	readonly #path: string;
	#onFailure: ((message: string) => void) | undefined;
	#drainWaiters: (() => void)[] = [];
	/** The batch being filled, and how many of its bytes are used. */
	#batch: Buffer | undefined;
	#used = 0;
	/** Written batches back from the file system, for reuse. */
	readonly #spare: Buffer[] = [];
	#flushTimer: NodeJS.Timeout | undefined;

	private constructor(stream: WriteStream, fd: number, path: string) {
		this.#stream = stream;
		this.#fd = fd;
		this.#path = path;
		stream.on('error', error => this.#fail(error));
		stream.on('drain', () => this.#releaseWaiters());
	}

	/**
	 * Creates the parent folders and opens `path` for appending.
	 * Throws an Error with a one-line message naming the path when it cannot.
	 */
	static async open(path: string): Promise<StepLog> {
		try {
			makePrivateDir(dirname(path));
			// Mode 0600; a symbolic link or FIFO planted in its place is refused (platform/safe-file.ts).
			const fd = openAppend(path);
			// The descriptor is ours to close (close()): the stream's own close goes through the thread pool.
			const stream = createWriteStream(path, {fd, highWaterMark: HIGH_WATER_MARK, autoClose: false});
			return new StepLog(stream, fd, path);
		} catch (error) {
			throw new Error(`cannot open the log file ${path}: ${(error as Error).message}`);
		}
	}

	/** The first write error: kept, later writes dropped, the listener told once. */
	#fail(error: Error): void {
		if (this.failure) return;
		this.failure = `writing the log file ${this.#path} failed: ${error.message}`;
		this.#batch = undefined;
		this.#used = 0;
		this.#onFailure?.(this.failure);
		this.#releaseWaiters();
	}

	/** True when no write is queued or under way: a write made here now keeps the order. */
	get #idle(): boolean {
		return this.#used === 0 && this.#stream.writableLength === 0;
	}

	/**
	 * Called once with the message when a write fails; at once (in a microtask) when one
	 * already failed: the first note is written before the executor listens, and a failure
	 * there (disk full) would otherwise drop the whole log unsaid.
	 */
	onFailure(listener: (message: string) => void): void {
		this.#onFailure = listener;
		const failure = this.failure;
		if (failure) queueMicrotask(() => listener(failure));
	}

	/** Appends lines (each gets `\n`). False: the buffer is full, wait for {@link onDrain}. */
	writeLines(lines: readonly string[]): boolean {
		if (this.failure || this.#closed || lines.length === 0) return true;
		this.#addText(lines.join('\n') + '\n');
		return this.#scheduled();
	}

	/**
	 * Appends output bytes as they are (whole lines, the byte path: byte-output.ts).
	 * They are copied at once (`bytes` may be reused after the call), unless `keep` is
	 * given and they are at least {@link LEND_BYTES}: then what was gathered is written
	 * first, and `bytes` after it, from the caller's buffer, which `keep()` takes out of
	 * reuse until the write is done. False: as {@link writeLines}.
	 */
	writeBytes(bytes: Buffer, keep?: () => () => void): boolean {
		if (this.failure || this.#closed || bytes.length === 0) return true;
		if (keep && bytes.length >= LEND_BYTES) {
			this.#flush();
			const release = keep();
			this.#stream.write(bytes, () => release());
			return this.#scheduled();
		}
		for (let from = 0; from < bytes.length; ) {
			const batch = this.#current();
			const copied = bytes.copy(batch, this.#used, from);
			this.#used += copied;
			from += copied;
			if (this.#used === batch.length) this.#flush();
		}
		return this.#scheduled();
	}

	/** Text into the batch; text longer than a batch is written on its own. */
	#addText(text: string): void {
		const size = Buffer.byteLength(text);
		if (size > BATCH_BYTES - this.#used) {
			this.#flush();
			if (size > BATCH_BYTES) return void this.#stream.write(text);
		}
		this.#used += this.#current().write(text, this.#used);
	}

	/** The batch being filled (a spare one, or a new one). */
	#current(): Buffer {
		this.#batch ??= this.#spare.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
		return this.#batch;
	}

	/** Arms the flush timer for what is gathered; whether the caller may go on (no back-pressure). */
	#scheduled(): boolean {
		if (this.#used > 0) this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_DELAY_MS);
		return !this.#stream.writableNeedDrain;
	}

	/** Appends a note line: `=== runbook: <text> ===` (after any output gathered before it). */
	note(text: string): void {
		if (this.failure || this.#closed) return;
		const line = `${LOG_NOTE_PREFIX}${text} ===\n`;
		// Nothing gathered: the line goes alone. A batch (1 MiB, external memory) taken for
		// it cost a trivial step two such buffers and V8 a full collection every few steps (issue 14).
		// Idle (a trivial step's start and end), the line is written here and now: a write through
		// the thread pool is a wake-up of another thread and of this one, which on a loaded machine
		// cost a trivial step more than the write (issue 14). The log is a local file, as state.log.
		if (this.#idle) return void this.#writeNow(line);
		if (this.#used === 0) return void this.#stream.write(line);
		this.#addText(line);
		this.#flush();
	}

	/** Writes the gathered output now; the batch comes back for reuse once written. */
	#flush(): void {
		clearTimeout(this.#flushTimer);
		this.#flushTimer = undefined;
		const batch = this.#batch;
		const used = this.#used;
		if (this.failure || this.#closed || !batch || used === 0) return;
		this.#batch = undefined;
		this.#used = 0;
		this.#stream.write(batch.subarray(0, used), () => {
			if (this.#spare.length < SPARE_BATCHES) this.#spare.push(batch);
		});
	}

	/** Calls `listener` once when the buffer has drained (or at once after a failure). */
	onDrain(listener: () => void): void {
		if (this.failure) return void queueMicrotask(listener);
		this.#drainWaiters.push(listener);
	}

	#releaseWaiters(): void {
		const waiters = this.#drainWaiters;
		this.#drainWaiters = [];
		for (const waiter of waiters) waiter();
	}

	/** One synchronous write of `line` (the stream is idle); a failure is kept as the stream's would be. */
	#writeNow(line: string): void {
		try {
			const bytes = Buffer.from(line);
			for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.#fd, bytes, done);
		} catch (error) {
			this.#fail(error as Error);
		}
	}

	/**
	 * Flushes and closes the file; never rejects (a failure is in `failure`). With
	 * nothing queued (a trivial step, whose notes were written directly) everything is
	 * in the file already: it resolves at once. The descriptor is closed here, in this
	 * thread, once no write is queued: a close through libuv's thread pool (the stream's)
	 * cost a trivial step a wake-up of a pool thread and then of this one (issue 14).
	 * A second call does nothing, and so do writes and notes after the first.
	 */
	async close(): Promise<void> {
		if (this.#closed) return;
		this.#flush();
		// Closed from here on: a write after close is dropped (never sent to the descriptor's
		// number, which the next file opened may hold), and the stream is ended either way.
		this.#closed = true;
		if (!this.#idle && !this.#stream.destroyed) {
			await new Promise<void>(resolve => {
				this.#stream.end(() => resolve());
				this.#stream.once('error', () => resolve());
			});
		} else if (!this.#stream.destroyed) {
			// Nothing queued: ending does no I/O (autoClose is off, so it does not close the fd either).
			this.#stream.end();
		}
		try {
			fs.closeSync(this.#fd);
		} catch {
			// nothing left to do with it
		}
	}

	/** The file's absolute path. */
	get path(): string {
		return this.#path;
	}
}

/**
 * Reads `path` for the log view: at most its last `limitBytes` bytes, so opening a
 * multi-gigabyte log costs a bounded read. Never throws: a missing or unreadable file
 * gives `error` and no text. The run folder may be shared and written by others: a
 * symbolic link (the file, or its `logs` folder) is not followed and anything but a
 * regular file is refused, so a FIFO planted there cannot block the TUI and a link
 * cannot show a file outside the run.
 */
export function readStepLog(path: string, limitBytes: number): StepLogText {
	let fd: number | undefined;
	try {
		if (fs.lstatSync(dirname(path)).isSymbolicLink()) return refused(path, 'its folder is a symbolic link');
		fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) return refused(path, 'it is not a regular file');
		const size = stat.size;
		const length = Math.min(size, limitBytes);
		const buffer = Buffer.alloc(length);
		let read = 0;
		while (read < length) {
			const n = fs.readSync(fd, buffer, read, length - read, size - length + read);
			if (n === 0) break;
			read += n;
		}
		let text = buffer.subarray(0, read).toString('utf8');
		const truncated = size > length;
		if (truncated) {
			const newline = text.indexOf('\n');
			text = newline >= 0 ? text.slice(newline + 1) : text;
		}
		return {text, sizeBytes: size, truncated};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const message = code === 'ENOENT' ? `No log yet at ${path}` : code === 'ELOOP' ? `Cannot read the log ${path}: it is a symbolic link` : `Cannot read the log ${path}: ${(error as Error).message}`;
		return {text: '', sizeBytes: 0, truncated: false, error: message};
	} finally {
		if (fd !== undefined) fs.closeSync(fd);
	}
}

/** A log the view will not read, and why. */
function refused(path: string, why: string): StepLogText {
	return {text: '', sizeBytes: 0, truncated: false, error: `Cannot read the log ${path}: ${why}`};
}

/** The step log files as the engine's port (wired by cli/). */
export const stepLogFiles: StepLogs = {open: path => StepLog.open(path), read: readStepLog};
