/**
 * The panel of the selected step: what it is, what it runs with which values,
 * how its latest attempt went, and the last lines of its output.
 */
import {Box, Text} from 'ink';
import type {StepView} from '../engine/ports.js';
import type {StepStatus} from '../engine/state.js';
import {type AttemptOutcome, describeOutcome} from '../engine/outcome.js';
import type {TailLine} from './tail.js';
import {tint} from './color.js';
import {displayLine, displayText, formatCount, formatDuration, formatRunning, truncateEnd, wrapText} from './format.js';
import {panelRows, scrollWindow, type PanelMode} from './layout.js';
import {commandRows, descriptionRows, outputRows, varsRows, type OutputRow} from './panel-text.js';

/** Props of {@link StepPanel}. */
export interface StepPanelProps {
	/** The step shown (strings resolved, secret values already `***` in `vars`). */
	view: StepView;
	/** Number of steps in the runbook, for `3/30`. */
	stepCount: number;
	/** The step's status. */
	status: StepStatus;
	/** Number of the latest attempt (1-based); omitted before the first. */
	attempt?: number;
	/** How the latest finished attempt ended (engine/outcome.ts): `exit code 3`, `timed out after 5m`. */
	outcome?: AttemptOutcome;
	/** Why the step was skipped or marked done. */
	note?: string;
	/** Duration of the latest attempt, ms (so far, while running). */
	durationMs?: number;
	/** The latest progress line of a wait or a long action. */
	progress?: string;
	/** While a step with a `timeout` runs: how long is left (`2m10s left of 5m`). */
	countdown?: string;
	/** Last output lines kept in memory, oldest first (already redacted). */
	tail: readonly TailLine[];
	/** Lines the attempt printed in all (the tail keeps only the last ones). */
	totalLines: number;
	/** Columns available. */
	width: number;
	/** Rows available; the output shows the last lines that fit. */
	height: number;
	/** What comes first (default `follow`); see {@link PanelMode}. */
	mode?: PanelMode;
	/** In `decide` mode, how many rows the command and vars are scrolled down (clamped). */
	scroll?: number;
}

/** What {@link statusText} reads. */
export type StatusTextInput = Pick<StepPanelProps, 'attempt' | 'status' | 'durationMs' | 'outcome' | 'note'>;

/**
 * The status row of a step: `attempt 2 · failed in 1m05s · exit code 3`; a
 * running step's time in whole seconds (`running for 12s`).
 */
export function statusText(props: StatusTextInput): string {
	const parts: string[] = [];
	if (props.attempt !== undefined) parts.push(`attempt ${props.attempt}`);
	const running = props.status === 'running';
	const duration = props.durationMs === undefined ? '' : ` ${running ? 'for' : 'in'} ${running ? formatRunning(props.durationMs) : formatDuration(props.durationMs)}`;
	parts.push(`${props.status}${duration}`);
	// A success says its exit code when a process ran (a Kubernetes action has none: its status says it all).
	const outcome = props.status === 'running' ? undefined : props.outcome;
	if (outcome && !(outcome.kind === 'succeeded' && outcome.exitCode === undefined)) parts.push(displayText(describeOutcome(outcome)));
	if (props.note) parts.push(displayText(props.note));
	return parts.join(' · ');
}

/** Colour of a step's status row. */
export const STATUS_COLORS: Partial<Record<StepStatus, string>> = {failed: 'red', interrupted: 'yellow', succeeded: 'green', running: 'cyan'};

/** A step's title row: `3/30 Title [run]`, with ` DESTRUCTIVE` for a destructive step. */
export function titleText(view: StepView, stepCount: number): string {
	return `${view.index + 1}/${stepCount} ${displayText(view.title)} [${view.action}]${view.destructive ? ' DESTRUCTIVE' : ''}`;
}

/** A block row: command or vars text, or a dim "more" marker. */
export interface BlockRow {
	text: string;
	marker?: boolean;
}

/**
 * The command and vars rows of a step (see panel-text.ts) in `rows` rows,
 * scrolled to `offset` (clamped). When they do not all fit, a dim marker row
 * says how many rows are above or below and which keys show them: `scrollKeys`
 * (at a prompt that scrolls in place) or `d` (the details view).
 */
export function blockWindow(all: readonly string[], rows: number, offset: number, scrollKeys: boolean): {rows: BlockRow[]; maxOffset: number} {
	const w = scrollWindow(all.length, rows, offset);
	const out: BlockRow[] = [];
	if (w.above > 0 && rows >= 3) out.push({text: `↑ ${w.above} more row${w.above === 1 ? '' : 's'} above (PgUp)`, marker: true});
	for (const text of all.slice(w.start, w.end)) out.push({text});
	if (w.below > 0 && rows >= 3) {
		const how = scrollKeys ? 'PgDn/PgUp scroll · d details' : 'd shows the whole step';
		out.push({text: `↓ ${w.below} more row${w.below === 1 ? '' : 's'}: ${how}`, marker: true});
	}
	return {rows: out, maxOffset: w.maxOffset};
}

/** Rows of a block as drawn (markers dim). */
export function BlockRows({rows}: {rows: readonly BlockRow[]}) {
	return (
		<>
			{rows.map((row, i) => (
				<Text key={`b${i}`} dimColor={row.marker} wrap="truncate-end">
					{row.text}
				</Text>
			))}
		</>
	);
}

