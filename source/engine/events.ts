/**
 * Events a run emits, as a typed union with one shape per kind (after zx's log
 * entries). The TUI, the plain line reporter and tests subscribe to them; each
 * listener gets the event and the run state after it was applied.
 */
import type {OutputChunk} from './output.js';
import type {StepPhases} from './ports.js';
import type {Decision, RunState, RunStatus, StepStatus} from './state.js';
import type {AttemptOutcome} from './outcome.js';

/** The run began (or resumed). */
export interface RunStartedEvent {
	type: 'run-started';
	runId: string;
	resumed: boolean;
}

/** An attempt of a step's action started. */
export interface StepStartedEvent {
	type: 'step-started';
	stepId: string;
	attempt: number;
	/** What runs, for display (script text or a summary). */
	command: string;
	/** Absolute log path of this attempt, when it has one. */
	logPath?: string;
}

/** Output of the running step (already redacted). */
export interface OutputEvent extends OutputChunk {
	type: 'output';
	stepId: string;
}

/** Progress of a wait or a long action, in one line ("attempt 3: exit 1; next check in 2s"). */
export interface ProgressEvent {
	type: 'progress';
	stepId: string;
	message: string;
	/** Time left of the attempt's `timeout`, ms, when the step has one (at the moment of the event). */
	leftMs?: number;
	/** The step's `timeout` as the runbook wrote it (`5m`), with {@link ProgressEvent.leftMs}. */
	timeout?: string;
}

/** A step reached a new status (final or not: `failed` may be retried). */
export interface StepStatusEvent {
	type: 'step-status';
	stepId: string;
	status: StepStatus;
	attempt?: number;
	exitCode?: number | null;
	/** How the attempt ended, when this status ends one. */
	outcome?: AttemptOutcome;
	/** describeOutcome(outcome) of a failed or interrupted attempt, one line (for the journal). */
	error?: string;
	durationMs?: number;
	note?: string;
	/** When the attempt's shell command passed each phase (ports.ts StepPhases). */
	phases?: StepPhases;
}

/** Something the operator should know (runbook changed, retry in 2s, a command being stopped). */
export interface NoticeEvent {
	type: 'notice';
	level: 'info' | 'warn' | 'error';
	message: string;
	stepId?: string;
}

/** The operator decided something (confirm, skip, retry, mark done, resume...); also kept in the state. */
export interface DecisionEvent {
	type: 'decision';
	decision: Decision;
}

/** The run ended (completed, failed, or aborted by the operator or a signal). */
export interface RunFinishedEvent {
	type: 'run-finished';
	status: RunStatus;
	/** One line: why it ended, e.g. `step restore failed: exit code 3`. */
	reason?: string;
}

/** Every event a run emits. */
export type RunEvent = RunStartedEvent | StepStartedEvent | OutputEvent | ProgressEvent | StepStatusEvent | NoticeEvent | DecisionEvent | RunFinishedEvent;

/** A subscriber to run events; `state` is the state after the event. */
export type RunListener = (event: RunEvent, state: RunState) => void;
