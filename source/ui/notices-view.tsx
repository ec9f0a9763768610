/**
 * Every start notice, whole (`n` opens it when not all fit below the panels).
 */
import {Box, Text, type Key} from 'ink';
import {allNoticeRows} from './notices.js';

/** Props of {@link NoticesView}. */
export interface NoticesViewProps {
	/** The notices, oldest first. */
	notices: readonly string[];
	/** Columns available. */
	width: number;
	/** Rows available (title row + notice rows). */
	height: number;
	/** The first notice row shown (clamped); the app moves it with {@link noticesKey}. */
	top: number;
}

/**
 * What a key does in the notices view of `rowCount` rows in `height` rows, its
 * first row at `top`: `close` (Esc, Enter, `n`, `q`), the new first row (↑/↓),
 * or undefined. Called by the app's one key handler (the view has no input hook).
 */
export function noticesKey(top: number, input: string, key: Key, rowCount: number, height: number): 'close' | number | undefined {
	if (key.escape || key.return || input === 'n' || input === 'q') return 'close';
	const maxTop = Math.max(0, rowCount - Math.max(1, height - 1));
	const from = Math.min(top, maxTop);
	if (key.upArrow) return Math.max(0, from - 1);
	if (key.downArrow) return Math.min(maxTop, from + 1);
	return undefined;
}

/** A title row, then the notices word-wrapped; ↑/↓ scroll ({@link noticesKey}) when they need more rows than there are. */
export function NoticesView({notices, width, height, top}: NoticesViewProps) {
	const rows = allNoticeRows(notices, width);
	const bodyRows = Math.max(1, height - 1);
	const maxTop = Math.max(0, rows.length - bodyRows);
	const start = Math.min(top, maxTop);
	const more = rows.length > bodyRows ? ` · ↑↓ scroll (${start + 1}–${Math.min(rows.length, start + bodyRows)} of ${rows.length} rows)` : '';
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate-end">{`Notes before the run (${notices.length}) · Esc closes${more}`}</Text>
			{rows.slice(start, start + bodyRows).map((row, i) => (
				<Text key={start + i} wrap="truncate-end">
					{row || ' '}
				</Text>
			))}
		</Box>
	);
}
