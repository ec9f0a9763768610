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

// C0 controls but tab and newline, DEL, C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** `text` without terminal escape sequences (see the module comment); other characters as they are. */
export function stripTerminalEscapes(text: string): string {
	return text.includes('\x1b') || /[\x90-\x9f]/.test(text) ? text.replace(ESCAPES, '') : text;
}

/**
 * `text` without escape sequences, as {@link stripTerminalEscapes}, with the index in
 * `text` of each character kept (`from[i]` is where `shown[i]` was): for finding a
 * secret as shown and acting on the text as written (runbook/variables.ts secretSafeCut).
 */
export function stripTerminalEscapesMapped(text: string): {shown: string; from: number[]} {
	const from: number[] = [];
	const parts: string[] = [];
	let last = 0;
	const keep = (start: number, end: number): void => {
		parts.push(text.slice(start, end));
		for (let i = start; i < end; i++) from.push(i);
	};
	for (const match of text.matchAll(ESCAPES)) {
		keep(last, match.index);
		last = match.index + match[0].length;
	}
	keep(last, text.length);
	return {shown: parts.join(''), from};
}

/** `text` with every control character but tab and newline written `\xNN` (ESC is `\x1b`). */
export function visibleControls(text: string): string {
	return text.replace(CONTROLS, c => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Text safe to show on a terminal: escape sequences removed, other controls made
 * visible. Apply before masking secrets, so that masking sees what is shown.
 */
export function terminalSafe(text: string): string {
	return visibleControls(stripTerminalEscapes(text));
}
