/**
 * A full-height pager over one step attempt's log file.
 */
import {useMemo, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {formatCount} from './format.js';
import {formatBytes, LOG_VIEW_BYTES, readLog} from './log-file.js';

/** Props of {@link LogView}. */
export interface LogViewProps {
	/** Absolute path of the log file (`RunHandle.logPath(stepId, attempt)`). */
	path: string;
	/** What the log is of, for the title row: `restore, attempt 2`. */
	title: string;
	/** Columns available. */
	width: number;
	/** Rows available (title row + log rows + position row). */
	height: number;
	/** Esc, `l` or `q` closes the view. */
	onClose: () => void;
	/** False while another part of the UI takes the keys. */
	isActive?: boolean;
}

/**
 * Shows the log read once when opened (only its last 2 MiB when larger, said
 * on the title row), starting at its end. Keys: ↑/↓ a line, PgUp/PgDn a page,
 * g/Home top, G/End bottom, Esc/l/q close. Lines longer than the width are cut.
 */
export function LogView({path, title, width, height, onClose, isActive = true}: LogViewProps) {
	const log = useMemo(() => readLog(path), [path]);
	const bodyRows = Math.max(1, height - 2);
	const maxTop = Math.max(0, log.lines.length - bodyRows);
	const [top, setTop] = useState(maxTop);
	const clamp = (n: number) => Math.max(0, Math.min(maxTop, n));
	useInput(
		(input, key) => {
			if (key.escape || input === 'l' || input === 'q') onClose();
			else if (key.upArrow || input === 'k') setTop(t => clamp(t - 1));
			else if (key.downArrow || input === 'j') setTop(t => clamp(t + 1));
			else if (key.pageUp || input === 'b') setTop(t => clamp(t - bodyRows));
			else if (key.pageDown || input === ' ') setTop(t => clamp(t + bodyRows));
			else if (key.home || input === 'g') setTop(0);
			else if (key.end || input === 'G') setTop(maxTop);
		},
		{isActive},
	);
	const start = clamp(top);
	const shown = log.lines.slice(start, start + bodyRows);
	const cut = log.truncated ? ` (showing the last ${formatBytes(LOG_VIEW_BYTES)} of ${formatBytes(log.sizeBytes)})` : '';
	const position =
		log.lines.length === 0
			? 'empty'
			: `lines ${formatCount(start + 1)}–${formatCount(start + shown.length)} of ${formatCount(log.lines.length)}${start + shown.length >= log.lines.length ? ' (end)' : ''}`;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate-middle">{`Log of ${title}${cut}: ${path}`}</Text>
			<Box flexDirection="column" height={bodyRows} overflow="hidden">
				{log.error ? (
					<Text wrap="truncate-end">{log.error}</Text>
				) : (
					shown.map((line, i) => (
						<Text key={start + i} wrap="truncate-end">
							{line || ' '}
						</Text>
					))
				)}
			</Box>
			<Text dimColor wrap="truncate-end">{`${position} · Esc closes`}</Text>
		</Box>
	);
}
