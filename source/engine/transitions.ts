/**
 * Pure transitions of a run's state: each takes a state and returns a new one
 * (the input is never mutated, except a `steps` record the runner owns: see
 * ownSteps in engine/state.ts). The runner applies them and saves the result
 * after every call, so the saved state is always one transition behind at most.
 */
import type {Attempt, Decision, GroupState, RunState, RunStatus, StepState, StepStatus} from './state.js';
import {setOwnedStep} from './state.js';
import {type AttemptOutcome, describeOutcome, outcomeStatus, outcomeWord} from './outcome.js';

/** What a new run starts from. */
export interface NewRunInput {
	runId: string;
	runbookPath: string;
	runbookHash: string;
	title: string;
	stepIds: string[];
	by: string;
	at: Date;
	/** Working directory of the run's commands (absolute). */
	cwd: string;
	vars: Record<string, string>;
	secretVars: string[];
}

/** A fresh run state: every step pending, status `in-progress`. */
export function newRunState(input: NewRunInput): RunState {
	const at = input.at.toISOString();
	const steps: Record<string, StepState> = {};
	for (const id of input.stepIds) steps[id] = {id, status: 'pending', attempts: []};
	return {
		stateVersion: 1,
		runId: input.runId,
		runbookPath: input.runbookPath,
		runbookHash: input.runbookHash,
		title: input.title,
		status: 'in-progress',
		createdAt: at,
		updatedAt: at,
		startedBy: input.by,
		cwd: input.cwd,
		vars: {...input.vars},
		secretVars: [...input.secretVars],
		order: [...input.stepIds],
		steps,
		decisions: [],
		currentStepId: input.stepIds[0],
	};
}

function touch(state: RunState, at: Date, patch: Partial<RunState>): RunState {
	return {...state, ...patch, updatedAt: at.toISOString()};
}

/** The state with one step updated: in place in a `steps` record the runner owns (engine/state.ts ownSteps), else in a copy. */
function withStep(state: RunState, stepId: string, at: Date, update: (step: StepState) => StepState): RunState {
	const step = state.steps[stepId];
	if (!step) throw new Error(`unknown step ${stepId}`);
	const next = update(step);
	if (setOwnedStep(state.steps, next)) return touch(state, at, {});
	return touch(state, at, {steps: {...state.steps, [stepId]: next}});
}

/** Starts a new attempt of a step: status `running`, attempt number one past the last. */
export function startAttempt(state: RunState, stepId: string, at: Date, by: string, log?: string): RunState {
	const next = withStep(state, stepId, at, step => {
		const attempt: Attempt = {n: step.attempts.length + 1, startedAt: at.toISOString(), by, ...(log ? {log} : {})};
		return {...step, status: 'running', attempts: [...step.attempts, attempt], finishedAt: undefined, note: undefined};
	});
	return {...next, currentStepId: stepId};
}

/** Sets the step the run is on (the next to run, or the one running). */
export function setCurrentStep(state: RunState, stepId: string, at: Date): RunState {
	return touch(state, at, {currentStepId: stepId});
}

/** Records the process group, host and command id (RUNBOOK_COMMAND_ID) of the last attempt's command. */
export function setAttemptProcess(state: RunState, stepId: string, at: Date, pgid: number, host?: string, commandId?: string): RunState {
	return withStep(state, stepId, at, step => {
		const attempts = [...step.attempts];
		const last = attempts.at(-1);
		if (last) attempts[attempts.length - 1] = {...last, pgid, ...(host ? {host} : {}), ...(commandId ? {commandId} : {})};
		return {...step, attempts};
	});
}

/**
 * The result of an attempt: how it ended, and the exit code and signal of its last
 * process when one ran (a timeout or a stop still has them).
 */
export interface AttemptResult {
	outcome: AttemptOutcome;
	exitCode?: number | null;
	signal?: string;
}

/**
 * Ends the last attempt of a step and sets the step's status from the outcome
 * (engine/outcome.ts outcomeStatus): succeeded → `succeeded`, stopped or lost →
 * `interrupted`, any other → `failed`. The attempt keeps the typed outcome and, for
 * earlier readers of the state file, its word and line.
 */
export function finishAttempt(state: RunState, stepId: string, at: Date, result: AttemptResult): RunState {
	const status: StepStatus = outcomeStatus(result.outcome);
	const error = result.outcome.kind === 'succeeded' ? undefined : describeOutcome(result.outcome);
	return withStep(state, stepId, at, step => {
		const attempts = [...step.attempts];
		const last = attempts.at(-1);
		if (last) {
			attempts[attempts.length - 1] = {
				...last,
				finishedAt: at.toISOString(),
				outcome: outcomeWord(result.outcome),
				result: result.outcome,
				...(result.exitCode !== undefined ? {exitCode: result.exitCode} : {}),
				...(result.signal ? {signal: result.signal} : {}),
				...(error ? {error} : {}),
			};
		}
		return {...step, status, attempts, finishedAt: at.toISOString()};
	});
}

/** Sets a step's status directly (skip, mark done, manual done), with a note saying why. */
export function setStepStatus(state: RunState, stepId: string, at: Date, status: StepStatus, note?: string): RunState {
	return withStep(state, stepId, at, step => ({
		...step,
		status,
		finishedAt: status === 'pending' || status === 'running' ? undefined : at.toISOString(),
		...(note === undefined ? {note: undefined} : {note}),
	}));
}

