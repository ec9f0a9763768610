/**
 * A bounded tail of a step's output: the last N lines, whatever the command
 * prints. The UI keeps one per step, so a step printing a million lines costs
 * the memory of `maxLines` lines. Pure: no Node imports.
 */
import type {OutputChunk} from '../engine/output.js';

/** One line of the tail: the stream it came from and its (possibly shortened) text. */
export interface TailLine {
	stream: OutputChunk['stream'];
	text: string;
}

/** Limits of an {@link OutputTail}. */
export interface OutputTailOptions {
	/** Most lines kept (default 500); older lines are dropped. Must be >= 1. */
	maxLines?: number;
	/**
	 * Longest line kept, in UTF-16 code units (default 1000); a longer line is cut
	 * and ends with `…`, so the kept text is at most this long. Must be >= 2.
	 */
	maxLineLength?: number;
}

/** The ellipsis that ends a shortened line. */
export const TAIL_ELLIPSIS = '…';

/**
 * A ring buffer of the last `maxLines` output lines, oldest first. `push` costs
 * O(1) per line (a chunk larger than the ring only stores its last `maxLines`
 * lines); `lines()` builds its array once per change.
 */
export class OutputTail {
	/** Most lines kept. */
	readonly maxLines: number;
	/** Longest line kept, in UTF-16 code units. */
	readonly maxLineLength: number;
	#ring: TailLine[] = [];
	#start = 0;
	#size = 0;
	#total = 0;
	#snapshot: readonly TailLine[] | undefined;

	/** Throws a RangeError when `maxLines` < 1 or `maxLineLength` < 2. */
	constructor(options: OutputTailOptions = {}) {
		const {maxLines = 500, maxLineLength = 1000} = options;
		if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be an integer >= 1, got ${maxLines}`);
		if (!Number.isInteger(maxLineLength) || maxLineLength < 2) {
			throw new RangeError(`maxLineLength must be an integer >= 2, got ${maxLineLength}`);
		}
		this.maxLines = maxLines;
		this.maxLineLength = maxLineLength;
	}

	/** Number of lines pushed since creation or the last `clear()`, including dropped ones. */
	get totalLines(): number {
		return this.#total;
	}

	/** Adds a chunk's lines at the end, dropping the oldest beyond `maxLines`. */
	push(chunk: OutputChunk): void {
		const {lines, stream} = chunk;
		if (lines.length === 0) return;
		this.#total += lines.length;
		this.#snapshot = undefined;
		const max = this.maxLines;
		for (let i = Math.max(0, lines.length - max); i < lines.length; i++) {
			const line: TailLine = {stream, text: this.#shorten(lines[i])};
			if (this.#size < max) {
				this.#ring[(this.#start + this.#size) % max] = line;
				this.#size++;
			} else {
				this.#ring[this.#start] = line;
				this.#start = (this.#start + 1) % max;
			}
		}
	}

	/** The kept lines, oldest first. The array is shared until the next change: do not mutate it. */
	lines(): readonly TailLine[] {
		if (this.#snapshot) return this.#snapshot;
		const max = this.maxLines;
		const out = new Array<TailLine>(this.#size);
		for (let i = 0; i < this.#size; i++) out[i] = this.#ring[(this.#start + i) % max];
		this.#snapshot = out;
		return out;
	}

	/** Forgets every line and resets `totalLines` to 0 (for a retry of the step). */
	clear(): void {
		this.#ring = [];
		this.#start = 0;
		this.#size = 0;
		this.#total = 0;
		this.#snapshot = undefined;
	}

	#shorten(text: string): string {
		if (text.length <= this.maxLineLength) return text;
		let cut = this.maxLineLength - TAIL_ELLIPSIS.length;
		// Do not split a surrogate pair (an emoji, say) in half.
		const last = text.charCodeAt(cut - 1);
		if (last >= 0xd800 && last <= 0xdbff) cut--;
		return text.slice(0, cut) + TAIL_ELLIPSIS;
	}
}
