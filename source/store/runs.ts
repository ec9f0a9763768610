/**
 * Saved runs on disk, one folder per run:
 *
 *     <state dir>/runs/<run id>/state.json        a snapshot of the run state, with `logSeq` (temp file, fsync, rename; mode 0600)
 *     <state dir>/runs/<run id>/state.log         one diff record per transition since that snapshot (store/state-log.ts)
 *     <state dir>/runs/<run id>/state.prev.json   the snapshot before it: the last good copy
 *     <state dir>/runs/<run id>/state.prev.log    the records from the last good copy to state.json
 *     <state dir>/runs/<run id>/state.damaged-<time>.json   a damaged state.json, kept aside
 *     <state dir>/runs/<run id>/logs/             full output of every attempt: <step id>.<n>.log
 *
 * The state dir is `--state-dir`, else `RUNBOOK_STATE_DIR`, else
 * `$XDG_STATE_HOME/runbook-tui` (default `~/.local/state/runbook-tui`): progress is
 * state, not configuration, in the XDG base-directory sense.
 *
 * A save costs the size of what changed: see store/state-store.ts for the order
 * of the writes and why a crash between any two of them leaves a state that loads
 * as the newest one saved (store/state-files.ts reads them). A snapshot is
 * replaced by rename only, so each name points at a whole file; a damaged
 * `state.json` can only come from outside (a disk error, a hand edit), and then
 * `state.prev.json` and the logs after it are there to fall back on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {makePrivateDir} from '../platform/safe-file.js';
import type {RunState} from '../engine/state.js';
import {runIdBase} from './trust.js';
import {StateLogError, type ReadLog} from './state-log.js';
import {LOG_FILE, PREV_FILE, PREV_LOG_FILE, readLogFile, readStateFile, replay, setAside, STATE_FILE, type Snapshot} from './state-files.js';
import {FileStateStore} from './state-store.js';

/** True when `text` can be a run id: a folder name of letters, digits, `.`, `_` and `-` (no `..`, no `/`). */
export function isRunId(text: string): boolean {
	return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text) && text.length <= 255;
}

/** A state file that cannot be read or does not hold a valid run state. */
export class StateError extends Error {
	/** Path of the offending file. */
	readonly file: string;
	/** True when the state log (not a snapshot) is what could not be read or replayed. */
	readonly logDamaged: boolean;
	constructor(file: string, message: string, logDamaged = false) {
		super(message);
		this.name = 'StateError';
		this.file = file;
		this.logDamaged = logDamaged;
	}
}

/**
 * Where runs are kept: `flag` (`--state-dir`), else `RUNBOOK_STATE_DIR`, else the
 * XDG state directory. Returns an absolute path.
 */
export function resolveStateDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
	if (flag) return path.resolve(flag);
	if (env.RUNBOOK_STATE_DIR) return path.resolve(env.RUNBOOK_STATE_DIR);
	const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
	return path.join(base, 'runbook-tui');
}

/** One line of `runbook runs`. */
export interface RunSummary {
	runId: string;
	title: string;
	status: RunState['status'] | 'damaged';
	runbookPath: string;
	startedBy: string;
	createdAt: string;
	updatedAt: string;
	/** Steps done (succeeded or skipped) and in all. */
	done: number;
	total: number;
	currentStepId?: string;
	/** Set when the state file could not be read. */
	problem?: string;
	/** Set when `state.json` is damaged and the run is shown from its last good copy: what {@link RunsRepository.load} warned. */
	note?: string;
}

/** Options of {@link RunsRepository.load}. */
export interface LoadOptions {
	/** Told, in one line, when the last good copy is used instead of a damaged or missing `state.json`. */
	onWarning?: (message: string) => void;
	/** Rename a damaged `state.json` to `state.damaged-<time>.json` (only the lock holder should). */
	setAside?: boolean;
}

/** The runs kept in one state directory. */
export class RunsRepository {
	/** Absolute path of the state directory. */
	readonly stateDir: string;

	constructor(stateDir: string) {
		this.stateDir = stateDir;
	}

	/** Folder of a run. */
	runDir(runId: string): string {
		return path.join(this.stateDir, 'runs', runId);
	}

	/** A new run id: `<runbook file name>-<YYYYMMDD-HHMMSS>-<4 hex>`, e.g. `synapse-db-restore-20261120-231500-3fa2`. */
	newRunId(runbookPath: string, at: Date): string {
		const base = runIdBase(runbookPath);
		const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
		return `${base}-${stamp}-${randomBytes(2).toString('hex')}`;
	}

	/** The store that saves a run's state (creates the run's folder). */
	open(runId: string): FileStateStore {
		makePrivateDir(path.join(this.runDir(runId), 'logs'));
		return new FileStateStore(this.runDir(runId));
	}

