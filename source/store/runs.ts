/**
 * Saved runs on disk, one folder per run:
 *
 *     <state dir>/runs/<run id>/state.json        the run state (temp file, fsync, rename; mode 0600)
 *     <state dir>/runs/<run id>/state.prev.json   the state before it: the last good copy
 *     <state dir>/runs/<run id>/state.damaged-<time>.json   a damaged state.json, kept aside
 *     <state dir>/runs/<run id>/logs/             full output of every attempt: <step id>.<n>.log
 *
 * The state dir is `--state-dir`, else `RUNBOOK_STATE_DIR`, else
 * `$XDG_STATE_HOME/runbook-tui` (default `~/.local/state/runbook-tui`): progress is
 * state, not configuration, in the XDG base-directory sense.
 *
 * Why one of the two files is always a complete, valid state (see
 * {@link FileStateStore.save}): each save first writes the state saved before it
 * to `state.prev.json` (temp file, fsync, rename, fsync of the folder), and only
 * then writes the new state to `state.json` (temp file, fsync, rename; then
 * fsync of the folder). A rename replaces a name atomically, and its data was on
 * disk before it, so each name always points at a whole file: the old one or the
 * new one, never a part. A crash before the first rename changes nothing; between
 * the two steps both files hold the same (previous) state; after the second,
 * `state.prev.json` is one transition older than `state.json`. So a damaged
 * `state.json` can only come from outside (a disk error, a hand edit), and then
 * `state.prev.json` is there to fall back on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {makePrivateDir, syncDir, writeFileAtomic} from '../platform/safe-file.js';
import type {StateStore} from '../engine/ports.js';
import type {RunState} from '../engine/state.js';
import {checkRunState} from './state-schema.js';
import {runIdBase, runIdProblem} from './trust.js';
import {BoundedReadError, readRegularFile} from '../security/bounded-read.js';

/** File names inside a run's folder. */
const STATE_FILE = 'state.json';
const PREV_FILE = 'state.prev.json';

/**
 * Size limit of a state file, bytes: far above a real run's (a few KiB per step and
 * attempt), low enough that a planted huge file is refused instead of read.
 */
const MAX_STATE_BYTES = 16 * 1024 * 1024;

/** What reading one state file gave: a valid state (and its text), or why not. */
type ReadResult = {ok: true; state: RunState; text: string} | {ok: false; missing: boolean; problem: string};

/** Reads and checks one state file; never throws. */
function readStateFile(file: string, runId: string): ReadResult {
	let text: string;
	try {
		text = readRegularFile(file, MAX_STATE_BYTES).toString('utf8');
	} catch (error) {
		if (error instanceof BoundedReadError) return {ok: false, missing: false, problem: error.message};
		const code = (error as NodeJS.ErrnoException).code;
		return {ok: false, missing: code === 'ENOENT', problem: `cannot be read: ${code ?? (error as Error).message}`};
	}
	if (text.trim() === '') return {ok: false, missing: false, problem: 'empty file'};
	let data: unknown;
	try {
		data = JSON.parse(text);
	} catch (error) {
		return {ok: false, missing: false, problem: `not JSON: ${(error as Error).message}`};
	}
	const checked = checkRunState(data);
	if (!checked.ok) return {ok: false, missing: false, problem: checked.problem};
	const wrongId = runIdProblem(checked.state, runId);
	if (wrongId) return {ok: false, missing: false, problem: wrongId};
	return {ok: true, state: checked.state, text};
}

/**
 * Renames a damaged state file to `state.damaged-<ISO time with - for : and .>.json`
 * next to it, so that it is kept for inspection and never overwritten.
 * @returns the new file name (without folder).
 */
function setAside(file: string, at: Date): string {
	const stamp = at.toISOString().replace(/[:.]/g, '-');
	let name = `state.damaged-${stamp}.json`;
	for (let n = 2; fs.existsSync(path.join(path.dirname(file), name)); n++) name = `state.damaged-${stamp}-${n}.json`;
	fs.renameSync(file, path.join(path.dirname(file), name));
	syncDir(path.dirname(file));
	return name;
}

/** True when `text` can be a run id: a folder name of letters, digits, `.`, `_` and `-` (no `..`, no `/`). */
export function isRunId(text: string): boolean {
	return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text) && text.length <= 255;
}

