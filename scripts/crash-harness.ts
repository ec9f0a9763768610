/**
 * `npm run crash`: the full crash harness (test/crash/harness.ts). SIGKILLs
 * `runbook run` / `runbook resume` at random moments and resumes to the end, for
 * 160 trials of the long synthetic runbook and 40 of the demo restore (both series
 * at once), printing one line per trial and the tally. Options (after `npm run crash --`):
 *   --synthetic N     synthetic trials (default 160)
 *   --demo N          demo trials (default 40; each needs the demo's PostgreSQL, shared)
 *   --seed S          seed of the kill moments and choices (default: drawn and printed)
 *   --concurrency N   synthetic trials at once (default 2)
 *   --first N         index of the first trial (with --seed and a count of 1: draw one trial again)
 * Exit code 0 when every must-be-zero count is 0, 1 otherwise. Ctrl-C (or SIGTERM) starts no new
 * trial, lets the running ones finish and prints the tally so far; a second Ctrl-C quits at once.
 */
import {parseArgs} from 'node:util';
import {failureLines, formatMs, mergeTallies, runTrials, tallyTable, trialLine, type Tally} from '../test/crash/harness.ts';

const {values} = parseArgs({
	options: {
		synthetic: {type: 'string', default: '160'},
		demo: {type: 'string', default: '40'},
		seed: {type: 'string'},
		concurrency: {type: 'string', default: '2'},
		first: {type: 'string', default: '0'},
	},
});

/** A whole number >= `min` from an option, or exit 2 saying which option is wrong. */
function whole(name: string, text: string | undefined, min: number): number {
	const n = Number(text);
	if (!Number.isInteger(n) || n < min) {
		process.stderr.write(`crash-harness: --${name} expects a whole number >= ${min}, got "${text}"\n`);
		process.exit(2);
	}
	return n;
}

const syntheticTrials = whole('synthetic', values.synthetic, 0);
const demoTrials = whole('demo', values.demo, 0);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : whole('seed', values.seed, 0);
const concurrency = whole('concurrency', values.concurrency, 1);
const firstTrial = whole('first', values.first, 0);

const log = (line: string): void => void process.stdout.write(`${line}\n`);
log(`crash harness: ${syntheticTrials} synthetic + ${demoTrials} demo trials, seed ${seed} (again: npm run crash -- --seed ${seed})`);

// Stop drawing trials on the first signal; the running ones finish and clean up (PostgreSQL, Synapse).
const stop = new AbortController();
let firstSignalAt = 0;
const onSignal = (signal: NodeJS.Signals): void => {
	if (stop.signal.aborted) {
		// conf's when-exit (loaded with source/store/runs.ts) sends the first signal to this process
		// once more, at once: that echo is not a second Ctrl-C.
		if (Date.now() - firstSignalAt < 1000) return;
		process.exit(130);
	}
	firstSignalAt = Date.now();
	log(`${signal}: no new trial starts; the running ones finish (${signal} again to quit at once, leaving their processes)`);
	stop.abort();
	process.exitCode = 130;
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const series = (runbook: 'synthetic' | 'demo', trials: number): Promise<Tally> =>
	trials === 0
		? Promise.resolve(mergeTallies())
		: runTrials({
				runbook,
				trials,
				seed,
				firstTrial,
				concurrency,
				signal: stop.signal,
				log,
				onTrial: (trial, tally) => {
					log(trialLine(trial, tally.trials, trials));
					if (tally.failures.includes(trial)) for (const line of failureLines(trial)) log(line);
				},
			});

const started = Date.now();
const [synthetic, demo] = await Promise.all([series('synthetic', syntheticTrials), series('demo', demoTrials)]);
const total = mergeTallies(synthetic, demo);
total.timeMs = Date.now() - started;
log('');
log(
	tallyTable([
		['synthetic', synthetic],
		['demo', demo],
		['total', total],
	]),
);
log('');
const bad = total.damaged + total.illegalReruns + total.unrecordedStarts + total.tornJournalLines + total.wrongResults + total.leftoverProcesses;
if (stop.signal.aborted) log(`stopped early: ${total.trials} of ${syntheticTrials + demoTrials} trials ran.`);
if (bad > 0) {
	log(`FAILED: ${total.failures.length} trial(s) found something (seed ${seed}):`);
	for (const trial of total.failures) for (const line of failureLines(trial)) log(line);
	process.exitCode = 1;
} else if (!stop.signal.aborted) {
	log(`OK: ${total.trials} trials, ${total.kills} kills, ${total.resumes} resumes in ${formatMs(total.timeMs)}; nothing damaged, re-run unasked, wrong or left running.`);
}
