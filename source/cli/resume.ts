/**
 * `runbook resume [RUN_ID]`: picks the run (the latest unfinished one by default), locks
 * it, plans the resume (resume-plan.ts), connects its Kubernetes target and drives it
 * (drive.ts).
 */
import fs from 'node:fs';
import {isRunId, RunsRepository, resolveStateDir} from '../store/runs.js';
import {UsageError} from '../security/usage-error.js';
import {drive} from './drive.js';
import {stdio, type Io} from './exit.js';
import {connectTarget} from './kube-target.js';
import {preloadUi} from './lazy-modules.js';
import type {RunOptions} from './options.js';
import {planResume} from './resume-plan.js';
import {takeoverNotice, takeRunLock} from './run-lock.js';

/**
 * `runbook resume [RUN_ID]`: continues the named run, or the latest unfinished one.
 * @returns the exit code of the run (drive.ts).
 * @throws UsageError, StateError, RunbookError, RunLockedError: a refusal before anything ran (cli/exit.ts maps them to 2).
 */
export async function resumeCommand(runId: string | undefined, options: RunOptions, io: Io = stdio): Promise<number> {
	preloadUi(options);
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	let id = runId;
	if (!id) {
		const latest = repo.unfinished()[0];
		if (!latest) throw new UsageError(`no unfinished run in ${repo.stateDir} (see \`runbook runs\`)`);
		id = latest.runId;
	}
	// A run id names a folder under runs/: nothing else (no `..`, no `/`).
	if (!isRunId(id) || !fs.existsSync(repo.runDir(id))) throw new UsageError(`no run ${id} in ${repo.stateDir} (see \`runbook runs\`)`);
	// One process per run: locked before the state is read, so two resumes cannot both reconcile it.
	const runLock = await takeRunLock(repo, id, io);
	try {
		const plan = await planResume(repo, id, takeoverNotice(runLock), options);
		return await drive(plan, await connectTarget(plan, options), options, io);
	} finally {
		await runLock.release();
	}
}
