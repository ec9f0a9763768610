/**
 * Text from outside (a step's output, runbook titles, a saved state's fields)
 * on its way to the operator's terminal. Raw, it could set the window title,
 * write the clipboard (OSC 52), plant hyperlinks (OSC 8), clear or move over
 * the screen (CSI), or send device control strings (DCS); and an escape
 * sequence in the middle of a secret (`printf '%s\033[0m%s'`) would hide it
 * from masking while the terminal shows it whole. So escape sequences are
 * removed first (masking then sees the text as shown), and every other control
 * character but tab and newline is made visible as `\xNN` (binary output stays
 * readable, never raw).
 *
 * Sequences removed (ECMA-48 / xterm ctlseqs): CSI `ESC [ … final`, OSC `ESC ]
 * … BEL|ST`, DCS/SOS/PM/APC `ESC P|X|^|_ … ST`, their 8-bit forms (0x9B, 0x9D,
 * 0x90, 0x98, 0x9E, 0x9F), and the other two-character escapes (`ESC c`, `ESC 7`...).
 */

// Each alternative is linear: string sequences run to their terminator or to the end.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c|$)|[\x90\x98\x9e\x9f][^\x1b\x9c]*(?:\x1b\\|\x9c|$)|\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b[ -/]*[0-~]/g;

// C0 controls but tab and newline, DEL, C1 controls, and Unicode's invisible format
// characters (category Cf: zero-width space and joiners, bidirectional overrides, BOM): a
// terminal shows `S3cr\u200bet` as the secret, which masking would not see, and bidi
// overrides make text read differently from what it is ("Trojan Source", CVE-2021-42574).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\p{Cf}]/gu;

/**
 * True when {@link terminalSafe} would leave `text` as it is: no escape sequence's
 * start, no control but tab and newline, no invisible format character. One test for
 * every caller that skips the cleaning (executors/output-sink.ts writes such a batch whole).
 */
export function isTerminalSafe(text: string): boolean {
	CONTROLS.lastIndex = 0;
	return !CONTROLS.test(text);
}