/**
 * The heading of an output tail: `── output: 12,345 lines, last 9 (! = stderr) ──`;
 * the `(! = stderr)` key only when a shown row is stderr (`rows`), as it explains nothing otherwise.
 */
export function outputHeading(totalLines: number, shown: number, rows: readonly OutputRow[]): string {
	const stderr = rows.some(row => row.stream === 'stderr') ? ' (! = stderr)' : '';
	return `── output: ${formatCount(totalLines)} line${totalLines === 1 ? '' : 's'}${totalLines > shown ? `, last ${shown}` : ''}${stderr} ──`;
}

/** One output row as drawn: `  text`, or `! text` for stderr (in yellow). */
export function OutputLine({line}: {line: OutputRow}) {
	return (
		<Text color={line.stream === 'stderr' ? tint('yellow') : undefined} wrap="truncate-end">
			{line.text}
		</Text>
	);
}

/** What the step panel draws, row by row; see {@link layoutStepPanel}. */
export interface StepPanelLayout {
	title: string[];
	description: string[];
	block: BlockRow[];
	status: string[];
	progress?: string;
	heading?: string;
	output: OutputRow[];
	/** The largest useful `scroll` of the block (0 when it is shown whole). */
	maxScroll: number;
}

/**
 * The rows of the step panel at `width` x `height` (see {@link panelRows} for
 * how they are shared in each {@link PanelMode}): everything wrapped, nothing
 * cut; a block (command and vars) that does not fit is a window with "more"
 * rows, scrolled by `scroll` in `decide` mode.
 */
export function layoutStepPanel(props: StepPanelProps): StepPanelLayout {
	const {view, width, height, tail} = props;
	const mode = props.mode ?? 'follow';
	const title = wrapText(titleText(view, props.stepCount), width);
	const status = wrapText(statusText(props), width);
	const description = descriptionRows(view.description, width);
	const block = [...commandRows(view, width), ...varsRows(Object.entries(view.vars), width)];
	// The countdown first: at 80 columns a long check message is cut, the time left must not be.
	const progressText = [props.countdown, props.progress === undefined ? undefined : displayLine(props.progress)].filter(part => part !== undefined && part !== '').join(' · ');
	const progress = progressText ? `↻ ${progressText}` : undefined;
	const wantedOutput = outputRows(tail, width, Math.max(0, height));
	const rows = panelRows(height, {title: title.length, status: status.length, description: description.length, block: block.length, progress: progress ? 1 : 0, output: wantedOutput.length}, mode);
	const shownBlock = blockWindow(block, rows.block, mode === 'decide' ? (props.scroll ?? 0) : 0, mode === 'decide');
	const output = rows.output > 0 ? wantedOutput.slice(-rows.output) : [];
	return {
		title: title.slice(0, rows.title).map((row, i) => (i === rows.title - 1 && title.length > rows.title ? truncateEnd(`${row} ${title.slice(rows.title).join(' ')}`, width) : row)),
		description: description.slice(0, rows.description),
		block: shownBlock.rows,
		status: status.slice(0, rows.status),
		progress: rows.progress > 0 ? progress : undefined,
		heading: rows.outputHeading > 0 ? outputHeading(props.totalLines, countLines(tail, output.length, width), output) : undefined,
		output,
		maxScroll: mode === 'decide' ? shownBlock.maxOffset : 0,
	};
}

/** Output lines whose rows make up the last `rowCount` rows at `width` (for the heading's "last N"). */
export function countLines(tail: readonly TailLine[], rowCount: number, width: number): number {
	let rows = 0;
	let lines = 0;
	for (let i = tail.length - 1; i >= 0 && rows < rowCount; i--) {
		rows += outputRows([tail[i]], width, Number.MAX_SAFE_INTEGER).length;
		lines++;
	}
	return lines;
}

/**
 * The step panel, at most `height` rows: title (wrapped to 2 rows), description,
 * the command (`$ script` for shell scripts, else the instructions or summary) and
 * its variables, status (attempt, status, exit code, error), progress, then the
 * output heading and the last output rows that fit (stderr rows start with `! `).
 * Long lines wrap; see {@link layoutStepPanel} for what is shown when not all fits.
 */
export function StepPanel(props: StepPanelProps) {
	const {width, height} = props;
	const layout = layoutStepPanel(props);
	const statusColor = STATUS_COLORS[props.status];
	return (
		<Box flexDirection="column" width={width} height={Math.max(1, height)} overflow="hidden">
			{layout.title.map((row, i) => (
				<Text key={`t${i}`} bold wrap="truncate-end">
					{row}
				</Text>
			))}
			{layout.description.map((line, i) => (
				<Text key={`d${i}`} dimColor wrap="truncate-end">
					{line}
				</Text>
			))}
			<BlockRows rows={layout.block} />
			{layout.status.map((row, i) => (
				<Text key={`s${i}`} color={statusColor ? tint(statusColor) : undefined} wrap="truncate-end">
					{row}
				</Text>
			))}
			{layout.progress && <Text wrap="truncate-end">{layout.progress}</Text>}
			{layout.heading && (
				<Text dimColor wrap="truncate-end">
					{layout.heading}
				</Text>
			)}
			{layout.output.map((line, i) => (
				<OutputLine key={`o${i}`} line={line} />
			))}
		</Box>
	);
}
