/**
 * Before a run starts in a terminal: when unfinished runs of the same runbook
 * exist, offer to resume one, start a new run, or quit.
 */
import type React from 'react';
import {useState} from 'react';
import {Box, Text, render, useInput, useWindowSize} from 'ink';
import {Select, ThemeProvider} from '@inkjs/ui';
import {uiTheme} from './color.js';
import {formatLocalTime, textWidth, truncateEnd, wrapText} from './format.js';
import {runStatusWord} from '../engine/state.js';

/** An unfinished run offered for resuming (the fields of the store's run summary it reads). */
export interface ResumeCandidate {
	runId: string;
	/** The run's status: `failed`, `aborted`, or `in-progress` (its process ended without saying so). */
	status: string;
	/** Steps done (succeeded or skipped) and in all. */
	done: number;
	total: number;
	/** The step the run stopped at. */
	currentStepId?: string;
	/** `user@host` of whoever started it. */
	startedBy: string;
	/** When it was started and last active (ISO-8601). */
	createdAt: string;
	updatedAt: string;
}

/** Props of {@link ResumeChooser}. */
export interface ResumeChooserProps {
	/** The runbook's title. */
	title: string;
	/** Unfinished runs, newest first. */
	runs: ResumeCandidate[];
	/** Called once with a run id, `new` or `quit`. */
	onChoice: (choice: string) => void;
	/** For tests: the time "today" is judged against (default: now). */
	now?: Date;
}

/** Columns before a Select option's label: the pointer `❯` and a space (or two spaces). */
const POINTER_COLUMNS = 2;

/** How a status reads in the chooser: `failed`, `paused` (saved `aborted`), `interrupted` (its process ended while it ran). */
export function statusWord(status: string): string {
	if (status === 'in-progress') return 'interrupted';
	return runStatusWord(status);
}

/** The end of a run id (`…e49b`: its random suffix), or the whole id when it has no dash. */
export function runIdSuffix(runId: string): string {
	const dash = runId.lastIndexOf('-');
	return dash >= 0 && dash < runId.length - 1 ? `…${runId.slice(dash + 1)}` : runId;
}

/**
 * The option label of a run, one row of at most `width` columns:
 * `Resume 23:41 run …e49b · failed at "one" · 0/1 done · root@vm` (the time it
 * was last active, local; a date before it when not today). When too wide, the
 * step name is cut first (down to 8 columns), then who started it, at the end.
 */
export function resumeLabel(run: ResumeCandidate, width: number, now: Date = new Date()): string {
	const head = `Resume ${formatLocalTime(run.updatedAt, now)} run ${runIdSuffix(run.runId)} · ${statusWord(run.status)}`;
	const counts = ` · ${run.done}/${run.total} done`;
	const by = ` · ${run.startedBy}`;
	const at = (step: string) => ` at "${step}"`;
	const step = run.currentStepId;
	const whole = `${head}${step ? at(step) : ''}${counts}${by}`;
	if (textWidth(whole) <= width || !step) return truncateEnd(whole, width);
	const room = width - textWidth(head) - textWidth(at('')) - textWidth(counts) - textWidth(by);
	if (room >= 8) return `${head}${at(truncateEnd(step, room))}${counts}${by}`;
	return truncateEnd(`${head}${at(truncateEnd(step, 8))}${counts}${by}`, width);
}

/** The details of a run under the list: its whole id, when it was started and last active, who started it. */
export function resumeDetails(run: ResumeCandidate, now: Date = new Date()): string {
	const step = run.currentStepId ? ` at step "${run.currentStepId}"` : '';
	return `run ${run.runId}: ${statusWord(run.status)}${step}, ${run.done} of ${run.total} steps done; started ${formatLocalTime(run.createdAt, now, true)} by ${run.startedBy}, last active ${formatLocalTime(run.updatedAt, now, true)}`;
}

/**
 * The chooser: a Select of the unfinished runs (one row each), "start a new
 * run" and "quit", and below it the details of the highlighted run.
 */
export function ResumeChooser({title, runs, onChoice, now}: ResumeChooserProps): React.JSX.Element {
	const {columns} = useWindowSize();
	const options = [...runs.map(run => ({label: resumeLabel(run, columns - POINTER_COLUMNS, now), value: run.runId})), {label: 'Start a new run', value: 'new'}, {label: 'Quit', value: 'quit'}];
	// Select does not tell which option is highlighted: follow ↑/↓ as it does (it stops at both ends).
	const [focus, setFocus] = useState(0);
	useInput((input, key) => {
		if (input === 'q' || key.escape) onChoice('quit');
		else if (key.upArrow) setFocus(f => Math.max(0, f - 1));
		else if (key.downArrow) setFocus(f => Math.min(options.length - 1, f + 1));
	});
	const highlighted = runs[focus];
	const details = highlighted ? resumeDetails(highlighted, now) : focus === runs.length ? 'Starts a new run; the unfinished runs stay and can be resumed later.' : 'Leaves without running anything.';
	// The theme honours NO_COLOR (Select's focus colour), as the run's TUI does.
	return (
		<ThemeProvider theme={uiTheme()}>
			<Box flexDirection="column">
				<Text bold wrap="truncate-end">
					{title}
				</Text>
				<Text>{runs.length === 1 ? 'An unfinished run of this runbook exists.' : `${runs.length} unfinished runs of this runbook exist.`} Resume it, or start anew?</Text>
				<Select options={options} onChange={onChoice} visibleOptionCount={Math.min(options.length, 8)} />
				<Box marginTop={1} flexDirection="column">
					{wrapText(details, Math.max(10, columns)).map((line, i) => (
						<Text key={i} dimColor>
							{line}
						</Text>
					))}
				</Box>
				<Text dimColor>↑/↓ choose · Enter select · q quit</Text>
			</Box>
		</ThemeProvider>
	);
}

/**
 * Shows {@link ResumeChooser} and resolves with the operator's choice: a run id,
 * `new`, or `quit`.
 */
export async function chooseResume(title: string, runs: ResumeCandidate[]): Promise<string> {
	let chosen = 'quit';
	const app = render(
		<ResumeChooser
			title={title}
			runs={runs}
			onChoice={choice => {
				chosen = choice;
				app.unmount();
			}}
		/>,
		{exitOnCtrlC: true, interactive: true},
	);
	await app.waitUntilExit();
	return chosen;
}
