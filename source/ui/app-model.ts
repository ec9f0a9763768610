/**
 * What the app derives from the run for its components: list rows, the
 * selected step's panel data, the end-of-run summary. Pure functions of the
 * run state, the {@link RunView} and the time.
 */
import type {RunFinishedEvent} from '../engine/events.js';
import type {RunHandle} from '../engine/handle.js';
import type {StepView} from '../engine/ports.js';
import type {Attempt, RunState} from '../engine/state.js';
import {formatCountdown, parseDuration} from '../runbook/duration.js';
import {formatDuration} from './format.js';
import {describeOutcome} from '../engine/outcome.js';
import type {Prompt} from './operator.js';
import type {RunView} from './run-view.js';
import type {StepListItem, StepRows} from './step-list.js';
import type {StepPanelProps} from './step-panel.js';
import {allSteps, findStep} from '../runbook/groups.js';

/** Duration of an attempt, ms: finished − started, or `now` − started while it runs. */
export function attemptDuration(attempt: Attempt | undefined, now: number): number | undefined {
	if (!attempt) return undefined;
	const started = Date.parse(attempt.startedAt);
	if (Number.isNaN(started)) return undefined;
	const end = attempt.finishedAt === undefined ? now : Date.parse(attempt.finishedAt);
	return Number.isNaN(end) ? undefined : Math.max(0, end - started);
}

/** The step view of `stepId`, or a bare one built from the runbook when the handle cannot give it. */
export function safeStepView(handle: RunHandle, stepId: string): StepView {
	try {
		return handle.stepView(stepId);
	} catch {
		const steps = allSteps(handle.runbook);
		const index = steps.findIndex(s => s.id === stepId);
		const step = steps[Math.max(0, index)];
		return {id: stepId, index: Math.max(0, index), title: step?.title ?? stepId, action: '?', command: '', vars: {}, destructive: false, step};
	}
}

/** Position of each id in a state's `order` (the same array all run long), built once per array. */
const orderIndexes = new WeakMap<readonly string[], Map<string, number>>();

/** Where `id` is in `order`, or -1: O(1) after the first call per array. */
export function orderIndex(order: readonly string[], id: string): number {
	let index = orderIndexes.get(order);
	if (!index) {
		index = new Map();
		for (let i = order.length - 1; i >= 0; i--) index.set(order[i]!, i);
		orderIndexes.set(order, index);
	}
	return index.get(id) ?? -1;
}

/** The list row of the step `id`: its status and latest attempt's duration. */
function listItem(handle: RunHandle, state: RunState, now: number, id: string): StepListItem {
	const saved = state.steps[id];
	const last = saved?.attempts.at(-1);
	const place = findStep(handle.runbook, id);
	// A group (format 1.1) that started and has not ended shows as running.
	const open = saved?.status === 'pending' && state.groups?.[id] !== undefined && state.groups[id]!.phase !== 'done';
	return {
		id,
		title: safeStepView(handle, id).title,
		...(place && place.depth > 0 ? {depth: place.depth} : {}),
		...(place?.role === 'rescue' || place?.role === 'always' ? {role: place.role} : {}),
		status: open ? 'running' : (saved?.status ?? 'pending'),
		durationMs: saved?.status === 'running' || last?.finishedAt ? attemptDuration(last, now) : undefined,
	};
}

/**
 * The list rows of `state.order`, each built only when asked for ({@link StepRows}):
 * the step list asks for the rows on screen, so a frame of a run of 5,000 steps
 * builds some tens of rows, not 5,000 (issue 14).
 */
export function listRows(handle: RunHandle, state: RunState, now: number): StepRows {
	return {
		count: state.order.length,
		itemAt: index => listItem(handle, state, now, state.order[index]!),
		indexOf: id => orderIndex(state.order, id),
	};
}

/**
 * The time the step list reads, ms: 0 while no step runs (its rows then do not
 * depend on the time), else `now` rounded down to the last whole second of the
 * running step's attempt, the step the list shows `running for` of (whole
 * seconds, formatDuration's floor): the list's rows then change once a second,
 * not at every frame, and show what `now` would. Should two steps run at once,
 * the other one's seconds may lag by up to a second.
 */
export function listClock(view: RunView, now: number): number {
	if (!view.running) return 0;
	const id = view.lastStartedStepId;
	const startedAt = id === undefined ? undefined : view.state.steps[id]?.attempts.at(-1)?.startedAt;
	const started = startedAt === undefined ? Number.NaN : Date.parse(startedAt);
	if (Number.isNaN(started) || now < started) return now;
	return started + Math.floor((now - started) / 1000) * 1000;
}

/**
 * The step the run is on: the prompt's step, else the state's current step,
 * else the latest started, else the first. Once the run has completed it is on
 * no step of its own: the last step is shown (not the last one that ran a
 * command, which would look like where the run stopped).
 */
