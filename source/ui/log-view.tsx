/**
 * A full-height pager over one step attempt's log file, with `less`'s keys.
 */
import {useMemo, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {scrollUpdate} from './scroll-keys.js';
import {formatCount} from './format.js';
import {formatBytes, LOG_VIEW_BYTES, readLog} from './log-file.js';
import {CONTINUED, wrapHard} from './panel-text.js';

/** Props of {@link LogView}. */
export interface LogViewProps {
	/** Absolute path of the log file (`RunHandle.logPath(stepId, attempt)`). */
	path: string;
	/** What the log is of, for the title row: `restore, attempt 2`. */
	title: string;
	/** Columns available. */
	width: number;
	/** Rows available (title and path rows + log rows + position row). */
	height: number;
	/** Esc, `l` or `q` closes the view. */
	onClose: () => void;
	/** False while another part of the UI takes the keys. */
	isActive?: boolean;
}

/** A log row: the index of the log line it belongs to and its text (continuation rows start with `↪ `). */
export interface LogRow {
	line: number;
	text: string;
}

/** The log's lines wrapped at `width` columns, nothing cut. */
export function logRows(lines: readonly string[], width: number): LogRow[] {
	const rows: LogRow[] = [];
	lines.forEach((text, line) => {
		if (text.length <= width) return void rows.push({line, text});
		const parts = wrapHard(text, Math.max(1, width - 2));
		rows.push({line, text: parts[0]});
		for (const part of parts.slice(1)) rows.push({line, text: `${CONTINUED}${part}`});
	});
	return rows;
}

/**
 * The index of the first row at or after `from` (before it when `backward`),
 * wrapping around, whose log line contains `term` (case-insensitive); -1 when none.
 */
export function findRow(rows: readonly LogRow[], lines: readonly string[], term: string, from: number, backward = false): number {
	if (!term || rows.length === 0) return -1;
	const needle = term.toLowerCase();
	const count = rows.length;
	for (let k = 0; k < count; k++) {
		const i = (((backward ? from - k : from + k) % count) + count) % count;
		const row = rows[i];
		// The first row of a matching line.
		if ((i === 0 || rows[i - 1].line !== row.line) && lines[row.line].toLowerCase().includes(needle)) return i;
	}
	return -1;
}

/**
 * Shows the log read once when opened (only its last 2 MiB when larger, said
 * on the title row), starting at its end, its path whole below the title. Long
 * lines wrap. Keys as in `less`: ↑/↓ (j/k) a row, PgUp/PgDn (b/Space) a page,
 * g/Home top, G/End bottom, `/` search (Enter finds, Esc cancels), n/N next and
 * previous match, Esc/l/q close.
 */
export function LogView({path, title, width, height, onClose, isActive = true}: LogViewProps) {
	const log = useMemo(() => readLog(path), [path]);
	const rows = useMemo(() => logRows(log.lines, width), [log, width]);
	const cut = log.truncated ? ` (the last ${formatBytes(LOG_VIEW_BYTES)} of ${formatBytes(log.sizeBytes)})` : '';
	const head = [...wrapHard(`Log of ${title}${cut}:`, width), ...wrapHard(path, width)];
	const bodyRows = Math.max(1, height - head.length - 1);
	const maxTop = Math.max(0, rows.length - bodyRows);
	const [top, setTop] = useState(maxTop);
	const [search, setSearch] = useState<string>();
	const [term, setTerm] = useState('');
	const [message, setMessage] = useState<string>();
	const clamp = (n: number) => Math.max(0, Math.min(maxTop, n));
	const find = (text: string, from: number, backward = false) => {
		const at = findRow(rows, log.lines, text, from, backward);
		if (at < 0) setMessage(`Pattern not found: ${text}`);
		else {
			setMessage(undefined);
			setTop(clamp(at));
		}
	};
	useInput(
		(input, key) => {
			if (search !== undefined) {
				if (key.escape) setSearch(undefined);
				else if (key.return) {
					setSearch(undefined);
					if (search) {
						setTerm(search);
						find(search, clamp(top));
					}
				} else if (key.backspace || key.delete) setSearch(s => (s ?? '').slice(0, -1));
				else if (input && !key.ctrl && !key.meta) setSearch(s => `${s ?? ''}${input}`);
				return;
			}
			setMessage(undefined);
			if (key.escape || input === 'l' || input === 'q') onClose();
			else if (input === '/') setSearch('');
			else if (input === 'n' && term) find(term, clamp(top) + 1);
			else if (input === 'N' && term) find(term, clamp(top) - 1, true);
			else {
				const update = scrollUpdate(input, key, bodyRows, maxTop);
				if (update) setTop(update);
			}
		},
		{isActive},
	);
	const start = clamp(top);
	const shown = rows.slice(start, start + bodyRows);
	const firstLine = shown[0]?.line ?? 0;
	const lastLine = shown.at(-1)?.line ?? 0;
	const atEnd = start + shown.length >= rows.length;
	const position =
		log.lines.length === 0
			? 'empty'
			: `lines ${formatCount(firstLine + 1)}–${formatCount(lastLine + 1)} of ${formatCount(log.lines.length)}${atEnd ? ' (end)' : ''}`;
	const bottom = search !== undefined ? `/${search}` : (message ?? `${position} · / search${term ? ' · n/N next/previous' : ''} · Esc closes`);
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			{head.map((row, i) => (
				<Text key={`h${i}`} bold wrap="truncate-end">
					{row}
				</Text>
			))}
			<Box flexDirection="column" height={bodyRows} overflow="hidden">
				{log.error ? (
					<Text wrap="wrap">{log.error}</Text>
				) : (
					shown.map((row, i) => (
						<Text key={start + i} wrap="truncate-end">
							{row.text || ' '}
						</Text>
					))
				)}
			</Box>
			<Text dimColor={search === undefined} wrap="truncate-end">
				{bottom}
			</Text>
		</Box>
	);
}
