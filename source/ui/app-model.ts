/**
 * What the app derives from the run for its components: list rows, the
 * selected step's panel data, the end-of-run summary. Pure functions of the
 * run state, the {@link RunView} and the time.
 */
import type {RunFinishedEvent} from '../engine/events.js';
import type {RunHandle} from '../engine/handle.js';
import type {StepView} from '../engine/ports.js';
import type {Attempt, RunState} from '../engine/state.js';
import {formatDuration} from './format.js';
import type {Prompt} from './operator.js';
import type {RunView} from './run-view.js';
import type {StepListItem} from './step-list.js';
import type {StepPanelProps} from './step-panel.js';

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
		const index = handle.runbook.steps.findIndex(s => s.id === stepId);
		const step = handle.runbook.steps[Math.max(0, index)];
		return {id: stepId, index: Math.max(0, index), title: step?.title ?? stepId, action: '?', command: '', vars: {}, destructive: false, step};
	}
}

/** The list rows: every step of `state.order` with its status and latest attempt's duration. */
export function listItems(handle: RunHandle, state: RunState, now: number): StepListItem[] {
	return state.order.map(id => {
		const saved = state.steps[id];
		const last = saved?.attempts.at(-1);
		return {
			id,
			title: safeStepView(handle, id).title,
			status: saved?.status ?? 'pending',
			durationMs: saved?.status === 'running' || last?.finishedAt ? attemptDuration(last, now) : undefined,
		};
	});
}

/** The step the run is on: the prompt's step, else the state's current step, else the latest started, else the first. */
export function currentStepId(prompt: Prompt | undefined, view: RunView): string | undefined {
	if (prompt && prompt.kind !== 'param') return prompt.step.id;
	return view.state.currentStepId ?? view.lastStartedStepId ?? view.state.order[0];
}

/** The number of the latest attempt of a step (0 before the first). */
export function latestAttempt(view: RunView, stepId: string): number {
	return view.stepLive(stepId).attempt ?? view.state.steps[stepId]?.attempts.at(-1)?.n ?? 0;
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
	return {
		view: safeStepView(view.handle, stepId),
		stepCount: state.order.length,
		status,
		attempt: attempt > 0 ? attempt : undefined,
		exitCode: last?.exitCode ?? live.exitCode,
		error: last?.error ?? live.error,
		note: saved?.note ?? live.note,
		durationMs: attemptDuration(last, now) ?? live.durationMs,
		progress: live.progress,
		tail: tail.lines(),
		totalLines: tail.totalLines,
	};
}

/**
 * The summary rows of an ended run: how it ended and how long it took, then,
 * unless it completed, how to resume (`runbook resume <run id>`).
 */
export function summaryLines(finished: RunFinishedEvent, runId: string, elapsedMs: number): string[] {
	const took = formatDuration(elapsedMs);
	const reason = finished.reason ? `: ${finished.reason}` : '';
	const resume = `Resume with: runbook resume ${runId}`;
	switch (finished.status) {
		case 'completed':
			return [`✔ Run completed in ${took}.`];
		case 'failed':
			return [`✖ Run failed after ${took}${reason}.`, resume];
		case 'aborted':
			return [`⚠ Run stopped after ${took}, progress kept${reason}.`, resume];
		default:
			return [`Run ${finished.status} after ${took}${reason}.`, resume];
	}
}
