/**
 * The byte path of a shell step's output (issue 15), for a step that does not
 * `capture`: all its output when the run has no secret values, and with secret
 * values the reads of plain text that hold none (masked-output.ts).
 *
 * - The log gets the bytes as the command wrote them, whole lines at a time
 *   (the bytes after a stream's last newline wait for the next piece, so stdout
 *   and stderr lines do not interleave mid-line), without decoding or splitting
 *   them, as long as the line path would write the same bytes. A piece it would
 *   change (escape sequences, `\r`, NUL, bytes that are not UTF-8: see
 *   needsCleaning) gets the line path's cleaning, so the log is UTF-8 text an
 *   operator can read with `less` or `grep`, whichever path the output took:
 *   a CRLF line end loses its `\r`, a lone `\r` reads `\x0d`, invalid bytes
 *   read U+FFFD, as docs/runbook-format.md says.
 * - What is shown is sampled: whole output up to a budget of
 *   {@link SHOW_BURST_BYTES}, refilled at {@link SHOW_BYTES_PER_SECOND}; beyond it,
 *   pieces are not decoded at all, and the next shown piece is preceded by a
 *   `runbook: … N bytes not shown (the step log has all of it)` line. Once output is
 *   being skipped, the next piece is shown only when a quarter of a second's budget has
 *   built up ({@link MIN_SHOW_BYTES}), so a flood of small reads is not a flood of notes. When
 *   the output pauses for {@link IDLE_SHOW_MS}, and at the end, the last lines of what
 *   was not shown are shown (the end of a line longer than {@link END_TAIL_BYTES}, after
 *   `…`), so the command's latest words are on the screen while it waits, and its last
 *   words when it ends.
 * - A run with secret values uses this sampler too (masked-output.ts): its secret-free
 *   plain lines come here as bytes, its other lines, already redacted, through
 *   {@link ByteOutput.showLines}.
 *
 * Over 300 lines on purpose: the log's bytes, the sampler's budget, its notes and the
 * tail it keeps for a pause and the end are one piece of state per command, changed
 * together on every read; split, each part would need the others' fields.
 */
import {isAscii, isUtf8} from 'node:buffer';
import type {OutputChunk} from '../engine/output.js';
import {terminalSafe} from '../security/terminal-text.js';
import type {KeepBuffer} from './output-reader.js';

/**
 * Output shown at once before sampling starts, in bytes (256 KiB: a few thousand
 * lines of ordinary output, 131,072 lines of `yes`).
 */
export const SHOW_BURST_BYTES = 256 * 1024;

/** Output shown per second once the burst is spent, in bytes (64 KiB). */
export const SHOW_BYTES_PER_SECOND = 64 * 1024;

/**
 * Least budget worth showing a piece's last lines for, in bytes (a quarter of a
 * second's worth): below it a piece over the budget is skipped whole, so a flood in
 * large reads is shown about four times a second, the pace of the TUI's clock, rather
 * than at every read (a frame costs the TUI more than reading a MiB of output, issue 15).
 * Once output is being skipped, a piece that fits waits for it too: a flood of small
 * reads then brings a note about four times a second, not one per read (851 a second
 * were seen). Between notes, small reads within the budget are shown as they come.
 */
const MIN_SHOW_BYTES = SHOW_BYTES_PER_SECOND / 4;

/** At most this many bytes of the last output not shown are kept to show at the end. */
export const END_TAIL_BYTES = 4 * 1024;

/**
 * A pause in the output after which what was skipped is summed up on the screen (the
 * note, then the last lines not shown), in ms: a command that floods, then waits (for a
 * lock, a server), shows where it is instead of the sample it skipped past a while ago.
 */
export const IDLE_SHOW_MS = 250;

/** A line end, for an unfinished last line. */
const NEWLINE = Buffer.from('\n');

/** What a {@link ByteOutput} writes to and shows on. */
export interface ByteOutputTarget {
	/**
	 * Appends bytes (whole lines) to the step's log; false: hold the source until the log drains.
	 * `keep`, when given, lends the buffer `bytes` are in (see {@link KeepBuffer}).
	 */
	writeLog: (bytes: Buffer, keep?: KeepBuffer) => boolean;
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
 * True when the line path (line-splitter.ts, then security/terminal-text.ts) would
 * write `bytes` differently: they hold an escape sequence's start (ESC, or a C1
 * control: UTF-8 `C2 80`–`C2 9F`), a carriage return (a CRLF line end, a progress
 * bar redrawing its line), a NUL (binary output), or bytes that are not UTF-8.
 * Native byte searches and `isUtf8` (simdutf), so ordinary output keeps the fast
 * path. Other C0 controls (BEL, backspace) are not searched for (a search per byte
 * value costs a pass over the output each): on this path they reach the log as written.
 * ASCII output (the usual flood: `base64`, `yes`, logs) is told apart in one more pass
 * (`isAscii`), and then needs neither the C1 search nor UTF-8 validation.
 */
