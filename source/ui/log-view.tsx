/**
 * A full-height pager over one step attempt's log file, with `less`'s keys.
 */
import {useMemo} from 'react';
import {Box, Text, type Key} from 'ink';
import {scrollUpdate} from './scroll-keys.js';
import {formatCount} from './format.js';
import {LOG_VIEW_BYTES, type LogContent} from './log-file.js';
import {formatBytes} from '../engine/bytes.js';
import {CONTINUED, wrapHard} from './panel-text.js';

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

/** What the log view shows besides the log: where it is, the search being typed, the last search term, a message. */
export interface LogViewState {
	/** The first row shown; larger than the last row means the end (clamped when drawn). */
	top: number;
	/** The search being typed after `/`, or undefined. */
	search?: string;
	/** The last search term (`n`/`N` find it again), or ''. */
	term: string;
	/** `Pattern not found: …`, until the next key. */
	message?: string;
}

/** The state a log view opens with: at the end of the log. */
export function newLogViewState(): LogViewState {
	return {top: Number.MAX_SAFE_INTEGER, term: ''};
}

/** The log's rows and head at `width` x `height`: what {@link LogView} draws and {@link logViewKey} scrolls. */
export interface LogLayout {
	head: string[];
	rows: LogRow[];
	lines: readonly string[];
	bodyRows: number;
	maxTop: number;
}

/** The layout of `log` (of `path`, `title`) in a `width` x `height` view. */
export function logLayout(log: LogContent, title: string, path: string, width: number, height: number): LogLayout {
	const rows = logRows(log.lines, width);
	const cut = log.truncated ? ` (the last ${formatBytes(LOG_VIEW_BYTES)} of ${formatBytes(log.sizeBytes)})` : '';
	const head = [...wrapHard(`Log of ${title}${cut}:`, width), ...wrapHard(path, width)];
	const bodyRows = Math.max(1, height - head.length - 1);
	return {head, rows, lines: log.lines, bodyRows, maxTop: Math.max(0, rows.length - bodyRows)};
}

/**
 * What a key does in the log view: the next state, or `close` (Esc, `l`, `q`
 * outside a search). Keys as in `less`: ↑/↓ (j/k) a row, PgUp/PgDn (b/Space) a
 * page, g/Home top, G/End bottom, `/` search (Enter finds, Esc cancels), n/N
 * next and previous match. Pure; the app's one key handler calls it, so a key
 * typed as the view opens is not lost to an input hook not yet listening.
 */
export function logViewKey(state: LogViewState, input: string, key: Key, layout: LogLayout): LogViewState | 'close' {
	const clamp = (n: number) => Math.max(0, Math.min(layout.maxTop, n));
	const top = clamp(state.top);
	const find = (text: string, from: number, backward = false): LogViewState => {
		const at = findRow(layout.rows, layout.lines, text, from, backward);
		return at < 0 ? {...state, top, term: text, search: undefined, message: `Pattern not found: ${text}`} : {...state, top: clamp(at), term: text, search: undefined, message: undefined};
	};
	if (state.search !== undefined) {
		if (key.escape) return {...state, search: undefined};
		if (key.return) return state.search ? find(state.search, top) : {...state, search: undefined};
		if (key.backspace || key.delete) return {...state, search: state.search.slice(0, -1)};
		if (input && !key.ctrl && !key.meta) return {...state, search: `${state.search}${input}`};
		return state;
	}
	const base: LogViewState = {...state, top, message: undefined};
	if (key.escape || input === 'l' || input === 'q') return 'close';
	if (input === '/') return {...base, search: ''};
	if (input === 'n' && state.term) return find(state.term, top + 1);
	if (input === 'N' && state.term) return find(state.term, top - 1, true);
	const update = scrollUpdate(input, key, layout.bodyRows, layout.maxTop);
	return update ? {...base, top: update(top)} : base;
}

/** Props of {@link LogView}. */
export interface LogViewProps {
	/** The log as read when the view opened (log-file.ts `readLog`, through the run handle). */
	log: LogContent;
	/** Absolute path of the log file (`RunHandle.logPath(stepId, attempt)`). */
	path: string;
	/** What the log is of, for the title row: `restore, attempt 2`. */
	title: string;
	/** Columns available. */
	width: number;
	/** Rows available (title and path rows + log rows + position row). */
	height: number;
	/** Where it is and what is searched; the app changes it with {@link logViewKey}. */
	state: LogViewState;
}

/**
 * Shows the log read once when opened (only its last 2 MiB when larger, said
 * on the title row), starting at its end, its path whole below the title. Long
 * lines wrap. It only draws; its keys are {@link logViewKey}.
 */
export function LogView({log, path, title, width, height, state}: LogViewProps) {
	const layout = useMemo(() => logLayout(log, title, path, width, height), [log, title, path, width, height]);
	const {head, rows, bodyRows, maxTop} = layout;
	const start = Math.max(0, Math.min(maxTop, state.top));
	const shown = rows.slice(start, start + bodyRows);
	const firstLine = shown[0]?.line ?? 0;
	const lastLine = shown.at(-1)?.line ?? 0;
	const atEnd = start + shown.length >= rows.length;
	const position = log.lines.length === 0 ? 'empty' : `lines ${formatCount(firstLine + 1)}–${formatCount(lastLine + 1)} of ${formatCount(log.lines.length)}${atEnd ? ' (end)' : ''}`;
	const bottom = state.search !== undefined ? `/${state.search}` : (state.message ?? `${position} · / search${state.term ? ' · n/N next/previous' : ''} · Esc closes`);
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
			<Text dimColor={state.search === undefined} wrap="truncate-end">
				{bottom}
			</Text>
		</Box>
	);
}
