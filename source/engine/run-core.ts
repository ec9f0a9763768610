/**
 * What every part of a run shares: the state and the one way it changes ({@link RunCore.apply}:
 * a transition of transitions.ts, saved, then told to the listeners), the secrets and their
 * redaction, stop requests, and waiting for the operator. The Runner (runner.ts) drives the
 * steps on it; attempt.ts, dialogs.ts and group-run.ts act through it.
 */
import path from 'node:path';
import type {Param, Runbook} from '../runbook/schema.js';
import {redactor} from '../runbook/variables.js';
import {flatIndex, flatSteps} from '../runbook/groups.js';
import type {RunEvent, RunListener} from './events.js';
import type {RunHandle} from './handle.js';
import type {DecisionReason} from './outcome.js';
import type {Ports, StepView} from './ports.js';
import {readStepLogVia, stepLogRel, type StepLogText} from './step-log-port.js';
import {ownSteps, type DecisionKind, type RunState, type StepStatus} from './state.js';
import * as t from './transitions.js';
import type {AcceptedTargetChange} from './kubernetes-target.js';
import {stepView, type VarScope} from './view.js';

/** Everything a run needs besides its ports. */
export interface RunnerOptions {
	runbook: Runbook;
	/** Absolute path of the runbook's folder (`RUNBOOK_DIR`). */
	runbookDir: string;
	/** The state to start from: new, or reconciled for resume. */
	state: RunState;
	/** Absolute path of the run's folder; logs go to `logs/` in it. */
	runDir: string;
	ports: Ports;
	/** Values of secret variables (params given or asked before the run); kept in memory only. */
	secrets: Record<string, string>;
	/** `user@host` of the operator of this process. */
	by: string;
	/** True when continuing a saved run. */
	resumed: boolean;
	/** Host name of this process, recorded with each command's process group (default os.hostname()). */
	host?: string;
	/** Grace period between SIGTERM and SIGKILL when a command is stopped, ms (default 10,000). */
	graceMs?: number;
	/** Params to ask before the first step: required ones with no value, and secrets (never stored, so asked on every resume). */
	askFirst?: Array<{name: string; param: Param}>;
	/**
	 * Secret params asked only before the first step that runs and names them (engine/secret-timing.ts):
	 * each is asked at most once in this process; one no step that runs names is never asked.
	 */
	askWhenNeeded?: Array<{name: string; param: Param}>;
	/**
	 * The changes from the Kubernetes target the run recorded that the operator accepted for
	 * this session (`context a → b; server … → …`): recorded as a `context-change-accepted`
	 * decision when the run starts, so it is saved, journalled and reported like any other.
	 */
	acceptedTargetChange?: AcceptedTargetChange;
}

/** A transition of transitions.ts with its arguments but the state and the time bound. */
export type Transition = (state: RunState, at: Date) => RunState;

/** An event to tell after a transition, or how to build it from the state after it. */
export type EventAfter = RunEvent | ((state: RunState) => RunEvent);

/**
 * How a step (or a list of steps) ended: `next` goes on; `quit` and `failed` stop the run
 * (progress kept); `roll-back`: a step failed and its group's rescue is to run;
 * `rolled-back`: a group ended failed after its rescue ran; `rescue-failed`: a rescue step
 * failed, the run stops (exit 1).
 */
export type StepOutcome = 'next' | 'quit' | 'failed' | 'roll-back' | 'rolled-back' | 'rescue-failed';

/** Thrown out of a step's work when a stop request aborted it. */
export class StopRequested extends Error {}

/** The shared part of a run; {@link Runner} (runner.ts) adds the loop over the steps. */
export class RunCore implements RunHandle {
	readonly runbook: Runbook;
	readonly runDir: string;
	readonly options: RunnerOptions;
	/** Values of secret variables known so far (params, answers to secret asks); memory only. */
	readonly secrets: Record<string, string>;
	/** Aborted by a second stop request while a command runs: SIGKILL without the grace period. */
	readonly kill = new AbortController();
	/** What runs now (an attempt or a retry's delay); a stop request aborts it. */
	current: AbortController | undefined;
	/** True while a shell command of the current attempt runs (from its start to its end). */
	commandRunning = false;
	#state: RunState;
	#redact: (text: string) => string;
	#stopReason: string | undefined;
	readonly #listeners = new Set<RunListener>();
	readonly #stopWaiters = new Set<() => void>();