export function currentStepId(prompt: Prompt | undefined, view: RunView): string | undefined {
	if (prompt && prompt.kind !== 'param' && prompt.kind !== 'start') return prompt.step.id;
	if (view.finished?.status === 'completed') return view.state.order.at(-1);
	return view.state.currentStepId ?? view.lastStartedStepId ?? view.state.order[0];
}

/** The number of the latest attempt of a step (0 before the first). */
export function latestAttempt(view: RunView, stepId: string): number {
	return view.stepLive(stepId).attempt ?? view.state.steps[stepId]?.attempts.at(-1)?.n ?? 0;
}

/** `{countdown: '2m10s left of 5m'}` for a running attempt of a step with a `timeout`, else `{}`. */
function countdown(timeout: string | undefined, attempt: Attempt | undefined, now: number): {countdown?: string} {
	if (!timeout || !attempt || attempt.finishedAt !== undefined) return {};
	const elapsed = attemptDuration(attempt, now);
	if (elapsed === undefined) return {};
	let timeoutMs: number;
	try {
		timeoutMs = parseDuration(timeout);
	} catch {
		return {};
	}
	return {countdown: formatCountdown(timeoutMs - elapsed, timeout)};
}

/** The panel props of `stepId`, without width and height. */
export function panelData(view: RunView, stepId: string, now: number): Omit<StepPanelProps, 'width' | 'height'> {
	const state = view.state;
	const saved = state.steps[stepId];
	const last = saved?.attempts.at(-1);
	const live = view.stepLive(stepId);
	const tail = view.tail(stepId);
	const status = saved?.status ?? 'pending';
	const attempt = latestAttempt(view, stepId);
	const stepView = safeStepView(view.handle, stepId);
	return {
		view: stepView,
		stepCount: state.order.length,
		status,
		attempt: attempt > 0 ? attempt : undefined,
		outcome: last?.result ?? live.outcome,
		note: saved?.note ?? live.note,
		durationMs: attemptDuration(last, now) ?? live.durationMs,
		// A wait's lines ("next check in 2s", "2/3 pods ready") are stale once it ended: the status row says how.
		progress: status === 'running' || stepView.action !== 'wait' ? live.progress : undefined,
		...(status === 'running' ? countdown(stepView.step?.timeout, last, now) : {}),
		tail: tail.lines(),
		totalLines: tail.totalLines,
	};
}

/**
 * The summary rows of an ended run: how it ended and how long it took, then,
 * unless it completed, how to resume (`resumeCommand`, default
 * `runbook resume <run id>`; the caller adds `--state-dir DIR` when needed).
 */
export function summaryLines(finished: RunFinishedEvent, runId: string, elapsedMs: number, resumeCommand = `runbook resume ${runId}`): string[] {
	const took = formatDuration(elapsedMs);
	const reason = finished.reason ? `: ${finished.reason}` : '';
	const resume = `Resume with: ${resumeCommand}`;
	switch (finished.status) {
		case 'completed':
			return [`✔ Run completed in ${took}.`];
		case 'failed':
			return [`✖ Run failed after ${took}${reason}.`, resume];
		case 'aborted':
			return [`⏸ Run paused after ${took}, progress kept${reason}.`, resume];
		default:
			return [`Run ${finished.status} after ${took}${reason}.`, resume];
	}
}

/** What {@link finalSummary} reads. */
export interface FinalSummaryInput {
	finished: RunFinishedEvent;
	state: RunState;
	/** The runbook's title. */
	title: string;
	/** How long the run went in this process, ms. */
	elapsedMs: number;
	/** Absolute path of the run's folder (state, journal, logs). */
	runDir: string;
	/** The command that resumes the run (default `runbook resume <run id>`). */
	resumeCommand?: string;
}

/**
 * The lines printed to the terminal after the TUI has left the alternate
 * screen, so the end of the run stays in the scrollback: how it ended (the
 * same first line as the last frame's summary), the runbook, steps done of
 * all (skipped among them), one line per failed or interrupted step with its
 * error, the run folder, and, unless it completed, the resume command.
 */
export function finalSummary({finished, state, title, elapsedMs, runDir, resumeCommand}: FinalSummaryInput): string[] {
	const [first, ...resume] = summaryLines(finished, state.runId, elapsedMs, resumeCommand);
	const statuses = state.order.map(id => state.steps[id]?.status ?? 'pending');
	const count = (status: string) => statuses.filter(s => s === status).length;
	const skipped = count('skipped');
	const done = count('succeeded') + skipped;
	const lines = [first, `Runbook: ${title}`, `Steps: ${done}/${state.order.length} done${skipped ? ` (${skipped} skipped)` : ''}.`];
	for (const id of state.order) {
		const step = state.steps[id];
		if (step?.status !== 'failed' && step?.status !== 'interrupted') continue;
		const result = step.attempts.at(-1)?.result;
		const error = result ? describeOutcome(result) : undefined;
		lines.push(`${step.status === 'failed' ? '✖' : '⚠'} Step ${id} ${step.status}${error ? `: ${error}` : ''}`);
	}
	lines.push(`Run folder: ${runDir}`);
	return [...lines, ...resume];
}
