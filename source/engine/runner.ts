/**
 * The run: drives a runbook's steps in order through the ports, applying pure
 * transitions to the state and saving it after every one. Imports no React, zx,
 * state files or Kubernetes client; tests drive it with fake ports.
 */
import path from 'node:path';
import type {Param, Runbook, Step} from '../runbook/schema.js';
import {parseDuration} from '../runbook/duration.js';
import {interpolate, redactor, secretSafeCut} from '../runbook/variables.js';
import type {RunEvent, RunListener} from './events.js';
import type {RunHandle} from './handle.js';
import type {FailureInfo, Ports, StepView} from './ports.js';
import type {RunState, RunStatus} from './state.js';
import {isStepDone, ownSteps} from './state.js';
import * as t from './transitions.js';
import {actionOf, allValues, destructiveWord, displayValues, stepView, waitKindOf, type VarScope} from './view.js';
import {executeAction, type ActionOutcome} from './actions.js';
import {checkAnswer} from './answers.js';
import {captureProblem} from '../security/secrets.js';
import {allSteps, findStep, flatIndex, flatSteps, isGroup} from '../runbook/groups.js';
import {classifySecrets, stepReferences} from './secret-timing.js';
import {type AttemptOutcome, type DecisionReason, describeOutcome, outcomeStatus} from './outcome.js';

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
	/**
	 * Params to ask the operator before the first step: required ones with no
	 * value, and secrets (never stored, so asked again on every resume).
	 */
	askFirst?: Array<{name: string; param: Param}>;
	/**
	 * Secret params asked only before the first step that runs and names them (engine/secret-timing.ts):
	 * each is asked at most once in this process; one no step that runs names is never asked.
	 */
	askWhenNeeded?: Array<{name: string; param: Param}>;
}

/**
 * How a step (or a list of steps) ended: `next` goes on; `quit` and `failed` stop the run
 * (progress kept); `roll-back`: a step failed and its group's rescue is to run (the group
 * is {@link Runner.rollBackTarget}); `rolled-back`: a group ended failed after its rescue
 * ran; `rescue-failed`: a rescue step failed, the run stops (exit 1).
 */
type StepOutcome = 'next' | 'quit' | 'failed' | 'roll-back' | 'rolled-back' | 'rescue-failed';

class StopRequested extends Error {}

/** Drives one run. Start it with {@link Runner.start}; the UI follows it as a {@link RunHandle}. */
export class Runner implements RunHandle {
	readonly runbook: Runbook;
	readonly runDir: string;
	private state: RunState;
	private readonly listeners = new Set<RunListener>();
	private readonly secrets: Record<string, string>;
	private redact: (text: string) => string;
	private current: AbortController | undefined;
	private stopReason: string | undefined;
	private readonly stopWaiters = new Set<() => void>();
	/** Aborted by a second stop request while a command runs: SIGKILL without the grace period. */
	private readonly kill = new AbortController();
	/** True while a shell command of the current attempt runs (from its start to its end). */
	private commandRunning = false;

	private readonly options_: RunnerOptions;
	/** Secrets still to ask before the first step that names them (RunnerOptions.askWhenNeeded). */
	private waitingSecrets: Array<{name: string; param: Param}>;
	/** The group whose rescue a `roll-back` outcome is for. */
	private rollBackTarget: string | undefined;
	/** The step whose failure the operator answered with a roll back. */
	private rollBackFrom: string | undefined;
	/** Why the run stops, set where a stopping outcome arises (the step or group, in words). */
	private stopWords: string | undefined;

	constructor(options: RunnerOptions) {
		this.options_ = options;
		const options_ = options;
		this.runbook = options_.runbook;
		this.runDir = options_.runDir;
		// The steps record is the runner's own from here: transitions update it in place (engine/state.ts ownSteps).
		this.state = {...options_.state, steps: {...options_.state.steps}};
		ownSteps(this.state.steps);
		this.secrets = {...options_.secrets};
		this.waitingSecrets = [...(options_.askWhenNeeded ?? [])];
		this.redact = redactor(Object.values(this.secrets));
	}

	private get ports(): Ports {
		return this.options_.ports;
	}

	/** @inheritdoc */
	getState(): RunState {
		return this.state;
	}

