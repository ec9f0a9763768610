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
import {once} from 'node:events';
import {createWriteStream, type WriteStream} from 'node:fs';
import {mkdir} from 'node:fs/promises';
import {dirname} from 'node:path';

/** What starts every note line the executor writes into a step log. */
export const LOG_NOTE_PREFIX = '=== runbook: ';

/** Buffer before `write` asks the caller to wait for `drain`, in bytes. */
const HIGH_WATER_MARK = 256 * 1024;

/**
 * An open step log. `write` returns false when the caller should pause its
 * source until `onDrain`; a write failure (disk full) is kept in `failure` and
 * later writes are dropped, so output keeps flowing to the screen.
 */
export class StepLog {
	/** The first write error, as a one-line message; undefined while all is well. */
	failure: string | undefined;
	readonly #stream: WriteStream;
	readonly #path: string;
	#onFailure: ((message: string) => void) | undefined;
	#drainWaiters: (() => void)[] = [];

	private constructor(stream: WriteStream, path: string) {
		this.#stream = stream;
		this.#path = path;
		stream.on('error', error => {
			if (this.failure) return;
			this.failure = `writing the log file ${path} failed: ${error.message}`;
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
			await mkdir(dirname(path), {recursive: true});
			const stream = createWriteStream(path, {flags: 'a', highWaterMark: HIGH_WATER_MARK});
			await once(stream, 'open');
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
		return this.#stream.write(lines.join('\n') + '\n');
	}

	/** Appends a note line: `=== runbook: <text> ===`. */
	note(text: string): void {
		if (this.failure) return;
		this.#stream.write(`${LOG_NOTE_PREFIX}${text} ===\n`);
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
