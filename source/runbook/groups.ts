/**
 * Groups (format 1.1; the model is Ansible's block/rescue/always): a step that holds
 * `steps` instead of an action, with optional `rescue` and `always` lists. The runbook
 * keeps them as a tree (`Runbook.steps` holds the top-level steps); this module gives
 * the flat view, in run order, that the run's state, the step list, `plan` and the
 * report use: every step (groups included) once, with its depth, its group and its role.
 */
import type {Runbook, Step} from './schema.js';

/** Where a step sits: at the top, or in a group's `steps`, `rescue` or `always`. */
export type GroupRole = 'top' | 'body' | 'rescue' | 'always';

/** One step of the flat view. */
export interface FlatStep {
	step: Step;
	/** 0 at the top level, one more per enclosing group. */
	depth: number;
	/** Id of the enclosing group, when there is one. */
	parentId?: string;
	role: GroupRole;
	/** Index of the top-level step this one belongs to (itself at the top). */
	top: number;
}

/** True when the step is a group (`steps` instead of an action). */
export function isGroup(step: Step): boolean {
	return step.steps !== undefined;
}

/** The lists of a group in run order: body, rescue, always. */
export function groupLists(step: Step): Array<[Exclude<GroupRole, 'top'>, Step[]]> {
	return [
		['body', step.steps ?? []],
		['rescue', step.rescue ?? []],
		['always', step.always ?? []],
	];
}

/** The flat view of a list of steps: a group, then its body, rescue and always steps (depth first). */
export function flattenSteps(steps: readonly Step[]): FlatStep[] {
	const out: FlatStep[] = [];
	const visit = (step: Step, depth: number, role: GroupRole, top: number, parentId?: string): void => {
		out.push({step, depth, role, top, ...(parentId ? {parentId} : {})});
		for (const [childRole, list] of groupLists(step)) for (const child of list) visit(child, depth + 1, childRole, top, step.id);
	};
	steps.forEach((step, index) => visit(step, 0, 'top', index));
	return out;
}

const cache = new WeakMap<readonly Step[], FlatStep[]>();
/** Position of each step id in the flat view, per flat view: {@link findStep} and {@link flatIndex} in O(1). */
const indexes = new WeakMap<FlatStep[], Map<string, number>>();

/** The flat view of a runbook's steps (cached per runbook). */
export function flatSteps(runbook: Pick<Runbook, 'steps'>): FlatStep[] {
	let flat = cache.get(runbook.steps);
	if (!flat) {
		flat = flattenSteps(runbook.steps);
		cache.set(runbook.steps, flat);
	}
	return flat;
}

/** Every step of a runbook, groups and the steps inside them included, in run order. */
export function allSteps(runbook: Pick<Runbook, 'steps'>): Step[] {
	return flatSteps(runbook).map(entry => entry.step);
}

/**
 * Where the step with this id is in {@link flatSteps} (0-based), or -1. O(1) after a first
 * O(steps) call per runbook: the runner and the step list ask it per step, and a runbook
 * may have thousands (issue 14). Ids are unique (the loader checks it); the first wins.
 */
export function flatIndex(runbook: Pick<Runbook, 'steps'>, id: string): number {
	const flat = flatSteps(runbook);
	let index = indexes.get(flat);
	if (!index) {
		index = new Map();
		for (let i = flat.length - 1; i >= 0; i--) index.set(flat[i]!.step.id, i);
		indexes.set(flat, index);
	}
	return index.get(id) ?? -1;
}

/** The step with this id anywhere in the runbook, with its place (O(1), see {@link flatIndex}). */
export function findStep(runbook: Pick<Runbook, 'steps'>, id: string): FlatStep | undefined {
	const index = flatIndex(runbook, id);
	return index < 0 ? undefined : flatSteps(runbook)[index];
}

/** The ids of the groups around a step, innermost first. */
export function enclosingGroups(runbook: Pick<Runbook, 'steps'>, id: string): FlatStep[] {
	const out: FlatStep[] = [];
	let entry = findStep(runbook, id);
	while (entry?.parentId) {
		const parent = findStep(runbook, entry.parentId);
		if (!parent) break;
		out.push(parent);
		entry = parent;
	}
	return out;
}
