/**
 * The files of a run's saved state (the folder layout is in store/runs.ts): their
 * names, their size limits, reading them (a snapshot checked whole, a state log
 * parsed, the records after a snapshot replayed) and the error of a failed save.
 * Shared by the loader (store/runs.ts) and the writer (store/state-store.ts),
 * which reads what is on disk before its first save.
 */
import fs from 'node:fs';
import path from 'node:path';
import {syncDir} from '../platform/safe-file.js';
import type {RunState} from '../engine/state.js';
import {checkRunState} from './state-schema.js';
import {runIdProblem} from './trust.js';
import {BoundedReadError, readRegularFile} from '../security/bounded-read.js';
import {applyRecord, parseLog, replayable, StateLogError, type ReadLog} from './state-log.js';

/** The state's file name inside a run's folder. */
export const STATE_FILE = 'state.json';
/** The last good copy of the state, read when `state.json` is damaged. */
export const PREV_FILE = 'state.prev.json';
/** The state log (store/state-log.ts): records since the snapshot in `state.json`... */
export const LOG_FILE = 'state.log';
/** ...and the records from the snapshot in `state.prev.json` to the one in `state.json`. */
export const PREV_LOG_FILE = 'state.prev.log';

/**
 * Size limit of a state file, bytes: far above a real run's (a few KiB per step and
 * attempt), low enough that a planted huge file is refused instead of read.
 */
const MAX_STATE_BYTES = 16 * 1024 * 1024;
/** Size limit of a state log, bytes (a log is snapshotted once it outgrows the snapshot). */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/** A snapshot file read and checked: the state, the seq of the last record it holds, and its text. */
export interface Snapshot {
	state: RunState;
	/**
	 * `logSeq` of the file; undefined in a state written before the state log (migration)
	 * or by hand: such a snapshot is the whole state, and no record applies to it.
	 */
	seq: number | undefined;
	text: string;
}

/** What reading one state file gave: a valid snapshot, or why not. */
export type ReadResult = ({ok: true} & Snapshot) | {ok: false; missing: boolean; problem: string};

/** Reads and checks one state file; never throws. */
export function readStateFile(file: string, runId: string): ReadResult {
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
export function readLogFile(file: string): ReadLog {
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
export function replay(base: Snapshot, logs: ReadLog[], runId: string): {state: RunState; seq: number} {
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
export function setAside(file: string, at: Date): string {
	const stamp = at.toISOString().replace(/[:.]/g, '-');
	let name = `state.damaged-${stamp}.json`;
	for (let n = 2; fs.existsSync(path.join(path.dirname(file), name)); n++) name = `state.damaged-${stamp}-${n}.json`;
	fs.renameSync(file, path.join(path.dirname(file), name));
	syncDir(path.dirname(file));
	return name;
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
