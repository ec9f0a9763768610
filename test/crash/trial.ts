/**
 * One crash trial (see harness.ts for what it checks and why): start `runbook run`,
 * SIGKILL it at a random moment, resume (killing again at random) until the run
 * completes, checking the state, the step starts and the processes after every
 * session, and the result at the end.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {RunState} from '../../source/engine/state.ts';
import {RunsRepository} from '../../source/store/runs.ts';
import {describeStall, findStalls} from '../../source/report/stalls.ts';
import {readJournal} from '../../source/store/journal.ts';
import {checkStarts, readMarks, startCounts, type Mark} from './marks.ts';
import {outside, processesWithEnv, settle} from './processes.ts';
import {seededRandom, trialSeed, type Random} from './prng.ts';
import {runSession} from './session.ts';
import {failureLines, type TrialResult} from './tally.ts';
import type {Target, TrialSetup} from './targets.ts';
import {cliEnv} from '../support/cli-env.ts';

/** The built CLI under test. */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** Most CLI processes in one trial before it is given up as not finishing. */
const MAX_SESSIONS = 12;
/** Grace between SIGTERM and SIGKILL when a resume stops a leftover command, seconds. */
const GRACE_SECONDS = '3';

/** Runs of a state dir that have a state file (a run killed before its first save has none). */
export function savedRuns(stateDir: string): string[] {
	const runs = path.join(stateDir, 'runs');
	if (!existsSync(runs)) return [];
	return readdirSync(runs).filter(id => ['state.json', 'state.prev.json'].some(name => existsSync(path.join(runs, id, name))));
}

/** Temp files of state writes in a run's folder (platform/safe-file.ts: `.state.json.<random>.tmp`, `.state.prev.json.<random>.tmp`). */
function stateTempFiles(runDir: string): Set<string> {
	if (!existsSync(runDir)) return new Set();
	return new Set(readdirSync(runDir).filter(name => name.startsWith('.state') && name.endsWith('.tmp')));
}

/** Lines of the run's journal that are not JSON (a torn write). */
function tornJournalLines(runDir: string): number {
	const file = path.join(runDir, 'journal.jsonl');
	if (!existsSync(file)) return 0;
	let torn = 0;
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		if (line.trim() === '') continue;
		try {
			JSON.parse(line);
		} catch {
			torn++;
		}
	}
	return torn;
}

/** Settings shared by the trials of a series. */
export interface Series {
	target: Target;
	seed: number;
	/** Expected time of a clean run, ms: measured first, then followed (a moving average of sessions that ran to the end). */
	expectedMs: number;
	maxKills: number;
	killAgainChance: number;
	noRerunChance: number;
	root: string;
}

/** Share of the run's steps not done in `state` (1 without a state). */
function remainingShare(state: RunState | undefined): number {
	if (!state) return 1;
	const open = state.order.filter(id => !['succeeded', 'skipped'].includes(state.steps[id]?.status ?? 'pending')).length;
	return open / Math.max(1, state.order.length);
}

/** The command line of session `kind`. */
export function sessionArgs(target: Target, setup: TrialSetup, runId: string | undefined, rerun: boolean): string[] {
	const common = ['--plain', '--yes', '--yes-destructive', '--state-dir', setup.stateDir, '--grace', GRACE_SECONDS];
	if (runId) return ['resume', runId, ...common, ...(rerun ? ['--rerun-interrupted'] : [])];
	const params = Object.entries(setup.params).flatMap(([name, value]) => ['-p', `${name}=${value}`]);
	return ['run', target.runbookPath, ...params, ...common];
}

/** Leftover processes of the trial, as `pid command` lines (daemons the runbook starts are allowed). */
async function leftovers(trialId: string, setup: TrialSetup, settleMs: number): Promise<string[]> {
	const find = () => {
		const list = processesWithEnv('CRASH_TRIAL', trialId);
		return outside(list, setup.allowed(list));
	};
	return (await settle(find, settleMs)).map(p => `${p.pid} ${p.args || p.comm}`);
}

/** A new, empty trial result. */
function newResult(series: Series, index: number): TrialResult {
	return {
		target: series.target.name,
		index,
		seed: trialSeed(series.seed, index),
		sessions: 0,
		kills: 0,
		killsInStateWrite: 0,
		killsBeforeFirstSave: 0,
		resumes: 0,
		stopsForChoice: 0,
		recovered: 0,
		damaged: 0,
		illegalReruns: [],
		unrecordedStarts: [],
		tornJournalLines: 0,
		wrongResults: [],
		leftoverProcesses: [],
		stalls: [],
		durationMs: 0,
	};
}

