/**
 * The small subcommands: `runbook runs`, `runbook validate`, `runbook schema`.
 * Each returns its exit code.
 */
import {loadRunbook, RunbookError} from './runbook/load.js';
import {runbookJsonSchema} from './runbook/schema.js';
import {RunsRepository, resolveStateDir} from './store/runs.js';

/** `runbook runs`: saved runs, newest first; `--json` for scripts. Exit 0. */
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
		run.status,
		run.status === 'damaged' ? '' : `${run.done}/${run.total}`,
		run.currentStepId ?? '',
		run.updatedAt.replace('T', ' ').slice(0, 19),
		run.startedBy,
		run.status === 'damaged' ? (run.problem ?? '') : run.title,
	]);
	const header = ['RUN ID', 'STATUS', 'DONE', 'AT STEP', 'LAST ACTIVE (UTC)', 'STARTED BY', 'TITLE'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
	for (const row of [header, ...rows]) write(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ') + '\n');
	return 0;
}

/** `runbook validate FILE...`: prints every problem of every file; 0 when all are valid, else 2. */
export async function validateFiles(files: string[], write: (text: string) => void = t => void process.stdout.write(t), writeErr: (text: string) => void = t => void process.stderr.write(t)): Promise<number> {
	let bad = 0;
	for (const file of files) {
		try {
			const loaded = await loadRunbook(file);
			write(`${file}: ok (${loaded.runbook.steps.length} steps)\n`);
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