	/** @inheritdoc */
	subscribe(listener: RunListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/**
	 * Replaces every secret value known at call time with `***`: secret params and
	 * the answers to secret asks typed so far (a listener that keeps this method,
	 * such as the journal's, covers secrets typed after it subscribed).
	 */
	redactText(text: string): string {
		return this.redact(text);
	}

	/** Variables in scope now: built-ins, saved values and secrets. */
	scope(): VarScope {
		const builtins = {
			RUN_ID: this.state.runId,
			RUN_DIR: this.runDir,
			RUNBOOK_DIR: this.options_.runbookDir,
			KUBE_CONTEXT: this.ports.kubernetes?.target().context ?? '',
		};
		// Built-ins last: a saved variable never overrides one (store/trust.ts).
		return {vars: {...this.state.vars, ...builtins}, secrets: this.secrets};
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
			title: this.redact(view.title),
			...(view.description === undefined ? {} : {description: this.redact(view.description)}),
			command: this.redact(view.command),
			vars: Object.fromEntries(Object.entries(view.vars).map(([name, value]) => [name, this.redact(value)])),
		};
	}

	/** @inheritdoc */
	logPath(stepId: string, attempt: number): string {
		return path.join(this.runDir, 'logs', `${stepId}.${attempt}.log`);
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
		if (this.stopReason !== undefined) {
			if (this.canKill) {
				this.kill.abort();
				this.emit({type: 'notice', level: 'warn', message: `${reason} again: SIGKILL sent to the command at once`});
			}
			return;
		}
		this.stopReason = reason;
		if (this.current && this.commandRunning) {
			const graceS = (this.options_.graceMs ?? 10_000) / 1000;
			// A step whose timeout ran out is already being stopped: its grace period is counting.
			const message = this.current.signal.aborted
				? `${reason}: the command is already stopping (its timeout ran out); stop again to kill it at once`
				: `${reason}: SIGTERM sent; SIGKILL in ${graceS}s, or at once if stopped again`;
			this.emit({type: 'notice', level: 'warn', message});
		}
		this.current?.abort(new StopRequested(reason));
		for (const wake of this.stopWaiters) wake();
	}

	/** @inheritdoc */
	get canKill(): boolean {
		return this.stopReason !== undefined && this.current !== undefined && this.commandRunning && !this.kill.signal.aborted;
	}

	/** True once a stop was requested. */
	get stopping(): boolean {
		return this.stopReason !== undefined;
	}

	private emit(event: RunEvent): void {
		for (const listener of this.listeners) listener(event, this.state);
	}

	/**
	 * Saves a transition: written at once (a killed process keeps it), fsynced at the next
	 * {@link flush}, which comes before anything outside this process happens (issue 14:
	 * one fsync per step instead of one per transition).
	 */
	private commit(next: RunState): void {
		// A transition that built a new steps record (resetSteps): no one else keeps it.
		ownSteps(next.steps);
		this.state = next;
		this.ports.store.save(next, {later: true});
	}

	/** Makes every transition saved so far durable (store and journal): before a command or action starts. */
	private flush(): void {
		this.ports.store.flush?.();
	}

	private now(): Date {
		return this.ports.clock.now();
	}

	/** Waits for an operator answer, or resolves `quit` when a stop is requested. */
	private async operatorAnswer<T>(promise: Promise<T>): Promise<T | 'quit'> {
		if (this.stopping) return 'quit';
		let wake: () => void = () => {};
		const stopped = new Promise<'quit'>(resolve => {
			wake = () => resolve('quit');
			this.stopWaiters.add(wake);
		});
		try {
			return await Promise.race([promise, stopped]);
		} finally {
			this.stopWaiters.delete(wake);
		}
	}

	private decide(kind: Parameters<typeof t.recordDecision>[2]['kind'], stepId?: string, detail?: string, reason?: DecisionReason): void {
		this.commit(t.recordDecision(this.state, this.now(), {by: this.options_.by, kind, ...(stepId ? {stepId} : {}), ...(detail ? {detail} : {}), ...(reason ? {reason} : {})}));
		this.emit({type: 'decision', decision: this.state.decisions.at(-1)!});
	}

	/** Adds a secret value (an answer to a secret `ask`): kept in memory, redacted from output. */
	private addSecret(name: string, value: string): void {
		this.secrets[name] = value;
		this.redact = redactor(Object.values(this.secrets));
		this.commit(t.addSecretVar(this.state, this.now(), name));
	}

