/**
 * Checks of a loaded run state against the runbook and the run's folder. The
 * state directory may be on a shared path (handover) and anyone who can write
 * it can edit a state file, so the state is data, never instructions: what
 * runs, which variables reach commands, which file is loaded and where files go
 * come from the runbook and from this process, and the state's fields are
 * checked against them here.
 *
 * What is checked:
 * - `vars` and `secretVars` keep only names the runbook defines (params, `ask`
 *   answers, `capture` values); never a built-in (`RUN_ID`, `RUN_DIR`...), which
 *   the run itself sets, nor a variable that changes how bash or the dynamic
 *   loader behave (`PATH`, `BASH_ENV`, `LD_PRELOAD`...).
 * - `runId` equals the name of its folder (else: a damaged state).
 * - `runbookPath` is absolute and names a file whose name the run id was made
 *   from (`<runbook file name>-<YYYYMMDD-HHMMSS>-<4 hex>`, store/runs.ts
 *   `newRunId`): a state pointing at another runbook is refused. A changed
 *   content at the same path is reported by the resume as before (hash).
 */
import fs from 'node:fs';
import path from 'node:path';
import type {RunState} from '../engine/state.js';
import type {Runbook} from '../runbook/schema.js';
import {BUILTIN_VARS} from '../runbook/variables.js';
import {allSteps, enclosingGroups, findStep, isGroup} from '../runbook/groups.js';

/**
 * Variables a saved state may never set, even when a runbook defines a variable of
 * that name: they change what bash runs or loads (bash(1) INVOCATION, ld.so(8)).
 */
const NEVER_RESTORED = new Set<string>([...BUILTIN_VARS, 'PATH', 'BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS', 'IFS', 'PS4', 'PROMPT_COMMAND', 'CDPATH', 'GLOBIGNORE', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'NODE_OPTIONS', 'RUNBOOK_COMMAND_ID', 'HOME', 'SHELL']);

/** Names a runbook defines for its run: params, `ask.var` and `capture` of every step (includes expanded). */
export function definedVarNames(runbook: Runbook): Set<string> {
	const names = new Set(Object.keys(runbook.params ?? {}));
	for (const step of allSteps(runbook)) {
		if (step.ask?.var) names.add(step.ask.var);
		if (step.capture) names.add(step.capture);
	}
	return names;
}

/** What {@link trustedVars} kept and left out. */
export interface TrustedVars {
	vars: Record<string, string>;
	secretVars: string[];
	/** Names found in the state that were not restored, sorted. */
	dropped: string[];
}

/**
 * The saved variables a resume may restore: only names `runbook` defines (see the
 * module comment), values as strings. Names left out are returned in `dropped`
 * so the caller can tell the operator.
 */
export function trustedVars(state: Pick<RunState, 'vars' | 'secretVars'>, runbook: Runbook): TrustedVars {
	const defined = definedVarNames(runbook);
	const allowed = (name: string) => defined.has(name) && !NEVER_RESTORED.has(name);
	const vars: Record<string, string> = {};
	const dropped = new Set<string>();
	for (const [name, value] of Object.entries(state.vars)) {
		if (allowed(name) && typeof value === 'string') vars[name] = value;
		else dropped.add(name);
	}
	const secretVars: string[] = [];
	for (const name of state.secretVars) {
		if (allowed(name)) secretVars.push(name);
		else dropped.add(name);
	}
	return {vars, secretVars, dropped: [...dropped].sort()};
}

/**
 * The saved group bookkeeping (runbook format 1.1) a resume may keep: entries of steps that
 * are groups in `runbook`; a `rescue` phase (or a rolled-back outcome) only for a group that
 * has rescue steps; `rollBackTo` only naming a group with rescue steps that encloses it. The
 * state says where a group was; the runbook decides what its phases run. An entry that does
 * not fit is dropped (the group then goes on from its body, where its steps' statuses say).
 * @returns the kept entries and the ids dropped, sorted.
 */
export function trustedGroups(state: Pick<RunState, 'groups'>, runbook: Runbook): {groups: NonNullable<RunState['groups']>; dropped: string[]} {
	const groups: NonNullable<RunState['groups']> = {};
	const dropped: string[] = [];
	for (const [id, group] of Object.entries(state.groups ?? {})) {
		const entry = findStep(runbook, id);
		const hasRescue = entry?.step.rescue !== undefined;
		const rescued = group.phase === 'rescue' || group.outcome === 'rolled-back';
		const target = group.rollBackTo === undefined || (group.outcome === 'failed' && enclosingGroups(runbook, id).some(g => g.step.id === group.rollBackTo && g.step.rescue !== undefined));
		if (!entry || !isGroup(entry.step) || (rescued && !hasRescue) || !target) dropped.push(id);
		else groups[id] = group;
	}
	return {groups, dropped: dropped.sort()};
}

