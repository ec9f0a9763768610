/**
 * The operator's questions that are a step's whole work or come before it: params asked
 * before the first step or when first needed, `ask` steps, `confirm` and destructive
 * confirmations, manual steps and checklists. Each answer is recorded as a decision or a
 * variable through the run's one {@link RunCore.apply}; a stop request answers `quit`.
 */
import type {Param, Step} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import {checkAnswer} from './answers.js';
import type {RunCore, StepOutcome} from './run-core.js';
import {classifySecrets, stepReferences} from './secret-timing.js';
import {isStepDone} from './state.js';
import * as t from './transitions.js';
import {allValues, destructiveWord, displayValues} from './view.js';

/**
 * Asks until the answer passes `check` (each refused answer is a warning notice, prefixed
 * with `label` when given) and sets it as the variable `name`. The one loop of every typed
 * answer (a param, an `ask` step).
 * @returns false when the operator quits (or a stop is requested).
 */
async function askUntilValid(run: RunCore, question: () => Promise<{value: string} | 'quit'>, check: (value: string) => string | undefined, variable: {name: string; secret: boolean; stepId?: string; label?: string}): Promise<string | undefined> {
	for (;;) {
		const answer = await run.answer(question());
		if (answer === 'quit') return undefined;
		const problem = check(answer.value);
		if (problem) {
			const message = variable.label ? `${variable.label}: ${problem}` : problem;
			run.emit({type: 'notice', level: 'warn', ...(variable.stepId ? {stepId: variable.stepId} : {}), message});
			continue;
		}
		run.setVariable(variable.name, answer.value, variable.secret);
		return answer.value;
	}
}

/** Asks one param until the answer fits its choices and pattern (an optional one may be left empty); false when the operator quits. */
export async function askParam(run: RunCore, name: string, param: Param): Promise<boolean> {
	const check = (value: string) => (value === '' && !param.required ? undefined : checkAnswer(value, param.choices, param.pattern, param.secret));
	const value = await askUntilValid(run, () => run.ports.operator.askParam(name, param), check, {name, secret: Boolean(param.secret), label: name});
	return value !== undefined;
}

/** An `ask` step: its prompt (and default) with values resolved, asked until the answer fits; the step is then done. */
export async function askStep(run: RunCore, step: Step): Promise<StepOutcome> {
	const ask = step.ask!;
	const values = displayValues(run.scope());
	const resolved = {...ask, prompt: interpolate(ask.prompt, values), ...(ask.default !== undefined ? {default: interpolate(ask.default, values)} : {})};
	const check = (value: string) => checkAnswer(value, ask.choices, ask.pattern, ask.secret);
	const value = await askUntilValid(run, () => run.ports.operator.ask(run.stepView(step.id), resolved), check, {name: ask.var, secret: Boolean(ask.secret), stepId: step.id});
	if (value === undefined) return 'quit';
	run.settle(step.id, 'succeeded', ask.secret ? `${ask.var} set (secret)` : `${ask.var} = ${value}`);
	return 'next';
}

/**
 * Asks the deferred secrets (RunnerOptions.askWhenNeeded) without a value that are needed
 * now: those a step still to run surely uses, as the values captured so far tell (the
 * backup's format is known after the check step: the passphrase is asked before the service
 * is stopped, not at the decrypt step), and those `step`, about to run, names. Each is asked
 * once: it leaves `waiting` when answered. @returns false when the operator quits.
 */
export async function askNeededSecrets(run: RunCore, step: Step, waiting: Array<{name: string; param: Param}>): Promise<boolean> {
	if (waiting.length === 0) return true;
	const done = new Set(Object.entries(run.state.steps).flatMap(([id, saved]) => (isStepDone(saved.status) ? [id] : [])));
	const open = waiting.filter(entry => !Object.hasOwn(run.secrets, entry.name));
	const {due} = classifySecrets(
		run.runbook,
		open.map(entry => entry.name),
		run.state.vars,
		done,
	);
	const names = stepReferences(step);
	for (const entry of open) {
		if (!due.has(entry.name) && !names.has(entry.name)) continue;
		if (!(await askParam(run, entry.name, entry.param))) return false;
		waiting.splice(waiting.indexOf(entry), 1);
	}
	return true;
}

