/**
 * The plan of a resume (see run-plan.ts): the saved state is read and checked (a shared
 * state directory is hostile input: store/trust.ts), the runbook it names loaded and
 * confirmed when this account has no record of the run, the state reconciled with the
 * runbook, a command left over from the last process stopped, and the secrets taken again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {loadRunbook} from '../runbook/load.js';
import {allSteps} from '../runbook/groups.js';
import {systemClock} from '../engine/clock.js';
import {secretEnvName} from '../engine/params.js';
import type {RunState} from '../engine/state.js';
import {reconcileForResume} from '../engine/transitions.js';
import {isCommandOfRun, stopLeftoverCommand} from '../executors/process-group.js';
import type {RunsRepository} from '../store/runs.js';
import {readStarted, recordStarted} from '../store/started.js';
import {damagedStateMessage, runbookFileProblem, runbookPathProblem, trustedGroups, trustedTicks, trustedVars} from '../store/trust.js';
import {UsageError} from '../security/usage-error.js';
import {stateDirArg, wantsTui, type RunOptions} from './options.js';
import {refuseWithoutTerminal, type RunPlan} from './run-plan.js';
import {resolveSecrets} from './secrets.js';

/**
 * The plan of resuming run `id`, whose lock the caller holds; `early` are notices so far
 * (a lock takeover).
 * @throws UsageError when the run is completed, its state names a runbook it may not (or
 *   one that is gone or others can change), the operator does not confirm the runbook of a
 *   run this account has no record of, a secret is missing without a terminal, or the run
 *   would stop at a question without a terminal; StateError when its state cannot be read;
 *   RunbookError when its runbook is no longer valid. Nothing has run then.
 */
export async function planResume(repo: RunsRepository, id: string, early: string[], options: RunOptions): Promise<RunPlan> {
	const saved = repo.load(id, {setAside: true, onWarning: warning => early.push(warning)});
	const started = checkSavedRun(repo, id, saved, options);
	const loaded = await loadRunbook(saved.runbookPath);

	// Saved variables are values of the runbook's own names only; group phases only where the runbook
	// has such a group; ticked checklist items only as its checklists still have them (store/trust.ts).
	const trusted = trustedVars(saved, loaded.runbook);
	const groups = trustedGroups(saved, loaded.runbook);
	const ticks = trustedTicks(saved, loaded.runbook);
	const steps = Object.fromEntries(
		Object.entries(saved.steps).map(([id, step]) => {
			const {ticked: _saved, ...rest} = step;
			return [id, ticks.ticked[id] ? {...rest, ticked: ticks.ticked[id]} : rest];
		}),
	);
	const reconciled = reconcileForResume(
		{...saved, steps, vars: trusted.vars, secretVars: trusted.secretVars, ...(saved.groups ? {groups: groups.groups} : {})},
		allSteps(loaded.runbook).map(s => s.id),
		loaded.hash,
		systemClock.now(),
	);
	const notices: string[] = early;
	if (trusted.dropped.length > 0) notices.push(`saved variables the runbook does not define were not restored: ${trusted.dropped.join(', ').slice(0, 200)}`);
	if (ticks.dropped.length > 0) notices.push(`saved checklist ticks that do not match the runbook's items were not restored: ${ticks.dropped.join(', ').slice(0, 200)}`);
	if (groups.dropped.length > 0) notices.push(`saved group progress that does not fit the runbook was not restored: ${groups.dropped.join(', ').slice(0, 200)}`);
	if (started === undefined) await confirmRunbook(id, saved, loaded.hash, options);
	const unrecorded = recordStarted(repo.stateDir, id, saved.runbookPath);
	if (unrecorded) notices.push(unrecorded);
	if (reconciled.changed) {
		notices.push(`the runbook file changed since this run began; steps are matched by id` + (reconciled.added.length ? `; new steps: ${reconciled.added.join(', ')}` : '') + (reconciled.removed.length ? `; steps no longer in the runbook (their records dropped): ${reconciled.removed.join(', ')}` : ''));
	}
	for (const stepId of reconciled.interrupted) notices.push(...(await stopInterrupted(reconciled.state, stepId, options)));

	// Secrets are never stored: take them from -p or the environment, else ask again.
	const tui = wantsTui(options);
	const found = resolveSecrets(loaded.runbook, reconciled.state.secretVars, options.params, {tui, resumed: true});
	if (found.missing.length > 0) {
		throw new UsageError(found.missing.map(name => `secret ${name} is needed again (secrets are never saved): set ${secretEnvName(name)} in the environment (or pass -p ${name}=VALUE)`));
	}
	const plan: RunPlan = {loaded, state: reconciled.state, repo, secrets: found.secrets, askFirst: found.ask, resumed: true, notices};
	// The saved state is left as it was when refused.
	if (!tui) refuseWithoutTerminal(plan, options);
	return plan;
}

