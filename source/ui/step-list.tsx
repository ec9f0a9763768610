/**
 * The list of steps with a status mark each, windowed to the rows available
 * around the focused step. Virtualised: only the rows on screen are asked for
 * ({@link StepRows}) and drawn, so a frame costs O(rows shown), not O(steps)
 * (issue 14: runbooks of thousands of steps).
 */
import {createContext, memo, useContext} from 'react';
import {Box, Text} from 'ink';
import type {StepStatus} from '../engine/state.js';
import {tint} from './color.js';
import {displayText, formatDuration, formatRunning} from './format.js';
import {windowList} from './layout.js';

/** One row of the list. */
export interface StepListItem {
	id: string;
	title: string;
	status: StepStatus;
	/** Duration of the latest attempt, ms (running: so far); omitted when there was none. */
	durationMs?: number;
	/** How many groups (format 1.1) the step is inside; the title is indented two columns per level. */
	depth?: number;
	/** Set for a step of a group's `rescue` or `always` list: the title says so. */
	role?: 'rescue' | 'always';
}

/**
 * The steps of a list, asked for one at a time: {@link StepList} asks only for
 * the rows it shows (some tens), however many steps there are.
 */
export interface StepRows {
	/** How many steps there are. */
	count: number;
	/** The row of the step at `index` (0-based, runbook order; 0 <= index < count). */
	itemAt(index: number): StepListItem;
	/** Where the step with this id is (0-based), or -1. Should be O(1): it is asked every frame. */
	indexOf(id: string): number;
}

/** {@link StepRows} over a list built whole (tests, short lists). */
export function rowsOf(items: readonly StepListItem[]): StepRows {
	return {count: items.length, itemAt: index => items[index]!, indexOf: id => items.findIndex(item => item.id === id)};
}

/** Props of {@link StepList}. */
export interface StepListProps {
	/** Every step, in runbook order: built whole, or {@link StepRows} asked only for the rows shown. */
	steps: readonly StepListItem[] | StepRows;
	/** The step the run is on (marked `•` while another step is selected). */
	currentId?: string;
	/** The step the panel shows (marked `›`); defaults to `currentId`. */
	selectedId?: string;
	/** Rows available; the list is windowed with "… N more" rows to fit. */
	height: number;
	/** Columns available; rows are cut to fit. */
	width: number;
}

/**
 * The spinner's frame of a running step: any integer, taken modulo the frames
 * ({@link spinnerFrame} of the clock). The list has no timer of its own (a
 * spinner's own 80 ms interval was a whole Ink frame 12 times a second), and the
 * frame comes through a context so that turning it re-renders the running
 * step's mark only, not the (memoised) list.
 */
export const SpinnerFrame = createContext(0);

/** The running step's spinner, cli-spinners' `dots` (what @inkjs/ui's Spinner draws). */
export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** Milliseconds per spinner frame when the frame is read from the clock. */
export const SPINNER_FRAME_MS = 100;

/** The spinner frame at `now` (ms since the epoch): it turns with the renders that read the clock. */
export function spinnerFrame(now: number): number {
	return Math.floor(now / SPINNER_FRAME_MS);
}

/**
 * Status marks, readable without colour: pending ○, succeeded ✔, failed ✖,
 * skipped ↷, interrupted ⚠ (running is a spinner).
 */
export const STATUS_MARKS: Record<Exclude<StepStatus, 'running'>, string> = {
	pending: '○',
	succeeded: '✔',
	failed: '✖',
	skipped: '↷',
	interrupted: '⚠',
};

const MARK_COLORS: Record<StepStatus, string | undefined> = {
	pending: undefined,
	running: 'cyan',
	succeeded: 'green',
	failed: 'red',
	skipped: 'gray',
	interrupted: 'yellow',
};

function Mark({status}: {status: StepStatus}) {
	if (status === 'running') return <SpinnerMark />;
	return <Text color={MARK_COLORS[status] ? tint(MARK_COLORS[status]!) : undefined}>{STATUS_MARKS[status]}</Text>;
}

/** The spinner in @inkjs/ui's colour (blue), at the frame of {@link SpinnerFrame}. */
function SpinnerMark() {
	const frame = useContext(SpinnerFrame);
	const at = ((frame % SPINNER_FRAMES.length) + SPINNER_FRAMES.length) % SPINNER_FRAMES.length;
	return <Text color={tint('blue')}>{SPINNER_FRAMES[at]}</Text>;
}

/**
 * The step list: `› ✔  3. Title   12s` per row (`›` the selected step, `•` the
 * current one when another is selected), windowed around the selected step.
 */
export const StepList = memo(function StepList({steps, currentId, selectedId, height, width}: StepListProps) {
	const rows = isRows(steps) ? steps : rowsOf(steps);
	const focusId = selectedId ?? currentId;
	const focus = Math.max(0, focusId === undefined ? -1 : rows.indexOf(focusId));
	const win = windowList(rows.count, focus, height);
	const digits = String(rows.count).length;
	const shown: StepListItem[] = [];
	for (let index = win.start; index < win.end; index++) shown.push(rows.itemAt(index));
	return (
		<Box flexDirection="column" width={width} height={Math.max(1, height)} overflow="hidden">
			{win.above > 0 && (
				<Text dimColor wrap="truncate-end">
					{`  … ${win.above} more`}
				</Text>
			)}
			{shown.map((step, offset) => {
				const index = win.start + offset;
				const duration = step.durationMs === undefined ? '' : step.status === 'running' ? formatRunning(step.durationMs) : formatDuration(step.durationMs);
				const mark = step.id === focusId ? '›' : step.id === currentId ? '•' : ' ';
				const label = `${String(index + 1).padStart(digits)}. ${'  '.repeat(step.depth ?? 0)}${step.role ? `${step.role}: ` : ''}${displayText(step.title)}`;
				// Rows whose props did not change (all but the running one, mostly) are skipped by React.
				return <StepRow key={step.id} mark={mark} status={step.status} label={label} duration={duration} width={width} />;
			})}
			{win.below > 0 && (
				<Text dimColor wrap="truncate-end">
					{`  … ${win.below} more`}
				</Text>
			)}
		</Box>
	);
});

/** Props of one {@link StepRow}: strings and numbers only, so `memo` compares them cheaply. */
interface StepRowProps {
	/** `›` selected, `•` current, or a space. */
	mark: string;
	status: StepStatus;
	/** `  3. Title`, already made displayable. */
	label: string;
	/** `12s`, or empty for none. */
	duration: string;
	width: number;
}

/** One row of the list; re-rendered only when what it shows changed (memo). */
const StepRow = memo(function StepRow({mark, status, label, duration, width}: StepRowProps) {
	const selected = mark === '›';
	return (
		<Box width={width}>
			<Box flexShrink={0} width={2}>
				<Text bold={selected}>{mark}</Text>
			</Box>
			<Box flexShrink={0} width={2}>
				<Mark status={status} />
			</Box>
			<Box flexGrow={1} flexShrink={1} minWidth={0}>
				<Text bold={selected} wrap="truncate-end">
					{label}
				</Text>
			</Box>
			{duration && (
				<Box flexShrink={0} marginLeft={1}>
					<Text dimColor>{duration}</Text>
				</Box>
			)}
		</Box>
	);
});

function isRows(steps: readonly StepListItem[] | StepRows): steps is StepRows {
	return !Array.isArray(steps);
}