/** A state file that cannot be read or does not hold a valid run state. */
export class StateError extends Error {
	/** Path of the offending file. */
	readonly file: string;
	constructor(file: string, message: string) {
		super(message);
		this.name = 'StateError';
		this.file = file;
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

/**
 * Saves a run's state: the new state to `state.json`, the one before it to
 * `state.prev.json` first (see the module comment for why one of the two is
 * always whole and valid). Both through platform/safe-file.ts: mode 0600, a temp
 * file of an unpredictable name created exclusively without following links,
 * fsync, rename, fsync of the folder.
 */
export class FileStateStore implements StateStore {
	private readonly runDir: string;
	/** Text of the state this store saved last: the next save keeps it as the last good copy. */
	private lastSaved: string | undefined;
	/** Absolute path of the state file. */
	readonly path: string;

	constructor(runDir: string) {
		this.runDir = runDir;
		this.path = path.join(runDir, STATE_FILE);
	}

	/**
	 * Writes `state` to `state.json` after keeping the state saved before it in
	 * `state.prev.json`. The state before it is the one this store saved last, else
	 * the `state.json` on disk when it is valid; a damaged `state.json` found here
	 * is set aside (`state.damaged-<time>.json`) and the last good copy is left as
	 * it is.
	 * @throws StateSaveError (with the file system's code: ENOSPC, EACCES, EROFS,
	 *   ENOENT...) when a write fails; then `state.json` still holds the state saved
	 *   before, unchanged.
	 */
	save(state: RunState): void {
		try {
			let previous = this.lastSaved;
			if (previous === undefined) {
				const current = readStateFile(this.path, path.basename(this.runDir));
				if (current.ok) previous = current.text;
				else if (!current.missing) setAside(this.path, new Date());
			}
			if (previous !== undefined) writeFileAtomic(path.join(this.runDir, PREV_FILE), previous);
			const text = JSON.stringify(state, undefined, '\t');
			writeFileAtomic(this.path, text);
			this.lastSaved = text;
		} catch (error) {
			throw StateSaveError.from(this.path, error);
		}
	}
}

/** Words for the usual reasons a state save fails. */
const SAVE_ERRORS: Record<string, string> = {
	ENOSPC: 'the disk is full',
	EDQUOT: 'the disk quota is used up',
	EROFS: 'the file system is read-only',
	EACCES: 'permission denied',
	EPERM: 'permission denied',
	ENOENT: 'the state directory is gone',
	ENOTDIR: 'the state directory is gone (a part of its path is not a folder)',
	EIO: 'an input/output error of the disk',
};

/**
 * A run's state could not be saved: `message` says which file and why in words
 * (`the disk is full`), and that the progress since the last save is not saved.
 */
export class StateSaveError extends Error {
	/** The state file. */
	readonly file: string;
	/** The file system's code (ENOSPC...), when there was one. */
	readonly code: string | undefined;
	constructor(file: string, code: string | undefined, reason: string) {
		super(`cannot save the state of the run to ${file}: ${reason}; progress since the last save is NOT saved`);
		this.name = 'StateSaveError';
		this.file = file;
		this.code = code;
	}

	/** The StateSaveError for an error thrown while saving `file`. */
	static from(file: string, error: unknown): StateSaveError {
		if (error instanceof StateSaveError) return error;
		const code = (error as NodeJS.ErrnoException).code;
		return new StateSaveError(file, code, (code && SAVE_ERRORS[code]) ?? (error as Error).message);
	}
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
		const dir = this.runDir(runId);
		const file = path.join(dir, STATE_FILE);
		const prevFile = path.join(dir, PREV_FILE);
		const current = readStateFile(file, runId);
		if (current.ok) return current.state;
		const previous = readStateFile(prevFile, runId);
		if (current.missing && (!previous.ok && previous.missing)) {
			throw new StateError(file, `no run ${runId} in ${this.stateDir} (see \`runbook runs\`)`);
		}
		if (!previous.ok) {
			const damaged = current.missing ? `${STATE_FILE} is missing` : `${STATE_FILE} is damaged (${current.problem})`;
			const backup = previous.missing ? `there is no last good copy (${PREV_FILE})` : `its last good copy ${PREV_FILE} is damaged too (${previous.problem})`;
			throw new StateError(file, `the state of run ${runId} cannot be read: ${damaged} and ${backup}; both are left as they are in ${dir} for inspection`);
		}
		let warning = `${STATE_FILE} of run ${runId} is ${current.missing ? 'missing' : `damaged (${current.problem})`}; using the last good copy from ${previous.state.updatedAt}, one transition older`;
		if (options.setAside && !current.missing) warning += `; the damaged file is kept as ${path.join(dir, setAside(file, new Date()))}`;
		options.onWarning?.(warning);
		return previous.state;
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
		return this.list().filter(
			run => run.status !== 'completed' && run.status !== 'damaged' && (runbookPath === undefined || run.runbookPath === runbookPath),
		);
	}
}
