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
 */
import {createWriteStream, type WriteStream} from 'node:fs';
import {makePrivateDir, openAppend} from '../platform/safe-file.js';
import {dirname} from 'node:path';

/** What starts every note line the executor writes into a step log. */
export const LOG_NOTE_PREFIX = '=== runbook: ';

/**
 * Buffer before `write` asks the caller to wait for `drain`, in bytes: a few
 * batches ({@link FLUSH_CHARS}), so the output is read on while the file system
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
 * Gathered output is written at once when it reaches this many UTF-16 code units
 * (1 Mi): a fast producer (`base64` of a large file) costs one file write per MiB.
 */
const FLUSH_CHARS = 1024 * 1024;

/**
 * An open step log. `write` returns false when the caller should pause its
 * source until `onDrain`; a write failure (disk full) is kept in `failure` and
 * later writes are dropped, so output keeps flowing to the screen. Output is
 * written in batches (see {@link FLUSH_DELAY_MS}); notes and `close` write
 * everything gathered before them, so the order is kept.
 */
export class StepLog {
	/** The first write error, as a one-line message; undefined while all is well. */
	failure: string | undefined;
	readonly #stream: WriteStream;
	readonly #path: string;
	#onFailure: ((message: string) => void) | undefined;
	#drainWaiters: (() => void)[] = [];
	/** Output gathered for the next write: text (lines) and bytes (the byte path), in order. */
	#pending: (string | Buffer)[] = [];
	/** Size of {@link #pending}: UTF-16 code units plus bytes (a measure, not the file's bytes). */
	#pendingSize = 0;
	#flushTimer: NodeJS.Timeout | undefined;

	private constructor(stream: WriteStream, path: string) {
		this.#stream = stream;
		this.#path = path;
		stream.on('error', error => {
			if (this.failure) return;
			this.failure = `writing the log file ${path} failed: ${error.message}`;
			this.#pending = [];
			this.#pendingSize = 0;
			this.#onFailure?.(this.failure);
			this.#releaseWaiters();
		});
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
			const stream = createWriteStream(path, {fd: openAppend(path), highWaterMark: HIGH_WATER_MARK});
			return new StepLog(stream, path);
		} catch (error) {
			throw new Error(`cannot open the log file ${path}: ${(error as Error).message}`);
		}
	}

	/** Called once with the message when a write fails. */
	onFailure(listener: (message: string) => void): void {
		this.#onFailure = listener;
	}

	/** Appends lines (each gets `\n`). False: the buffer is full, wait for {@link onDrain}. */
	writeLines(lines: readonly string[]): boolean {
		if (this.failure || lines.length === 0) return true;
		return this.#add(lines.join('\n') + '\n');
	}

	/**
	 * Appends output bytes as they are (whole lines, the byte path: byte-output.ts);
	 * the buffer becomes the log's (do not reuse it). False: as {@link writeLines}.
	 */
	writeBytes(bytes: Buffer): boolean {
		if (this.failure || bytes.length === 0) return true;
		return this.#add(bytes);
	}

	#add(part: string | Buffer): boolean {
		this.#pending.push(part);
		this.#pendingSize += part.length;
		if (this.#pendingSize >= FLUSH_CHARS) this.#flush();
		else this.#flushTimer ??= setTimeout(() => this.#flush(), FLUSH_DELAY_MS);
		return !this.#stream.writableNeedDrain;
	}

	/** Appends a note line: `=== runbook: <text> ===` (after any output gathered before it). */
	note(text: string): void {
		if (this.failure) return;
		this.#pending.push(`${LOG_NOTE_PREFIX}${text} ===\n`);
		this.#flush();
	}

	/** Writes the gathered output now. */
	#flush(): void {
		clearTimeout(this.#flushTimer);
		this.#flushTimer = undefined;
		if (this.failure || this.#pending.length === 0) return;
		const parts = this.#pending;
		this.#pending = [];
		this.#pendingSize = 0;
		if (parts.every(part => typeof part === 'string')) return void this.#stream.write(parts.join(''));
		// Bytes and text: one buffer, one write.
		this.#stream.write(Buffer.concat(parts.map(part => (typeof part === 'string' ? Buffer.from(part) : part))));
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

	/** Flushes and closes the file; never rejects (a failure is in `failure`). */
	async close(): Promise<void> {
		this.#flush();
		if (this.#stream.closed) return;
		await new Promise<void>(resolve => {
			this.#stream.end(() => resolve());
			this.#stream.once('error', () => resolve());
		});
	}

	/** The file's absolute path. */
	get path(): string {
		return this.#path;
	}
}