	/**
	 * Runs the steps from the first not done to the end, or until the operator
	 * quits, a step fails and the operator stops, or a stop is requested.
	 * @returns the run's final status: `completed`, `failed` or `aborted`.
	 */
	async start(): Promise<RunStatus> {
		this.commit(t.setRunStatus(this.state, this.now(), 'in-progress'));
		if (this.options_.resumed) this.decide('resume', undefined, `by ${this.options_.by}`);
		this.emit({type: 'run-started', runId: this.state.runId, resumed: this.options_.resumed});
		for (const {name, param} of this.options_.askFirst ?? []) {
			const answered = await this.askParam(name, param);
			if (!answered) return this.finish('aborted', this.quitReason(`the operator quit before giving ${name}`));
		}
		const outcome = await this.runList(this.runbook.steps);
		if (outcome === 'quit') return this.finish('aborted', this.quitReason(`the operator quit at step ${this.state.currentStepId ?? '?'}`));
		if (outcome !== 'next') return this.finish('failed', this.stopWords ?? `step ${this.state.currentStepId ?? '?'} failed`);
		return this.finish('completed');
	}

	/** Runs a list of steps (the runbook's, or a group's) in order until one does not end `next`. */
	private async runList(steps: readonly Step[]): Promise<StepOutcome> {
		for (const step of steps) {
			let outcome: StepOutcome;
			try {
				outcome = isGroup(step) ? await this.runGroup(step) : await this.runStep(step);
			} catch (error) {
				if (!(error instanceof StopRequested)) throw error;
				outcome = 'quit';
			}
			if (outcome === 'failed' && this.stopWords === undefined) this.stopWords = `step ${step.id} failed`;
			if (outcome !== 'next') return outcome;
		}
		return 'next';
	}

	/** Ids of a group's steps, rescue and always steps at every depth (not the group itself). */
	private inside(group: Step): string[] {
		return flatSteps({steps: [group]}).slice(1).map(entry => entry.step.id);
	}

	private groupNote(group: Step, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
		this.emit({type: 'notice', level, stepId: group.id, message: `group ${group.id}: ${text}`});
	}

	/**
	 * Runs a group (format 1.1; Ansible's block/rescue/always): its steps; when one fails and
	 * the operator rolls back, its rescue steps, after which the group ends failed ("failed,
	 * rolled back"); then its always steps, whichever way it ended. Where it is is saved in
	 * `RunState.groups` after every phase, so a resume continues inside the body, the rescue
	 * or the always steps. A group that was rolled back runs again from its start on a
	 * resume. Quitting (or a failure the operator does not roll back) leaves the group open.
	 */
	private async runGroup(group: Step): Promise<StepOutcome> {
		const saved = this.state.steps[group.id]!;
		if (isStepDone(saved.status)) return 'next';
		let groupState = this.state.groups?.[group.id];
		if (groupState?.phase === 'done') {
			this.commit(t.setGroup(t.resetSteps(this.state, [group.id, ...this.inside(group)], this.now()), group.id, this.now(), undefined));
			this.groupNote(group, 'it was rolled back (or ended failed) before: it runs again from its first step');
			groupState = undefined;
		}
		if (!groupState) {
			this.commit({...this.state, currentStepId: group.id});
			const when = this.whenHolds(group);
			if (!when.holds) {
				for (const id of [group.id, ...this.inside(group)]) {
					this.commit(t.setStepStatus(this.state, id, this.now(), 'skipped', id === group.id ? when.note : `group ${group.id} skipped (${when.note})`));
					this.emit({type: 'step-status', stepId: id, status: 'skipped', note: when.note});
				}
				return 'next';
			}
			groupState = {phase: 'body'};
			this.commit(t.setGroup(this.state, group.id, this.now(), groupState));
		}
		if (groupState.phase === 'body') {
			const out = await this.runList(group.steps ?? []);
			if (out === 'quit' || out === 'failed' || out === 'rescue-failed') return out;
			if (out === 'next') groupState = {phase: 'always', outcome: 'succeeded'};
			else if (out === 'roll-back' && this.rollBackTarget === group.id) {
				groupState = {phase: 'rescue', outcome: 'rolled-back', ...(this.rollBackFrom ? {failedStep: this.rollBackFrom} : {})};
			} else {
				// A group inside was rolled back, or an enclosing group rolls back: this one ends failed.
				groupState = {phase: 'always', outcome: 'failed', ...(out === 'roll-back' && this.rollBackTarget ? {rollBackTo: this.rollBackTarget} : {})};
			}
			this.commit(t.setGroup(this.state, group.id, this.now(), groupState));
		}
		if (groupState.phase === 'rescue') {
			const steps = group.rescue ?? [];
			this.groupNote(group, `rolling back: running its rescue (${steps.map(s => s.id).join(', ')})`, 'warn');
			const out = await this.runList(steps);
			if (out === 'quit') return 'quit';
			if (out !== 'next') {
				this.stopWords = `the rescue of group ${group.id} failed at step ${this.state.currentStepId ?? '?'}: the rollback did not finish (resume to continue it)`;
				this.groupNote(group, `its rescue failed at step ${this.state.currentStepId ?? '?'}; the run stops`, 'error');
				return 'rescue-failed';
			}
			groupState = {...groupState, phase: 'always', outcome: 'rolled-back'};
			this.commit(t.setGroup(this.state, group.id, this.now(), groupState));
		}
		if (groupState.phase === 'always') {
			const out = await this.runList(group.always ?? []);
			if (out !== 'next') return out;
		}
		const outcome = groupState.outcome ?? 'succeeded';
		this.commit(t.setGroup(this.state, group.id, this.now(), {...groupState, phase: 'done', outcome}));
		if (outcome === 'succeeded') {
			this.setStatus(group, 'succeeded');
			return 'next';
		}
		const note = outcome === 'rolled-back' ? 'failed, rolled back' : 'failed';
		this.commit(t.setStepStatus(this.state, group.id, this.now(), 'failed', note));
		this.emit({type: 'step-status', stepId: group.id, status: 'failed', note});
		if (groupState.rollBackTo) {
			this.rollBackTarget = groupState.rollBackTo;
			return 'roll-back';
		}
		if (outcome === 'rolled-back') {
			this.stopWords = `group ${group.id} failed, rolled back (step ${groupState.failedStep || '?'} failed; its rescue ran)`;
			this.groupNote(group, 'failed, rolled back', 'warn');
		}
		return 'rolled-back';
	}