function needsCleaning(bytes: Buffer): boolean {
	if (bytes.includes(0x1b) || bytes.includes(0x0d) || bytes.includes(0)) return true;
	if (isAscii(bytes)) return false;
	for (let i = bytes.indexOf(0xc2); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0xc2, i + 1)) {
		if (bytes[i + 1]! >= 0x80 && bytes[i + 1]! <= 0x9f) return true;
	}
	return !isUtf8(bytes);
}

/** The byte path of one command: see the file comment. */
export class ByteOutput {
	readonly #target: ByteOutputTarget;
	readonly #now: () => number;
	readonly #partial: Record<OutputChunk['stream'], Buffer[]> = {stdout: [], stderr: []};
	readonly #partialBytes: Record<OutputChunk['stream'], number> = {stdout: 0, stderr: 0};
	#tokens = SHOW_BURST_BYTES;
	/** When the budget was last refilled (the clock's ms): when a piece was last offered to the screen. */
	#refilled: number;
	#omittedBytes = 0;
	/** The last lines of what was not shown, copied (see {@link END_TAIL_BYTES}); undefined: none. */
	#endTail: {stream: OutputChunk['stream']; length: number; cut: boolean} | undefined;
	readonly #endTailBytes = Buffer.allocUnsafe(END_TAIL_BYTES);
	/** Shows what was skipped after a pause ({@link IDLE_SHOW_MS}); set while output is being skipped. */
	#idleTimer: NodeJS.Timeout | undefined;

	constructor(target: ByteOutputTarget) {
		this.#target = target;
		this.#now = target.now ?? (() => performance.now());
		this.#refilled = this.#now();
	}

	/** Bytes not shown so far (all of them are in the log). */
	get omittedBytes(): number {
		return this.#omittedBytes;
	}

