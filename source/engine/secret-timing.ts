/**
 * When a secret param is asked in the TUI: up front, or only before the first step that
 * runs and names it. The passphrase of an encrypted backup is needed only by the decrypt
 * step, which runs only when the backup is encrypted (its `when` depends on a capture); an
 * operator restoring a plain `.sql.gz` must not be asked for it (issue 10, item 5).
 *
 * A secret is deferred when at least one step still to run names it (`$NAME` / `${NAME}` in
 * any of its fields) and every such step is behind a `when` (its own or a group's) that does
 * not surely hold with the values known, or is a rescue step. It is asked up front, as before,
 * when no step names it (a command may read it from the environment without naming it, as
 * psql reads PGPASSWORD), when a `when` reads it (the condition needs it), or when a step that
 * surely runs names it. During the run (runner.ts) the same sorting with the values captured
 * so far says when a deferred one becomes due. Pure: nothing runs.
 */
import type {Runbook, Step} from '../runbook/schema.js';
import {BUILTIN_VARS, referencedVars} from '../runbook/variables.js';
import {flatSteps, isGroup} from '../runbook/groups.js';
import {type Known, whenHolds} from './preflight.js';

/** Keys of a step that hold other steps, not the step's own fields. */
const NESTED = new Set(['steps', 'rescue', 'always']);

/** Every name a step's own fields reference (`run`, `env`, a Kubernetes spec, `confirm`, ...; not its nested steps). */
export function stepReferences(step: Step): Set<string> {
	const names = new Set<string>();
	const walk = (value: unknown): void => {
		if (typeof value === 'string') for (const name of referencedVars(value)) names.add(name);
		else if (Array.isArray(value)) value.forEach(walk);
		else if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) if (!NESTED.has(key)) walk(inner);
	};
	walk(step);
	return names;
}

/** The names a step's `when` reads: its variable and the variables in its targets. */
function whenReferences(step: Step): string[] {
	const when = step.when;
	if (!when) return [];
	return [when.var, ...[when.equals, when.notEquals, ...(when.in ?? [])].flatMap(t => (t === undefined ? [] : referencedVars(t)))];
}

/** When each secret without a value is to be asked: {@link classifySecrets}. */
export interface SecretTiming {
	/** Needed now: a step still to run that surely runs names it, or a `when` reads it. */
	due: Set<string>;
	/** Named only by steps still to run that may not run: asked before the first of them that runs. */
	deferred: Set<string>;
	/** Named by no step still to run (a command may still read it from the environment). */
	unnamed: Set<string>;
}

/**
 * Sorts `names` (secrets without a value) by when they are needed (see the file comment).
 * @param values the values known now (params, saved vars, captures so far), by name.
 * @param done ids of steps already done: they do not run again.
 */
export function classifySecrets(runbook: Runbook, names: readonly string[], values: Record<string, string>, done: ReadonlySet<string> = new Set()): SecretTiming {
	const known: Known = new Map(Object.entries(values));
	for (const {step} of flatSteps(runbook)) {
		if (done.has(step.id)) continue;
		for (const name of [step.capture, step.ask?.var]) if (name !== undefined && !known.has(name)) known.set(name, undefined);
	}
	for (const name of BUILTIN_VARS) known.set(name, undefined);
	const wanted = new Set(names);
	const named = new Set<string>();
	const due = new Set<string>();
	const groupSure = new Map<string, boolean>();
	for (const {step, parentId, role} of flatSteps(runbook)) {
		for (const name of whenReferences(step)) if (wanted.has(name)) due.add(name);
		const parentSure = parentId === undefined ? true : (groupSure.get(parentId) ?? false);
		const sure = parentSure && role !== 'rescue' && whenHolds(step, known) === true;
		if (isGroup(step)) {
			groupSure.set(step.id, sure);
			continue;
		}
		if (done.has(step.id)) continue;
		for (const name of stepReferences(step)) {
			if (!wanted.has(name)) continue;
			named.add(name);
			if (sure) due.add(name);
		}
		// A capture overwrites its name: a `when` on it later is decided during the run.
		if (step.capture) known.set(step.capture, undefined);
	}
	return {
		due,
		deferred: new Set(names.filter(name => named.has(name) && !due.has(name))),
		unnamed: new Set(names.filter(name => !named.has(name) && !due.has(name))),
	};
}