	/**
	 * The group a failure of `stepId` may roll back: the innermost group with a `rescue` whose
	 * `steps` hold the step (at any depth); none when the step is in a rescue or always list
	 * on the way up (a failing rescue stops the run).
	 */
	private rollBackFor(stepId: string): FailureInfo['rollBack'] {
		let entry = findStep(this.runbook, stepId);
		while (entry?.parentId) {
			if (entry.role !== 'body') return undefined;
			const parent = findStep(this.runbook, entry.parentId);
			if (!parent) return undefined;
			if (parent.step.rescue) return {groupId: parent.step.id, title: this.stepView(parent.step.id).title, steps: parent.step.rescue.map(s => s.id)};
			entry = parent;
		}
		return undefined;
	}

	/**
	 * Asks the deferred secrets (RunnerOptions.askWhenNeeded) without a value that are needed
	 * now: those a step still to run surely uses, as the values captured so far tell (the
	 * backup's format is known after the check step: the passphrase is asked before the service
	 * is stopped, not at the decrypt step), and those `step`, about to run, names. Each is asked
	 * once. @returns false when the operator quits.
	 */
	private async askNeededSecrets(step: Step): Promise<boolean> {
		if (this.waitingSecrets.length === 0) return true;
		const done = new Set(Object.entries(this.state.steps).flatMap(([id, saved]) => (isStepDone(saved.status) ? [id] : [])));
		const waiting = this.waitingSecrets.filter(entry => !Object.hasOwn(this.secrets, entry.name));
		const {due} = classifySecrets(this.runbook, waiting.map(entry => entry.name), this.state.vars, done);
		const names = stepReferences(step);
		for (const entry of waiting) {
			if (!due.has(entry.name) && !names.has(entry.name)) continue;
			if (!(await this.askParam(entry.name, entry.param))) return false;
			this.waitingSecrets = this.waitingSecrets.filter(other => other !== entry);
		}
		return true;
	}

	/** Asks one param until the answer fits its choices and pattern; false when the operator quits. */
	private async askParam(name: string, param: Param): Promise<boolean> {
		for (;;) {
			const answer = await this.operatorAnswer(this.ports.operator.askParam(name, param));
			if (answer === 'quit') return false;
			const problem = answer.value === '' && !param.required ? undefined : checkAnswer(answer.value, param.choices, param.pattern, param.secret);
			if (problem) {
				this.emit({type: 'notice', level: 'warn', message: `${name}: ${problem}`});
				continue;
			}
			if (param.secret) this.addSecret(name, answer.value);
			else this.commit(t.setVar(this.state, this.now(), name, answer.value));
			return true;
		}
	}

	/** Why the run stops on a `quit`: a stop request, a refusal (a flag missing without a terminal), else `quit` (the operator left). */
	private quitReason(quit: string): string {
		if (this.stopReason !== undefined) return this.stopReason;
		const refusal = this.ports.operator.refusal;
		return refusal === undefined ? quit : `refused: ${refusal}`;
	}