/** One trial: run, kill, resume until completed; see the module comment for the checks. */
export async function runTrial(series: Series, index: number): Promise<TrialResult> {
	const {target} = series;
	const random: Random = seededRandom(trialSeed(series.seed, index));
	const result = newResult(series, index);
	const started = Date.now();
	const setup = await target.prepare(index);
	const trialId = `${target.name}-${index}-${randomBytes(4).toString('hex')}`;
	const repo = new RunsRepository(setup.stateDir);
	/** State after each session (index = session number); [0] is "before the first". */
	const states: Array<RunState | undefined> = [undefined];
	/** Per session: whether it passed --rerun-interrupted. */
	const rerunBy: boolean[] = [false];
	let marksChecked = 0;
	let runId: string | undefined;
	let final: RunState | undefined;

	/** Checks the marks written since the last check, each against the states around its own session. */
	const checkNewMarks = (): void => {
		const marks = readMarks(setup.marksFile);
		const fresh = marks.slice(marksChecked);
		marksChecked = marks.length;
		const bySession = new Map<number, Mark[]>();
		for (const mark of fresh) bySession.set(mark.session, [...(bySession.get(mark.session) ?? []), mark]);
		for (const [session, list] of bySession) {
			const problems = checkStarts({
				session,
				rerunInterrupted: rerunBy[session] ?? false,
				starts: startCounts(list),
				earlier: startCounts(marks, mark => mark.session < session),
				before: states[session - 1],
				after: states[session],
				waitSteps: target.waitSteps,
			});
			result.illegalReruns.push(...problems.illegal);
			result.unrecordedStarts.push(...problems.unrecorded);
		}
	};

	try {
		for (let session = 1; ; session++) {
			if (session > MAX_SESSIONS) {
				result.wrongResults.push(`the run did not complete in ${MAX_SESSIONS} CLI processes`);
				break;
			}
			// Three draws per session whatever is used, so later draws do not depend on branches.
			const [killDraw, againDraw, rerunDraw] = [random.next(), random.next(), random.next()];
			const before = states[session - 1];
			const rerun = runId !== undefined && rerunDraw >= series.noRerunChance;
			const kill = result.kills < series.maxKills && (session === 1 || againDraw < series.killAgainChance);
			const window = series.expectedMs * (0.15 + 0.85 * remainingShare(before));
			rerunBy[session] = rerun;
			const runDir = runId ? repo.runDir(runId) : undefined;
			const tempsBefore = runDir ? stateTempFiles(runDir) : new Set<string>();
			const outcome = await runSession({
				cli: CLI,
				args: sessionArgs(target, setup, runId, rerun),
				cwd: setup.cwd,
				env: cliEnv({...setup.env, CRASH_TRIAL: trialId, CRASH_SESSION: String(session)}),
				stdoutFile: path.join(setup.logDir, 'sessions.out'),
				stderrFile: path.join(setup.logDir, 'sessions.err'),
				...(kill ? {killAfterMs: Math.round(killDraw * window)} : {}),
			});
			result.sessions++;
			if (runId) result.resumes++;
			if (outcome.killed) result.kills++;

			// (a) the state loads, from state.json or its last good copy.
			const runs = savedRuns(setup.stateDir);
			let after: RunState | undefined;
			if (runs.length > 1) {
				result.wrongResults.push(`session ${session} left ${runs.length} runs with a state: ${runs.join(', ')}`);
				break;
			}
			if (runs.length === 1) {
				runId = runs[0];
				try {
					after = repo.load(runId, {onWarning: () => result.recovered++}) as RunState;
				} catch (error) {
					result.damaged++;
					result.wrongResults.push(`session ${session}: the state cannot be loaded: ${(error as Error).message}`);
					break;
				}
				const temps = stateTempFiles(repo.runDir(runId));
				if (outcome.killed && [...temps].some(name => !tempsBefore.has(name))) result.killsInStateWrite++;
			} else if (outcome.killed) {
				result.killsBeforeFirstSave++;
			}
			states[session] = after;
			// (b) every step start was allowed and is recorded.
			checkNewMarks();
			if (outcome.killed) {
				// Killed after the run completed (saving, closing the journal): nothing is left to resume.
				if (after?.status === 'completed') {
					final = after;
					break;
				}
				continue;
			}
			// The machine's pace changes (other load, trials at once): follow it.
			if (outcome.code === 0 && after?.status === 'completed') {
				series.expectedMs = 0.8 * series.expectedMs + 0.2 * (outcome.durationMs / (0.15 + 0.85 * remainingShare(before)));
			}

			// A session that ended on its own: no process of it may be left.
			result.leftoverProcesses.push(...(await leftovers(trialId, setup, 1000)).map(line => `after session ${session}: ${line}`));
			if (outcome.hung) {
				result.wrongResults.push(`session ${session} did not end within its time limit (SIGKILLed)`);
				break;
			}
			if (outcome.code === 0 && after?.status === 'completed') {
				final = after;
				break;
			}
			// Refused before any step (engine/preflight.ts): exit 2, naming --rerun-interrupted.
			if (outcome.code === 2 && !rerun && runId && /was interrupted/.test(outcome.stderr)) {
				result.stopsForChoice++;
				continue;
			}
			result.wrongResults.push(`session ${session} (${rerunBy[session] ? 'resume --rerun-interrupted' : runId ? 'resume' : 'run'}) exited ${outcome.code ?? outcome.signal}: ${outcome.stderr.trim().split('\n').slice(-4).join(' / ')}`);
			break;
		}
		// Marks written late by a command of a killed session.
		await new Promise(resolve => setTimeout(resolve, 100));
		checkNewMarks();
		if (final) {
			// (c) the result, (d) nothing left behind.
			result.wrongResults.push(...(await setup.check(final)));
			result.leftoverProcesses.push(...(await leftovers(trialId, setup, 2000)).map(line => `at the end: ${line}`));
		}
		if (runId) {
			result.tornJournalLines = tornJournalLines(repo.runDir(runId));
			result.stalls = findStalls(readJournal(repo.runDir(runId))).map(describeStall);
		}
	} catch (error) {
		result.wrongResults.push(`harness error: ${(error as Error).stack ?? error}`);
	}
	result.durationMs = Date.now() - started;
	const failed = result.damaged > 0 || result.illegalReruns.length + result.unrecordedStarts.length + result.wrongResults.length + result.leftoverProcesses.length > 0 || result.tornJournalLines > 0;
	if (failed) result.keptIn = path.join(series.root, `failed-${target.name}-${index}`);
	await setup.cleanup(result.keptIn);
	if (result.keptIn) writeFileSync(path.join(result.keptIn, 'failure.txt'), `${failureLines(result).join('\n')}\n`);
	return result;
}
