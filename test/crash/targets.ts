/**
 * What a crash trial runs: the long synthetic runbook (test/crash/synthetic.ts), or
 * the demo restore (runbooks/synapse-db-restore.yaml against a damaged Synapse-shaped
 * database, demo/setup.ts). A target prepares one trial (folders, params,
 * environment), says which processes may outlive it, checks its final result and
 * cleans up. Project code comes from source/ (node runs it through
 * scripts/source-hooks.ts in scripts/crash-harness.ts).
 */
import {execFileSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {RunState} from '../../source/engine/state.ts';
import type {PostgresServer} from '../../demo/postgres.ts';
import {BASH_PREFIX} from '../../source/executors/shell-env.ts';
import {loadRunbook} from '../../source/runbook/load.ts';
import {startPostgres} from '../../demo/postgres.ts';
import {Cleanups, compareCounts, prepareDemo, restoredCounts, RUNBOOK_PATH} from '../../demo/setup.ts';
import {readMarks, writeMarkWrapper} from './marks.ts';
import type {ProcessInfo} from './processes.ts';
import {checkSynthetic, syntheticRunbook, SKIPPED_STEP} from './synthetic.ts';

/** Which runbook a series of trials runs. */
export type TargetName = 'demo' | 'synthetic';

/** One prepared trial. */
export interface TrialSetup {
	/** Working directory of the CLI. */
	cwd: string;
	/** `--state-dir`. */
	stateDir: string;
	/** The marks file (see marks.ts). */
	marksFile: string;
	/** `-p` values. */
	params: Record<string, string>;
	/** Environment added for the CLI. */
	env: Record<string, string>;
	/** Folder for the sessions' output files. */
	logDir: string;
	/** The processes of `list` (the trial's, found by its variable) that may outlive a session: daemons the runbook starts. */
	allowed(list: ProcessInfo[]): Set<number>;
	/** What is wrong with the final result (empty when right). */
	check(state: RunState): Promise<string[]>;
	/** Removes the trial's files; with `keepIn`, copies what explains a failure there first. */
	cleanup(keepIn?: string): Promise<void>;
}

/** A runbook to crash, prepared once for a series of trials. */
export interface Target {
	name: TargetName;
	runbookPath: string;
	stepIds: string[];
	/** Steps whose action is a `wait`. */
	waitSteps: Set<string>;
	/** Prepares trial `index` in its own folder under the series' folder. */
	prepare(index: number): Promise<TrialSetup>;
	/** Stops what the series shares (the demo's PostgreSQL). */
	close(): Promise<void>;
}

/** Steps of a runbook whose action is a `wait`, and the script → step id map of its shell steps. */
async function runbookFacts(file: string): Promise<{stepIds: string[]; waitSteps: Set<string>; scripts: Map<string, string>}> {
	const {runbook} = await loadRunbook(file);
	const scripts = new Map<string, string>();
	const waitSteps = new Set<string>();
	for (const step of runbook.steps) {
		if (step.run !== undefined) scripts.set(step.run, step.id);
		if (step.wait) waitSteps.add(step.id);
		if (step.wait?.command) scripts.set(step.wait.command.run, step.id);
	}
	return {stepIds: runbook.steps.map((step: {id: string}) => step.id), waitSteps, scripts};
}

/** Steps that succeeded but never marked a start: the marks (or the hook) do not work. */
function unmarked(state: RunState, marksFile: string, skipped: string[] = []): string[] {
	const marked = new Set(readMarks(marksFile).map(mark => mark.stepId));
	const problems: string[] = [];
	for (const id of state.order) {
		const status = state.steps[id]?.status;
		if (status === 'succeeded' && !marked.has(id)) problems.push(`step ${id} succeeded but its start was never marked`);
		if ((status === 'skipped' || skipped.includes(id)) && marked.has(id)) problems.push(`step ${id} is ${status} but started`);
	}
	return problems;
}

/** Copies the files that explain a failed trial (state, marks, session output) to `keepIn`. */
function keep(from: {stateDir: string; marksFile: string; logDir: string}, keepIn: string): void {
	mkdirSync(keepIn, {recursive: true});
	if (existsSync(from.stateDir)) cpSync(from.stateDir, path.join(keepIn, 'state'), {recursive: true});
	if (existsSync(from.marksFile)) cpSync(from.marksFile, path.join(keepIn, 'marks'));
	for (const name of ['sessions.out', 'sessions.err']) {
		const file = path.join(from.logDir, name);
		if (existsSync(file)) cpSync(file, path.join(keepIn, name));
	}
}

/** The synthetic runbook, written to `root/synthetic.yaml`; trials in `root/trial-NNN`. */
export async function syntheticTarget(root: string): Promise<Target> {
	const runbook = syntheticRunbook();
	const runbookPath = path.join(root, 'synthetic.yaml');
	writeFileSync(runbookPath, runbook.yaml);
	const facts = await runbookFacts(runbookPath);
	return {
		name: 'synthetic',
		runbookPath,
		stepIds: facts.stepIds,
		waitSteps: facts.waitSteps,
		async prepare(index) {
			const dir = path.join(root, index < 0 ? 'calibration' : `trial-${String(index).padStart(3, '0')}`);
			const out = path.join(dir, 'out');
			mkdirSync(out, {recursive: true});
			const setup: TrialSetup = {
				cwd: dir,
				stateDir: path.join(dir, 'state'),
				marksFile: path.join(out, 'marks'),
				params: {OUT: out},
				env: {},
				logDir: dir,
				allowed: () => new Set(),
				check: async state => [...checkSynthetic(runbook, out, state), ...unmarked(state, setup.marksFile, [SKIPPED_STEP])],
				async cleanup(keepIn) {
					if (keepIn) keep(setup, keepIn);
					rmSync(dir, {recursive: true, force: true});
				},
			};
			return setup;
		},
		close: async () => {},
	};
}

/** Demo data size for trials: as the CLI's demo test (the same flow, less time on 2 cores). */
const TRIAL_SIZE = {users: 60, rooms: 100, events: 3000};

/**
 * The demo restore. One PostgreSQL serves every trial: each trial re-prepares the
 * database (prepareDemo with `server`), backup, damage and stand-in Synapse.
 */
export async function demoTarget(root: string): Promise<Target> {
	const facts = await runbookFacts(RUNBOOK_PATH);
	const realBash = execFileSync('bash', ['-c', 'command -v bash'], {encoding: 'utf8'}).trim();
	const wrapperDir = writeMarkWrapper(path.join(root, 'mark-bash'), facts.scripts, BASH_PREFIX, realBash);
	const server: PostgresServer = await startPostgres();
	return {
		name: 'demo',
		runbookPath: RUNBOOK_PATH,
		stepIds: facts.stepIds,
		waitSteps: facts.waitSteps,
		async prepare() {
			const cleanups = new Cleanups();
			const demo = await prepareDemo({server, size: TRIAL_SIZE, cleanups});
			const marksFile = path.join(demo.work, 'marks');
			const setup: TrialSetup = {
				cwd: demo.work,
				stateDir: demo.stateDir,
				marksFile,
				params: demo.params,
				env: {...demo.env, PATH: `${wrapperDir}:${process.env.PATH ?? ''}`, CRASH_MARKS: marksFile},
				logDir: demo.work,
				allowed(list) {
					// The Synapse the runbook started (and its database connection), and gpg's agent.
					const roots = new Set(list.filter(p => p.comm === 'gpg-agent').map(p => p.pid));
					const pidFile = path.join(demo.synapseDir, 'synapse.pid');
					const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
					if (Number.isInteger(pid)) roots.add(pid);
					return roots;
				},
				async check(state) {
					const problems: string[] = [];
					if (state.status !== 'completed') problems.push(`run status ${state.status}`);
					for (const id of state.order) {
						const status = state.steps[id]?.status;
						if (status !== 'succeeded' && status !== 'skipped') problems.push(`step ${id} is ${status}`);
					}
					const restored = await restoredCounts(server);
					const comparison = compareCounts(demo.before, restored);
					if (!comparison.match) problems.push(`restored counts differ from the backup's:\n${comparison.lines.join('\n')}`);
					if (state.vars.USER_COUNT !== String(demo.before.users)) problems.push(`USER_COUNT is ${state.vars.USER_COUNT}, not ${demo.before.users}`);
					if (state.vars.ROOM_COUNT !== String(demo.before.rooms)) problems.push(`ROOM_COUNT is ${state.vars.ROOM_COUNT}, not ${demo.before.rooms}`);
					return [...problems, ...unmarked(state, marksFile)];
				},
				async cleanup(keepIn) {
					if (keepIn) keep(setup, keepIn);
					await cleanups.run();
				},
			};
			return setup;
		},
		close: () => server.stop(),
	};
}
