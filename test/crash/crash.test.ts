/**
 * The crash harness, small: 12 trials of the long synthetic runbook and 3 of the demo
 * restore, each SIGKILLing `runbook run` / `runbook resume` at random moments (fixed
 * seed) and resuming to the end. No state may be damaged, no step may start again
 * without the operator's choice, every run must end right (the demo: the restored
 * row counts equal the backup's), and no process may be left. `npm run crash` runs
 * the full series (scripts/crash-harness.ts). The rules the harness applies are
 * tested first, on made-up states, so that its zeros mean something.
 */
import {spawn} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import type {RunState, StepState} from '../../source/engine/state.ts';
import {failureLines, mergeTallies, runTrials, tallyTable, type Tally} from './harness.ts';
import {checkStarts, type StartsInput} from './marks.ts';
import {outside, processesWithEnv} from './processes.ts';

/** A state whose steps have these statuses and attempt counts. */
function state(steps: Record<string, [StepState['status'], number]>): RunState {
	const records: Record<string, StepState> = {};
	for (const [id, [status, attempts]] of Object.entries(steps)) {
		records[id] = {id, status, attempts: Array.from({length: attempts}, (_, i) => ({n: i + 1, startedAt: '2026-01-01T00:00:00.000Z'}))};
	}
	return {
		stateVersion: 1,
		runId: 'r',
		runbookPath: '/r.yaml',
		runbookHash: 'h',
		title: 't',
		status: 'in-progress',
		createdAt: '2026-01-01T00:00:00.000Z',
		updatedAt: '2026-01-01T00:00:00.000Z',
		startedBy: 'me@here',
		cwd: '/',
		vars: {},
		secretVars: [],
		order: Object.keys(steps),
		steps: records,
		decisions: [],
	};
}

/** A session that started `one` once, from `before` to `after`. */
function startsOf(before: RunState | undefined, after: RunState, extra: Partial<StartsInput> = {}): StartsInput {
	return {session: 2, rerunInterrupted: false, starts: new Map([['one', 1]]), earlier: new Map(), before, after, waitSteps: new Set(), ...extra};
}

describe("the harness rule: no step starts again without the operator's choice", () => {
	it('allows a first start, recorded', () => {
		expect(checkStarts(startsOf(undefined, state({one: ['succeeded', 1]})))).toEqual({illegal: [], unrecorded: []});
	});

	it('flags a start of a step recorded succeeded or skipped', () => {
		for (const status of ['succeeded', 'skipped'] as const) {
			const problems = checkStarts(startsOf(state({one: [status, 1]}), state({one: [status, 2]}), {earlier: new Map([['one', 1]])}));
			expect(problems.illegal).toEqual([`session 2: step one started although recorded ${status}`]);
		}
	});

	it('allows an interrupted step to start again only with --rerun-interrupted', () => {
		for (const status of ['running', 'interrupted'] as const) {
			const input = startsOf(state({one: [status, 1]}), state({one: ['succeeded', 2]}), {earlier: new Map([['one', 1]])});
			expect(checkStarts(input).illegal).toHaveLength(1);
			expect(checkStarts({...input, rerunInterrupted: true}).illegal).toEqual([]);
		}
	});

	it('flags a step recorded pending that had started, and a start the state after it does not record', () => {
		const rerun = checkStarts(startsOf(state({one: ['pending', 0]}), state({one: ['succeeded', 1]}), {earlier: new Map([['one', 1]])}));
		expect(rerun.illegal).toEqual(['session 2: step one started again although recorded pending (it had started 1 time(s) before)']);
		const unrecorded = checkStarts(startsOf(undefined, state({one: ['pending', 0]})));
		expect(unrecorded.unrecorded).toHaveLength(1);
		// Two starts (a retry) need two attempts; a wait step's checks need one.
		expect(checkStarts(startsOf(undefined, state({one: ['succeeded', 1]}), {starts: new Map([['one', 2]])})).unrecorded).toHaveLength(1);
		expect(checkStarts(startsOf(undefined, state({one: ['succeeded', 1]}), {starts: new Map([['one', 5]]), waitSteps: new Set(['one'])})).unrecorded).toEqual([]);
	});

	it('allows a failed step to start again (resuming a failed run retries it)', () => {
		expect(checkStarts(startsOf(state({one: ['failed', 1]}), state({one: ['succeeded', 2]}), {earlier: new Map([['one', 1]])}))).toEqual({illegal: [], unrecorded: []});
	});
});

describe("finding a trial's processes", () => {
	it('finds a process by its environment variable, and tells allowed daemons from leftovers', async () => {
		const marker = `test-${process.pid}-${Date.now()}`;
		const child = spawn('sleep', ['30'], {env: {...process.env, CRASH_TRIAL: marker}, stdio: 'ignore'});
		try {
			await new Promise(resolve => child.once('spawn', resolve));
			const found = processesWithEnv('CRASH_TRIAL', marker);
			expect(found.map(p => p.pid)).toEqual([child.pid]);
			expect(found[0].comm).toBe('sleep');
			expect(outside(found, new Set())).toHaveLength(1);
			expect(outside(found, new Set([child.pid!]))).toEqual([]);
			// Descendants of an allowed process are allowed too: this process is the sleep's parent.
			expect(outside(found, new Set([process.pid]))).toEqual([]);
		} finally {
			child.kill('SIGKILL');
		}
	});
});

describe('SIGKILL at random moments, then resume to the end', () => {
	it('12 synthetic and 3 demo trials: no damaged state, no re-run without the choice, right results, nothing left running', async () => {
		const log: string[] = [];
		const [synthetic, demo] = await Promise.all([runTrials({runbook: 'synthetic', trials: 12, seed: 20261121, concurrency: 2, log: line => log.push(line)}), runTrials({runbook: 'demo', trials: 3, seed: 20261121, log: line => log.push(line)})]);
		const total: Tally = mergeTallies(synthetic, demo);
		const report = [
			tallyTable([
				['synthetic', synthetic],
				['demo', demo],
				['total', total],
			]),
			...log,
			...total.failures.flatMap(failureLines),
		].join('\n');
		expect(
			total.failures.map(trial => failureLines(trial).join('\n')),
			report,
		).toEqual([]);
		expect({
			trials: total.trials,
			damaged: total.damaged,
			illegalReruns: total.illegalReruns,
			unrecordedStarts: total.unrecordedStarts,
			tornJournalLines: total.tornJournalLines,
			wrongResults: total.wrongResults,
			leftoverProcesses: total.leftoverProcesses,
		}).toEqual({trials: 15, damaged: 0, illegalReruns: 0, unrecordedStarts: 0, tornJournalLines: 0, wrongResults: 0, leftoverProcesses: 0});
		// The trials did what they are for: kills landed, and runs were resumed after them.
		expect(synthetic.kills, report).toBeGreaterThanOrEqual(6);
		expect(synthetic.resumes, report).toBeGreaterThanOrEqual(6);
		expect(demo.kills + demo.resumes, report).toBeGreaterThanOrEqual(2);
	}, 240_000);
});
