/**
 * A shell step's output when the run has secret values (issue 15): most output of
 * a real runbook's step holds no secret, yet every byte of it used to be decoded,
 * split, cleaned and redacted line by line, and every line shown: 256 MiB of `yes`
 * in a run with one secret param took 10.9 s at 197 MB RSS (2 GiB now takes 1.22x
 * of writing it to a file, at most 127 MB: README, Benchmarks).
 *
 * Each piece read is looked at once, whole lines at a time:
 *
 * - A line begun in an earlier piece and left in the line path is ended there (the
 *   piece's bytes up to its first `\n`).
 * - The whole lines after it (up to the piece's last `\n`) take the byte path
 *   (byte-output.ts: logged as bytes, a sample shown) when they are plain text
 *   ({@link isPlainText}: printable ASCII, tab and newline only) and hold no secret
 *   value (`holdsSecret`, a byte search per value: runbook/variables.ts
 *   secretFinder). For such bytes the line path's cleaning changes nothing and its
 *   masking finds nothing in any line, so both paths log and show the same lines:
 *   no secret that masking would have hidden can get past this test.
 * - Anything else (a control character, an escape sequence, a byte that is not
 *   ASCII, a secret) goes the line path (line-splitter.ts, then output-sink.ts:
 *   cleaned, then masked line by line), and its lines are shown through the same
 *   sampler ({@link ByteOutput.showLines}). A piece's bytes after its last newline
 *   go the line path too, so a line is never split between the two paths.
 *
 * The choice is per piece (a read of up to 1 MiB): one colour code or secret in a
 * piece sends all of it the slow way; the next piece is looked at afresh.
 */
import {isAscii} from 'node:buffer';
import type {OutputChunk} from '../engine/output.js';
import type {ByteOutput} from './byte-output.js';
import type {KeepBuffer} from './output-reader.js';

/** The bytes {@link isPlainText} refuses besides non-ASCII: C0 controls but tab and newline, and DEL. */
const CONTROLS: readonly number[] = [...Array.from({length: 0x20}, (_, byte) => byte).filter(byte => byte !== 0x09 && byte !== 0x0a), 0x7f];

/**
 * True when `bytes` are printable ASCII (0x20-0x7e), tab and newline only: text that
 * security/terminal-text.ts terminalSafe leaves as it is and that decodes to the same
 * UTF-16 units byte for byte. `isAscii` (simdutf), then one native byte search per
 * control character: some 0.4-0.7 ms per MiB here, where a JavaScript loop over the
 * bytes cost 1.2-2 ms and a regular expression over their latin1 string 1.7-5 ms.
 */
export function isPlainText(bytes: Buffer): boolean {
	if (!isAscii(bytes)) return false;
	for (const byte of CONTROLS) if (bytes.includes(byte)) return false;
	return true;
}

/** The line path of one stream: takes raw bytes (split, cleaned, redacted, logged and shown by the caller). */
export type LinePath = (bytes: Buffer) => void;

/** Splits a run-with-secrets step's output between the byte path and the line path: see the file comment. */
export class MaskedOutput {
	readonly #bytes: ByteOutput;
	readonly #lines: Record<OutputChunk['stream'], LinePath>;
	readonly #holdsSecret: (bytes: Buffer) => boolean;
	/** Per stream: true when the last byte given to its line path was a newline (nothing waits there). */
	readonly #idle: Record<OutputChunk['stream'], boolean> = {stdout: true, stderr: true};

	/**
	 * `bytes`: the byte path (it is given whole lines only); `lines`: each stream's line
	 * path; `holdsSecret`: true when raw bytes hold a secret value (ShellRequest.holdsSecret).
	 */
	constructor(bytes: ByteOutput, lines: Record<OutputChunk['stream'], LinePath>, holdsSecret: (bytes: Buffer) => boolean) {
		this.#bytes = bytes;
		this.#lines = lines;
		this.#holdsSecret = holdsSecret;
	}

	/** Takes a piece read from `stream` (as ByteOutput.push: `keep` lends its buffer to the log). */
	push(stream: OutputChunk['stream'], bytes: Buffer, keep?: KeepBuffer): void {
		if (bytes.length === 0) return;
		let from = 0;
		if (!this.#idle[stream]) {
			// The line begun in an earlier piece ends the line path's way (a read rarely ends at a
			// line's end: base64's do not); the line path is then idle, and the rest is looked at.
			from = bytes.indexOf(10) + 1;
			if (from === 0 || from === bytes.length) {
				this.#toLines(stream, bytes);
				return;
			}
			this.#toLines(stream, bytes.subarray(0, from));
		}
		const nl = bytes.lastIndexOf(10);
		if (nl >= from) {
			const whole = bytes.subarray(from, nl + 1);
			if (isPlainText(whole) && !this.#holdsSecret(whole)) {
				this.#bytes.push(stream, whole, keep);
				if (nl + 1 < bytes.length) this.#toLines(stream, bytes.subarray(nl + 1));
				return;
			}
		}
		this.#toLines(stream, bytes.subarray(from));
	}

	#toLines(stream: OutputChunk['stream'], bytes: Buffer): void {
		this.#idle[stream] = bytes[bytes.length - 1] === 10;
		this.#lines[stream](bytes);
	}
}
