/**
 * `runbook report RUN_ID`: the Markdown report of a run (report/markdown.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import {loadRunbook} from '../runbook/load.js';
import {interpolate} from '../runbook/variables.js';
import {allSteps} from '../runbook/groups.js';
import type {RunState} from '../engine/state.js';
import {renderReport} from '../report/markdown.js';
import {JournalError, readJournal} from '../store/journal.js';
import type {JournalEntry} from '../engine/journal-entry.js';
import {RunsRepository, resolveStateDir} from '../store/runs.js';
import {runbookPathProblem, trustedVars} from '../store/trust.js';
import {FILE_MODE, writeFileAtomic} from '../platform/safe-file.js';
import {visibleControls} from '../security/terminal-text.js';
import {UsageError} from '../security/usage-error.js';

/**
 * Step titles by id from the run's runbook file, with the run's variables filled in
 * (secrets as `***`); `{}` when the file is gone or no longer valid (the report then
 * shows ids only).
 */
async function stepTitles(state: RunState, runDir: string): Promise<Record<string, string>> {
	if (runbookPathProblem(state, state.runId)) return {};
	try {
		const loaded = await loadRunbook(state.runbookPath);
		const trusted = trustedVars(state, loaded.runbook);
		const vars: Record<string, string> = {...trusted.vars, RUN_ID: state.runId, RUN_DIR: runDir, RUNBOOK_DIR: loaded.dir, KUBE_CONTEXT: state.kube?.context ?? ''};
		for (const name of trusted.secretVars) vars[name] = '***';
		return Object.fromEntries(allSteps(loaded.runbook).flatMap(step => (step.title ? [[step.id, interpolate(step.title, vars)]] : [])));
	} catch {
		return {};
	}
}

/**
 * `runbook report RUN_ID`: the run's Markdown report (report/markdown.ts) from its
 * saved state and journal, on stdout or in `--output FILE`. Titles come from the
 * runbook file when it can still be read. A damaged journal line is skipped with a
 * warning on stderr; every message on stderr shows control bytes as `\xNN` (terminal-text.ts).
 * @returns 0.
 * @throws StateError when the run does not exist or its state is damaged; UsageError when the
 *   file cannot be written (cli/exit.ts: exit 2).
 */
export async function reportRun(runId: string, options: {stateDir?: string; output?: string}, write: (text: string) => void = t => void process.stdout.write(t), rawWriteErr: (text: string) => void = t => void process.stderr.write(t)): Promise<number> {
	// Warnings quote the state and journal (an `updatedAt`, a file name): hostile input, no raw controls.
	const writeErr = (text: string): void => rawWriteErr(visibleControls(text));
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	const state = repo.load(runId, {onWarning: warning => writeErr(`runbook: warning: ${warning}\n`)});
	let journal: JournalEntry[];
	try {
		journal = readJournal(repo.runDir(runId), message => writeErr(`runbook: warning: ${message}\n`));
	} catch (error) {
		if (!(error instanceof JournalError)) throw error;
		writeErr(`runbook: warning: ${error.message}; the timeline is rebuilt from the saved state\n`);
		journal = [];
	}
	const report = renderReport(state, journal, await stepTitles(state, repo.runDir(runId)));
	if (!options.output) {
		write(report);
		return 0;
	}
	try {
		// Atomic (temp file, rename) and 0600 unless the file exists: then it keeps its mode.
		let mode = FILE_MODE;
		try {
			mode = fs.statSync(options.output).mode & 0o7777;
		} catch {
			// a new file
		}
		writeFileAtomic(options.output, report, {mode});
	} catch (error) {
		throw new UsageError(`cannot write the report to ${options.output}: ${(error as Error).message}; check that its folder exists and is writable`);
	}
	writeErr(`runbook: report of run ${runId} written to ${path.resolve(options.output)}\n`);
	return 0;
}
