/**
 * The non-interactive preflight: before the first step of a run without a
 * terminal, walk the steps still to run as the runner would and list every
 * question the plain operator (ui/plain.ts) could not answer from the flags
 * given: a confirmation (`--yes`), a destructive step (`--yes-destructive`), a
 * manual step (`--yes`), an `ask` (`-p VAR=VALUE`), a step found interrupted
 * (`--rerun-interrupted`). A run that would stop at one of them is refused
 * before anything runs, instead of stopping half-way (a service stopped, a
 * backup taken, then the refusal). Pure: nothing runs, nothing is read.
 *
 * `when` is evaluated where its value is known (params, earlier answers given
 * with `-p`, values saved by earlier sessions); a step behind a `when` on a value
 * only known at run time (a capture, an unanswered ask) "may need" its flag. A
 * name a step captures is unknown from that step on, even when a param of that
 * name was known before the run: the capture overwrites it.
 */
import type {Runbook, Step} from '../runbook/schema.js';
import {BUILTIN_VARS, interpolate, referencedVars} from '../runbook/variables.js';
import {checkAnswer} from './answers.js';
import {isStepDone, type RunState} from './state.js';
import {actionOf, destructiveWord} from './view.js';
import {allSteps, flatSteps, isGroup} from '../runbook/groups.js';

/** What the flags of a run without a terminal answer (as `PlainAnswers` in ui/plain.ts). */
export interface PreflightAnswers {
	yes: boolean;
	yesDestructive: boolean;
	rerunInterrupted: boolean;
	/** `--no-rescue`: the rescue steps of groups never run without a terminal. */
	noRescue?: boolean;
	/** `-p NAME=VALUE` values (they answer `ask` steps too). */
	values: Record<string, string>;
}

/** One flag or value a step needs that was not given. */
export interface PreflightNeed {
	/** `--yes`, `--yes-destructive`, `--rerun-interrupted` or `-p NAME=VALUE`. */
	flag: string;
	stepId: string;
	/** Why, one short phrase: `asks "Drop it?"`, `is destructive (word "synapse")`. */
	why: string;
	/** True when the step is behind a `when` that cannot be evaluated before the run. */
	maybe: boolean;
}

/** A value known before the run, or not (set by a capture or an ask at run time). */
export type Known = Map<string, string | undefined>;

/** Whether `step.when` holds with `known` values: true, false, or undefined when it depends on a value not known yet. */
export function whenHolds(step: Step, known: Known): boolean | undefined {
	const when = step.when;
	if (!when) return true;
	if (!known.has(when.var) || known.get(when.var) === undefined) {
		// Never set before the run and nothing sets it at run time: the runner reads it as "".
		if (!known.has(when.var)) known.set(when.var, '');
		else return undefined;
	}
	const targets = [when.equals, when.notEquals, ...(when.in ?? [])].filter((t): t is string => t !== undefined);
	for (const target of targets) for (const name of referencedVars(target)) if (known.has(name) && known.get(name) === undefined) return undefined;
	const values: Record<string, string> = {};
	for (const [name, value] of known) if (value !== undefined) values[name] = value;
	const value = values[when.var] ?? '';
	if (when.equals !== undefined) return value === interpolate(when.equals, values);
	if (when.notEquals !== undefined) return value !== interpolate(when.notEquals, values);
	return (when.in ?? []).map(t => interpolate(t, values)).includes(value);
}

/**
 * Every flag or value the steps still to run need without a terminal and do not
 * have, in step order. `steps`: the run's saved steps (`RunState.steps`; `{}` for
 * a run not created yet: every step pending). `values`: the values known before
 * the run (params, saved vars, secrets given), by name; those named in `secret`
 * are shown as `***` (in a destructive step's word), as are secret asks' answers.
 */
