/**
 * What the TUI remembers about a run beyond its state: one bounded output tail
 * per step, the last progress line, the command and log of the latest attempt,
 * the latest notice and how the run ended. Pure TypeScript, fed by the
 * {@link RunHandle}'s events; React re-renders from it on a throttled tick, so
 * a step printing a million lines never puts a line into React state.
 */
import type {NoticeEvent, RunEvent, RunFinishedEvent} from '../engine/events.js';
import type {RunHandle} from '../engine/handle.js';
import type {RunState, StepStatus} from '../engine/state.js';
import type {StepEstimates} from '../engine/run-summary.js';
import type {AttemptOutcome} from '../engine/outcome.js';
import {OutputTail} from './tail.js';

/** The latest attempt of a step as the events told it. */
export interface StepLive {
	/** Attempt number (1-based) of the latest `step-started`. */
	attempt?: number;
	/** What runs, for display (script text or a summary). */
	command?: string;
	/** Absolute log path of that attempt. */
	logPath?: string;
	/** The latest `progress` message of that attempt. */
	progress?: string;
	/** How the latest finished attempt ended. */
	outcome?: AttemptOutcome;
	/** Wall time of the latest finished attempt, ms. */
	durationMs?: number;
	/** Note of the latest status (why skipped or marked done). */
	note?: string;
}

/** Lines kept per step in memory (the whole output is in the step's log file). */
export const TAIL_LINES = 500;
/** Longest output line kept in memory, in UTF-16 code units. */
export const TAIL_LINE_LENGTH = 1000;

/** Called after every event the view applied. */
export type RunViewListener = (event: RunEvent) => void;

/**
 * Follows a run from construction (subscribing at once, so no event between
 * the first render and React's effects is lost) until {@link RunView.dispose}.
 */
export class RunView {
	/** The run followed. */
	readonly handle: RunHandle;
	private readonly tails = new Map<string, OutputTail>();
	private readonly live = new Map<string, StepLive>();
	private readonly listeners = new Set<RunViewListener>();
	private readonly unsubscribe: () => void;
	private latestState: RunState;
	/** The latest notice, if any; cleared when another step starts. */
	notice: NoticeEvent | undefined;
	/** How the run ended, once it did. */
	finished: RunFinishedEvent | undefined;
	/** Step of the latest `step-started` event. */
	lastStartedStepId: string | undefined;
	/**
	 * Step of the latest `step-status` event with an end status (succeeded,
	 * failed, skipped, interrupted): the step that just ended, whether it ran a
	 * command, was done by hand or was skipped.
	 */
	lastEndedStepId: string | undefined;
	/** Bumped by every applied event; lets React memoise on it. */
	version = 0;
	/** Steps whose latest status is `running`: kept from the events, so asking costs O(1), not a scan of every step per frame. */
	private readonly runningSteps = new Set<string>();

	constructor(handle: RunHandle) {
		this.handle = handle;
		this.latestState = handle.getState();
		for (const id of this.latestState.order) if (this.latestState.steps[id]?.status === 'running') this.runningSteps.add(id);
		this.unsubscribe = handle.subscribe((event, state) => {
			this.apply(event, state);
		});
	}

	/** The run state after the latest event. */
	get state(): RunState {
		return this.latestState;
	}

	/** The estimates {@link timeLeftMs} added up, and what it keeps from them between events. */
	private estimated: {estimates: StepEstimates; notDone: Set<string>; sum: number} | undefined;

