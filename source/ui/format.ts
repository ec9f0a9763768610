/**
 * Small text helpers for the TUI: durations, and making command output safe to
 * draw inside an Ink frame (no escape sequences, no tabs, no carriage returns).
 */

/**
 * A duration in milliseconds as a short label: `850ms`, `12s`, `3m04s`, `1h02m`.
 * Negative or non-finite values read `0ms`.
 */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '0ms';
	if (ms < 1000) return `${Math.round(ms)}ms`;
	const seconds = Math.floor(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	const hours = Math.floor(minutes / 60);
	return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** A clock-style elapsed time, `mm:ss` or `h:mm:ss`, from milliseconds. */
export function formatClock(ms: number): string {
	const total = Math.max(0, Math.floor(ms / 1000));
	const s = String(total % 60).padStart(2, '0');
	const m = Math.floor(total / 60) % 60;
	const h = Math.floor(total / 3600);
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${String(m).padStart(2, '0')}:${s}`;
}

// CSI sequences, OSC sequences (ended by BEL or ST), and other two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001B\[[0-?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|\u001B[@-_]?|\u009B[0-?]*[ -/]*[@-~]/g;
// C0 and C1 control characters other than tab (tabs are expanded first).
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]/g;

/**
 * One line of command output as it can be drawn in a frame: escape sequences
 * (colours, cursor moves) removed, only the text after the last carriage
 * return kept (what a terminal would show for progress bars), tabs expanded to
 * 8-column stops, other control characters removed.
 */
export function displayLine(text: string): string {
	let line = text.replace(ESCAPES, '');
	const cr = line.lastIndexOf('\r', line.endsWith('\r') ? line.length - 2 : line.length);
	if (cr >= 0) line = line.slice(cr + 1);
	if (line.includes('\t')) {
		let out = '';
		for (const char of line) {
			if (char === '\t') out += ' '.repeat(8 - (out.length % 8));
			else out += char;
		}
		line = out;
	}
	return line.replace(CONTROLS, '');
}

/** Text split into display lines (see {@link displayLine}); a trailing newline adds no empty line. */
export function displayLines(text: string): string[] {
	const lines = text.split('\n');
	if (lines.length > 1 && lines.at(-1) === '') lines.pop();
	return lines.map(displayLine);
}

/** Thousands separators for counts: `10000` → `10,000`. */
export function formatCount(n: number): string {
	return n.toLocaleString('en-US');
}
