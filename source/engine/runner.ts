/**
 * The run: drives a runbook's steps in order through the ports. Every change of the state
 * is one transition (transitions.ts) applied, saved and told by {@link RunCore.apply};
 * attempts are in attempt.ts, the operator's questions in dialogs.ts, groups in
 * group-run.ts. Imports no React, zx, state files or Kubernetes client; tests drive it
 * with fake ports.
 */
import type {Param, Step} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import {allSteps, isGroup} from '../runbook/groups.js';
import {runAttempts} from './attempt.js';
import {askNeededSecrets, askParam, askStep, confirmations, manualStep} from './dialogs.js';
import {type LoopMemory, rollBackFor, runGroup} from './group-run.js';
import {RunCore, type RunnerOptions, type StepOutcome, StopRequested} from './run-core.js';
import type {RunStatus} from './state.js';
import {isStepDone} from './state.js';
import * as t from './transitions.js';
import {actionOf, allValues} from './view.js';

/** Drives one run. Start it with {@link Runner.start}; the UI follows it as a RunHandle. */
export class Runner extends RunCore {
	/** Secrets still to ask before the first step that names them (RunnerOptions.askWhenNeeded). */
	readonly #waitingSecrets: Array<{name: string; param: Param}>;
	readonly #memory: LoopMemory = {};

	constructor(options: RunnerOptions) {
		super(options);
		this.#waitingSecrets = [...(options.askWhenNeeded ?? [])];
	}