	/**
	 * Takes a piece read from `stream`; `bytes` may be reused after the call (nothing keeps a
	 * reference), unless `keep` is given: then the log may write its whole lines from `bytes`' buffer,
	 * lent to it (see {@link KeepBuffer}).
	 */
	push(stream: OutputChunk['stream'], bytes: Buffer, keep?: KeepBuffer): void {
		const nl = bytes.lastIndexOf(10);
		if (nl === -1) {
			this.#keepPartial(stream, bytes);
			if (this.#partialBytes[stream] > this.#target.maxPartialBytes) this.#emit(stream, Buffer.concat([...this.#takePartial(stream), NEWLINE]));
			return;
		}
		let from = 0;
		if (this.#partial[stream].length > 0) {
			// The unfinished line kept from the last piece ends in this one: that line alone is
			// joined (a copy of one line, not of the piece), so a character or an escape
			// sequence cut between two reads is seen whole.
			from = bytes.indexOf(10) + 1;
			this.#emit(stream, Buffer.concat([...this.#takePartial(stream), bytes.subarray(0, from)]));
		}
		if (from <= nl) this.#emit(stream, bytes.subarray(from, nl + 1), keep);
		if (nl + 1 < bytes.length) this.#keepPartial(stream, bytes.subarray(nl + 1));
	}

	/** Ends `stream`: its unfinished last line goes out as a line. */
	end(stream: OutputChunk['stream']): void {
		if (this.#partialBytes[stream] > 0) this.#emit(stream, Buffer.concat([...this.#takePartial(stream), NEWLINE]));
	}

	/**
	 * Shows lines that took another path (a run with secrets: cleaned and redacted
	 * already, masked-output.ts) within the same budget as the bytes; the array may be
	 * kept. Lines the budget has no room for are counted as not shown, as bytes are.
	 */
	showLines(stream: OutputChunk['stream'], shown: string[]): void {
		if (shown.length === 0) return;
		let size = shown.length;
		for (const line of shown) size += line.length;
		if (this.#omittedBytes === 0 && size <= this.#refill()) {
			this.#tokens -= size;
			this.#target.show({stream, lines: shown});
			return;
		}
		this.#offer(stream, Buffer.from(`${shown.join('\n')}\n`));
	}

	/** At the end of the command: shows the last lines of what was not shown, after the note. */
	finish(): void {
		clearTimeout(this.#idleTimer);
		this.#idleTimer = undefined;
		this.#showSkipped();
	}

	/** The note for what was not shown, then the last lines of it; nothing when all was shown. */
	#showSkipped(): void {
		const tail = this.#endTail;
		this.#endTail = undefined;
		if (this.#omittedBytes === 0) return;
		const omitted = this.#omittedBytes - (tail?.length ?? 0);
		this.#omittedBytes = 0;
		if (omitted > 0) this.#note(omitted);
		if (!tail || tail.length === 0) return;
		const shown = lines(this.#endTailBytes.subarray(0, tail.length));
		if (tail.cut) shown[0] = `…${shown[0]}`;
		this.#target.show({stream: tail.stream, lines: shown});
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

	/**
	 * Writes whole lines to the log (which copies them, or takes the buffer `keep` lends)
	 * and offers them to the screen; `raw` may be the reader's buffer.
	 */
	#emit(stream: OutputChunk['stream'], raw: Buffer, keep?: KeepBuffer): void {
		// Lines the line path would change get its cleaning (see needsCleaning): the log
		// reads the same whichever path a step's output took.
		const clean = needsCleaning(raw);
		const bytes = clean ? Buffer.from(`${lines(raw).map(terminalSafe).join('\n')}\n`) : raw;
		if (!this.#target.writeLog(bytes, clean ? undefined : keep)) this.#target.onLogFull();
		this.#offer(stream, bytes);
	}

	#note(bytes: number): void {
		// Thousands with commas, as toLocaleString('en') writes them (which costs ICU's start-up here).
		const count = String(bytes).replace(/\B(?=(\d{3})+$)/g, ',');
		this.#target.show({stream: 'stderr', lines: [`runbook: … ${count} bytes of output not shown (the step log has all of it)`]});
	}

	/** The budget refilled up to now; returns it, in bytes. */
	#refill(): number {
		const now = this.#now();
		this.#tokens = Math.min(SHOW_BURST_BYTES, this.#tokens + ((now - this.#refilled) * SHOW_BYTES_PER_SECOND) / 1000);
		this.#refilled = now;
		return this.#tokens;
	}

	#offer(stream: OutputChunk['stream'], bytes: Buffer): void {
		this.#refill();
		// While output is being skipped, a piece waits for a quarter second's budget even when
		// it would fit: each piece shown is a note and a frame (851 notes a second were seen).
		if (bytes.length <= this.#tokens && (this.#omittedBytes === 0 || this.#tokens >= MIN_SHOW_BYTES)) {
			this.#tokens -= bytes.length;
			this.#flushOmitted();
			this.#target.show({stream, lines: lines(bytes)});
			return;
		}
		// Over the budget: the piece's last lines, as many as the budget allows, are shown.
		const allowed = this.#tokens < MIN_SHOW_BYTES ? 0 : Math.floor(this.#tokens);
		const start = allowed <= 0 ? bytes.length : bytes.indexOf(10, bytes.length - allowed - 1) + 1;
		this.#omittedBytes += start;
		if (start > 0) this.#keepEndTail(stream, bytes.subarray(0, start));
		if (start < bytes.length && start > 0) {
			this.#tokens -= bytes.length - start;
			this.#flushOmitted();
			this.#target.show({stream, lines: lines(bytes.subarray(start))});
		}
		if (this.#omittedBytes > 0) this.#armIdle();
	}

	/**
	 * Keeps the last lines of `skipped` (whole lines) to show later, at most
	 * {@link END_TAIL_BYTES}: whole lines, or when the last line alone is longer, its end
	 * (from a character's first byte), marked as cut.
	 */
	#keepEndTail(stream: OutputChunk['stream'], skipped: Buffer): void {
		let from = skipped.length > END_TAIL_BYTES ? skipped.indexOf(10, skipped.length - END_TAIL_BYTES - 1) + 1 : 0;
		const cut = from >= skipped.length;
		if (cut) {
			from = skipped.length - END_TAIL_BYTES;
			// Not inside a UTF-8 character: past its continuation bytes (10xxxxxx).
			while (from < skipped.length - 1 && (skipped[from]! & 0xc0) === 0x80) from++;
		}
		this.#endTail = {stream, length: skipped.copy(this.#endTailBytes, 0, from), cut};
	}

	/** Starts the wait for a pause in the output (see {@link IDLE_SHOW_MS}), unless it runs. */
	#armIdle(delay = IDLE_SHOW_MS): void {
		if (this.#idleTimer) return;
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = undefined;
			if (this.#omittedBytes === 0) return;
			const quiet = this.#now() - this.#refilled;
			if (quiet >= IDLE_SHOW_MS) this.#showSkipped();
			else this.#armIdle(IDLE_SHOW_MS - quiet);
		}, delay);
		// Never what keeps the process alive: the command's pipes do that.
		this.#idleTimer.unref();
	}

	/** Before shown output: the note for what was skipped since the last shown piece. */
	#flushOmitted(): void {
		if (this.#omittedBytes === 0) return;
		this.#note(this.#omittedBytes);
		this.#omittedBytes = 0;
		this.#endTail = undefined;
	}
}
