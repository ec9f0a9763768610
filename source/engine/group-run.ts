/**
 * Groups (runbook format 1.1; Ansible's block/rescue/always): a group's steps; when one
 * fails and the operator rolls back, its rescue steps, after which the group ends failed
 * ("failed, rolled back"); then its always steps, whichever way it ended. Where a group is
 * is saved in `RunState.groups` after every phase, so a resume continues inside the body,
 * the rescue or the always steps.
 */
import type {Step} from '../runbook/schema.js';
import {findStep, flatSteps} from '../runbook/groups.js';
import type {FailureInfo} from './ports.js';
import type {RunCore, StepOutcome} from './run-core.js';
import {isStepDone, type GroupState} from './state.js';
import * as t from './transitions.js';

/** What the loop over the steps keeps between steps: where a roll back goes, and why the run stops. */
export interface LoopMemory {
	/** The group whose rescue a `roll-back` outcome is for. */
	rollBackTarget?: string;
	/** The step whose failure the operator answered with a roll back. */
	rollBackFrom?: string;
	/** Why the run stops, set where a stopping outcome arises (the step or group, in words). */
	stopWords?: string;
}

/** Whether a step's `when` holds, and the note saying why not. */
export type WhenCheck = (step: Step) => {holds: boolean; note: string};

/** Ids of a group's steps, rescue and always steps at every depth (not the group itself). */
function inside(group: Step): string[] {
	return flatSteps({steps: [group]})
		.slice(1)
		.map(entry => entry.step.id);
}

function groupNote(run: RunCore, group: Step, text: string, level: 'info' | 'warn' | 'error' = 'info'): void {
	run.emit({type: 'notice', level, stepId: group.id, message: `group ${group.id}: ${text}`});
}

/**
 * Runs a group: body, rescue (after a roll back), always. A group that was rolled back runs
 * again from its start on a resume. Quitting (or a failure the operator does not roll back)
 * leaves the group open.
 * @param runList runs a list of steps (the Runner's loop).
 */
export async function runGroup(run: RunCore, group: Step, memory: LoopMemory, runList: (steps: readonly Step[]) => Promise<StepOutcome>, whenHolds: WhenCheck): Promise<StepOutcome> {
	const saved = run.state.steps[group.id]!;
	if (isStepDone(saved.status)) return 'next';
	let groupState = run.state.groups?.[group.id];
	if (groupState?.phase === 'done') {
		const reset = [group.id, ...inside(group)];
		// Each reset step is told as pending: a view that keeps counts from the events (the TUI's
		// time left, ui/run-view.ts) counts it as not done again.
		run.apply((s, at) => t.setGroup(t.resetSteps(s, reset, at), group.id, at, undefined), ...reset.map(id => ({type: 'step-status' as const, stepId: id, status: 'pending' as const})));
		groupNote(run, group, 'it was rolled back (or ended failed) before: it runs again from its first step');
		groupState = undefined;
	}
	if (!groupState) {
		run.apply((s, at) => t.setCurrentStep(s, group.id, at));
		const when = whenHolds(group);
		if (!when.holds) {
			for (const id of [group.id, ...inside(group)]) {
				const note = id === group.id ? when.note : `group ${group.id} skipped (${when.note})`;
				run.apply((s, at) => t.setStepStatus(s, id, at, 'skipped', note), {type: 'step-status', stepId: id, status: 'skipped', note: when.note});
			}
			return 'next';
		}
		groupState = {phase: 'body'};
		setGroup(run, group, groupState);
	}
	if (groupState.phase === 'body') {
		const out = await runList(group.steps ?? []);
		if (out === 'quit' || out === 'failed' || out === 'rescue-failed') return out;
		if (out === 'next') groupState = {phase: 'always', outcome: 'succeeded'};
		else if (out === 'roll-back' && memory.rollBackTarget === group.id) {
			groupState = {phase: 'rescue', outcome: 'rolled-back', ...(memory.rollBackFrom ? {failedStep: memory.rollBackFrom} : {})};
		} else {
			// A group inside was rolled back, or an enclosing group rolls back: this one ends failed.
			groupState = {phase: 'always', outcome: 'failed', ...(out === 'roll-back' && memory.rollBackTarget ? {rollBackTo: memory.rollBackTarget} : {})};
		}
		setGroup(run, group, groupState);
	}
	if (groupState.phase === 'rescue') {
		const steps = group.rescue ?? [];
		groupNote(run, group, `rolling back: running its rescue (${steps.map(s => s.id).join(', ')})`, 'warn');
		const out = await runList(steps);
		if (out === 'quit') return 'quit';
		if (out !== 'next') {
			memory.stopWords = `the rescue of group ${group.id} failed at step ${run.state.currentStepId ?? '?'}: the rollback did not finish (resume to continue it)`;
			groupNote(run, group, `its rescue failed at step ${run.state.currentStepId ?? '?'}; the run stops`, 'error');
			return 'rescue-failed';
		}
		groupState = {...groupState, phase: 'always', outcome: 'rolled-back'};
		setGroup(run, group, groupState);
	}
	if (groupState.phase === 'always') {
		const out = await runList(group.always ?? []);
		if (out !== 'next') return out;
	}
	const outcome = groupState.outcome ?? 'succeeded';
	setGroup(run, group, {...groupState, phase: 'done', outcome});
	if (outcome === 'succeeded') {
		run.settle(group.id, 'succeeded');
		return 'next';
	}
	run.settle(group.id, 'failed', outcome === 'rolled-back' ? 'failed, rolled back' : 'failed');
	if (groupState.rollBackTo) {
		memory.rollBackTarget = groupState.rollBackTo;
		return 'roll-back';
	}
	if (outcome === 'rolled-back') {
		memory.stopWords = `group ${group.id} failed, rolled back (step ${groupState.failedStep || '?'} failed; its rescue ran)`;
		groupNote(run, group, 'failed, rolled back', 'warn');
	}
	return 'rolled-back';
}

function setGroup(run: RunCore, group: Step, state: GroupState): void {
	run.apply((s, at) => t.setGroup(s, group.id, at, state));
}

/**
 * The group a failure of `stepId` may roll back: the innermost group with a `rescue` whose
 * `steps` hold the step (at any depth); none when the step is in a rescue or always list
 * on the way up (a failing rescue stops the run).
 */
export function rollBackFor(run: RunCore, stepId: string): FailureInfo['rollBack'] {
	let entry = findStep(run.runbook, stepId);
	while (entry?.parentId) {
		if (entry.role !== 'body') return undefined;
		const parent = findStep(run.runbook, entry.parentId);
		if (!parent) return undefined;
		if (parent.step.rescue) return {groupId: parent.step.id, title: run.stepView(parent.step.id).title, steps: parent.step.rescue.map(s => s.id)};
		entry = parent;
	}
	return undefined;
}