export function preflightNeeds(runbook: Runbook, steps: Partial<RunState['steps']>, values: Record<string, string>, answers: PreflightAnswers, secret: ReadonlySet<string> = new Set()): PreflightNeed[] {
	const known: Known = new Map(Object.entries(values));
	// Shown as `***`: secret params, and the answers of secret asks (given with -p, they are known here).
	const hidden = new Set([...secret, ...allSteps(runbook).flatMap(step => (step.ask?.secret ? [step.ask.var] : []))]);
	// Names set at run time: their values are not known until the step that sets them has run.
	const setLater = new Set(allSteps(runbook).flatMap(step => [step.capture, step.ask?.var].filter((n): n is string => n !== undefined)));
	for (const name of setLater) if (!known.has(name)) known.set(name, undefined);
	// Built-ins (RUN_ID, KUBE_CONTEXT, ...) are set by the runner over any value of that name (runner.ts `scope()`): not known here.
	for (const name of BUILTIN_VARS) known.set(name, undefined);
	const needs: PreflightNeed[] = [];
	// Groups (format 1.1): a group whose `when` does not hold skips every step inside it; one
	// whose `when` is not known yet makes them "may need". A rescue step runs only after a
	// failure, but a rescue stopping half-way at a question is the worst place to stop, so its
	// needs count in full; with --no-rescue it never runs without a terminal.
	const groupWhen = new Map<string, boolean | undefined>();
	for (const {step, parentId, role} of flatSteps(runbook)) {
		const parent = parentId === undefined ? true : groupWhen.get(parentId);
		if (isGroup(step)) {
			const own = parent === false || (role === 'rescue' && answers.noRescue) ? false : whenHolds(step, known);
			groupWhen.set(step.id, own === false ? false : parent === undefined || own === undefined ? undefined : true);
			continue;
		}
		if (parent === false || (role === 'rescue' && answers.noRescue)) continue;
		const saved = steps[step.id];
		if (saved && isStepDone(saved.status)) continue;
		const need = (flag: string, why: string, maybe: boolean) => needs.push({flag, stepId: step.id, why, maybe});
		if ((saved?.status === 'interrupted' || saved?.status === 'running') && !answers.rerunInterrupted) {
			need('--rerun-interrupted', 'was interrupted', false);
		}
		const holds = whenHolds(step, known);
		if (holds === false) continue;
		const maybe = holds === undefined || parent === undefined;
		const action = actionOf(step);
		if (action === 'manual') {
			if (!answers.yes) need('--yes', typeof step.manual === 'object' ? 'is a checklist (--yes ticks every item)' : 'is a manual step', maybe);
		} else if (action === 'ask') {
			const ask = step.ask!;
			const value = answers.values[ask.var] ?? ask.default;
			const problem = value === undefined ? undefined : checkAnswer(value, ask.choices, ask.pattern, ask.secret);
			if (value === undefined) need(`-p ${ask.var}=VALUE`, `asks "${ask.prompt}"${ask.choices ? ` (one of: ${ask.choices.join(', ')})` : ''}`, maybe);
			else if (problem) need(`-p ${ask.var}=VALUE`, `asks "${ask.prompt}": ${problem}`, maybe);
			// The answer overwrites the name: known from here when the step surely runs with a good answer; an
			// ask that may not run leaves it known only when both ways give the same value; else unknown.
			if (value !== undefined && !problem && (!maybe || known.get(ask.var) === value)) known.set(ask.var, value);
			else known.set(ask.var, undefined);
		} else {
			if (step.confirm !== undefined && !step.destructive && !answers.yes) need('--yes', `asks "${step.confirm === true ? 'Run this step?' : step.confirm}"`, maybe);
			if (step.destructive && !answers.yesDestructive) {
				const shown: Record<string, string> = {};
				for (const [name, value] of known) if (value !== undefined) shown[name] = hidden.has(name) ? '***' : value;
				need('--yes-destructive', `is destructive (confirmation word "${destructiveWord(step, shown)}")`, maybe);
			}
		}
		// A capture overwrites its name when the step runs: a param of that name known before the run is not known after
		// this step, so a later `when` on it is decided during the run ("may need"), not on the value it had before.
		if (step.capture) known.set(step.capture, undefined);
	}
	return needs;
}

/**
 * The refusal for `needs` (empty when there are none): one line per flag with
 * the steps that need it, those behind an undecided `when` under "may need".
 */
export function preflightRefusal(needs: readonly PreflightNeed[]): string[] {
	if (needs.length === 0) return [];
	const lines = ['runbook: without a terminal this run would stop at a question it cannot ask; nothing was run. Pass:'];
	const group = (list: readonly PreflightNeed[]) => {
		const byFlag = new Map<string, string[]>();
		for (const need of list) byFlag.set(need.flag, [...(byFlag.get(need.flag) ?? []), `step ${need.stepId} ${need.why}`]);
		for (const [flag, whys] of byFlag) lines.push(`  ${flag.padEnd(20)} ${whys.join('; ')}`);
	};
	const sure = needs.filter(need => !need.maybe);
	const maybe = needs.filter(need => need.maybe);
	group(sure);
	if (maybe.length > 0) {
		lines.push('  and what may be needed (the step runs only if its `when` holds, which depends on a value set during the run):');
		group(maybe);
	}
	lines.push('  or run it in a terminal to answer the questions as they come.');
	return lines;
}
