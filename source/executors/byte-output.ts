/**
 * The byte path of a shell step's output (issue 15), taken when nothing needs
 * redacting (the run has no secret values) and the step does not `capture`:
 *
 * - The log gets the bytes as the command wrote them, whole lines at a time
 *   (the bytes after a stream's last newline wait for the next piece, so stdout
 *   and stderr lines do not interleave mid-line), without decoding or splitting
 *   them. Unlike the line path, a `\r` before `\n` stays, and bytes that are not
 *   UTF-8 are kept as they are.
 * - What is shown is sampled: whole output up to a budget of
 *   {@link SHOW_BURST_BYTES}, refilled at {@link SHOW_BYTES_PER_SECOND}; beyond it,
 *   pieces are not decoded at all, and the next shown piece is preceded by a
 *   `runbook: … N bytes not shown (the step log has all of it)` line. At the end
 *   the last lines of what was not shown are shown, so the command's last words
 *   are always on the screen.
 */
import type {OutputChunk} from '../engine/output.js';
import {terminalSafe} from '../security/terminal-text.js';

/**
 * Output shown at once before sampling starts, in bytes (256 KiB: a few thousand
 * lines of ordinary output, 131,072 lines of `yes`).
 */
export const SHOW_BURST_BYTES = 256 * 1024;

/** Output shown per second once the burst is spent, in bytes (64 KiB). */
export const SHOW_BYTES_PER_SECOND = 64 * 1024;

/**
 * Least budget worth showing a piece's last lines for, in bytes: below it the
 * piece is skipped whole, so a flood gets a note now and then, not one per read.
 */
const MIN_SHOW_BYTES = 4 * 1024;

/** At most this many bytes of the last output not shown are kept to show at the end. */
const END_TAIL_BYTES = 4 * 1024;

/** What a {@link ByteOutput} writes to and shows on. */
export interface ByteOutputTarget {
	/** Appends bytes (whole lines) to the step's log; false: hold the source until the log drains. */
	writeLog: (bytes: Buffer) => boolean;
	/** Called when {@link ByteOutputTarget.writeLog} returned false. */
	onLogFull: () => void;
	/** Shows lines (the step's live output). */
	show: (chunk: OutputChunk) => void;
	/** Longest unfinished line kept, in bytes; a longer one goes out as a line of its own. */
	maxPartialBytes: number;
	/** The clock, ms (default `performance.now`). */
	now?: () => number;
}

/** Splits whole-line bytes into lines for the screen (`\r` before `\n` removed). */
function lines(bytes: Buffer): string[] {
	const text = bytes.toString('utf8');
	const list = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
	for (let i = 0; i < list.length; i++) if (list[i].endsWith('\r')) list[i] = list[i].slice(0, -1);
	return list;
}

/**
 * True when `bytes` hold an escape sequence's start: ESC, or a C1 control
 * (U+0080–U+009F, UTF-8 `C2 80`–`C2 9F`). Native byte searches, so ordinary
 * output keeps the fast path.
 */
function hasEscapes(bytes: Buffer): boolean {
	if (bytes.includes(0x1b)) return true;
	for (let i = bytes.indexOf(0xc2); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xc2, i + 1)) {
		if (bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) return true;
	}
	return false;
}

/** The byte path of one command: see the file comment. */
export class ByteOutput {
	readonly #target: ByteOutputTarget;
	readonly #now: () => number;
	readonly #partial: Record<OutputChunk['stream'], Buffer[]> = {stdout: [], stderr: []};
	readonly #partialBytes: Record<OutputChunk['stream'], number> = {stdout: 0, stderr: 0};
	#tokens = SHOW_BURST_BYTES;
	#refilled: number;
	#omittedBytes = 0;
	#endTail: {stream: OutputChunk['stream']; bytes: Buffer} | undefined;

	constructor(target: ByteOutputTarget) {
		this.#target = target;
		this.#now = target.now ?? (() => performance.now());
		this.#refilled = this.#now();
	}

	/** Bytes not shown so far (all of them are in the log). */
	get omittedBytes(): number {
		return this.#omittedBytes;
	}

