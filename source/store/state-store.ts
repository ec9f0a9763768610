/**
 * Saving a run's state: {@link FileStateStore} appends one record per transition
 * to `state.log` and now and then writes a snapshot, so a save costs the size of
 * what changed; its class comment gives the order of the writes and why a crash
 * between any two of them leaves a state that loads as the newest one saved.
 */
import fs from 'node:fs';
import path from 'node:path';
import {openAppend, syncDir, writeFileAtomic} from '../platform/safe-file.js';
import type {SaveOptions, StateStore} from '../engine/ports.js';
import {clearStepsChanged, type RunState} from '../engine/state.js';
import {diffState, encodeRecord, type StateRecord} from './state-log.js';
import {LOG_FILE, PREV_FILE, PREV_LOG_FILE, readLogFile, readStateFile, replay, setAside, STATE_FILE, StateSaveError, type Snapshot} from './state-files.js';

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

/**
 * Saves a run's state in O(size of the change) per transition: each
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
			const due = this.#logBytesSinceSnapshot >= Math.max(SNAPSHOT_MIN_BYTES, this.#snapshotText?.length ?? 0) || Date.now() - this.#snapshotAt >= SNAPSHOT_EVERY_MS || state.status !== previous.status;
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
