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
 * A save costs the size of what changed (issue 14; before it, every transition
 * rewrote and fsynced the whole state twice, O(N²) over a run of N steps): see
 * {@link FileStateStore} for the order of the writes and why a crash between any
 * two of them leaves a state that loads as the newest one saved. A snapshot is
 * replaced by rename only, so each name points at a whole file; a damaged
 * `state.json` can only come from outside (a disk error, a hand edit), and then
 * `state.prev.json` and the logs after it are there to fall back on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {makePrivateDir, openAppend, syncDir, writeFileAtomic} from '../platform/safe-file.js';
import type {SaveOptions, StateStore} from '../engine/ports.js';
import {clearStepsChanged, type RunState} from '../engine/state.js';
import {checkRunState} from './state-schema.js';
import {runIdBase, runIdProblem} from './trust.js';
import {BoundedReadError, readRegularFile} from '../security/bounded-read.js';
import {applyRecord, diffState, encodeRecord, parseLog, replayable, StateLogError, type ReadLog, type StateRecord} from './state-log.js';

/** File names inside a run's folder. */
const STATE_FILE = 'state.json';
const PREV_FILE = 'state.prev.json';
/** The state log (store/state-log.ts): records since the snapshot in `state.json`... */
const LOG_FILE = 'state.log';
/** ...and the records from the snapshot in `state.prev.json` to the one in `state.json`. */
const PREV_LOG_FILE = 'state.prev.log';

/**
 * Size limit of a state file, bytes: far above a real run's (a few KiB per step and
 * attempt), low enough that a planted huge file is refused instead of read.
 */
const MAX_STATE_BYTES = 16 * 1024 * 1024;
/** Size limit of a state log, bytes (a log is snapshotted once it outgrows the snapshot). */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/**
 * When a save writes a snapshot instead of only a record: once the records since
 * the last snapshot are as many bytes as it (and at least this many), so that the
 * snapshots cost O(1) per transition on average and a load replays at most about
 * one snapshot's worth; also after {@link SNAPSHOT_EVERY_MS} and whenever the run's
 * status changes (its start and its end: a finished run is one file).
 */
const SNAPSHOT_MIN_BYTES = 64 * 1024;
/** Longest time between two snapshots while records are written, ms. */
const SNAPSHOT_EVERY_MS = 30_000;
/**
 * Longest time a record saved with `later` stays written but not fsynced, ms: the
 * runner flushes before anything outside the process happens; this bounds what a
 * power cut can take back while the run waits on the operator.
 */
const SYNC_LATER_MS = 100;

/** A snapshot file read and checked: the state, the seq of the last record it holds, and its text. */
interface Snapshot {
	state: RunState;
	/**
	 * `logSeq` of the file; undefined in a state written before the state log (migration)
	 * or by hand: such a snapshot is the whole state, and no record applies to it.
	 */
	seq: number | undefined;
	text: string;
}

/** What reading one state file gave: a valid snapshot, or why not. */
type ReadResult = ({ok: true} & Snapshot) | {ok: false; missing: boolean; problem: string};

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
	const seq = (data as {logSeq?: unknown} | null)?.logSeq;
	if (seq !== undefined && (!Number.isSafeInteger(seq) || (seq as number) < 0)) return {ok: false, missing: false, problem: 'logSeq: not a whole number >= 0'};
	const checked = checkRunState(data);
	if (!checked.ok) return {ok: false, missing: false, problem: checked.problem};
	const wrongId = runIdProblem(checked.state, runId);
	if (wrongId) return {ok: false, missing: false, problem: wrongId};
	return {ok: true, state: checked.state, seq: seq as number | undefined, text};
}

/**
 * Reads a state log; a missing one is empty.
 * @throws StateLogError when it cannot be read or a line before the last is damaged.
 */
