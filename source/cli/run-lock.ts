/**
 * One process per run (store/lock.ts): the lock a session holds while it runs, and what
 * the operator is told about taking it.
 */
import os from 'node:os';
import {currentOwner, lockRun, ownerName, type RunLock} from '../store/lock.js';
import type {RunsRepository} from '../store/runs.js';
import {stateDirWarnings} from '../platform/safe-file.js';
import type {Io} from './exit.js';

/**
 * Takes the lock of run `runId`, after warning (on `io.err`) about a state directory
 * others can write.
 * @throws RunLockedError when the run is in use by a live process (pid, user@host, since
 *   when): exit 2, as for the other refusals before anything ran (cli/exit.ts).
 */
export async function takeRunLock(repo: RunsRepository, runId: string, io: Io): Promise<RunLock> {
	for (const warning of stateDirWarnings(repo.stateDir)) io.err(`runbook: warning: ${warning}\n`);
	return lockRun(repo.runDir(runId), currentOwner());
}

/**
 * The notice for a lock taken over from a holder that was gone. Without the run id
 * (the session is about that run) and the holder first: the TUI shows a notice on
 * one 80-column row and cuts the rest.
 */
export function takeoverNotice(lock: RunLock): string[] {
	const gone = lock.tookOver;
	if (!gone) return [];
	const why = gone.host === os.hostname() ? 'which is no longer running' : 'which stopped keeping it fresh (presumed gone)';
	return [`took over the lock from pid ${gone.pid} (${ownerName(gone)}), ${why}`];
}
