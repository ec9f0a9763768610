/**
 * Every start notice, whole (`n` opens it when not all fit below the panels).
 */
import {useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {allNoticeRows} from './notices.js';

/** Props of {@link NoticesView}. */
export interface NoticesViewProps {
	/** The notices, oldest first. */
	notices: readonly string[];
	/** Columns available. */
	width: number;
	/** Rows available (title row + notice rows). */
	height: number;
	/** Esc, Enter, `n` or `q` closes the view. */
	onClose: () => void;
	/** False while another part of the UI takes the keys. */
	isActive?: boolean;
}

/** A title row, then the notices word-wrapped; ↑/↓ scroll when they need more rows than there are. */
export function NoticesView({notices, width, height, onClose, isActive = true}: NoticesViewProps) {
	const rows = allNoticeRows(notices, width);
	const bodyRows = Math.max(1, height - 1);
	const maxTop = Math.max(0, rows.length - bodyRows);
	const [top, setTop] = useState(0);
	useInput(
		(input, key) => {
			if (key.escape || key.return || input === 'n' || input === 'q') onClose();
			else if (key.upArrow) setTop(t => Math.max(0, t - 1));
			else if (key.downArrow) setTop(t => Math.min(maxTop, t + 1));
		},
		{isActive},
	);
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