	/**
	 * Reads and checks a run's state. When `state.json` is damaged (unreadable, empty,
	 * truncated, not JSON, or failing the schema) or missing while the last good
	 * copy `state.prev.json` is valid, that copy is returned and `onWarning` is told
	 * so in one line; with `setAside` (only for the process holding the run's lock,
	 * which is about to save) the damaged file is renamed `state.damaged-<time>.json`
	 * so that it is kept, not overwritten. Nothing is ever reset silently.
	 * @throws StateError when the run does not exist, or when neither file holds a
	 *   valid state (the message names both files and their problems).
	 */
	load(runId: string, options: LoadOptions = {}): RunState {
		// A run id names a folder under runs/, nothing else (no `..`, no `/`).
		if (!isRunId(runId)) throw new StateError(path.join(this.stateDir, 'runs'), `no run ${JSON.stringify(runId.slice(0, 80))} in ${this.stateDir} (see \`runbook runs\`)`);
		// A reader racing the running process's snapshot (state.log renamed between the reads
		// of the two logs) sees a gap once; damage is seen every time.
		for (let attempt = 1; ; attempt++) {
			try {
				return this.#loadOnce(runId, options);
			} catch (error) {
				if (!(error instanceof StateError && error.logDamaged) || attempt >= 3) throw error;
			}
		}
	}

	#loadOnce(runId: string, options: LoadOptions): RunState {
		const dir = this.runDir(runId);
		const file = path.join(dir, STATE_FILE);
		const prevFile = path.join(dir, PREV_FILE);
		const current = readStateFile(file, runId);
		const previous = readStateFile(prevFile, runId);
		if (!current.ok && current.missing && !previous.ok && previous.missing) {
			throw new StateError(file, `no run ${runId} in ${this.stateDir} (see \`runbook runs\`)`);
		}
		let logs: ReadLog[];
		try {
			logs = [readLogFile(path.join(dir, PREV_LOG_FILE)), readLogFile(path.join(dir, LOG_FILE))];
		} catch (error) {
			if (!(error instanceof StateLogError)) throw error;
			throw new StateError(file, `the state of run ${runId} cannot be read: its state log is damaged (${error.message}); the files are left as they are in ${dir} for inspection`, true);
		}
		const replayed = (snapshot: Snapshot, name: string): RunState => {
			try {
				return replay(snapshot, logs, runId).state;
			} catch (error) {
				if (!(error instanceof StateLogError)) throw error;
				throw new StateError(file, `the state of run ${runId} cannot be read: ${name} loads but its state log is damaged (${error.message}); the files are left as they are in ${dir} for inspection`, true);
			}
		};
		if (current.ok) return replayed(current, STATE_FILE);
		if (!previous.ok) {
			const damaged = current.missing ? `${STATE_FILE} is missing` : `${STATE_FILE} is damaged (${current.problem})`;
			const backup = previous.missing ? `there is no last good copy (${PREV_FILE})` : `its last good copy ${PREV_FILE} is damaged too (${previous.problem})`;
			throw new StateError(file, `the state of run ${runId} cannot be read: ${damaged} and ${backup}; both are left as they are in ${dir} for inspection`);
		}
		const state = replayed(previous, PREV_FILE);
		let warning = `${STATE_FILE} of run ${runId} is ${current.missing ? 'missing' : `damaged (${current.problem})`}; using the last good copy from ${previous.state.updatedAt} and the state log after it`;
		if (options.setAside && !current.missing) warning += `; the damaged file is kept as ${path.join(dir, setAside(file, new Date()))}`;
		options.onWarning?.(warning);
		return state;
	}

	/** Every run, newest first; damaged ones are listed with their problem. */
	list(): RunSummary[] {
		const dir = path.join(this.stateDir, 'runs');
		let ids: string[];
		try {
			ids = fs.readdirSync(dir);
		} catch {
			return [];
		}
		const summaries: RunSummary[] = [];
		for (const runId of ids) {
			try {
				let note: string | undefined;
				const state = this.load(runId, {onWarning: warning => (note = warning)});
				const done = state.order.filter(id => ['succeeded', 'skipped'].includes(state.steps[id]?.status)).length;
				summaries.push({
					runId,
					title: state.title,
					status: state.status,
					runbookPath: state.runbookPath,
					startedBy: state.startedBy,
					createdAt: state.createdAt,
					updatedAt: state.updatedAt,
					done,
					total: state.order.length,
					// A completed run is on no step (its state keeps the last one it ran).
					...(state.currentStepId && state.status !== 'completed' ? {currentStepId: state.currentStepId} : {}),
					...(note ? {note} : {}),
				});
			} catch (error) {
				summaries.push({runId, title: '?', status: 'damaged', runbookPath: '?', startedBy: '?', createdAt: '', updatedAt: '', done: 0, total: 0, problem: (error as Error).message});
			}
		}
		return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
	}

	/**
	 * The states of the newest `limit` (default 20) completed runs of the runbook at
	 * `runbookPath` (absolute), other than `exceptRunId`, newest first; runs that
	 * cannot be read are left out (they estimate nothing).
	 */
	completedRuns(runbookPath: string, exceptRunId?: string, limit = 20): RunState[] {
		const states: RunState[] = [];
		for (const run of this.list()) {
			if (states.length >= limit) break;
			if (run.status !== 'completed' || run.runbookPath !== runbookPath || run.runId === exceptRunId) continue;
			try {
				states.push(this.load(run.runId));
			} catch {
				// A run that became unreadable since list() read it has nothing to say.
			}
		}
		return states;
	}

	/** Runs of the runbook at `runbookPath` (absolute) that did not complete, newest first. */
	unfinished(runbookPath?: string): RunSummary[] {
		return this.list().filter(run => run.status !== 'completed' && run.status !== 'damaged' && (runbookPath === undefined || run.runbookPath === runbookPath));
	}
}