	/**
	 * Runs the steps from the first not done to the end, or until the operator
	 * quits, a step fails and the operator stops, or a stop is requested.
	 * @returns the run's final status: `completed`, `failed` or `aborted`.
	 */
	async start(): Promise<RunStatus> {
		this.apply((s, at) => t.setRunStatus(s, at, 'in-progress'));
		if (this.options.resumed) this.decide('resume', undefined, `by ${this.options.by}`);
		const change = this.options.acceptedTargetChange;
		if (change) {
			const decision = {by: this.options.by, kind: 'context-change-accepted' as const, detail: change.detail};
			this.apply(
				(s, at) => t.acceptTargetChange(s, at, change.kube, decision),
				s => ({type: 'decision', decision: s.decisions.at(-1)!}),
			);
		}
		this.emit({type: 'run-started', runId: this.state.runId, resumed: this.options.resumed});
		for (const {name, param} of this.options.askFirst ?? []) {
			if (!(await askParam(this, name, param))) return this.finish('aborted', this.quitReason(`the operator quit before giving ${name}`));
		}
		const outcome = await this.runList(this.runbook.steps);
		if (outcome === 'quit') return this.finish('aborted', this.quitReason(`the operator quit at step ${this.state.currentStepId ?? '?'}`));
		if (outcome !== 'next') return this.finish('failed', this.#memory.stopWords ?? `step ${this.state.currentStepId ?? '?'} failed`);
		return this.finish('completed');
	}

	/** Runs a list of steps (the runbook's, or a group's) in order until one does not end `next`. */
	private async runList(steps: readonly Step[]): Promise<StepOutcome> {
		for (const step of steps) {
			let outcome: StepOutcome;
			try {
				outcome = isGroup(step)
					? await runGroup(
							this,
							step,
							this.#memory,
							list => this.runList(list),
							s => this.whenHolds(s),
						)
					: await this.runStep(step);
			} catch (error) {
				if (!(error instanceof StopRequested)) throw error;
				outcome = 'quit';
			}
			if (outcome === 'failed' && this.#memory.stopWords === undefined) this.#memory.stopWords = `step ${step.id} failed`;
			if (outcome !== 'next') return outcome;
		}
		return 'next';
	}

	/** One step: an interrupted one's question, its `when`, then its action behind its gate and confirmations. */
	private async runStep(step: Step): Promise<StepOutcome> {
		const saved = this.state.steps[step.id]!;
		if (isStepDone(saved.status)) return 'next';
		this.apply((s, at) => t.setCurrentStep(s, step.id, at));
		let skipGate = false;
		if (saved.status === 'interrupted' || saved.status === 'running') {
			const answer = await this.answer(this.ports.operator.onInterrupted(this.stepView(step.id)));
			if (answer === 'quit') return 'quit';
			if (answer === 'mark-done') {
				this.decideAndSettle({kind: 'mark-done', detail: 'interrupted step marked done', reason: 'step-interrupted'}, step.id, 'succeeded', 'marked done by the operator after an interruption');
				return 'next';
			}
			if (answer === 'skip') {
				this.decideAndSettle({kind: 'skip', detail: 'interrupted step skipped', reason: 'step-interrupted'}, step.id, 'skipped', 'skipped by the operator after an interruption');
				return 'next';
			}
			this.decide('rerun-interrupted', step.id, undefined, 'step-interrupted');
			skipGate = true;
		}
		const when = this.whenHolds(step);
		if (!when.holds) {
			this.settle(step.id, 'skipped', when.note);
			return 'next';
		}
		if (!(await askNeededSecrets(this, step, this.#waitingSecrets))) return 'quit';
		const action = actionOf(step);
		if (action === 'manual') return manualStep(this, step);
		if (action === 'ask') return askStep(this, step);
		for (;;) {
			if (!skipGate) {
				const gate = await this.answer(this.ports.operator.beforeStep(this.stepView(step.id)));
				if (gate === 'quit') return 'quit';
				if (gate === 'skip') {
					this.decideAndSettle({kind: 'skip', reason: 'gate'}, step.id, 'skipped', 'skipped by the operator');
					return 'next';
				}
			}
			skipGate = false;
			const confirmed = await confirmations(this, step);
			if (confirmed === 'quit') return 'quit';
			if (confirmed === 'yes') return this.runWithFailureHandling(step);
		}
	}

	/** Runs the action with its retries; on failure asks the operator what to do. */
	private async runWithFailureHandling(step: Step): Promise<StepOutcome> {
		for (;;) {
			const outcome = await runAttempts(this, step);
			if (outcome.kind === 'succeeded') return 'next';
			if (outcome.kind === 'interrupted') return 'quit';
			if (step.continueOnError) {
				this.emit({type: 'notice', level: 'warn', stepId: step.id, message: `step ${step.id} failed (${outcome.failure.error}); continueOnError is set, going on`});
				return 'next';
			}
			const rollBack = rollBackFor(this, step.id);
			const answer = await this.answer(this.ports.operator.onFailure(this.stepView(step.id), {...outcome.failure, ...(rollBack ? {rollBack} : {})}));
			if (answer === 'quit') return 'failed';
			if (answer === 'roll-back') {
				// Offered only inside a group with a rescue; anywhere else it is taken as quit.
				if (!rollBack) return 'failed';
				this.decide('roll-back', step.id, `roll back group ${rollBack.groupId}: run its rescue (${rollBack.steps.join(', ')})`, 'step-failed');
				this.#memory.rollBackTarget = rollBack.groupId;
				this.#memory.rollBackFrom = step.id;
				return 'roll-back';
			}
			if (answer === 'skip') {
				this.decideAndSettle({kind: 'skip', detail: 'failed step skipped', reason: 'step-failed'}, step.id, 'skipped', 'skipped by the operator after a failure');
				return 'next';
			}
			if (answer !== 'retry' && answer !== 'wait-longer') {
				this.decideAndSettle({kind: 'mark-done', detail: 'failed step marked done', reason: 'step-failed'}, step.id, 'succeeded', 'marked done by the operator after a failure');
				return 'next';
			}
			// `wait-longer` is offered only after a wait timed out; anywhere else it is taken as retry, never as done.
			if (answer === 'wait-longer' && outcome.failure.waitLonger) this.decide('wait-longer', step.id, `waiting another ${outcome.failure.waitLonger}`, 'step-failed');
			else this.decide('retry', step.id, undefined, 'step-failed');
		}
	}

	/** Why the run stops on a `quit`: a stop request, a refusal (a flag missing without a terminal), else `quit` (the operator left). */
	private quitReason(quit: string): string {
		if (this.stopReason !== undefined) return this.stopReason;
		const refusal = this.ports.operator.refusal;
		return refusal === undefined ? quit : `refused: ${refusal}`;
	}

	private finish(status: RunStatus, reason?: string): RunStatus {
		const current = this.state.currentStepId;
		const open = current !== undefined && !isStepDone(this.state.steps[current]?.status ?? 'pending') ? {id: current} : allSteps(this.runbook).find(s => !isGroup(s) && !isStepDone(this.state.steps[s.id]!.status));
		this.apply((s, at) => t.setRunStatus(s, at, status, status === 'completed' ? null : open?.id), {type: 'run-finished', status, ...(reason ? {reason} : {})});
		return status;
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
		const shown = this.redactText(when.var in this.secrets ? '***' : JSON.stringify(value));
		const quote = (text: string): string => this.redactText(JSON.stringify(text));
		if (when.equals !== undefined) {
			const target = resolve(when.equals);
			return {holds: value === target, note: `when: ${when.var} is ${shown}, not ${quote(target)}`};
		}
		if (when.notEquals !== undefined) return {holds: value !== resolve(when.notEquals), note: `when: ${when.var} is ${shown}`};
		const choices = (when.in ?? []).map(resolve);
		return {holds: choices.includes(value), note: `when: ${when.var} is ${shown}, not one of ${this.redactText(choices.join(', '))}`};
	}
}