// Every C0 control (tab, CR and LF too), DEL and C1: none belongs in a one-line field.
// eslint-disable-next-line no-control-regex
const FIELD_CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Text typed or pasted into a one-line field (a prompt's answer, a confirmation word):
 * escape sequences and every control character removed, so that the value is what the
 * field shows. A line pasted with its newline (`synapse\r`) keeps an invisible CR
 * otherwise: the word never matched, a passphrase was wrong by a byte.
 */
export function fieldText(text: string): string {
	return stripTerminalEscapes(text).replace(FIELD_CONTROLS, '');
}

/** `text` without terminal escape sequences (see the module comment); other characters as they are. */
export function stripTerminalEscapes(text: string): string {
	return text.includes('\x1b') || /[\x90-\x9f]/.test(text) ? text.replace(ESCAPES, '') : text;
}

const ESC = 0x1b;
const BEL = 0x07;
const ST = 0x9c;
const CAN = 0x18;
const SUB = 0x1a;
const NEWLINE = 0x0a;

/** Where an {@link EscapeStripper} is in an escape sequence. */
const State = {
	Ground: 0,
	/** After ESC. */
	Escape: 1,
	/** After ESC and intermediate bytes (0x20-0x2f). */
	EscapeIntermediate: 2,
	/** In a CSI sequence (`ESC [` or 0x9b): parameters and intermediates until a final byte. */
	Csi: 3,
	/** In an OSC string (`ESC ]` or 0x9d): until BEL or ST. */
	Osc: 4,
	/** In a DCS, SOS, PM or APC string: until ST. */
	Str: 5,
	/** After ESC inside an OSC or other string: `\` ends it (ST); anything else starts a new escape. */
	StrEscape: 6,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Removes terminal escape sequences from text that arrives in pieces (a command's
 * output), as {@link stripTerminalEscapes} does for whole text, but with no limit on a
 * sequence's length and nothing kept between pieces but a state: a sequence split
 * between two pieces is removed whole, and one of any length (a 100 KiB OSC between
 * the halves of a secret) costs no memory. A newline, CAN or SUB ends any sequence (the
 * newline is kept), so an unterminated OSC hides at most the rest of its line. A lone
 * ESC (followed by a control character) is kept, to be shown as `\x1b` ({@link visibleControls}).
 * Other control characters are left as they are. Linear in the text's length.
 */
export class EscapeStripper {
	#state: State = State.Ground;
	/** True in a string that came from OSC (BEL ends it too). */
	#osc = false;

	/** The part of `chunk` the terminal shows (escape sequences removed), given what came before. */
	push(chunk: string): string {
		if (this.#state === State.Ground && !/[\x1b\x90-\x9f]/.test(chunk)) return chunk;
		let out = '';
		let kept = 0;
		for (let i = 0; i < chunk.length; i++) {
			const c = chunk.charCodeAt(i);
			if (this.#state === State.Ground) {
				const next = groundEnd(c);
				if (next === State.Ground) continue;
				out += chunk.slice(kept, i);
				this.#enter(next, c);
				continue;
			}
			if (c === NEWLINE || c === CAN || c === SUB) {
				// Ends the sequence; CAN and SUB are dropped with it, a newline is text (a lone ESC before it too).
				if (this.#state === State.Escape && c === NEWLINE) out += '\x1b';
				this.#state = State.Ground;
				kept = c === NEWLINE ? i : i + 1;
				continue;
			}
			const ended = this.#step(c);
			if (ended === 'keep-escape') {
				out += '\x1b';
				kept = i;
				i--;
			} else if (ended === 'reprocess') {
				kept = i;
				i--;
			} else if (ended === 'done') {
				kept = i + 1;
			}
		}
		if (this.#state === State.Ground) out += chunk.slice(kept);
		return out;
	}

	/** Ends the text: a lone ESC at its very end is kept; the state is reset. */
	end(): string {
		const loneEscape = this.#state === State.Escape;
		this.#state = State.Ground;
		return loneEscape ? '\x1b' : '';
	}

	#enter(state: State, c: number): void {
		this.#state = state;
		this.#osc = c === 0x9d;
	}

	/**
	 * One character inside a sequence. `done`: the sequence ended with it; `reprocess`:
	 * the sequence ended before it (the character is text again); `keep-escape`: the ESC
	 * did not start a sequence (it is kept) and the character is text again.
	 */
	#step(c: number): 'more' | 'done' | 'reprocess' | 'keep-escape' {
		switch (this.#state) {
			case State.Escape:
				if (c === 0x5b) this.#state = State.Csi;
				else if (c === 0x5d) [this.#state, this.#osc] = [State.Osc, true];
				else if (c === 0x50 || c === 0x58 || c === 0x5e || c === 0x5f) [this.#state, this.#osc] = [State.Str, false];
				else if (c >= 0x20 && c <= 0x2f) this.#state = State.EscapeIntermediate;
				else if (c >= 0x30 && c <= 0x7e) {
					this.#state = State.Ground;
					return 'done';
				} else {
					this.#state = State.Ground;
					return 'keep-escape';
				}
				return 'more';
			case State.EscapeIntermediate:
				if (c >= 0x20 && c <= 0x2f) return 'more';
				this.#state = State.Ground;
				return c >= 0x30 && c <= 0x7e ? 'done' : 'reprocess';
			case State.Csi:
				if (c >= 0x20 && c <= 0x3f) return 'more';
				this.#state = State.Ground;
				return c >= 0x40 && c <= 0x7e ? 'done' : 'reprocess';
			case State.Osc:
			case State.Str:
				if (c === ST || (this.#state === State.Osc && c === BEL)) {
					this.#state = State.Ground;
					return 'done';
				}
				if (c === ESC) this.#state = State.StrEscape;
				return 'more';
			case State.StrEscape:
				if (c === 0x5c) {
					this.#state = State.Ground;
					return 'done';
				}
				// ESC then anything else: the string is cut off, the ESC starts a new sequence.
				this.#state = State.Escape;
				return this.#step(c);
			default:
				return 'reprocess';
		}
	}
}

/** The state a character moves the ground state to (Ground: it is text). */
function groundEnd(c: number): State {
	if (c === ESC) return State.Escape;
	if (c === 0x9b) return State.Csi;
	if (c === 0x9d) return State.Osc;
	if (c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) return State.Str;
	return State.Ground;
}

/**
 * `text` with every control character but tab and newline written `\xNN` (ESC is
 * `\x1b`), and every invisible format character `\u{HEX}` (zero-width space `\u{200b}`).
 */
export function visibleControls(text: string): string {
	return text.replace(CONTROLS, c => {
		const code = c.codePointAt(0)!;
		return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
	});
}

/**
 * Text safe to show on a terminal: escape sequences removed, other controls made
 * visible. Apply before masking secrets, so that masking sees what is shown.
 */
export function terminalSafe(text: string): string {
	return visibleControls(stripTerminalEscapes(text));
}