	constructor(options: RunnerOptions) {
		this.options = options;
		this.runbook = options.runbook;
		this.runDir = options.runDir;
		// The steps record is the runner's own from here: transitions update it in place (engine/state.ts ownSteps).
		this.#state = {...options.state, steps: {...options.state.steps}};
		ownSteps(this.#state.steps);
		this.secrets = {...options.secrets};
		this.#redact = redactor(Object.values(this.secrets));
	}

	get ports(): Ports {
		return this.options.ports;
	}

	/** The state now (the same object {@link getState} returns). */
	get state(): RunState {
		return this.#state;
	}

	/** Why a stop was requested (`q pressed`, `received SIGTERM`); undefined before. */
	get stopReason(): string | undefined {
		return this.#stopReason;
	}

	/** @inheritdoc */
	getState(): RunState {
		return this.#state;
	}

	/** @inheritdoc */
	subscribe(listener: RunListener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	now(): Date {
		return this.ports.clock.now();
	}

	/** Tells every listener `event`, with the state as it is now. */
	emit(event: RunEvent): void {
		for (const listener of this.#listeners) listener(event, this.#state);
	}

	/**
	 * The one way the state changes: applies `transition` at the clock's time, saves the
	 * result (written at once, so a killed process keeps it; fsynced at the next
	 * {@link flush}: one fsync per step instead of one per transition, issue 14), then tells
	 * `events` (a function builds its event from the new state).
	 */
	apply(transition: Transition, ...events: EventAfter[]): void {
		const next = transition(this.#state, this.now());
		// A transition that built a new steps record (resetSteps): no one else keeps it.
		ownSteps(next.steps);
		this.#state = next;
		this.ports.store.save(next, {later: true});
		for (const event of events) this.emit(typeof event === 'function' ? event(next) : event);
	}

	/** Makes every transition saved so far durable (store and journal): before a command or action starts. */
	flush(): void {
		this.ports.store.flush?.();
	}

	/** Records an operator decision (kept in the state, told as a `decision` event). */
	decide(kind: DecisionKind, stepId?: string, detail?: string, reason?: DecisionReason): void {
		const decision = {by: this.options.by, kind, ...(stepId ? {stepId} : {}), ...(detail ? {detail} : {}), ...(reason ? {reason} : {})};
		this.apply(
			(s, at) => t.recordDecision(s, at, decision),
			s => ({type: 'decision', decision: s.decisions.at(-1)!}),
		);
	}

	/** Sets a step's status directly (skipped, done, failed group), with a note saying why. */
	settle(stepId: string, status: StepStatus, note?: string): void {
		this.apply((s, at) => t.setStepStatus(s, stepId, at, status, note), {type: 'step-status', stepId, status, ...(note ? {note} : {})});
	}

	/** A decision and the status it gives the step: skip → skipped, mark done → succeeded. */
	decideAndSettle(decision: {kind: DecisionKind; detail?: string; reason?: DecisionReason}, stepId: string, status: StepStatus, note: string): void {
		this.decide(decision.kind, stepId, decision.detail, decision.reason);
		this.settle(stepId, status, note);
	}

	/** Sets a variable: a secret's value stays in memory (redacted from then on), any other's is saved. */
	setVariable(name: string, value: string, secret: boolean): void {
		if (!secret) {
			this.apply((s, at) => t.setVar(s, at, name, value));
			return;
		}
		this.secrets[name] = value;
		this.#redact = redactor(Object.values(this.secrets));
		this.apply((s, at) => t.addSecretVar(s, at, name));
	}

	/**
	 * Replaces every secret value known at call time with `***`: secret params and
	 * the answers to secret asks typed so far (a listener that keeps this method,
	 * such as the journal's, covers secrets typed after it subscribed).
	 */
	redactText(text: string): string {
		return this.#redact(text);
	}

	/** Variables in scope now: built-ins, saved values and secrets. */
	scope(): VarScope {
		const builtins = {
			RUN_ID: this.#state.runId,
			RUN_DIR: this.runDir,
			RUNBOOK_DIR: this.options.runbookDir,
			KUBE_CONTEXT: this.ports.kubernetes?.target().context ?? '',
		};
		// Built-ins last: a saved variable never overrides one (store/trust.ts).
		return {vars: {...this.#state.vars, ...builtins}, secrets: this.secrets};
	}

	/** @inheritdoc */
	stepView(stepId: string): StepView {
		const flat = flatSteps(this.runbook);
		const index = flatIndex(this.runbook, stepId);
		if (index < 0) throw new Error(`unknown step ${stepId}`);
		// Secrets are *** in variables already; a secret's value written literally in the
		// runbook (a title, a script's text) is masked too: the view is shown and printed.
		const view = stepView(flat[index]!.step, index, this.scope());
		return {
			...view,
			title: this.redactText(view.title),
			...(view.description === undefined ? {} : {description: this.redactText(view.description)}),
			command: this.redactText(view.command),
			vars: Object.fromEntries(Object.entries(view.vars).map(([name, value]) => [name, this.redactText(value)])),
		};
	}

	/** @inheritdoc */
	logPath(stepId: string, attempt: number): string {
		return path.join(this.runDir, stepLogRel(stepId, attempt));
	}

	/** @inheritdoc */
	readLog(stepId: string, attempt: number, limitBytes: number): StepLogText {
		return readStepLogVia(this.ports.stepLogs, this.logPath(stepId, attempt), limitBytes);
	}

	/** @inheritdoc */
	isBusy(): boolean {
		return this.current !== undefined;
	}

	/** @inheritdoc */
	stopCommand(reason: string): void {
		this.requestStop(reason);
	}

	/**
	 * Stops the run as soon as possible: aborts the running command (the step is
	 * recorded `interrupted`) and answers any pending operator question with quit.
	 * The run then ends `aborted`. Used for q, Ctrl-C, SIGTERM and SIGHUP.
	 *
	 * A second request while the command is still stopping kills its process group
	 * at once (SIGKILL) instead of waiting out the grace period, as a second Ctrl-C
	 * does in most tools (docker compose, helm); a notice says so.
	 */
	requestStop(reason: string): void {
		if (this.#stopReason !== undefined) {
			if (this.canKill) {
				this.kill.abort();
				this.emit({type: 'notice', level: 'warn', message: `${reason} again: SIGKILL sent to the command at once`});
			}
			return;
		}
		this.#stopReason = reason;
		if (this.current && this.commandRunning) {
			const graceS = (this.options.graceMs ?? 10_000) / 1000;
			// A step whose timeout ran out is already being stopped: its grace period is counting.
			const message = this.current.signal.aborted ? `${reason}: the command is already stopping (its timeout ran out); stop again to kill it at once` : `${reason}: SIGTERM sent; SIGKILL in ${graceS}s, or at once if stopped again`;
			this.emit({type: 'notice', level: 'warn', message});
		}
		this.current?.abort(new StopRequested(reason));
		for (const wake of this.#stopWaiters) wake();
	}

	/** @inheritdoc */
	get canKill(): boolean {
		return this.#stopReason !== undefined && this.current !== undefined && this.commandRunning && !this.kill.signal.aborted;
	}

	/** True once a stop was requested. */
	get stopping(): boolean {
		return this.#stopReason !== undefined;
	}

	/** Waits for an operator answer, or resolves `quit` when a stop is requested. */
	async answer<T>(promise: Promise<T>): Promise<T | 'quit'> {
		if (this.stopping) return 'quit';
		let wake: () => void = () => {};
		const stopped = new Promise<'quit'>(resolve => {
			wake = () => resolve('quit');
			this.#stopWaiters.add(wake);
		});
		try {
			return await Promise.race([promise, stopped]);
		} finally {
			this.#stopWaiters.delete(wake);
		}
	}
}