	/**
	 * engine/run-summary.ts `timeLeftMs` (the same figure, ms, or undefined: no
	 * estimate for any step left, or the run is no longer in progress), kept up
	 * to date from the events (a step back to pending, as a rolled-back group's
	 * on resume, is told by a `step-status` event too): the steps are added up
	 * once per `estimates` object, then each frame costs O(running steps), not
	 * O(steps) (issue 14).
	 */
	timeLeftMs(estimates: StepEstimates, now: number): number | undefined {
		const state = this.latestState;
		if (state.status !== 'in-progress') return undefined;
		if (this.estimated?.estimates !== estimates) {
			const notDone = new Set<string>();
			let sum = 0;
			for (const id of state.order) {
				const estimate = estimates[id];
				if (estimate === undefined || isDone(state.steps[id]?.status)) continue;
				notDone.add(id);
				sum += estimate;
			}
			this.estimated = {estimates, notDone, sum};
		}
		const {notDone, sum} = this.estimated;
		if (notDone.size === 0) return undefined;
		let left = sum;
		for (const id of this.runningSteps) {
			const estimate = estimates[id];
			const attempt = state.steps[id]?.attempts.at(-1);
			if (estimate === undefined || !notDone.has(id) || !attempt) continue;
			const spent = now - Date.parse(attempt.startedAt);
			left += Math.max(0, estimate - (Number.isFinite(spent) ? spent : 0)) - estimate;
		}
		return left;
	}

	/** True while a step's latest status is `running` (O(1)). */
	get running(): boolean {
		return this.runningSteps.size > 0;
	}

	/** The bounded output tail of a step (created empty on first use). */
	tail(stepId: string): OutputTail {
		let tail = this.tails.get(stepId);
		if (!tail) {
			tail = new OutputTail({maxLines: TAIL_LINES, maxLineLength: TAIL_LINE_LENGTH});
			this.tails.set(stepId, tail);
		}
		return tail;
	}

	/** What the events said about a step's latest attempt (empty before any). */
	stepLive(stepId: string): StepLive {
		return this.live.get(stepId) ?? {};
	}

	/** Follows applied events; returns the unsubscribe function. */
	onEvent(listener: RunViewListener): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/** Stops following the run. */
	dispose(): void {
		this.unsubscribe();
		this.listeners.clear();
	}

	/** Keeps {@link timeLeftMs}'s sum: a step that is done no longer counts, one that is not (a retry) counts again. */
	private countDone(stepId: string, status: StepStatus): void {
		const kept = this.estimated;
		const estimate = kept?.estimates[stepId];
		if (!kept || estimate === undefined) return;
		if (isDone(status) && kept.notDone.delete(stepId)) kept.sum -= estimate;
		else if (!isDone(status) && !kept.notDone.has(stepId)) {
			kept.notDone.add(stepId);
			kept.sum += estimate;
		}
	}

	private patch(stepId: string, change: Partial<StepLive>): void {
		this.live.set(stepId, {...this.live.get(stepId), ...change});
	}

	private apply(event: RunEvent, state: RunState): void {
		this.latestState = state;
		this.version++;
		switch (event.type) {
			case 'step-started':
				this.tail(event.stepId).clear();
				// A notice about another step (or the run's start) is old news now.
				if (this.notice?.stepId !== event.stepId) this.notice = undefined;
				this.lastStartedStepId = event.stepId;
				this.live.set(event.stepId, {attempt: event.attempt, command: event.command, logPath: event.logPath});
				break;
			case 'output':
				this.tail(event.stepId).push(event);
				break;
			case 'progress':
				this.patch(event.stepId, {progress: event.message});
				break;
			case 'step-status':
				if (event.status === 'running') this.runningSteps.add(event.stepId);
				else this.runningSteps.delete(event.stepId);
				this.countDone(event.stepId, event.status);
				if (event.status !== 'running' && event.status !== 'pending') this.lastEndedStepId = event.stepId;
				if (event.status !== 'running') {
					this.patch(event.stepId, {
						...(event.attempt === undefined ? {} : {attempt: event.attempt}),
						outcome: event.outcome,
						durationMs: event.durationMs,
						note: event.note,
					});
				}
				break;
			case 'notice':
				this.notice = event;
				break;
			case 'run-finished':
				this.finished = event;
				break;
			case 'run-started':
				this.finished = undefined;
				break;
		}
		for (const listener of [...this.listeners]) listener(event);
	}
}

/** Succeeded or skipped: what the time left no longer counts (engine/run-summary.ts timeLeftMs). */
function isDone(status: StepStatus | undefined): boolean {
	return status === 'succeeded' || status === 'skipped';
}
