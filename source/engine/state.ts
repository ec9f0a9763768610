/**
 * The saved state of a run: what `runbook resume` needs to continue where the
 * last process stopped. Plain data (JSON), written after every transition.
 *
 * Secrets never appear here: secret params and secret `ask` answers are kept in
 * memory only and asked again on resume.
 */

import type {AttemptOutcome, DecisionReason} from './outcome.js';

/** Status of one step. `interrupted`: it was running when the process ended. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'interrupted';

/**
 * Status of a run. `aborted`: the operator quit, a flag was missing without a
 * terminal, or a signal stopped it; it can be resumed. The saved value stays
 * `aborted` so older state files load; people read it as `paused` ({@link runStatusWord}).
 */
export type RunStatus = 'in-progress' | 'completed' | 'failed' | 'aborted';

/**
 * How a run status reads to people: `aborted` is `paused` (progress is kept and
 * `runbook resume` continues it); other values read as saved. Accepts any string
 * (`damaged` from `runbook runs`).
 */
export function runStatusWord(status: string): string {
	return status === 'aborted' ? 'paused' : status;
}

/**
 * One execution of a step's action. Times are ISO-8601 strings. `result` is how it ended,
 * typed; `outcome`, `exitCode`, `signal` and `error` are still written from it, as the state
 * format had them before (a state saved before `result` existed gets one on load:
 * store/state-schema.ts).
 */
export interface Attempt {
	/** 1-based attempt number across the whole life of the step (retries and re-runs included). */
	n: number;
	startedAt: string;
	finishedAt?: string;
	/** Process exit code; null when killed by a signal or when no process ran. */
	exitCode?: number | null;
	/** Signal that ended the process, such as `SIGTERM`. */
	signal?: string;
	outcome?: 'succeeded' | 'failed' | 'interrupted' | 'timed-out';
	/** How it ended, typed (engine/outcome.ts); set once it finished. Readers use this, never `error`. */
	result?: AttemptOutcome;
	/** Why it failed, in one line: describeOutcome(result), kept for earlier readers of the file. */
	error?: string;
	/** Path of the full output log of this attempt, relative to the run directory. */
	log?: string;
	/** Who ran it, `user@host`. */
	by?: string;
	/** Process group id of the command while it runs, and the host it runs on. */
	pgid?: number;
	host?: string;
	/** The id every process of the command carries in its environment (`RUNBOOK_COMMAND_ID`), so that a resume finds those that left the group. */
	commandId?: string;
}

/** Saved state of one step. */
export interface StepState {
	id: string;
	status: StepStatus;
	attempts: Attempt[];
	/** When the step reached its final status (ISO-8601). */
	finishedAt?: string;
	/** Why it was skipped or marked done: `when` false, operator skip, operator mark done. */
	note?: string;
	/**
	 * A checklist step (format 1.1): the items ticked so far, as the runbook writes them
	 * (before variables are resolved), in the order they were ticked. A resume keeps only
	 * items the runbook's checklist still has (store/trust.ts).
	 */
	ticked?: string[];
}

/** Kinds of operator decisions, recorded in order. */
export type DecisionKind = 'run' | 'confirm' | 'decline' | 'skip' | 'retry' | 'wait-longer' | 'mark-done' | 'rerun-interrupted' | 'stop' | 'quit' | 'resume' | 'runbook-changed-accepted' | 'context-change-accepted' | 'roll-back' | 'tick';

/** An operator decision: who, when, on which step, what, and why (typed: readers switch on `reason`, never on `detail`). */
export interface Decision {
	at: string;
	by: string;
	kind: DecisionKind;
	stepId?: string;
	/** Words for people: the question answered, the item ticked. */
	detail?: string;
	reason?: DecisionReason;
}

/**
 * Where a group (runbook format 1.1) is: running its `steps` (`body`), its `rescue`
 * after the operator chose to roll back (or, without a terminal, by itself), its
 * `always` steps, or `done`. A group with no entry has not started.
 */
export type GroupPhase = 'body' | 'rescue' | 'always' | 'done';

/** Saved bookkeeping of one group. Its own StepState says `succeeded` or `failed` once it is `done`. */
export interface GroupState {
	phase: GroupPhase;
	/**
	 * How the group ends (known from the end of `body` or `rescue` on): `succeeded`;
	 * `rolled-back` (a step failed and the rescue ran: "failed, rolled back"); `failed`
	 * (it ended because a group inside it was rolled back, or an enclosing group rolls back).
	 */
	outcome?: 'succeeded' | 'rolled-back' | 'failed';
	/** Set with outcome `failed` when an enclosing group is to run its rescue: that group's id. */
	rollBackTo?: string;
	/** The step whose failure started the rescue. */
	failedStep?: string;
}

/** The whole saved state of a run (format version 1). */
export interface RunState {
	stateVersion: 1;
	runId: string;
	/** Absolute path of the runbook file. */
	runbookPath: string;
	/** sha256 (hex) of the runbook file's bytes when the run began or was last resumed. */
	runbookHash: string;
	title: string;
	status: RunStatus;
	createdAt: string;
	updatedAt: string;
	/** `user@host` of whoever started the run. */
	startedBy: string;
	/** Working directory of the run's commands (absolute): where the run was started. */
	cwd: string;
	/** Non-secret variable values: params, ask answers, captures. */
	vars: Record<string, string>;
	/** Names of secret variables (values never stored). */
	secretVars: string[];
	/** Step ids in runbook order. */
	order: string[];
	steps: Record<string, StepState>;
	decisions: Decision[];
	/** The step the run is on (the next to run, or the one running). */
	currentStepId?: string;
	/** Groups (runbook format 1.1) that started, by id; absent in runs of runbooks without groups. */
	groups?: Record<string, GroupState>;
	/** The Kubernetes target the run acts on, when it has Kubernetes steps (resume checks it is the same). */
	kube?: {context: string; cluster: string; server: string; namespace: string};
}

/** Steps in a final state that the run does not revisit on resume. */
export function isStepDone(status: StepStatus): boolean {
	return status === 'succeeded' || status === 'skipped';
}

/**
 * Steps records updated in place, with the ids updated since they were last saved.
 * The runner owns the `steps` record of its state ({@link ownSteps}): a transition of
 * one step then sets that step in it instead of copying all of them, which cost O(steps)
 * per transition, some 10 ms at 5,000 steps (issue 14); the store's diff reads the ids
 * here instead of comparing every step. Any other record (tests, loaded states) is
 * copied as before: transitions stay pure for every state not owned.
 */
const ownedSteps = new WeakMap<Record<string, StepState>, Set<string>>();

/** Lets transitions update `steps` in place from now on (an object no one else keeps). */
export function ownSteps(steps: Record<string, StepState>): void {
	if (!ownedSteps.has(steps)) ownedSteps.set(steps, new Set());
}

/** Ids of steps updated in place in `steps` since {@link clearStepsChanged}; undefined when not owned. */
export function stepsChanged(steps: Record<string, StepState>): ReadonlySet<string> | undefined {
	return ownedSteps.get(steps);
}

/** Records that the in-place updates of `steps` so far are saved. */
export function clearStepsChanged(steps: Record<string, StepState>): void {
	ownedSteps.get(steps)?.clear();
}

/** Sets one step of an owned `steps` record in place and notes it as changed. */
export function setOwnedStep(steps: Record<string, StepState>, step: StepState): boolean {
	const changed = ownedSteps.get(steps);
	if (!changed) return false;
	steps[step.id] = step;
	changed.add(step.id);
	return true;
}
