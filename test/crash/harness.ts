/**
 * The crash harness: starts `runbook run` on a runbook, SIGKILLs the CLI at a random
 * moment, then resumes it (killing again at random, up to 3 kills per trial) until
 * the run completes, and checks after every session that
 * (a) state.json or its last good copy state.prev.json loads and is valid
 *     (RunsRepository.load; a fallback to the copy is counted as recovered);
 * (b) no step started again without the operator's choice (marks.ts checkStarts;
 *     resumes pass --rerun-interrupted at random, so both answers are exercised);
 * (c) the run ends right (targets.ts: outputs and captures for the synthetic
 *     runbook; the restored row counts equal the backup's for the demo restore);
 * (d) no process of the trial is left once a session ended on its own (every
 *     process the CLI starts carries CRASH_TRIAL=<trial id> in its environment).
 *
 * Kill moments are drawn uniformly over the expected time of the session (a clean
 * run's time, measured first, scaled by the share of steps left) from a PRNG
 * seeded per trial, so a failing trial can be drawn again: `runTrials({..., seed,
 * firstTrial: n, trials: 1})`. The timing of the machine still varies.
 *
 * Needs dist/cli.js (npm run build), the CLI under test; the project code comes from
 * source/ (`node --import ./scripts/source-hooks.ts scripts/crash-harness.ts`, npm run crash).
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import type {RunState} from '../../source/engine/state.ts';
import {RunsRepository} from '../../source/store/runs.ts';
import {runSession} from './session.ts';
import {addTrial, emptyTally, type Tally, type TrialResult} from './tally.ts';
import {demoTarget, syntheticTarget, type Target, type TargetName} from './targets.ts';
import {cliEnv} from '../support/cli-env.ts';
import {CLI, runTrial, savedRuns, sessionArgs, type Series} from './trial.ts';

export {tallyTable, trialLine, failureLines, mergeTallies, formatMs, trialPassed, type Tally, type TrialResult} from './tally.ts';
export {CLI} from './trial.ts';

/** Options of {@link runTrials}. */
export interface TrialOptions {
	runbook: TargetName;
	/** How many trials. */
	trials: number;
	/** Seed of the series; trial i draws from trialSeed(seed, i). */
	seed: number;
	/** Called after each trial with its result and the tally so far. */
	onTrial?: (trial: TrialResult, tally: Tally) => void;
	/** Other progress lines (calibration, folders). */
	log?: (line: string) => void;
	/** Index of the first trial (default 0): to draw one failing trial again. */
	firstTrial?: number;
	/** Most kills per trial (default 3). */
	maxKills?: number;
	/** Chance that a resume is killed too, while kills are left (default 0.6). */
	killAgainChance?: number;
	/** Chance that a resume goes without --rerun-interrupted (default 0.25). */
	noRerunChance?: number;
	/** Expected time of a clean run, ms; default: measured by one clean run first. */
	expectedMs?: number;
	/** Trials run at once (default 1; the demo always runs one at a time: its trials share a database). */
	concurrency?: number;
	/** Folder for the series (default: a new one under the system's temp folder, removed at the end unless a trial failed). */
	root?: string;
	/** Once aborted, no new trial starts; the running ones finish and the tally so far is returned. */
	signal?: AbortSignal;
}

/**
 * One clean run (no kill) to measure the expected time; its result is checked too.
 * @throws Error when the clean run does not complete right (the harness or the runbook is broken).
 */
async function calibrate(target: Target): Promise<number> {
	const setup = await target.prepare(-1);
	try {
		const outcome = await runSession({
			cli: CLI,
			args: sessionArgs(target, setup, undefined, false),
			cwd: setup.cwd,
			env: cliEnv({...setup.env, CRASH_TRIAL: `calibration-${randomBytes(4).toString('hex')}`, CRASH_SESSION: '1'}),
			stdoutFile: path.join(setup.logDir, 'sessions.out'),
			stderrFile: path.join(setup.logDir, 'sessions.err'),
		});
		const [runId] = savedRuns(setup.stateDir);
		const state = runId ? (new RunsRepository(setup.stateDir).load(runId) as RunState) : undefined;
		const problems = outcome.code === 0 && state ? await setup.check(state) : [`exit ${outcome.code ?? outcome.signal}: ${outcome.stderr.trim()}`];
		if (problems.length > 0) throw new Error(`the clean ${target.name} run is not right:\n${problems.join('\n')}`);
		return outcome.durationMs;
	} finally {
		await setup.cleanup();
	}
}

/**
 * Runs a series of crash trials on the synthetic runbook or the demo restore and
 * returns the tally (see tally.ts; `failures` holds the trials that found something,
 * their files kept under the series' folder).
 * @throws Error when the clean calibration run fails, or dist/cli.js is missing.
 */
export async function runTrials(options: TrialOptions): Promise<Tally> {
	if (!existsSync(CLI)) throw new Error(`${CLI} not found: run npm run build first`);
	const log = options.log ?? (() => {});
	const root = options.root ?? mkdtempSync(path.join(tmpdir(), `runbook-crash-${options.runbook}-`));
	const started = Date.now();
	const tally = emptyTally();
	let target: Target | undefined;
	try {
		target = options.runbook === 'demo' ? await demoTarget(root) : await syntheticTarget(root);
		let expectedMs = options.expectedMs;
		if (expectedMs === undefined) {
			expectedMs = await calibrate(target);
			log(`${target.name}: a clean run takes ${(expectedMs / 1000).toFixed(1)} s; kills are drawn over that`);
		}
		const series: Series = {
			target,
			seed: options.seed,
			expectedMs,
			maxKills: options.maxKills ?? 3,
			killAgainChance: options.killAgainChance ?? 0.6,
			noRerunChance: options.noRerunChance ?? 0.25,
			root,
		};
		const first = options.firstTrial ?? 0;
		let next = first;
		const concurrency = target.name === 'demo' ? 1 : Math.max(1, options.concurrency ?? 1);
		const worker = async (): Promise<void> => {
			while (next < first + options.trials && !options.signal?.aborted) {
				const index = next++;
				const trial = await runTrial(series, index);
				addTrial(tally, trial);
				tally.timeMs = Date.now() - started;
				options.onTrial?.(trial, tally);
			}
		};
		await Promise.all(Array.from({length: concurrency}, worker));
	} finally {
		await target?.close();
		tally.timeMs = Date.now() - started;
		if (!options.root && tally.failures.length === 0) rmSync(root, {recursive: true, force: true});
		else log(`${options.runbook}: files of the series are in ${root}`);
	}
	return tally;
}