	private finish(status: RunStatus, reason?: string): RunStatus {
		const open = this.state.currentStepId !== undefined && !isStepDone(this.state.steps[this.state.currentStepId]?.status ?? 'pending')
			? {id: this.state.currentStepId}
			: allSteps(this.runbook).find(s => !isGroup(s) && !isStepDone(this.state.steps[s.id]!.status));
		this.commit(t.setRunStatus(this.state, this.now(), status, status === 'completed' ? null : open?.id));
		this.emit({type: 'run-finished', status, ...(reason ? {reason} : {})});
		return status;
	}

	private setStatus(step: Step, status: 'succeeded' | 'skipped' | 'pending', note?: string): void {
		this.commit(t.setStepStatus(this.state, step.id, this.now(), status, note));
		this.emit({type: 'step-status', stepId: step.id, status, ...(note ? {note} : {})});
	}

	/**
	 * Whether a step's `when` holds. Its values are strings like any other field:
	 * `$NAME` in them is replaced literally (and `$$` is a `$`), as the loader's
	 * variable check assumes; the note shows secrets as `***`.
	 */
	private whenHolds(step: Step): {holds: boolean; note: string} {
		const when = step.when;
		if (!when) return {holds: true, note: ''};
		const values = allValues(this.scope());
		const value = values[when.var] ?? '';
		const resolve = (text: string): string => interpolate(text, values);
		const shown = when.var in this.secrets ? '***' : JSON.stringify(value);
		const quote = (text: string): string => this.redact(JSON.stringify(text));
		if (when.equals !== undefined) {
			const target = resolve(when.equals);
			return {holds: value === target, note: `when: ${when.var} is ${this.redact(shown)}, not ${quote(target)}`};
		}
		if (when.notEquals !== undefined) return {holds: value !== resolve(when.notEquals), note: `when: ${when.var} is ${this.redact(shown)}`};
		const choices = (when.in ?? []).map(resolve);
		return {holds: choices.includes(value), note: `when: ${when.var} is ${this.redact(shown)}, not one of ${this.redact(choices.join(', '))}`};
	}

	private async runStep(step: Step): Promise<StepOutcome> {
		const saved = this.state.steps[step.id];
		if (isStepDone(saved.status)) return 'next';
		this.commit({...this.state, currentStepId: step.id});
		let skipGate = false;

		if (saved.status === 'interrupted' || saved.status === 'running') {
			const answer = await this.operatorAnswer(this.ports.operator.onInterrupted(this.stepView(step.id)));
			if (answer === 'quit') return 'quit';
			if (answer === 'mark-done') {
				this.decide('mark-done', step.id, 'interrupted step marked done', 'step-interrupted');
				this.setStatus(step, 'succeeded', 'marked done by the operator after an interruption');
				return 'next';
			}
			if (answer === 'skip') {
				this.decide('skip', step.id, 'interrupted step skipped', 'step-interrupted');
				this.setStatus(step, 'skipped', 'skipped by the operator after an interruption');
				return 'next';
			}
			this.decide('rerun-interrupted', step.id, undefined, 'step-interrupted');
			skipGate = true;
		}

		const when = this.whenHolds(step);
		if (!when.holds) {
			this.setStatus(step, 'skipped', when.note);
			return 'next';
		}
		if (!(await this.askNeededSecrets(step))) return 'quit';

		const action = actionOf(step);
		if (action === 'manual') return this.manualStep(step);
		if (action === 'ask') return this.askStep(step);

		for (;;) {
			if (!skipGate) {
				const gate = await this.operatorAnswer(this.ports.operator.beforeStep(this.stepView(step.id)));
				if (gate === 'quit') return 'quit';
				if (gate === 'skip') {
					this.decide('skip', step.id, undefined, 'gate');
					this.setStatus(step, 'skipped', 'skipped by the operator');
					return 'next';
				}
			}
			skipGate = false;
			const confirmed = await this.confirmations(step);
			if (confirmed === 'quit') return 'quit';
			if (confirmed === 'no') continue;
			return this.executeWithFailureHandling(step);
		}
	}