/**
 * Checks a saved run before its runbook is read: not completed, naming a runbook it may
 * name (the one this account started it with, a file still there that others cannot change).
 * @returns the runbook this account recorded for the run (store/started.ts), or undefined (a handover).
 * @throws UsageError saying what is wrong and what to do.
 */
function checkSavedRun(repo: RunsRepository, id: string, saved: RunState, options: RunOptions): string | undefined {
	if (saved.status === 'completed') {
		// `--new` only when `runbook run` would otherwise offer to resume an unfinished run of the same runbook.
		const others = repo.unfinished(saved.runbookPath).filter(run => run.runId !== id);
		const again = `runbook run ${saved.runbookPath}${others.length > 0 ? ' --new' : ''}${stateDirArg(options.stateDir)}`;
		throw new UsageError(`run ${id} is already completed; start a new one with \`${again}\``);
	}
	const wrongRunbook = runbookPathProblem(saved, id);
	if (wrongRunbook) throw new UsageError(damagedStateMessage(id, repo.runDir(id), wrongRunbook));
	// The runbook this account started (or last resumed) the run with; the state may not name another.
	const started = readStarted(repo.stateDir, id);
	if (started !== undefined && started !== saved.runbookPath) {
		throw new UsageError(`run ${id} was started on this account with the runbook ${started}, but its state now names ${saved.runbookPath}: ` + `the state was changed by someone who can write the state directory. Nothing was run; check ${repo.runDir(id)}`);
	}
	if (!fs.existsSync(saved.runbookPath)) throw new UsageError(`the runbook of run ${id} is gone: ${saved.runbookPath}; put it back at that path to resume`);
	const unsafeRunbook = runbookFileProblem(saved.runbookPath);
	if (unsafeRunbook) {
		throw new UsageError(`run ${id} names a runbook others can change: ${unsafeRunbook}. Nothing was run; a shared state directory must not pick a file someone else can edit. Fix its owner or mode, then resume`);
	}
	return started;
}

/**
 * Without a record of this account's (a handover, or a record lost), the state alone names the
 * runbook, and whoever shares the state directory can change both its path and its recorded hash:
 * the operator confirms the runbook once, by naming it (typed in the TUI, or `--confirm-runbook FILE`);
 * the record then exists for this account.
 * @throws UsageError when the operator does not confirm it.
 */
async function confirmRunbook(id: string, saved: RunState, hash: string, options: RunOptions): Promise<void> {
	const changed = hash !== saved.runbookHash;
	if (wantsTui(options)) {
		const why = changed ? "its content (or a fragment's) is not the one this run recorded" : 'the shared state names it: check it is the runbook this run was started with';
		const {confirmTargetChange} = await import('../ui/confirm-target.js');
		const accepted = await confirmTargetChange([`runbook ${saved.runbookPath}`, why], path.basename(saved.runbookPath), {
			heading: changed ? 'This run was not started on this account, and its runbook changed since:' : 'This run was not started on this account:',
			consequence: 'Its steps would run as this file says.',
		});
		// The operator declined on the screen: nothing more to say.
		if (!accepted) throw new UsageError([]);
		return;
	}
	if (options.confirmRunbook !== undefined && path.resolve(options.confirmRunbook) === saved.runbookPath) return;
	throw new UsageError(`run ${id} was not started on this account (no record of it here) and names the runbook ${saved.runbookPath}` + `${changed ? ", whose content (or a fragment's) is not the one the run recorded" : ''}. Nothing was run.`, [
		`if that is the runbook to go on with, pass --confirm-runbook ${saved.runbookPath}`,
	]);
}

/**
 * The notices of step `stepId`, interrupted when the last process ended. Its command may
 * outlive the process that ran it (a SIGKILL does not reach the command's own process
 * group): it is stopped before anything else runs, when it ran on this host with an id of
 * this run (another run's live command id copied into this state is not ours to stop).
 */
async function stopInterrupted(state: RunState, stepId: string, options: RunOptions): Promise<string[]> {
	const notices = [`step ${stepId} was running when the last process ended: it is interrupted and will not re-run unless you choose to`];
	const last = state.steps[stepId]?.attempts.at(-1);
	const ownId = last?.commandId && isCommandOfRun(last.commandId, state.runId) ? last.commandId : undefined;
	const leftover = last?.pgid ? {pgid: last.pgid, startedAfter: Date.parse(last.startedAt) || Date.now(), ...(ownId ? {commandId: ownId} : {})} : undefined;
	if (leftover && last?.host === os.hostname() && (await stopLeftoverCommand(leftover, options.graceMs ?? 10_000))) {
		// Short, the verb first: the TUI shows a notice on one row (80 columns) and cuts the rest.
		notices.push(`step ${stepId}: its leftover command was stopped (process group ${last.pgid})`);
	}
	return notices;
}
