/**
 * The start screen of a new run: its plan (engine/plan.ts) before the first
 * step, word-wrapped whole to the width and scrollable, with a position row
 * when it needs more rows than there are. It only draws: the app takes the keys
 * (Enter starts the run, ↑↓ PgUp PgDn g G scroll; see app-keys.ts), so a key typed
 * as the first frame appears is never lost to an input hook not yet listening.
 */
import {Box, Text} from 'ink';
import {wrapText} from './format.js';
import {visibleControls} from '../security/terminal-text.js';

/**
 * `lines` wrapped at `width` columns without cutting anything: a line's leading
 * spaces indent each of its rows; control characters made visible (`\x1b`),
 * as the lines hold runbook text.
 */
export function planRows(lines: readonly string[], width: number): string[] {
	return lines.flatMap(line => {
		const text = visibleControls(line);
		const indent = /^ */.exec(text)![0];
		const room = Math.max(1, width - indent.length);
		return wrapText(text.slice(indent.length), room).map(row => (row === '' ? '' : `${indent}${row}`));
	});
}

/** Rows of the plan shown in a view `height` rows high (one is kept for the position row when the plan does not fit). */
export function planBodyRows(rows: number, height: number): number {
	return rows <= height ? Math.max(1, height) : Math.max(1, height - 1);
}

/** The largest useful first row for `lines` in a `width` x `height` view. */
export function planMaxTop(lines: readonly string[], width: number, height: number): number {
	const rows = planRows(lines, width).length;
	return Math.max(0, rows - planBodyRows(rows, height));
}

/** Props of {@link PlanView}. */
export interface PlanViewProps {
	/** The plan's lines (engine/plan.ts `planLines`). */
	lines: readonly string[];
	/** Columns available. */
	width: number;
	/** Rows available. */
	height: number;
	/** The first row shown (clamped). */
	top: number;
}

/** The plan; see the module comment. */
export function PlanView({lines, width, height, top}: PlanViewProps) {
	const rows = planRows(lines, width);
	const body = planBodyRows(rows.length, height);
	const start = Math.max(0, Math.min(rows.length - body, top));
	const shown = rows.slice(start, start + body);
	const end = start + shown.length;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{shown.map((row, i) => (
				<Text key={start + i} wrap="truncate-end">
					{row || ' '}
				</Text>
			))}
			{rows.length > body && <Text dimColor wrap="truncate-end">{`Plan: rows ${start + 1}–${end} of ${rows.length}${end >= rows.length ? ' (end)' : ' · ↓ PgDn more'}`}</Text>}
		</Box>
	);
}