	/** Asks `confirm` (y/N), or for a destructive step the word to type (with the confirm question as its text); `no` sends the step back to its gate. */
	private async confirmations(step: Step): Promise<'yes' | 'no' | 'quit'> {
		const values = displayValues(this.scope());
		// A destructive step asks once: its confirm question, answered by typing the word.
		if (step.confirm !== undefined && !step.destructive) {
			const question = step.confirm === true ? `Run step "${this.stepView(step.id).title}"?` : interpolate(step.confirm, values);
			const answer = await this.operatorAnswer(this.ports.operator.confirm(this.stepView(step.id), question));
			if (answer === 'quit') return 'quit';
			this.decide(answer === 'yes' ? 'confirm' : 'decline', step.id, question);
			if (answer === 'no') return 'no';
		}
		if (step.destructive) {
			// Shown to the operator and saved with the decision: a secret in it is `***`, typed as such.
			const word = this.redact(destructiveWord(step, allValues(this.scope())));
			const question =
				typeof step.confirm === 'string' ? interpolate(step.confirm, values) : `Step "${this.stepView(step.id).title}" is destructive.`;
			const answer = await this.operatorAnswer(this.ports.operator.confirmDestructive(this.stepView(step.id), question, word));
			if (answer === 'quit') return 'quit';
			this.decide(answer === 'yes' ? 'confirm' : 'decline', step.id, `destructive: typed "${answer === 'yes' ? word : ''}"`);
			if (answer === 'no') return 'no';
		}
		return 'yes';
	}

	private async manualStep(step: Step): Promise<StepOutcome> {
		if (typeof step.manual === 'object') return this.checklistStep(step, step.manual.items);
		const view = this.stepView(step.id);
		const answer = await this.operatorAnswer(this.ports.operator.manual(view, view.command));
		if (answer === 'quit') return 'quit';
		if (answer === 'skip') {
			this.decide('skip', step.id, undefined, 'manual-step');
			this.setStatus(step, 'skipped', 'skipped by the operator');
		} else {
			this.decide('mark-done', step.id, 'manual step done', 'manual-step');
			this.setStatus(step, 'succeeded', 'done by the operator');
		}
		return 'next';
	}

	/**
	 * A checklist (`manual: {text?, items}`, format 1.1): each item not ticked yet is asked in
	 * order; each tick is saved with the step (`ticked`, the item as written) and journalled as a
	 * `tick` decision with who made it, so a resume asks only the items left. Skipping skips the
	 * whole step; once every item is ticked the step is done.
	 */
	private async checklistStep(step: Step, items: readonly string[]): Promise<StepOutcome> {
		const values = displayValues(this.scope());
		const texts = items.map(item => interpolate(item, values));
		for (let index = 0; index < items.length; index++) {
			const ticked = new Set(this.state.steps[step.id]!.ticked ?? []);
			if (ticked.has(items[index]!)) continue;
			const list = items.map((item, i) => ({text: texts[i]!, ticked: ticked.has(item)}));
			const answer = await this.operatorAnswer(this.ports.operator.checkItem(this.stepView(step.id), {index, total: items.length, text: texts[index]!, items: list}));
			if (answer === 'quit') return 'quit';
			if (answer === 'skip') {
				this.decide('skip', step.id, `checklist skipped at item ${index + 1} of ${items.length}`, 'checklist');
				this.setStatus(step, 'skipped', 'skipped by the operator');
				return 'next';
			}
			this.commit(t.tickItem(this.state, step.id, this.now(), items[index]!));
			this.decide('tick', step.id, `item ${index + 1} of ${items.length}: ${texts[index]}`, 'checklist');
		}
		this.decide('mark-done', step.id, `checklist done: ${items.length} items ticked`, 'checklist');
		this.setStatus(step, 'succeeded', `done by the operator (${items.length} of ${items.length} items ticked)`);
		return 'next';
	}

	private async askStep(step: Step): Promise<StepOutcome> {
		const ask = step.ask!;
		const values = displayValues(this.scope());
		const resolved = {...ask, prompt: interpolate(ask.prompt, values), ...(ask.default !== undefined ? {default: interpolate(ask.default, values)} : {})};
		for (;;) {
			const answer = await this.operatorAnswer(this.ports.operator.ask(this.stepView(step.id), resolved));
			if (answer === 'quit') return 'quit';
			const problem = checkAnswer(answer.value, ask.choices, ask.pattern, ask.secret);
			if (problem) {
				this.emit({type: 'notice', level: 'warn', stepId: step.id, message: problem});
				continue;
			}
			if (ask.secret) this.addSecret(ask.var, answer.value);
			else this.commit(t.setVar(this.state, this.now(), ask.var, answer.value));
			this.setStatus(step, 'succeeded', ask.secret ? `${ask.var} set (secret)` : `${ask.var} = ${answer.value}`);
			return 'next';
		}
	}

