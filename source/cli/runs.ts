/** `runbook runs`: the saved runs of a state directory. */
import {runStatusWord} from '../engine/state.js';
import {RunsRepository, resolveStateDir} from '../store/runs.js';

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