function readLogFile(file: string): ReadLog {
	let text: string;
	try {
		text = readRegularFile(file, MAX_LOG_BYTES).toString('utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {records: [], validBytes: 0, tornTail: false};
		throw new StateLogError(`${path.basename(file)} cannot be read: ${(error as Error).message}`);
	}
	return parseLog(text, path.basename(file));
}

/**
 * The state of `base` with the records after it (from `logs`, oldest first)
 * applied: records at or below its seq are already in it; the others must follow
 * it one by one (a gap or a record out of order is a damaged state). The result
 * is checked whole, as a snapshot is.
 * @throws StateLogError saying what is wrong.
 */
function replay(base: Snapshot, logs: ReadLog[], runId: string): {state: RunState; seq: number} {
	// A snapshot without logSeq is whole; the next record must come after every record there is.
	if (base.seq === undefined) return {state: base.state, seq: Math.max(0, ...logs.flatMap(log => log.records.map(record => record.seq)))};
	let seq = base.seq;
	let state: RunState | undefined;
	for (const log of logs) {
		for (const record of log.records) {
			if (record.seq <= seq && state === undefined) continue;
			if (record.seq !== seq + 1) throw new StateLogError(`the state log jumps from record ${seq} to ${record.seq}`);
			state ??= replayable(base.state);
			applyRecord(state, record);
			seq = record.seq;
		}
	}
	if (state === undefined) return {state: base.state, seq};
	const checked = checkRunState(state);
	if (!checked.ok) throw new StateLogError(`the state after replaying the state log is not valid: ${checked.problem}`);
	const wrongId = runIdProblem(checked.state, runId);
	if (wrongId) throw new StateLogError(wrongId);
	return {state: checked.state, seq};
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

/**
 * Saves a run's state in O(size of the change) per transition (issue 14): each
 * save appends one record (the diff from the state saved before, store/state-log.ts)
 * to `state.log` and fsyncs it; now and then (see {@link SNAPSHOT_MIN_BYTES}) the
 * whole state is written as a snapshot:
 *
 * 1. the record is appended first, so the log alone always reaches the newest state;
 * 2. the snapshot before it is kept as `state.prev.json` (temp file, fsync, rename; a new
 *    run's first snapshot is its own last good copy);
 * 3. the new snapshot goes to `state.json` (`logSeq`: the seq of its last record);
 * 4. `state.log` is renamed `state.prev.log`, and the next record starts a new `state.log`.
 *
 * A load takes `state.json` (else its last good copy `state.prev.json`) and replays
 * the records of `state.prev.log` and `state.log` after its `logSeq`: after a crash
 * between any two steps, both snapshots plus the logs still reach the newest state
 * (records at or below a snapshot's seq are skipped). The first save of a store (a
 * new run, or a process taking a run up) is a snapshot, after one record from the
 * state on disk, so it never appends to another process's log. Files as before
 * through platform/safe-file.ts: mode 0600, no link followed, fsync.
 */
export class FileStateStore implements StateStore {
	private readonly runDir: string;
	/** Absolute path of the state file. */
	readonly path: string;
	/** The state saved last (durable): the next record is the diff from it. */
	#last: RunState | undefined;
	/** Seq of the last durable record (or snapshot). */
	#seq = 0;
	/** `state.log`, open for appending, and its size in bytes. */
	#fd: number | undefined;
	#fdBytes = 0;
	/** A failed append could not be undone: the next save writes a snapshot and drops this log. */
	#tainted = false;
	/** Text of `state.json` as written (the next snapshot keeps it as the last good copy). */
	#snapshotText: string | undefined;
	#logBytesSinceSnapshot = 0;
	#snapshotAt = 0;
	/** True while records are written to `state.log` but not yet fsynced (saves with `later`). */
	#unsynced = false;
	/** Fsyncs the unsynced records {@link SYNC_LATER_MS} after the first of them. */
	#syncTimer: NodeJS.Timeout | undefined;
	/** Why a timed fsync failed: the next save or flush throws it (the records may be lost). */
	#syncError: unknown;

	constructor(runDir: string) {
		this.runDir = runDir;
		this.path = path.join(runDir, STATE_FILE);
	}

	/**
	 * Makes `state` durable: one appended, fsynced record, and a snapshot when one is
	 * due (see the class comment). With `options.later` the record is written (a killed
	 * process keeps it) and fsynced by the next {@link flush} or durable save, or
	 * {@link SYNC_LATER_MS} later at the latest. A damaged `state.json` found by the first save is
	 * set aside (`state.damaged-<time>.json`) and the last good copy is left as it is.
	 * @throws StateSaveError (with the file system's code: ENOSPC, EACCES, EROFS,
	 *   ENOENT...) when the record cannot be written; then what is on disk still
	 *   loads as the state saved before. A snapshot that fails after its record was
	 *   written is not an error (the record holds the state): it is tried again later.
	 */
	save(state: RunState, options?: SaveOptions): void {
		try {
			this.#throwSyncError();
			if (this.#last === undefined || this.#tainted) {
				this.#takeOver(state);
				return;
			}
			const previous = this.#last;
			const record = diffState(previous, state, this.#seq + 1);
			if (record === undefined) {
				if (!options?.later) this.#sync();
				return;
			}
			this.#append(record, options?.later === true);
			clearStepsChanged(state.steps);
			this.#seq = record.seq;
			this.#last = state;
			const due =
				this.#logBytesSinceSnapshot >= Math.max(SNAPSHOT_MIN_BYTES, this.#snapshotText?.length ?? 0) ||
				Date.now() - this.#snapshotAt >= SNAPSHOT_EVERY_MS ||
				state.status !== previous.status;
			if (due) {
				try {
					this.#snapshot(state);
				} catch {
					// The record above holds the state; the next save tries the snapshot again.
				}
			}
		} catch (error) {
			throw StateSaveError.from(this.path, error);
		}
	}

	/**
	 * Fsyncs the records saved with `later` (a no-op when there are none).
	 * @throws StateSaveError when the fsync fails (then those records may be lost).
	 */
	flush(): void {
		try {
			this.#throwSyncError();
			this.#sync();
		} catch (error) {
			throw StateSaveError.from(this.path, error);
		}
	}

	/**
	 * Closes `state.log` (a later save opens it again), fsyncing it first when needed.
	 * Returns, instead of throwing (it runs in a `finally`), the StateSaveError of an fsync that
	 * failed since the last flush: this one or a timed one (Linux reports a writeback error once,
	 * so a later fsync may succeed although records were lost); undefined when all is on disk.
	 */
	close(): StateSaveError | undefined {
		try {
			this.#sync();
		} catch (error) {
			this.#syncError ??= error;
		}
		if (this.#fd !== undefined) fs.closeSync(this.#fd);
		this.#fd = undefined;
		if (this.#syncError === undefined) return undefined;
		const failed = StateSaveError.from(this.path, this.#syncError);
		this.#syncError = undefined;
		return failed;
	}

	/** Throws (once) the error of a timed fsync. */
	#throwSyncError(): void {
		if (this.#syncError === undefined) return;
		const error = this.#syncError;
		this.#syncError = undefined;
		throw error;
	}

	/** Fsyncs `state.log` when records were written to it unsynced. */
	#sync(): void {
		clearTimeout(this.#syncTimer);
		this.#syncTimer = undefined;
		if (!this.#unsynced || this.#fd === undefined) return;
		fs.fsyncSync(this.#fd);
		this.#unsynced = false;
	}

	/**
	 * The first save (or the first after a failed append could not be undone): reads
	 * what is on disk, cuts a torn last record off `state.log`, appends the diff from
	 * the state on disk, and writes a snapshot.
	 */
	#takeOver(state: RunState): void {
		const runId = path.basename(this.runDir);
		let disk: {state: RunState; seq: number} | undefined;
		if (!this.#tainted) {
			const current = readStateFile(this.path, runId);
			let base: Snapshot | undefined;
			if (current.ok) base = current;
			else {
				if (!current.missing) setAside(this.path, new Date());
				const previous = readStateFile(path.join(this.runDir, PREV_FILE), runId);
				if (previous.ok) base = previous;
			}
			const logFile = path.join(this.runDir, LOG_FILE);
			const prevLog = readLogFile(path.join(this.runDir, PREV_LOG_FILE));
			const log = readLogFile(logFile);
			if (base) {
				try {
					disk = replay(base, [prevLog, log], runId);
				} catch {
					const seqs = [prevLog, log].flatMap(read => read.records.map(record => record.seq));
					disk = {state: base.state, seq: Math.max(base.seq ?? 0, ...seqs)};
				}
				// The records of state.log after a dropped torn one must not follow it: cut it off.
				if (log.tornTail) fs.truncateSync(logFile, log.validBytes);
			}
			// From a damaged state.json's last good copy on, the chain of logs behind it is broken:
			// the new snapshot is its own last good copy then.
			this.#snapshotText = current.ok ? current.text : undefined;
		}
		if (disk) {
			this.#seq = Math.max(this.#seq, disk.seq);
			this.#last = disk.state;
		}
		const record = this.#last ? diffState(this.#last, state, this.#seq + 1) : undefined;
		if (record && !this.#tainted) this.#append(record);
		this.#seq += 1;
		this.#last = state;
		this.#snapshot(state);
		clearStepsChanged(state.steps);
		this.#tainted = false;
	}

	/**
	 * Appends one record and fsyncs it (with `later`: arms the timed fsync instead);
	 * on failure cuts the file back to where it was.
	 */
	#append(record: StateRecord, later = false): void {
		const line = encodeRecord(record);
		if (this.#fd === undefined) {
			this.#fd = openAppend(path.join(this.runDir, LOG_FILE));
			this.#fdBytes = fs.fstatSync(this.#fd).size;
			// The new file's name must be on disk with its first record.
			syncDir(this.runDir);
		}
		try {
			fs.appendFileSync(this.#fd, line);
			this.#unsynced = true;
			if (!later) this.#sync();
			else
				this.#syncTimer ??= setTimeout(() => {
					try {
						this.#sync();
					} catch (error) {
						this.#syncError ??= error;
					}
				}, SYNC_LATER_MS).unref();
			// An open descriptor keeps writing into a file whose name is gone (the run's folder
			// removed under us): that record would be lost while the save seemed to succeed.
			if (fs.fstatSync(this.#fd).nlink === 0) throw Object.assign(new Error(`${LOG_FILE} was removed`), {code: 'ENOENT'});
		} catch (error) {
			try {
				fs.ftruncateSync(this.#fd, this.#fdBytes);
				this.#sync();
			} catch {
				this.#tainted = true;
			}
			throw error;
		}
		const bytes = Buffer.byteLength(line);
		this.#fdBytes += bytes;
		this.#logBytesSinceSnapshot += bytes;
	}

	/** Writes `state` as the snapshot of seq {@link #seq} (steps 2 to 4 of the class comment). */
	#snapshot(state: RunState): void {
		// The log becomes state.prev.log: whole on disk before the snapshot after it.
		if (!this.#tainted) this.#sync();
		const text = JSON.stringify({...state, logSeq: this.#seq}, undefined, '\t');
		// The first snapshot of a new run is its own last good copy: from then on there is always one.
		writeFileAtomic(path.join(this.runDir, PREV_FILE), this.#snapshotText ?? text);
		writeFileAtomic(this.path, text);
		this.close();
		const logFile = path.join(this.runDir, LOG_FILE);
		if (this.#tainted) fs.rmSync(logFile, {force: true});
		else if (fs.existsSync(logFile)) fs.renameSync(logFile, path.join(this.runDir, PREV_LOG_FILE));
		syncDir(this.runDir);
		this.#snapshotText = text;
		this.#logBytesSinceSnapshot = 0;
		this.#snapshotAt = Date.now();
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
		if (!current.ok && current.missing && (!previous.ok && previous.missing)) {
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
		return this.list().filter(
			run => run.status !== 'completed' && run.status !== 'damaged' && (runbookPath === undefined || run.runbookPath === runbookPath),
		);
	}
}
