/**
 * Benchmark: `runbook plan` against `runbook validate` on the shipped Synapse
 * runbook (issue 10: plan within 1.2x of validate). Both read and check the
 * same runbook; plan also resolves the params, evaluates the `when` conditions
 * it can and prints every step, so the ratio is what printing the plan costs on
 * top of reading the runbook. Wall time from spawn to exit (output to a pipe),
 * the two commands in alternation, round after round, so both share the
 * machine's noise.
 */
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {summarize, type Summary} from './stats.ts';

/** Most plan/validate ratio of the medians (issue 10). */
export const PLAN_TARGET = 1.2;

/** Result of the plan benchmark. Times in ms. */
export interface PlanResult {
	plan: Summary;
	validate: Summary;
	/** plan.median / validate.median. */
	ratio: number;
}

/**
 * Runs one warm-up round and `runs` measured rounds of `node CLI validate` and
 * `node CLI plan` (`cli`: the runbook CLI's entry file) on the Synapse runbook,
 * the order swapping each round. Throws when either exits non-zero (with its stderr).
 */
export function benchPlan(root: string, cli: string, runs: number, log: (line: string) => void): PlanResult {
	const runbook = path.join(root, 'runbooks', 'synapse-db-restore.yaml');
	const commands = {
		validate: ['validate', runbook],
		// The params a run would be given, so every `when` that depends on them is evaluated.
		plan: ['plan', runbook, '-p', 'BACKUP_FILE=backups/synapse_db_20260101_000000.sql.gz.gpg', '-p', 'BACKUP_PASSPHRASE='],
	};
	const times = {validate: [] as number[], plan: [] as number[]};
	for (let round = 0; round <= runs; round++) {
		const order = (round % 2 === 0 ? ['validate', 'plan'] : ['plan', 'validate']) as Array<keyof typeof commands>;
		for (const kind of order) {
			const started = performance.now();
			const result = spawnSync(process.execPath, [cli, ...commands[kind]], {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
			const ms = performance.now() - started;
			if (result.error || result.status !== 0) throw new Error(`plan benchmark: runbook ${kind} exited ${result.status ?? result.error?.message}: ${result.stderr.slice(-2000)}`);
			if (round > 0) times[kind].push(ms);
		}
		if (round === 0) log('  warm-up round done');
		else log(`  round ${round}/${runs}: validate ${Math.round(times.validate.at(-1)!)} ms, plan ${Math.round(times.plan.at(-1)!)} ms`);
	}
	const plan = summarize(times.plan);
	const validate = summarize(times.validate);
	return {plan, validate, ratio: plan.median / validate.median};
}
