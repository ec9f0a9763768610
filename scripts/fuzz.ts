/**
 * `npm run fuzz`: mutated runbooks and state directories through the built CLI
 * (test/security/fuzz.ts), one line per failing case and the tally. Options
 * (after `npm run fuzz --`): --cases N (default 300), --seed S (default 2026),
 * --first N (index of the first case, to draw one case again), --concurrency N
 * (default 2). Exit code 0 when every case passed, 1 otherwise.
 */
import {rmSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {makeTemplate, runCase, tally, type CaseResult} from '../test/security/fuzz.ts';

const {values} = parseArgs({
	options: {
		cases: {type: 'string', default: '300'},
		seed: {type: 'string', default: '2026'},
		first: {type: 'string', default: '0'},
		concurrency: {type: 'string', default: '2'},
	},
});

function whole(name: string, text: string | undefined, min: number): number {
	const n = Number(text);
	if (!Number.isInteger(n) || n < min) {
		process.stderr.write(`fuzz: --${name} must be a whole number >= ${min}, got ${text}\n`);
		process.exit(2);
	}
	return n;
}

const cases = whole('cases', values.cases, 1);
const seed = whole('seed', values.seed, 0);
const first = whole('first', values.first, 0);
const concurrency = whole('concurrency', values.concurrency, 1);
process.stdout.write(`fuzz: ${cases} cases from seed ${seed} (first ${first})\n`);
const template = await makeTemplate();
const results: CaseResult[] = [];
let next = first;
const started = Date.now();
async function worker(): Promise<void> {
	while (next < first + cases) {
		const index = next++;
		const result = await runCase(template, seed, index);
		results.push(result);
		if (result.problems.length > 0) process.stdout.write(`case ${index} FAILED (${result.what}; runbook ${result.command}): ${result.problems.join('; ')}\n`);
		if (results.length % 25 === 0) process.stdout.write(`  ${results.length}/${cases} cases\n`);
	}
}
await Promise.all(Array.from({length: concurrency}, worker));
rmSync(template.dir, {recursive: true, force: true});
results.sort((a, b) => a.index - b.index);
process.stdout.write(`${tally(results)}\nseed ${seed}; ${Math.round((Date.now() - started) / 1000)} s\n`);
process.exitCode = results.some(r => r.problems.length > 0) ? 1 : 0;
