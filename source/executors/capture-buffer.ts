/**
 * The stdout kept for a step's `capture`, bounded in bytes so a step that
 * prints gigabytes cannot grow memory.
 */
import {Buffer} from 'node:buffer';

/**
 * Collects lines (already redacted) as text, `\n` after each finished line,
 * up to `limitBytes` of UTF-8; beyond that it keeps nothing more (the cut is
 * made on a character boundary).
 */
export class CaptureBuffer {
	readonly #limit: number;
	readonly #parts: string[] = [];
	#bytes = 0;
	#truncated = false;

	/** `limitBytes`: most UTF-8 bytes kept (>= 0). */
	constructor(limitBytes: number) {
		this.#limit = Math.max(0, limitBytes);
	}

	/** True once output went beyond the limit. */
	get truncated(): boolean {
		return this.#truncated;
	}

	/**
	 * Adds lines; `unfinished` says the last one had no `\n` (the end of the
	 * output). Returns true exactly once: on the call that first went over the limit.
	 */
	add(lines: readonly string[], unfinished: boolean): boolean {
		if (this.#truncated) return false;
		for (let i = 0; i < lines.length; i++) {
			const text = unfinished && i === lines.length - 1 ? lines[i] : lines[i] + '\n';
			const size = Buffer.byteLength(text);
			if (this.#bytes + size <= this.#limit) {
				this.#parts.push(text);
				this.#bytes += size;
				continue;
			}
			const bytes = Buffer.from(text);
			let cut = this.#limit - this.#bytes;
			while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--; // not inside a UTF-8 sequence
			this.#parts.push(bytes.subarray(0, cut).toString('utf8'));
			this.#bytes += cut;
			this.#truncated = true;
			return true;
		}
		return false;
	}

	/** The kept text. */
	text(): string {
		return this.#parts.join('');
	}
}
