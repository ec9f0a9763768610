/**
 * The panel of the selected step: what it is, what it runs with which values,
 * how its latest attempt went, and the last lines of its output.
 */
import {Box, Text} from 'ink';
import type {StepView} from '../engine/ports.js';
import type {StepStatus} from '../engine/state.js';
import type {TailLine} from './tail.js';
import {tint} from './color.js';
import {displayLine, displayLines, formatCount, formatDuration, formatRunning} from './format.js';
import {panelRows} from './layout.js';

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
	/** Exit code of the latest finished attempt (null: killed by a signal or no process). */
	exitCode?: number | null;
	/** Error of the latest attempt, one line (`exit code 3`, `timed out after 5m`). */
	error?: string;
	/** Why the step was skipped or marked done. */
	note?: string;
	/** Duration of the latest attempt, ms (so far, while running). */
	durationMs?: number;
	/** The latest progress line of a wait or a long action. */
	progress?: string;
	/** Last output lines kept in memory, oldest first (already redacted). */
	tail: readonly TailLine[];
	/** Lines the attempt printed in all (the tail keeps only the last ones). */
	totalLines: number;
	/** Columns available. */
	width: number;
	/** Rows available; the output shows the last lines that fit. */
	height: number;
}

/** Output line prefixes: stderr is marked so it stands out without colour. */
export const STREAM_PREFIX = {stdout: '  ', stderr: '! '} as const;

/** What {@link statusText} reads. */
export type StatusTextInput = Pick<StepPanelProps, 'attempt' | 'status' | 'durationMs' | 'exitCode' | 'error' | 'note'>;

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
	const saysExit = props.error?.includes('exit code') ?? false;
	if (props.status !== 'running' && typeof props.exitCode === 'number' && !saysExit) parts.push(`exit code ${props.exitCode}`);
	if (props.error && props.status !== 'running') parts.push(props.error);
	if (props.note) parts.push(props.note);
	return parts.join(' · ');
}

/** Colour of a step's status row. */
export const STATUS_COLORS: Partial<Record<StepStatus, string>> = {failed: 'red', interrupted: 'yellow', succeeded: 'green', running: 'cyan'};

/** A step's title row: `3/30 Title [run]`, with ` DESTRUCTIVE` for a destructive step. */
export function titleText(view: StepView, stepCount: number): string {
	return `${view.index + 1}/${stepCount} ${view.title} [${view.action}]${view.destructive ? ' DESTRUCTIVE' : ''}`;
}

/** True when a step's command reads as a shell script (`$ `): a `run`, or a `wait` on a command; instructions and summaries read as plain text. */
export function isShell(view: StepView): boolean {
	return view.action === 'run' || (view.action === 'wait' && view.step?.wait?.command !== undefined);
}

/**
 * A step's command in at most `rows` rows (`$ ` before a shell script's first
 * line); when it is longer, the last row says how many lines are not shown.
 */
export function CommandRows({view, lines, rows}: {view: StepView; lines: readonly string[]; rows: number}) {
	const shown = lines.length > rows ? lines.slice(0, Math.max(0, rows - 1)) : lines;
	const hidden = lines.length - shown.length;
	const shell = isShell(view);
	return (
		<>
			{shown.map((line, i) => (
				<Text key={`c${i}`} wrap="truncate-end">
					{`${shell ? (i === 0 ? '$ ' : '  ') : ''}${line || ' '}`}
				</Text>
			))}
			{rows > 0 && hidden > 0 && <Text dimColor wrap="truncate-end">{`  … ${hidden} more line${hidden === 1 ? '' : 's'}`}</Text>}
		</>
	);
}

/** The `vars: NAME=value  NAME=***` row (secret values are already `***`). */
export function VarsRow({vars}: {vars: ReadonlyArray<readonly [string, string]>}) {
	return <Text wrap="truncate-end">{`vars: ${vars.map(([name, value]) => `${name}=${displayLine(value)}`).join('  ')}`}</Text>;
}

/** The heading of an output tail: `── output: 12,345 lines, last 9 (! = stderr) ──`. */
export function outputHeading(totalLines: number, shown: number): string {
	return `── output: ${formatCount(totalLines)} line${totalLines === 1 ? '' : 's'}${totalLines > shown ? `, last ${shown}` : ''} (! = stderr) ──`;
}

/** One output line as drawn: `  text`, or `! text` for stderr (in yellow). */
export function OutputLine({line}: {line: TailLine}) {
	return (
		<Text color={line.stream === 'stderr' ? tint('yellow') : undefined} wrap="truncate-end">
			{`${STREAM_PREFIX[line.stream]}${displayLine(line.text) || ' '}`}
		</Text>
	);
}

/**
 * The step panel, at most `height` rows: title row, description (2 rows),
 * command rows (`$ script` for shell scripts, else the instructions or summary), `vars:` row, status row (attempt, status, exit code, error),
 * progress row, then the output heading and the last output lines that fit
 * (stderr lines start with `! `).
 */
export function StepPanel(props: StepPanelProps) {
	const {view, width, height, tail} = props;
	const description = view.description ? displayLines(view.description.trimEnd()) : [];
	const command = displayLines(view.command.trimEnd());
	const vars = Object.entries(view.vars);
	const rows = panelRows(height, {
		description: description.length,
		command: command.length,
		vars: vars.length > 0 ? 1 : 0,
		progress: props.progress ? 1 : 0,
		output: tail.length,
	});
	const output = rows.output > 0 ? tail.slice(-rows.output) : [];
	const statusColor = STATUS_COLORS[props.status];
	return (
		<Box flexDirection="column" width={width} height={Math.max(1, height)} overflow="hidden">
			<Text bold wrap="truncate-end">
				{titleText(view, props.stepCount)}
			</Text>
			{description.slice(0, rows.description).map((line, i) => (
				<Text key={`d${i}`} dimColor wrap="truncate-end">
					{line || ' '}
				</Text>
			))}
			<CommandRows view={view} lines={command} rows={rows.command} />
			{rows.vars > 0 && <VarsRow vars={vars} />}
			<Text color={statusColor ? tint(statusColor) : undefined} wrap="truncate-end">
				{statusText(props)}
			</Text>
			{rows.progress > 0 && <Text wrap="truncate-end">{`↻ ${displayLine(props.progress ?? '')}`}</Text>}
			{rows.outputHeading > 0 && (
				<Text dimColor wrap="truncate-end">
					{outputHeading(props.totalLines, output.length)}
				</Text>
			)}
			{output.map((line, i) => (
				<OutputLine key={`o${i}`} line={line} />
			))}
		</Box>
	);
}
