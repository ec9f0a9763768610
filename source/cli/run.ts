/**
 * `runbook run FILE`: loads the runbook, offers to resume an unfinished run of it (exit 2
 * naming `runbook resume` without a terminal), plans the new run (run-plan.ts), makes and
 * locks its folder, connects its Kubernetes target and drives it (drive.ts).
 */
import {loadRunbook} from '../runbook/load.js';
import {runStatusWord} from '../engine/state.js';
import {RunsRepository, resolveStateDir, type RunSummary} from '../store/runs.js';
import {recordStarted} from '../store/started.js';
import {makePrivateDir} from '../platform/safe-file.js';
import {UsageError} from '../security/usage-error.js';
import {drive} from './drive.js';
import {EXIT, stdio, type Io} from './exit.js';
import {connectTarget} from './kube-target.js';
import {loadUi, preloadUi} from './lazy-modules.js';
import {stateDirArg, wantsTui, type RunOptions} from './options.js';
import {resumeCommand} from './resume.js';
import {planNewRun} from './run-plan.js';
import {takeRunLock} from './run-lock.js';

function describeRun(run: RunSummary): string {
	return `${run.runId} (${runStatusWord(run.status)}, ${run.done}/${run.total} steps done${run.currentStepId ? `, at ${run.currentStepId}` : ''}, last active ${run.updatedAt}, started by ${run.startedBy})`;
}

/**
 * `runbook run FILE`: starts a run, or offers to resume an unfinished run of the same runbook.
 * @returns the exit code of the run (drive.ts), or 1 when the operator quits the TUI's choice.
 * @throws UsageError, RunbookError, RunLockedError: a refusal before anything ran (cli/exit.ts maps them to 2).
 */
export async function runCommand(file: string, options: RunOptions, io: Io = stdio): Promise<number> {
	preloadUi(options);
	const loaded = await loadRunbook(file);
	const repo = new RunsRepository(resolveStateDir(options.stateDir));

	if (!options.fresh) {
		const unfinished = repo.unfinished(loaded.path);
		if (unfinished.length > 0) {
			if (!wantsTui(options)) {
				const stateDirFlag = stateDirArg(options.stateDir);
				throw new UsageError(`an unfinished run of ${loaded.path} exists: ${describeRun(unfinished[0]!)}`, [`continue it:   runbook resume ${unfinished[0]!.runId}${stateDirFlag}`, `or start anew: runbook run ${file} --new${stateDirFlag}`]);
			}
			const {chooseResume} = (await loadUi()).chooseResume;
			const choice = await chooseResume(loaded.runbook.title, unfinished);
			if (choice === 'quit') return EXIT.failed;
			if (choice !== 'new') return resumeCommand(choice, options, io);
		}
	}

	const plan = planNewRun(loaded, repo, options);
	const runId = plan.state.runId;
	// One process per run: the new run's folder is locked before its state is first saved.
	makePrivateDir(repo.runDir(runId));
	const runLock = await takeRunLock(repo, runId, io);
	// Which runbook this run runs, where a shared state directory cannot change it (store/started.ts).
	const unrecorded = recordStarted(repo.stateDir, runId, loaded.path);
	if (unrecorded) io.err(`runbook: warning: ${unrecorded}\n`);
	try {
		return await drive(plan, await connectTarget(plan, options), options, io);
	} finally {
		await runLock.release();
	}
}
