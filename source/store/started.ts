/**
 * Which runbook a run was started with, recorded where only this account can write:
 * `$XDG_STATE_HOME/runbook-tui/started/<hash of the state directory>/<run id>.json`
 * (default `~/.local/state/...`), outside a state directory that may be shared. The
 * state file says which runbook to load on resume, but anyone who can write a shared
 * state directory can change that path (to another file of the same name in a folder
 * this account owns) and its recorded hash with it; this record cannot be changed that
 * way. A resume on the account that started (or last resumed) the run loads only the
 * recorded file; a resume without a record (another operator's account: a handover)
 * asks the operator to confirm a runbook whose content differs from the recorded hash.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {makePrivateDir, writeFileAtomic} from '../platform/safe-file.js';
import {readRegularFile} from '../security/bounded-read.js';

/** The record's file for run `runId` of state directory `stateDir` (absolute); `env` for XDG_STATE_HOME. */
export function startedRecordFile(stateDir: string, runId: string, env: NodeJS.ProcessEnv = process.env): string {
	let real = stateDir;
	try {
		real = fs.realpathSync(stateDir);
	} catch {
		// a state directory not made yet: its path as given
	}
	const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
	const key = createHash('sha256').update(real).digest('hex').slice(0, 32);
	return path.join(base, 'runbook-tui', 'started', key, `${path.basename(runId)}.json`);
}

/**
 * Records that run `runId` of `stateDir` runs the runbook at `runbookPath` (absolute),
 * folders 0700, file 0600, written atomically. A failure to write is returned as a
 * message (the run goes on: the record only narrows what a later resume accepts).
 */
export function recordStarted(stateDir: string, runId: string, runbookPath: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
	const file = startedRecordFile(stateDir, runId, env);
	try {
		makePrivateDir(path.dirname(file));
		writeFileAtomic(file, `${JSON.stringify({runbookPath})}\n`);
		return undefined;
	} catch (error) {
		return `cannot record the run's runbook in ${file}: ${(error as Error).message}`;
	}
}

/** The runbook path recorded for run `runId` of `stateDir`, or undefined when there is no (readable, valid) record. */
export function readStarted(stateDir: string, runId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
	try {
		const data: unknown = JSON.parse(readRegularFile(startedRecordFile(stateDir, runId, env), 64 * 1024).toString('utf8'));
		const recorded = (data as {runbookPath?: unknown} | null)?.runbookPath;
		return typeof recorded === 'string' && path.isAbsolute(recorded) ? recorded : undefined;
	} catch {
		return undefined;
	}
}