	/** Takes a piece read from `stream`; `bytes` may be reused after the call. */
	push(stream: OutputChunk['stream'], bytes: Buffer): void {
		const nl = bytes.lastIndexOf(10);
		if (nl === -1) {
			this.#keepPartial(stream, bytes);
			if (this.#partialBytes[stream] > this.#target.maxPartialBytes) this.#emit(stream, Buffer.concat([...this.#takePartial(stream), Buffer.from('\n')]));
			return;
		}
		const head = bytes.subarray(0, nl + 1);
		this.#emit(stream, this.#partial[stream].length === 0 ? Buffer.from(head) : Buffer.concat([...this.#takePartial(stream), head]));
		if (nl + 1 < bytes.length) this.#keepPartial(stream, bytes.subarray(nl + 1));
	}

	/** Ends `stream`: its unfinished last line goes out as a line. */
	end(stream: OutputChunk['stream']): void {
		if (this.#partialBytes[stream] > 0) this.#emit(stream, Buffer.concat([...this.#takePartial(stream), Buffer.from('\n')]));
	}

	/** At the end of the command: shows the last lines of what was not shown, after the note. */
	finish(): void {
		const tail = this.#endTail;
		this.#endTail = undefined;
		if (this.#omittedBytes === 0) return;
		const omitted = this.#omittedBytes - (tail?.bytes.length ?? 0);
		this.#omittedBytes = 0;
		if (omitted > 0) this.#note(omitted);
		if (tail && tail.bytes.length > 0) this.#target.show({stream: tail.stream, lines: lines(tail.bytes)});
	}

	#keepPartial(stream: OutputChunk['stream'], bytes: Buffer): void {
		this.#partial[stream].push(Buffer.from(bytes));
		this.#partialBytes[stream] += bytes.length;
	}

	#takePartial(stream: OutputChunk['stream']): Buffer[] {
		const parts = this.#partial[stream];
		this.#partial[stream] = [];
		this.#partialBytes[stream] = 0;
		return parts;
	}

	/** Writes whole lines (`bytes` is ours) to the log and offers them to the screen. */
	#emit(stream: OutputChunk['stream'], raw: Buffer): void {
		// Lines with escape sequences get the line path's cleaning (security/terminal-text.ts):
		// neither the log nor the screen carries them, whether or not the run has secrets.
		const bytes = hasEscapes(raw) ? Buffer.from(`${lines(raw).map(terminalSafe).join('\n')}\n`) : raw;
		if (!this.#target.writeLog(bytes)) this.#target.onLogFull();
		this.#offer(stream, bytes);
	}

	#note(bytes: number): void {
		// Thousands with commas, as toLocaleString('en') writes them (which costs ICU's start-up here).
		const count = String(bytes).replace(/\B(?=(\d{3})+$)/g, ',');
		this.#target.show({stream: 'stderr', lines: [`runbook: … ${count} bytes of output not shown (the step log has all of it)`]});
	}

	#offer(stream: OutputChunk['stream'], bytes: Buffer): void {
		const now = this.#now();
		this.#tokens = Math.min(SHOW_BURST_BYTES, this.#tokens + ((now - this.#refilled) * SHOW_BYTES_PER_SECOND) / 1000);
		this.#refilled = now;
		if (bytes.length <= this.#tokens) {
			this.#tokens -= bytes.length;
			this.#flushOmitted();
			this.#target.show({stream, lines: lines(bytes)});
			return;
		}
		// Over the budget: the piece's last lines, as many as the budget allows, are shown.
		const allowed = this.#tokens < MIN_SHOW_BYTES ? 0 : Math.floor(this.#tokens);
		const start = allowed <= 0 ? bytes.length : bytes.indexOf(10, bytes.length - allowed - 1) + 1;
		this.#omittedBytes += start;
		const skipped = bytes.subarray(0, start);
		// The last line(s) of what is skipped, kept for the end.
		if (skipped.length > 0) {
			const from = skipped.length > END_TAIL_BYTES ? skipped.indexOf(10, skipped.length - END_TAIL_BYTES - 1) + 1 : 0;
			this.#endTail = {stream, bytes: skipped.subarray(from)};
		}
		if (start < bytes.length && start > 0) {
			this.#tokens -= bytes.length - start;
			this.#flushOmitted();
			this.#target.show({stream, lines: lines(bytes.subarray(start))});
		}
	}

	/** Before shown output: the note for what was skipped since the last shown piece. */
	#flushOmitted(): void {
		if (this.#omittedBytes === 0) return;
		this.#note(this.#omittedBytes);
		this.#omittedBytes = 0;
		this.#endTail = undefined;
	}
}
