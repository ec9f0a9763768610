/**
 * A step's text as rows of a given width: the command, the `vars:`, the
 * description and output lines are wrapped, never cut, so what is about to run
 * (and with which values) can always be read whole somewhere on the screen.
 * Pure functions; the panels decide how many of the rows they show.
 */
import type {StepView} from '../engine/ports.js';
import type {TailLine} from './tail.js';
import {displayLine, displayText, displayTextLines, textWidth, wrapText} from './format.js';

/** Prefix of a row that continues the line above it (a wrapped command, variable or output line). */
export const CONTINUED = '↪ ';

/**
 * `text` broken into rows of at most `width` columns without losing a
 * character (spaces and indentation kept, unlike {@link wrapText}): a row
 * breaks after its last space when that leaves at least half a row, else in
 * the middle of a word. Always at least one row.
 */
export function wrapHard(text: string, width: number): string[] {
	const columns = Math.max(1, Math.floor(width));
	let rest = [...text];
	const rows: string[] = [];
	while (rest.length > columns) {
		const space = rest.slice(0, columns).lastIndexOf(' ');
		const cut = space >= columns / 2 ? space + 1 : columns;
		rows.push(rest.slice(0, cut).join(''));
		rest = rest.slice(cut);
	}
	rows.push(rest.join(''));
	return rows;
}

/**
 * Lines with a 2-column prefix each, wrapped at `width`: the first row of a
 * line gets `prefix(i)`, its continuation rows {@link CONTINUED}.
 */
function prefixedRows(lines: readonly string[], width: number, prefix: (index: number) => string): string[] {
	const rows: string[] = [];
	lines.forEach((line, i) => {
		wrapHard(line, Math.max(1, width - 2)).forEach((part, j) => rows.push(`${j === 0 ? prefix(i) : CONTINUED}${part}`));
	});
	return rows;
}

/** True when a step's command reads as a shell script (`$ `): a `run`, or a `wait` on a command; instructions and summaries read as plain text. */
export function isShell(view: StepView): boolean {
	return view.action === 'run' || (view.action === 'wait' && view.step?.wait?.command !== undefined);
}

/**
 * A step's whole command as rows of `width` columns: a shell script as
 * `$ first line` and `  next lines`, instructions and summaries as they are;
 * a line longer than the row continues on rows starting with {@link CONTINUED}.
 */
export function commandRows(view: StepView, width: number): string[] {
	const lines = displayTextLines(view.command.trimEnd()).map(line => line || ' ');
	const shell = isShell(view);
	if (shell) return prefixedRows(lines, width, i => (i === 0 ? '$ ' : '  '));
	const rows: string[] = [];
	for (const line of lines) {
		const parts = wrapHard(line, width);
		rows.push(parts[0], ...parts.slice(1).map(part => `${CONTINUED}${part}`));
	}
	return rows.flatMap(row => (textWidth(row) > width ? wrapHard(row, width) : [row]));
}

/**
 * The variables a step uses (secret values already `***`) as rows of `width`
 * columns: `vars: A=1  B=2` with as many `NAME=value` per row as fit, two
 * spaces apart; a value too long for a row of its own continues on
 * {@link CONTINUED} rows. No rows when there are no variables.
 */
export function varsRows(vars: ReadonlyArray<readonly [string, string]>, width: number): string[] {
	if (vars.length === 0) return [];
	const columns = Math.max(8, Math.floor(width));
	const rows: string[] = [];
	let row = 'vars:';
	for (const [name, value] of vars) {
		const item = `${name}=${displayText(value)}`;
		if (textWidth(row) + 2 + textWidth(item) <= columns) {
			row += `${row === 'vars:' ? ' ' : '  '}${item}`;
			continue;
		}
		rows.push(row);
		const parts = wrapHard(item, columns - 2);
		if (parts.length === 1) {
			row = `  ${item}`;
			continue;
		}
		rows.push(`  ${parts[0]}`, ...parts.slice(1, -1).map(part => `${CONTINUED}${part}`));
		row = `${CONTINUED}${parts.at(-1)}`;
	}
	rows.push(row);
	return rows;
}

/** A step's description word-wrapped at `width` (no rows when it has none). */
export function descriptionRows(description: string | undefined, width: number): string[] {
	if (!description?.trim()) return [];
	return wrapText(displayTextLines(description.trimEnd()).join('\n'), width).map(row => row || ' ');
}

/** One drawn row of output: its text (with its `  ` or `! ` prefix) and its stream. */
export interface OutputRow {
	text: string;
	stream: TailLine['stream'];
}

/** Output prefixes: stderr is marked so it stands out without colour. */
export const STREAM_PREFIX = {stdout: '  ', stderr: '! '} as const;

/**
 * The last output rows that fit in `rows` rows at `width` columns: each line
 * wrapped, its continuation rows carrying the same stream prefix (a stderr
 * line stays marked on every row). Only the lines needed are wrapped.
 */
export function outputRows(tail: readonly TailLine[], width: number, rows: number): OutputRow[] {
	const out: OutputRow[] = [];
	for (let i = tail.length - 1; i >= 0 && out.length < rows; i--) {
		const line = tail[i];
		const parts = wrapHard(displayLine(line.text) || ' ', Math.max(1, width - 2));
		for (let j = parts.length - 1; j >= 0 && out.length < rows; j--) out.push({text: `${STREAM_PREFIX[line.stream]}${parts[j]}`, stream: line.stream});
	}
	return out.reverse();
}