	/** Runs the action with its retries; on failure asks the operator what to do. */
	private async executeWithFailureHandling(step: Step): Promise<StepOutcome> {
		for (;;) {
			const outcome = await this.executeWithRetries(step);
			if (outcome.kind === 'succeeded') return 'next';
			if (outcome.kind === 'interrupted') return 'quit';
			if (step.continueOnError) {
				this.emit({type: 'notice', level: 'warn', stepId: step.id, message: `step ${step.id} failed (${outcome.failure.error}); continueOnError is set, going on`});
				return 'next';
			}
			const rollBack = this.rollBackFor(step.id);
			const answer = await this.operatorAnswer(this.ports.operator.onFailure(this.stepView(step.id), {...outcome.failure, ...(rollBack ? {rollBack} : {})}));
			if (answer === 'quit') return 'failed';
			if (answer === 'roll-back') {
				// Offered only inside a group with a rescue; anywhere else it is taken as quit.
				if (!rollBack) return 'failed';
				this.decide('roll-back', step.id, `roll back group ${rollBack.groupId}: run its rescue (${rollBack.steps.join(', ')})`, 'step-failed');
				this.rollBackTarget = rollBack.groupId;
				this.rollBackFrom = step.id;
				return 'roll-back';
			}
			if (answer === 'retry') {
				this.decide('retry', step.id, undefined, 'step-failed');
				continue;
			}
			if (answer === 'wait-longer') {
				// Offered only after a wait timed out; anywhere else it is taken as retry, never as done.
				if (outcome.failure.waitLonger) this.decide('wait-longer', step.id, `waiting another ${outcome.failure.waitLonger}`, 'step-failed');
				else this.decide('retry', step.id, undefined, 'step-failed');
				continue;
			}
			if (answer === 'skip') {
				this.decide('skip', step.id, 'failed step skipped', 'step-failed');
				this.setStatus(step, 'skipped', 'skipped by the operator after a failure');
				return 'next';
			}
			this.decide('mark-done', step.id, 'failed step marked done', 'step-failed');
			this.setStatus(step, 'succeeded', 'marked done by the operator after a failure');
			return 'next';
		}
	}

	private async executeWithRetries(step: Step): Promise<{kind: 'succeeded'} | {kind: 'interrupted'} | {kind: 'failed'; failure: FailureInfo}> {
		const retries = step.retries ?? 0;
		const delayMs = parseDuration(step.retryDelay ?? '2s');
		for (let i = 0; ; i++) {
			const result = await this.attempt(step);
			if (result.kind !== 'failed' || i >= retries) return result;
			this.emit({type: 'notice', level: 'warn', stepId: step.id, message: `${result.failure.error}; retry ${i + 1} of ${retries} in ${step.retryDelay ?? '2s'}`});
			const controller = new AbortController();
			this.current = controller;
			await this.ports.clock.sleep(delayMs, controller.signal);
			this.current = undefined;
			if (this.stopping) return {kind: 'interrupted'};
		}
	}

