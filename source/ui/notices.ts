/**
 * The start notices (runbook changed, interrupted steps, a lock taken over)
 * fitted to the rows the TUI gives them: whole notices word-wrapped, oldest
 * first, and a row saying how many more there are when not all fit.
 */
import {displayText, wrapText, wrapTextTo} from './format.js';

/** Prefix of each notice's first row. */
export const NOTICE_PREFIX = 'note: ';

/** Notice rows to show. */
export interface FittedNotices {
	/** Rows, each at most `width` columns: the wrapped notices, then the "+N more" row when some are hidden. */
	rows: string[];
	/** Notices not shown, or shown cut (their last row ends with `…`). */
	hidden: number;
}

/** Most rows the start notices take in a terminal of `rows` rows: a quarter of it, 2 to 6. */
export function noticeRowBudget(rows: number): number {
	return Math.max(2, Math.min(6, Math.floor(rows / 4)));
}

/**
 * `notices` fitted to `width` x `maxRows`: each as `note: text`, wrapped (no row
 * starting with a space; later rows indented under the text). Whole notices are
 * kept in order while they fit; when one does not, the rows left (less one)
 * show its start cut with `…`, and the last row says `+N more (moreHint)`.
 * No rows for no notices.
 */
export function fitNotices(notices: readonly string[], width: number, maxRows: number, moreHint: string): FittedNotices {
	const indent = ' '.repeat(NOTICE_PREFIX.length);
	const textWidth = Math.max(1, width - NOTICE_PREFIX.length);
	const wrapped = notices.map(text => wrapText(displayText(text), textWidth));
	const total = wrapped.reduce((sum, lines) => sum + lines.length, 0);
	const toRows = (lines: readonly string[]) => lines.map((line, i) => `${i === 0 ? NOTICE_PREFIX : indent}${line}`);
	if (total <= maxRows) return {rows: wrapped.flatMap(toRows), hidden: 0};
	const rows: string[] = [];
	const room = Math.max(0, maxRows - 1);
	let shown = 0;
	for (const lines of wrapped) {
		if (rows.length + lines.length > room) break;
		rows.push(...toRows(lines));
		shown++;
	}
	if (rows.length < room && shown < notices.length) {
		rows.push(...toRows(wrapTextTo(displayText(notices[shown]), textWidth, room - rows.length)));
	}
	const hidden = notices.length - shown;
	rows.push(`+${hidden} more (${moreHint})`.slice(0, Math.max(1, width)));
	return {rows, hidden};
}

/** Every notice as wrapped rows (`note: ` then indented continuation rows), for the notices view. */
export function allNoticeRows(notices: readonly string[], width: number): string[] {
	const indent = ' '.repeat(NOTICE_PREFIX.length);
	return notices.flatMap(text => wrapText(displayText(text), Math.max(1, width - NOTICE_PREFIX.length)).map((line, i) => `${i === 0 ? NOTICE_PREFIX : indent}${line}`));
}
