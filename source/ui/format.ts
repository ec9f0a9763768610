/**
 * Small text helpers for the TUI: durations, and making command output safe to
 * draw inside an Ink frame (no escape sequences, no tabs, no carriage returns).
 */

import {formatDuration as formatDurationOnce} from '../runbook/duration.js';
import {visibleControls} from '../security/terminal-text.js';

/** The program's one duration formatter (runbook/duration.ts): `850ms`, `12s`, `3m04s`, `1h02m`. */
export const formatDuration = formatDurationOnce;

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

/**
 * Text from a runbook, a saved state or the engine (titles, commands, variables,
 * notices, questions, errors) as it can be drawn: escape sequences and other
 * control characters shown as `\xNN`, the way --plain shows them
 * (security/terminal-text.ts visibleControls), tabs expanded. Ink would drop them
 * silently, and the operator must see that something was there. Output lines use
 * {@link displayLine}: the executors removed their escape sequences already.
 */
export function displayText(text: string): string {
	return displayLine(visibleControls(text));
}

/** Text split into lines shown with {@link displayText}; a trailing newline adds no empty line. */
export function displayTextLines(text: string): string[] {
	const lines = text.split('\n');
	if (lines.length > 1 && lines.at(-1) === '') lines.pop();
	return lines.map(displayText);
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

/** Columns `text` takes, counted in code points (the TUI's own text is single-width). */
export function textWidth(text: string): number {
	return [...text].length;
}

/** `text` cut to `width` columns with `…` as its last column when it is longer. */
export function truncateEnd(text: string, width: number): string {
	const chars = [...text];
	if (chars.length <= width) return text;
	if (width <= 0) return '';
	return `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * `text` cut to `width` columns by replacing its middle with `…` (the start and
 * the end stay: `https://api.exam…:6443`), as Ink's `truncate-middle` does.
 */
export function truncateMiddle(text: string, width: number): string {
	const chars = [...text];
	if (chars.length <= width) return text;
	if (width <= 1) return width === 1 ? '…' : '';
	const head = Math.ceil((width - 1) / 2);
	const tail = width - 1 - head;
	return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

/**
 * `text` word-wrapped greedily at `width` columns: a row breaks at spaces, no
 * row starts or ends with a space (runs of spaces between words read as one),
 * a word longer than a row is broken across rows, and `\n` starts a new row.
 * Always at least one row (`['']` for empty text). Unlike Ink's `wrap` (wrap-ansi
 * with `trim: false`), a wrapped row never starts with the space it broke at.
 */
export function wrapText(text: string, width: number): string[] {
	const columns = Math.max(1, Math.floor(width));
	const rows: string[] = [];
	for (const paragraph of text.split('\n')) {
		let row: string[] = [];
		for (const word of paragraph.split(' ')) {
			if (word === '') continue;
			let rest = [...word];
			if (row.length > 0 && row.length + 1 + rest.length <= columns) {
				row.push(' ', ...rest);
				continue;
			}
			if (row.length > 0) rows.push(row.join(''));
			while (rest.length > columns) {
				rows.push(rest.slice(0, columns).join(''));
				rest = rest.slice(columns);
			}
			row = rest;
		}
		rows.push(row.join(''));
	}
	return rows;
}

/**
 * {@link wrapText} kept to `maxRows` rows: when the text needs more, the last
 * row kept ends with `…`.
 */
export function wrapTextTo(text: string, width: number, maxRows: number): string[] {
	const rows = wrapText(text, width);
	const max = Math.max(1, Math.floor(maxRows));
	if (rows.length <= max) return rows;
	const kept = rows.slice(0, max);
	kept[max - 1] = truncateEnd(`${kept[max - 1]} …`, Math.max(1, width)).replace(/ …$/, '…');
	return kept;
}

/**
 * How long a running step has been going: whole seconds (`0s`, `12s`, `3m04s`),
 * so a label ticking several times a second does not jitter through
 * milliseconds. A finished step's exact time is {@link formatDuration}.
 */
export function formatRunning(ms: number): string {
	if (!Number.isFinite(ms) || ms < 1000) return '0s';
	return formatDuration(ms);
}

function pad2(n: number): string {
	return String(n).padStart(2, '0');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A moment (ISO-8601 or ms) in the local time zone, short: `23:41` when it is on
 * the same local day as `now`, `Nov 19 23:41` in the same year, else
 * `2025-11-19 23:41`. `withSeconds` adds `:ss`. An unreadable time comes back as given.
 */
export function formatLocalTime(at: string | number, now: Date = new Date(), withSeconds = false): string {
	const date = new Date(at);
	if (Number.isNaN(date.getTime())) return String(at);
	const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}${withSeconds ? `:${pad2(date.getSeconds())}` : ''}`;
	if (date.getFullYear() !== now.getFullYear()) return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${time}`;
	if (date.getMonth() === now.getMonth() && date.getDate() === now.getDate()) return time;
	return `${MONTHS[date.getMonth()]} ${date.getDate()} ${time}`;
}
