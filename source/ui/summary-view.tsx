/**
 * The summary screen at the end of a completed run: it stays until the
 * operator leaves it (q, Enter or Esc), so the last step's output (counts, the
 * safety-backup path) can be read before the TUI is gone. The lines come from
 * engine/run-summary.ts, wrapped whole to the width, with control characters
 * made visible (`\x1b`; security/terminal-text.ts): they hold runbook and state
 * text (titles, errors, notes, captured values). The app takes the keys
 * ({@link summaryKey}): an input hook mounted with the last frame may not be
 * listening yet when the operator's first key arrives.
 */
import type {Key} from 'ink';
import {Box, Text} from 'ink';
import {CONTINUED, wrapHard} from './panel-text.js';
import {scrollUpdate} from './scroll-keys.js';
import {visibleControls} from '../security/terminal-text.js';

/** Props of {@link SummaryView}. */
export interface SummaryViewProps {
	/** The summary lines (engine/run-summary.ts `summaryLines`). */
	lines: readonly string[];
	/** Columns available. */
	width: number;
	/** Rows available. */
	height: number;
	/** The first row shown (clamped). */
	top: number;
}

/** `lines` with visible controls, wrapped at `width` without cutting anything; continuation rows start with `↪ `. */
export function summaryRows(lines: readonly string[], width: number): string[] {
	return lines.flatMap(line => {
		const parts = wrapHard(visibleControls(line), width);
		if (parts.length === 1) return parts;
		return [parts[0], ...wrapHard(parts.slice(1).join(''), Math.max(1, width - 2)).map(part => `${CONTINUED}${part}`)];
	});
}

/**
 * What a key does on the summary screen: `leave` (q, Enter, Esc, Ctrl-C), a new
 * first row (↑/↓ j/k a row, PgUp/PgDn b/Space a page of `page` rows, g/G or
 * Home/End top and end; clamped by the view), or undefined.
 */
export function summaryKey(input: string, key: Key, top: number, page: number): 'leave' | number | undefined {
	if (key.escape || key.return || input === 'q' || (key.ctrl && input === 'c')) return 'leave';
	// The scroll keys of every full-screen view (scroll-keys.ts); the app clamps the end.
	return scrollUpdate(input, key, page, Number.MAX_SAFE_INTEGER)?.(top);
}

/** The largest useful first row for `lines` in a `width` x `height` view. */
export function summaryMaxTop(lines: readonly string[], width: number, height: number): number {
	return Math.max(0, summaryRows(lines, width).length - Math.max(1, height));
}

/** The summary screen; see the module comment. */
export function SummaryView({lines, width, height, top}: SummaryViewProps) {
	const rows = summaryRows(lines, width);
	const bodyRows = Math.max(1, height);
	const start = Math.max(0, Math.min(rows.length - bodyRows, top));
	return (
		<Box flexDirection="column" width={width} height={bodyRows} overflow="hidden">
			{rows.slice(start, start + bodyRows).map((row, i) => (
				<Text key={start + i} bold={start + i === 0} wrap="truncate-end">
					{row || ' '}
				</Text>
			))}
		</Box>
	);
}