/**
 * The ticked checklist items a resume may restore (format 1.1): for each step, only items its
 * checklist in the runbook still has, exactly as written there, each once, in checklist order.
 * A step that is not a checklist (any more) keeps none. The state only says which items were
 * ticked; the runbook decides what the items are, so an edited item is asked again.
 * @returns the steps with their kept ticks (a step with none has no entry), and the ids of
 *   steps whose saved ticks were not all kept, sorted.
 */
export function trustedTicks(state: Pick<RunState, 'steps'>, runbook: Runbook): {ticked: Record<string, string[]>; dropped: string[]} {
	const ticked: Record<string, string[]> = {};
	const dropped: string[] = [];
	for (const [id, step] of Object.entries(state.steps)) {
		if (step.ticked === undefined) continue;
		const manual = findStep(runbook, id)?.step.manual;
		const items = typeof manual === 'object' ? manual.items : [];
		const saved = new Set(step.ticked);
		const kept = items.filter(item => saved.has(item));
		if (kept.length !== step.ticked.length) dropped.push(id);
		if (kept.length > 0) ticked[id] = kept;
	}
	return {ticked, dropped: dropped.sort()};
}

/**
 * Why a state read from folder `folderRunId` cannot be that run's, or undefined
 * when its `runId` is that folder's name. A mismatch (such as `../../x`) would
 * send the run's state, logs and journal to another folder.
 */
export function runIdProblem(state: Pick<RunState, 'runId'>, folderRunId: string): string | undefined {
	if (state.runId === folderRunId) return undefined;
	return `runId ${JSON.stringify(state.runId.slice(0, 80))} is not the name of its folder (${folderRunId})`;
}

/** The part of a run id made from the runbook's file name (store/runs.ts newRunId). */
export function runIdBase(runbookPath: string): string {
	return (
		path
			.basename(runbookPath)
			.replace(/\.ya?ml$/i, '')
			.replace(/[^A-Za-z0-9-]+/g, '-')
			.toLowerCase() || 'run'
	);
}

/**
 * Why run `runId` may not load the runbook its state names, or undefined: the path
 * must be absolute and its file name must be the one the run id was made from.
 * (The content is compared by hash afterwards, as a resume always did.)
 */
export function runbookPathProblem(state: Pick<RunState, 'runbookPath'>, runId: string): string | undefined {
	const file = state.runbookPath;
	if (!path.isAbsolute(file) || path.normalize(file) !== file) return `its runbookPath is not an absolute, normal path`;
	const base = runIdBase(file);
	const made = new RegExp(`^${base.replace(/[^A-Za-z0-9]/g, '\\$&')}-\\d{8}-\\d{6}-[0-9a-f]{4}$`);
	if (!made.test(runId)) return `its runbookPath names another file (${path.basename(file)}) than the runbook the run was started with`;
	return undefined;
}

/**
 * Why the runbook file a saved state names may not be loaded for a resume, or
 * undefined. The state directory may be shared for handover, so its word alone
 * must not pick a file that someone else can change: the file and its folder
 * (after symbolic links) must belong to this user or root and not be writable
 * by group or others (a folder with the sticky bit, such as /tmp, may be).
 * A file that cannot be examined is left to the load, which reports it.
 */
export function runbookFileProblem(file: string): string | undefined {
	let real: string;
	try {
		real = fs.realpathSync(file);
	} catch {
		return undefined;
	}
	const uid = process.getuid?.();
	if (uid === undefined) return undefined;
	for (const [what, target] of [
		['the runbook', real],
		['its folder', path.dirname(real)],
	] as const) {
		let stat: fs.Stats;
		try {
			stat = fs.statSync(target);
		} catch {
			return undefined;
		}
		if (stat.uid !== uid && stat.uid !== 0) return `${what} ${target} belongs to another user (uid ${stat.uid})`;
		const sticky = stat.isDirectory() && (stat.mode & 0o1000) !== 0;
		if ((stat.mode & 0o022) !== 0 && !sticky) return `${what} ${target} is writable by ${(stat.mode & 0o002) !== 0 ? 'every user' : 'its group'} (chmod go-w ${target})`;
	}
	return undefined;
}

/** What the operator is told when a state fails a check above: where and what to do. */
export function damagedStateMessage(runId: string, runDir: string, problem: string): string {
	return `run ${runId} has a damaged state: ${problem}. Nothing was run. Check ${runDir} (someone may have edited it); start anew with \`runbook run FILE --new\``;
}
