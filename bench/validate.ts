/**
 * `npm run bench -- --only validate` (issue 9, item 4): `runbook validate` of runbooks with
 * many problems stays linear in their size. For each shape, a runbook with N problems and
 * one with 4N are validated in alternation (`rounds` rounds, medians); printed: both wall
 * times (ms, spawn to exit: node's start-up included) and their ratio. Linear work gives a
 * ratio of at most ~4 (less, since start-up is the same); the old code was quadratic (32,000
 * unknown `$VAR`s in one script: 13-26 s, 8,000: ~1 s).
 *
 * Shapes: unknown `$VAR`s in one `run` script (the case), an `env` mapping of many
 * keys each naming an unknown variable, many `ask` steps (each missing its prompt). N is
 * 6,000 so that 4N stays under the 1 MiB runbook limit (checked: a refused file throws).
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Figures of one shape. */
export interface ValidateResult {
	shape: string;
	problems: number;
	/** Median wall time with N problems, ms. */
	smallMs: number;
	/** Median wall time with 4N problems, ms. */
	largeMs: number;
}

const SHAPES: Record<string, (n: number) => string> = {
	'unknown $VARs in one script': n => `version: 1\ntitle: many\nsteps:\n  - id: one\n    run: |\n${Array.from({length: n}, (_, i) => `      echo $UNKNOWN_${i}\n`).join('')}`,
	'env keys naming unknown variables': n => `version: 1\ntitle: many\nsteps:\n  - id: one\n    run: echo\n    env:\n${Array.from({length: n}, (_, i) => `      E${i}: $U${i}\n`).join('')}`,
	'ask steps without a prompt': n => `version: 1\ntitle: many\nsteps:\n${Array.from({length: n}, (_, i) => `  - id: s${i}\n    ask: {var: V${i}}\n`).join('')}`,
};

/** Wall time of `node cli validate file`, ms; throws unless it exits 2 (problems found). */
function validate(cli: string, file: string): number {
	const started = performance.now();
	const result = spawnSync(process.execPath, [cli, 'validate', file], {stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024});
	const ms = performance.now() - started;
	if (result.status !== 2 || result.stderr.includes('over the limit')) throw new Error(`validate ${path.basename(file)} exited ${result.status}: ${result.stderr.slice(-500)}`);
	return ms;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Measures every shape with `n` and `4n` problems, `rounds` rounds each, in alternation. */
export function benchValidate(cli: string, n: number, rounds: number, log: (line: string) => void): ValidateResult[] {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-validate-'));
	try {
		const results: ValidateResult[] = [];
		for (const [shape, make] of Object.entries(SHAPES)) {
			const small = path.join(work, 'small.yaml');
			const large = path.join(work, 'large.yaml');
			fs.writeFileSync(small, make(n));
			fs.writeFileSync(large, make(4 * n));
			const times = {small: [] as number[], large: [] as number[]};
			for (let round = 0; round < rounds; round++) {
				times.small.push(validate(cli, small));
				times.large.push(validate(cli, large));
			}
			const result = {shape, problems: n, smallMs: median(times.small), largeMs: median(times.large)};
			log(`  ${shape}: ${n.toLocaleString('en')} problems ${Math.round(result.smallMs)} ms, ${(4 * n).toLocaleString('en')} problems ${Math.round(result.largeMs)} ms; ratio ${(result.largeMs / result.smallMs).toFixed(2)} (linear: at most 4)`);
			results.push(result);
		}
		return results;
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
}