/** Records that the operator ticked `item` (as the runbook writes it) of a checklist step; ticking it again changes nothing. */
export function tickItem(state: RunState, stepId: string, at: Date, item: string): RunState {
	return withStep(state, stepId, at, step => (step.ticked?.includes(item) ? step : {...step, ticked: [...(step.ticked ?? []), item]}));
}

/** Records an operator decision. */
export function recordDecision(state: RunState, at: Date, decision: Omit<Decision, 'at'>): RunState {
	return touch(state, at, {decisions: [...state.decisions, {at: at.toISOString(), ...decision}]});
}

/**
 * Records the Kubernetes target a resumed run continues against and, in the same state, the
 * operator's decision accepting it (one save: a run killed here has both or neither, so a
 * later resume asks again rather than finding the new target recorded without the decision).
 */
export function acceptTargetChange(state: RunState, at: Date, kube: NonNullable<RunState['kube']>, decision: Omit<Decision, 'at'>): RunState {
	return recordDecision({...state, kube}, at, decision);
}

/** Sets a non-secret variable (an `ask` answer or a `capture`). */
export function setVar(state: RunState, at: Date, name: string, value: string): RunState {
	return touch(state, at, {vars: {...state.vars, [name]: value}});
}

/** Marks a variable as secret: its name is kept (to ask again on resume), never its value. */
export function addSecretVar(state: RunState, at: Date, name: string): RunState {
	if (state.secretVars.includes(name)) return state;
	const {[name]: _dropped, ...vars} = state.vars;
	return touch(state, at, {secretVars: [...state.secretVars, name], vars});
}

/** Sets the run's status and the step it is on (`null`: none, as when completed; undefined: unchanged). */
export function setRunStatus(state: RunState, at: Date, status: RunStatus, currentStepId?: string | null): RunState {
	if (currentStepId === null) {
		const {currentStepId: _done, ...rest} = state;
		return touch(rest, at, {status});
	}
	return touch(state, at, {status, ...(currentStepId === undefined ? {} : {currentStepId})});
}

/**
 * Records where a group is (runbook format 1.1): its phase and, once known, how it ends.
 * `undefined` removes the group's entry (it starts anew, as on a resume after it was rolled back).
 */
export function setGroup(state: RunState, groupId: string, at: Date, group: GroupState | undefined): RunState {
	const {[groupId]: _old, ...others} = state.groups ?? {};
	const groups = group ? {...others, [groupId]: group} : others;
	return touch(state, at, {groups});
}

/**
 * Sets steps back to `pending` (their attempts are kept), as when a group that was rolled
 * back runs again from its start on a resume.
 */
export function resetSteps(state: RunState, stepIds: readonly string[], at: Date): RunState {
	const steps = {...state.steps};
	for (const id of stepIds) {
		const step = steps[id];
		if (step) steps[id] = {...step, status: 'pending', finishedAt: undefined, note: undefined, ticked: undefined};
	}
	return touch(state, at, {steps});
}

const LOST: AttemptOutcome = {kind: 'lost'};

/** What changed when a saved run was matched to the runbook file as it is now. */
export interface Reconciliation {
	state: RunState;
	/** Steps the state knew that the runbook no longer has (their records are dropped). */
	removed: string[];
	/** Steps of the runbook the state did not know (they start pending). */
	added: string[];
	/** Steps that were `running` when the last process ended, now `interrupted`. */
	interrupted: string[];
	/** True when the runbook's hash differs from the one the run recorded. */
	changed: boolean;
}

/**
 * Prepares a saved state for resuming against the runbook as it is now: steps are
 * mapped by id (format: "stable across edits: resume maps state by id"), steps
 * found `running` become `interrupted` (they are never re-run on their own), and
 * the run goes back to `in-progress`.
 */
export function reconcileForResume(saved: RunState, stepIds: string[], runbookHash: string, at: Date): Reconciliation {
	const steps: Record<string, StepState> = {};
	const added: string[] = [];
	const interrupted: string[] = [];
	for (const id of stepIds) {
		const old = saved.steps[id];
		if (!old) {
			added.push(id);
			steps[id] = {id, status: 'pending', attempts: []};
			continue;
		}
		if (old.status === 'running') {
			interrupted.push(id);
			const attempts = old.attempts.map((a, i) => (i === old.attempts.length - 1 && !a.finishedAt ? {...a, outcome: 'interrupted' as const, result: LOST, error: describeOutcome(LOST)} : a));
			steps[id] = {...old, status: 'interrupted', attempts};
		} else {
			steps[id] = old;
		}
	}
	const removed = saved.order.filter(id => !stepIds.includes(id));
	const changed = saved.runbookHash !== runbookHash;
	const firstOpen = stepIds.find(id => steps[id].status !== 'succeeded' && steps[id].status !== 'skipped');
	// Group bookkeeping only for steps the runbook still has (store/trust.ts checks the rest).
	const groups = saved.groups ? Object.fromEntries(Object.entries(saved.groups).filter(([id]) => stepIds.includes(id))) : undefined;
	const state: RunState = {
		...saved,
		...(groups ? {groups} : {}),
		runbookHash,
		order: [...stepIds],
		steps,
		status: 'in-progress',
		updatedAt: at.toISOString(),
		currentStepId: firstOpen,
	};
	return {state, removed, added, interrupted, changed};
}