/** Asks `confirm` (y/N), or for a destructive step the word to type (with the confirm question as its text); `no` sends the step back to its gate. */
export async function confirmations(run: RunCore, step: Step): Promise<'yes' | 'no' | 'quit'> {
	const values = displayValues(run.scope());
	// A destructive step asks once: its confirm question, answered by typing the word.
	if (step.confirm !== undefined && !step.destructive) {
		const question = step.confirm === true ? `Run step "${run.stepView(step.id).title}"?` : interpolate(step.confirm, values);
		const answer = await run.answer(run.ports.operator.confirm(run.stepView(step.id), question));
		if (answer === 'quit') return 'quit';
		run.decide(answer === 'yes' ? 'confirm' : 'decline', step.id, question);
		if (answer === 'no') return 'no';
	}
	if (step.destructive) {
		// Shown to the operator and saved with the decision: a secret in it is `***`, typed as such.
		const word = run.redactText(destructiveWord(step, allValues(run.scope())));
		const question = typeof step.confirm === 'string' ? interpolate(step.confirm, values) : `Step "${run.stepView(step.id).title}" is destructive.`;
		const answer = await run.answer(run.ports.operator.confirmDestructive(run.stepView(step.id), question, word));
		if (answer === 'quit') return 'quit';
		run.decide(answer === 'yes' ? 'confirm' : 'decline', step.id, `destructive: typed "${answer === 'yes' ? word : ''}"`);
		if (answer === 'no') return 'no';
	}
	return 'yes';
}

/** A manual step: the operator does it and says done, or skips it. */
export async function manualStep(run: RunCore, step: Step): Promise<StepOutcome> {
	if (typeof step.manual === 'object') return checklistStep(run, step, step.manual.items);
	const view = run.stepView(step.id);
	const answer = await run.answer(run.ports.operator.manual(view, view.command));
	if (answer === 'quit') return 'quit';
	if (answer === 'skip') run.decideAndSettle({kind: 'skip', reason: 'manual-step'}, step.id, 'skipped', 'skipped by the operator');
	else run.decideAndSettle({kind: 'mark-done', detail: 'manual step done', reason: 'manual-step'}, step.id, 'succeeded', 'done by the operator');
	return 'next';
}

/**
 * A checklist (`manual: {text?, items}`, format 1.1): each item not ticked yet is asked in
 * order; each tick is saved with the step (`ticked`, the item as written) and journalled as a
 * `tick` decision with who made it, so a resume asks only the items left. Skipping skips the
 * whole step; once every item is ticked the step is done.
 */
async function checklistStep(run: RunCore, step: Step, items: readonly string[]): Promise<StepOutcome> {
	const values = displayValues(run.scope());
	const texts = items.map(item => interpolate(item, values));
	for (let index = 0; index < items.length; index++) {
		const ticked = new Set(run.state.steps[step.id]!.ticked ?? []);
		const item = items[index]!;
		if (ticked.has(item)) continue;
		const list = items.map((each, i) => ({text: texts[i]!, ticked: ticked.has(each)}));
		const answer = await run.answer(run.ports.operator.checkItem(run.stepView(step.id), {index, total: items.length, text: texts[index]!, items: list}));
		if (answer === 'quit') return 'quit';
		if (answer === 'skip') {
			run.decideAndSettle({kind: 'skip', detail: `checklist skipped at item ${index + 1} of ${items.length}`, reason: 'checklist'}, step.id, 'skipped', 'skipped by the operator');
			return 'next';
		}
		run.apply((s, at) => t.tickItem(s, step.id, at, item));
		run.decide('tick', step.id, `item ${index + 1} of ${items.length}: ${texts[index]}`, 'checklist');
	}
	run.decideAndSettle({kind: 'mark-done', detail: `checklist done: ${items.length} items ticked`, reason: 'checklist'}, step.id, 'succeeded', `done by the operator (${items.length} of ${items.length} items ticked)`);
	return 'next';
}
