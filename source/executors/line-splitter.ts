/**
 * Splits a byte stream into text lines as it arrives, keeping only the
 * unfinished last line between chunks (bounded, so a command that never
 * prints a newline cannot grow memory).
 */
import {StringDecoder} from 'node:string_decoder';
import type {LineCut} from '../runbook/variables.js';
import {EscapeStripper} from '../security/terminal-text.js';

/** Default longest partial line kept while waiting for `\n`, in UTF-16 code units (64 Ki). */
export const DEFAULT_MAX_PARTIAL_CHARS = 64 * 1024;

/**
 * Decodes UTF-8 (multi-byte characters split across chunks are kept whole)
 * and splits on `\n`; a trailing `\r` is removed from each line (CRLF output).
 * An unfinished line longer than `maxPartialChars` is cut and delivered in
 * pieces of at most that length: the only place a line is broken without a newline.
 * Where it is cut is up to `cut` (default: at `maxPartialChars`): the shell
 * executor moves the cut off a secret, since each piece is masked on its own.
 * With `stripEscapes`, terminal escape sequences are removed as the text arrives, before
 * it is split and cut (security/terminal-text.ts EscapeStripper): lines are as a terminal
 * shows them, so a secret split by escape sequences, of any length, is whole in one line
 * and masked whole, and escape sequences do not count towards the line's length.
 */
export class LineSplitter {
	readonly #decoder = new StringDecoder('utf8');
	readonly #maxPartial: number;
	readonly #cut: LineCut | undefined;
	readonly #stripper: EscapeStripper | undefined;
	#partial = '';

	/**
	 * `maxPartialChars`: see {@link DEFAULT_MAX_PARTIAL_CHARS}; must be >= 1.
	 * `cut`: where to cut an over-long line (runbook/variables.ts secretSafeCut); the
	 * line is cut once it is `cut.lookahead` units longer than `maxPartialChars`, so the
	 * unfinished line kept is at most that much longer.
	 */
	constructor(maxPartialChars: number = DEFAULT_MAX_PARTIAL_CHARS, cut?: LineCut, options: {stripEscapes?: boolean} = {}) {
		this.#maxPartial = Math.max(1, maxPartialChars);
		this.#cut = cut;
		this.#stripper = options.stripEscapes ? new EscapeStripper() : undefined;
	}

	/** Takes a chunk; returns the lines it completed (possibly none), without `\n`; the array is the caller's. */
	push(chunk: Buffer | string): string[] {
		const decoded = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
		return this.#split(this.#stripper ? this.#stripper.push(decoded) : decoded);
	}

	/**
	 * Splits text (escapes already removed) into the lines it completes; cuts an over-long partial line.
	 * The complete lines are split natively (`String.split`); a CR is stripped only when the text
	 * holds one, and lines are cut only when one is over the limit (a length check per line when
	 * the text is longer than the limit): a flood of short lines (`yes`: 2 bytes a line) costs
	 * little JavaScript per line here (issue 15).
	 */
	#split(text: string): string[] {
		let lines: string[] = [];
		const last = text.lastIndexOf('\n');
		if (last === -1) {
			this.#partial += text;
		} else {
			const body = this.#partial + text.slice(0, last);
			this.#partial = text.slice(last + 1);
			lines = body.split('\n');
			if (body.includes('\r')) lines = lines.map(stripCr);
			if (body.length > this.#maxPartial && lines.some(line => line.length > this.#maxPartial)) {
				const whole: string[] = [];
				for (const line of lines) this.#whole(whole, line);
				lines = whole;
			}
		}
		while (this.#partial.length > this.#maxPartial + (this.#cut?.lookahead ?? 0)) {
			const wanted = this.#cut?.at(this.#partial, this.#maxPartial) ?? this.#maxPartial;
			const cut = wanted >= 1 && wanted <= this.#maxPartial ? wanted : this.#maxPartial;
			lines.push(this.#partial.slice(0, cut));
			this.#partial = this.#partial.slice(cut);
		}
		return lines;
	}

	/**
	 * Adds a complete line, cut as an unfinished one would be: a line that arrived whole in one
	 * large read (1 MiB, output-reader.ts) is cut at the same length as one that arrived in pieces.
	 */
	#whole(lines: string[], line: string): void {
		while (line.length > this.#maxPartial) {
			const wanted = this.#cut?.at(line, this.#maxPartial) ?? this.#maxPartial;
			const cut = wanted >= 1 && wanted <= this.#maxPartial ? wanted : this.#maxPartial;
			lines.push(line.slice(0, cut));
			line = line.slice(cut);
		}
		lines.push(line);
	}

	/** Ends the stream: returns the unfinished last line (if any) as a line of its own. */
	end(): string[] {
		const tail = this.#decoder.end();
		const rest = this.#partial + (this.#stripper ? this.#stripper.push(tail) + this.#stripper.end() : tail);
		this.#partial = '';
		if (rest === '') return [];
		return this.#split(rest + '\n');
	}
}

function stripCr(line: string): string {
	return line.endsWith('\r') ? line.slice(0, -1) : line;
}
