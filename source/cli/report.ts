/**
 * The small subcommands: `runbook runs`, `runbook validate`, `runbook schema`,
 * `runbook report`. Each returns its exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import {loadRunbook, RunbookError} from '../runbook/load.js';
import {pipeHints} from '../runbook/pipe-hints.js';
import {runbookJsonSchema} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import {runStatusWord, type RunState} from '../engine/state.js';
import {renderReport} from '../report/markdown.js';
import {JournalError, readJournal} from '../store/journal.js';
import type {JournalEntry} from '../engine/journal-entry.js';
import {RunsRepository, StateError, resolveStateDir} from '../store/runs.js';
import {runbookPathProblem, trustedVars} from '../store/trust.js';
import {FILE_MODE, writeFileAtomic} from '../platform/safe-file.js';
import {allSteps, isGroup} from '../runbook/groups.js';
import {visibleControls} from '../security/terminal-text.js';

/**
 * `runbook runs`: saved runs, newest first; `--json` for scripts. A run whose
 * state.json is damaged but whose last good copy was read is marked `*` in the
 * STATUS column and explained in a note under the table (`note` in JSON). Exit 0.
 */
export function listRuns(options: {stateDir?: string; json?: boolean}, write: (text: string) => void = t => void process.stdout.write(t)): number {
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	const runs = repo.list();
	if (options.json) {
		write(JSON.stringify(runs, null, 2) + '\n');
		return 0;
	}
	if (runs.length === 0) {
		write(`no runs in ${repo.stateDir}\n`);
		return 0;
	}
	const rows = runs.map(run => [
		run.runId,
		run.note ? `${runStatusWord(run.status)}*` : runStatusWord(run.status),
		run.status === 'damaged' ? '' : `${run.done}/${run.total}`,
		run.currentStepId ?? '',
		run.updatedAt.replace('T', ' ').slice(0, 19),
		run.startedBy,
		run.status === 'damaged' ? (run.problem ?? '') : run.title,
	]);
	const header = ['RUN ID', 'STATUS', 'DONE', 'AT STEP', 'LAST ACTIVE (UTC)', 'STARTED BY', 'TITLE'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
	for (const row of [header, ...rows]) write(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ') + '\n');
	for (const run of runs) {
		if (run.note) write(`* ${run.note}${run.status === 'completed' ? '' : `; \`runbook resume ${run.runId}\` continues from that copy`}\n`);
	}
	return 0;
}

/**
 * `runbook validate FILE...`: prints every problem of every file; 0 when all are valid, else 2.
 * A valid file's `ok` line may be followed by hints (runbook/pipe-hints.ts) that do not fail it.
 */
export async function validateFiles(files: string[], write: (text: string) => void = t => void process.stdout.write(t), writeErr: (text: string) => void = t => void process.stderr.write(t)): Promise<number> {
	let bad = 0;
	for (const file of files) {
		try {
			const loaded = await loadRunbook(file);
			const count = allSteps(loaded.runbook).filter(step => !isGroup(step)).length;
			write(`${file}: ok (${count} step${count === 1 ? '' : 's'})\n`);
			for (const hint of pipeHints(loaded.runbook)) write(`${file}: hint: step "${hint.stepId}": ${hint.message}\n`);
		} catch (error) {
			if (!(error instanceof RunbookError)) throw error;
			bad++;
			writeErr(error.format() + '\n');
		}
	}
	return bad === 0 ? 0 : 2;
}

/**
 * `runbook schema`: the JSON Schema generated from the zod schema, formatted like the
 * committed schema/runbook.schema.json (tabs, final newline; scripts/write-schema.ts),
 * so `runbook schema > schema/runbook.schema.json` reproduces it byte for byte. Exit 0.
 */
export function printSchema(write: (text: string) => void = t => void process.stdout.write(t)): number {
	write(JSON.stringify(runbookJsonSchema(), null, '\t') + '\n');
	return 0;
}

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
 * @returns 0; 2 when the run does not exist, its state is damaged, or the file cannot be written.
 */
export async function reportRun(
	runId: string,
	options: {stateDir?: string; output?: string},
	write: (text: string) => void = t => void process.stdout.write(t),
	rawWriteErr: (text: string) => void = t => void process.stderr.write(t),
): Promise<number> {
	// Warnings quote the state and journal (an `updatedAt`, a file name): hostile input, no raw controls.
	const writeErr = (text: string): void => rawWriteErr(visibleControls(text));
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	let state: RunState;
	try {
		state = repo.load(runId, {onWarning: warning => writeErr(`runbook: warning: ${warning}\n`)});
	} catch (error) {
		if (!(error instanceof StateError)) throw error;
		writeErr(`runbook: ${error.message}\n`);
		return 2;
	}
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
		writeErr(`runbook: cannot write the report to ${options.output}: ${(error as Error).message}; check that its folder exists and is writable\n`);
		return 2;
	}
	writeErr(`runbook: report of run ${runId} written to ${path.resolve(options.output)}\n`);
	return 0;
}