	/** One attempt of a step's action, with its timeout. */
	private async attempt(step: Step): Promise<{kind: 'succeeded'} | {kind: 'interrupted'} | {kind: 'failed'; failure: FailureInfo}> {
		if (this.stopping) return {kind: 'interrupted'};
		const n = this.state.steps[step.id].attempts.length + 1;
		const logRel = path.join('logs', `${step.id}.${n}.log`);
		const logPath = path.join(this.runDir, logRel);
		const view = this.stepView(step.id);
		this.commit(t.startAttempt(this.state, step.id, this.now(), this.options_.by, logRel));
		this.emit({type: 'step-started', stepId: step.id, attempt: n, command: view.command, logPath});
		this.emit({type: 'step-status', stepId: step.id, status: 'running', attempt: n});

		const started = this.now().getTime();
		const controller = new AbortController();
		this.current = controller;
		const timeoutMs = step.timeout ? parseDuration(step.timeout) : undefined;
		// A shell command waits at its start gate until onProcess has flushed (below);
		// any other action acts at once, so its attempt must be durable first.
		if (actionOf(step) !== 'run') this.flush();
		const timer = new AbortController();
		let timedOut = false;
		if (timeoutMs !== undefined) {
			void this.ports.clock.sleep(timeoutMs, timer.signal).then(() => {
				if (timer.signal.aborted) return;
				timedOut = true;
				controller.abort(new Error('timeout'));
			});
		}
		let outcome: ActionOutcome;
		try {
			outcome = redactOutcome(await executeAction(step, {
				shell: this.ports.shell,
				clock: this.ports.clock,
				env: this.commandEnv(step),
				cwd: this.commandCwd(step),
				logPath,
				signal: controller.signal,
				graceMs: this.options_.graceMs ?? 10_000,
				kill: this.kill.signal,
				redact: text => this.redact(text),
				redactsNothing: Object.values(this.secrets).every(value => value === ''),
				cutLine: secretSafeCut(Object.values(this.secrets)),
				// A progress line of a step with a timeout says how long is left (issue 10 item 4).
				emit: event =>
					this.emit(event.type === 'progress' && timeoutMs !== undefined && step.timeout ? {...event, leftMs: timeoutMs - (this.now().getTime() - started), timeout: step.timeout} : event),
				onProcess: (pgid, commandId) => {
					this.commandRunning = true;
					this.commit(t.setAttemptProcess(this.state, step.id, this.now(), pgid, this.options_.host, commandId));
					this.flush();
				},
				onProcessEnd: () => {
					this.commandRunning = false;
				},
				...(this.ports.kubernetes ? {kubernetes: this.ports.kubernetes} : {}),
				...(this.ports.http ? {http: this.ports.http} : {}),
				capture: Boolean(step.capture),
			}), this.redact);
		} finally {
			timer.abort();
			this.current = undefined;
			this.commandRunning = false;
		}
		const durationMs = this.now().getTime() - started;
		const phases = outcome.phases ? {phases: outcome.phases} : {};

		const leaked = outcome.ok && step.capture && outcome.stdout !== undefined ? captureProblem(outcome.stdout, step.capture, Object.values(this.secrets)) : undefined;
		if (leaked) outcome = {ok: false, exitCode: outcome.exitCode, failure: {kind: 'failed', message: leaked}};
		if (outcome.ok && step.capture && outcome.stdout !== undefined) this.commit(t.setVar(this.state, this.now(), step.capture, outcome.stdout.trim()));
		const ended: AttemptOutcome = outcome.ok
			? {kind: 'succeeded', ...(typeof outcome.exitCode === 'number' ? {exitCode: outcome.exitCode} : {})}
			: timedOut
				? {kind: 'timeout', after: step.timeout ?? '?'}
				: controller.signal.aborted || this.stopping
					? {kind: 'stopped', reason: this.stopReason ?? 'stop requested'}
					: outcome.failure;
		this.commit(t.finishAttempt(this.state, step.id, this.now(), {outcome: ended, exitCode: outcome.exitCode, ...(outcome.ok ? {} : {signal: outcome.signal})}));
		const status = outcomeStatus(ended);
		const error = ended.kind === 'succeeded' ? undefined : describeOutcome(ended);
		this.emit({type: 'step-status', stepId: step.id, status, attempt: n, exitCode: outcome.exitCode, outcome: ended, ...(error ? {error} : {}), durationMs, ...phases});
		if (status === 'succeeded') return {kind: 'succeeded'};
		if (status === 'interrupted') return {kind: 'interrupted'};
		const waitLonger = ended.kind === 'timeout' && actionOf(step) === 'wait' ? {waitLonger: ended.after} : {};
		return {kind: 'failed', failure: {outcome: ended, error: error ?? '', exitCode: outcome.exitCode, logPath, attempt: n, ...waitLonger}};
	}

	/** The environment a step's commands get: every variable (secrets included) and the step's `env`. */
	private commandEnv(step: Step): Record<string, string> {
		const values = allValues(this.scope());
		const env: Record<string, string> = {...values};
		for (const [name, value] of Object.entries(step.env ?? {})) env[name] = interpolate(value, values);
		return env;
	}

	/** A step's working directory: its `cwd` (relative to the run's) or the run's. */
	private commandCwd(step: Step): string {
		const cwd = step.cwd ?? (waitKindOf(step) === 'command' ? step.wait?.command?.cwd : undefined);
		if (!cwd) return this.state.cwd;
		return path.resolve(this.state.cwd, interpolate(cwd, allValues(this.scope())));
	}
}

/** An outcome whose words (saved in the state, shown) have secret values replaced by `***`. */
function redactOutcome(outcome: ActionOutcome, redact: (text: string) => string): ActionOutcome {
	if (outcome.ok) return outcome;
	const f = outcome.failure;
	const failure: AttemptOutcome =
		f.kind === 'failed' ? {...f, message: redact(f.message)} : f.kind === 'not-started' ? {...f, reason: redact(f.reason)} : f.kind === 'exit-code' && f.message !== undefined ? {...f, message: redact(f.message)} : f;
	return {...outcome, failure};
}
