/**
 * One process per run: a lock per run folder, taken before the run's state is
 * first read for a resume or first saved for a new run, and released when the
 * process is done with it.
 *
 *     <run dir>/lock/             the lock (proper-lockfile: mkdir, mtime refreshed every 5 s)
 *     <run dir>/lock-owner.json   who holds it: pid, user, host, since when, command line
 *     <run dir>/lock-acquire.lock a short lock held only while taking the lock above
 *
 * A lock is taken over only when its holder is gone: on this host, when its pid
 * no longer runs (`kill(pid, 0)` says ESRCH, or the pid now belongs to another
 * process: its start time after boot differs from the holder's); a holder on another host can only be judged
 * by staleness (proper-lockfile's rule: the lock's mtime not refreshed for 10 s).
 * A live holder on this host keeps its lock even when it is stale, e.g. a run
 * suspended with Ctrl-Z. Taking (and taking over) happens while holding
 * `lock-acquire.lock`, so two processes never both judge the same dead holder and
 * both take its place.
 *
 * A lock without an owner record is taken only once it has gone unrefreshed for
 * the stale period: a live holder whose record was deleted keeps its run.
 *
 * The owner record is deleted before the lock is released; an owner record found
 * after taking the lock is therefore one left by a holder that did not release
 * (killed, crashed): that holder is reported as the one taken over from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pidExists, statFields} from '../platform/proc.js';
import {writeFileAtomic} from '../platform/safe-file.js';

/** Who holds (or held) a run's lock, as saved in `lock-owner.json`. */
export interface OwnerInfo {
	pid: number;
	user: string;
	host: string;
	/** When the lock was taken, ISO 8601 (UTC). */
	startedAt: string;
	/** The holder's command line, with the values of `-p NAME=VALUE` hidden (`NAME=***`). */
	command: string;
	/**
	 * Start time of the holder process in clock ticks after boot (/proc/<pid>/stat,
	 * field 22; Linux only): tells the holder from a later process given the same
	 * pid, whatever the wall clock did meanwhile.
	 */
	processStart?: string;
}

/** A held run lock. */
export interface RunLock {
	/** Deletes the owner record and releases the lock; never throws (a lost lock is already released). */
	release(): Promise<void>;
	/** The holder that was gone and whose lock was taken over, if any. */
	tookOver?: OwnerInfo;
}

/** Options of {@link lockRun}. */
export interface LockRunOptions {
	/** After how long without a refresh a lock counts as stale, ms (default 10,000; proper-lockfile's; at least 2,000). */
	staleMs?: number;
	/** How often the held lock's mtime is refreshed, ms (default staleMs / 2; at least 1,000). */
	updateMs?: number;
	/**
	 * Called when the held lock was lost (its folder removed or not refreshed in
	 * time; proper-lockfile's `onCompromised`), with a one-line message. Default:
	 * the message is written to stderr. The run goes on either way.
	 */
	onCompromised?: (message: string) => void;
}

/** The run is in use by a live process (or one that cannot be judged gone yet). */
export class RunLockedError extends Error {
	/** The run's id (its folder's name). */
	readonly runId: string;
	/** The holder, when its owner record could be read. */
	readonly owner?: OwnerInfo;
	constructor(runId: string, owner: OwnerInfo | undefined) {
		super(owner ? `run ${runId} is in use by pid ${owner.pid} (${owner.user}@${owner.host}) since ${formatTime(owner.startedAt)}; wait for it to finish, or stop that process` : `run ${runId} is in use by another process (its owner record is missing or unreadable); wait for it to finish, or stop that process`);
		this.name = 'RunLockedError';
		this.runId = runId;
		if (owner) this.owner = owner;
	}
}

/** `2026-11-20T23:15:02.123Z` → `2026-11-20 23:15:02 UTC`; other text as it is. */
function formatTime(iso: string): string {
	return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}

/** `user@host` of an owner, for messages. */
export function ownerName(owner: OwnerInfo): string {
	return `${owner.user}@${owner.host}`;
}

/**
 * A command line for the owner record: `argv` (default: this process's) from the
 * script on, with the values of `-p`/`--param NAME=VALUE` replaced by `***` so
 * that no secret is written to disk.
 */
export function ownerCommand(argv: string[] = process.argv): string {
	const words = argv.slice(1).map(word => (word.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), word) : word));
	return maskParamValues(words).join(' ');
}

/**
 * Command-line words with every param value replaced by `***`, in all the forms the
 * CLI takes (`-p NAME=V`, `--param NAME=V`, `-pNAME=V`, `--param=NAME=V`): a value may
 * be a secret, and these words go to files others can read.
 */
export function maskParamValues(words: readonly string[]): string[] {
	return words.map((word, i) => {
		if (/^(-p|--param)$/.test(words[i - 1] ?? '')) return word.replace(/=.*$/s, '=***');
		if (/^(-p|--param=)[^=]+=/.test(word)) return word.replace(/^((?:-p|--param=)[^=]+=).*$/s, '$1***');
		return word;
	});
}

/** The owner record of this process, taking the lock now. */
export function currentOwner(at: Date = new Date()): OwnerInfo {
	let user = process.env.USER ?? '';
	try {
		user = os.userInfo().username;
	} catch {
		// keep $USER
	}
	const processStart = processStartTicks(process.pid);
	return {
		pid: process.pid,
		user: user || 'unknown',
		host: os.hostname(),
		startedAt: at.toISOString(),
		command: ownerCommand(),
		...(processStart ? {processStart} : {}),
	};
}

/** Reads `lock-owner.json`; undefined when it is missing or not a valid record. */
function readOwner(file: string): OwnerInfo | undefined {
	try {
		const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<OwnerInfo>;
		if (typeof data.pid !== 'number' || typeof data.host !== 'string' || typeof data.startedAt !== 'string') return undefined;
		return {
			pid: data.pid,
			user: String(data.user ?? '?'),
			host: data.host,
			startedAt: data.startedAt,
			command: String(data.command ?? ''),
			...(typeof data.processStart === 'string' ? {processStart: data.processStart} : {}),
		};
	} catch {
		return undefined;
	}
}

/** Writes the owner record whole (temp file, rename; mode 0600, safe-file.ts), so a reader never sees half of it. */
function writeOwner(file: string, owner: OwnerInfo): void {
	writeFileAtomic(file, JSON.stringify(owner, undefined, '\t') + '\n');
}

/**
 * Watches the lock folder `lockDir` for up to `staleMs` ms (polling its mtime):
 * true as soon as its mtime changes (a refresh: a live holder); false once it has gone unrefreshed for `staleMs` or is gone.
 * A holder refreshes every staleMs / 2 (proper-lockfile's `update`).
 */
async function refreshedWithin(lockDir: string, staleMs: number): Promise<boolean> {
	const mtime = () => {
		try {
			return fs.statSync(lockDir).mtimeMs;
		} catch {
			return undefined;
		}
	};
	const first = mtime();
	if (first === undefined) return false;
	for (;;) {
		const now = mtime();
		if (now === undefined) return false;
		if (now !== first) return true;
		if (Date.now() - now >= staleMs) return false;
		await new Promise(resolve => setTimeout(resolve, Math.min(250, staleMs / 8)));
	}
}

/** Start time of process `pid` in clock ticks after boot (/proc/<pid>/stat, field 22); undefined without /proc. */
function processStartTicks(pid: number): string | undefined {
	const ticks = statFields(pid)?.[19];
	return /^\d+$/.test(ticks ?? '') ? ticks : undefined;
}

/**
 * Whether the holder `owner` (on this host) still runs: its pid exists
 * (`kill(pid, 0)`; EPERM means it exists under another user) and, where /proc
 * tells, it is the same process (same start time after boot), not a reused pid.
 */
function holderRuns(owner: OwnerInfo): boolean {
	if (!pidExists(owner.pid)) return false;
	const start = owner.processStart === undefined ? undefined : processStartTicks(owner.pid);
	return start === undefined || start === owner.processStart;
}

/**
 * Takes the lock of the run in `runDir` (which must exist) for `owner`, and saves
 * `owner` in `<runDir>/lock-owner.json`. When the lock is held by a process that is
 * gone (see the module comment), it is taken over and that process's owner record
 * is returned as `tookOver`. proper-lockfile removes the lock when the process
 * exits (signal-exit); call `release()` in a `finally` all the same.
 * @throws RunLockedError when a live process (or one on another host whose lock is
 *   not stale) holds the lock; its message names pid, user@host and since when.
 * @throws the file system's error when the run folder cannot be written.
 */
export async function lockRun(runDir: string, owner: OwnerInfo, options: LockRunOptions = {}): Promise<RunLock> {
	const runId = path.basename(runDir);
	const lockDir = path.join(runDir, 'lock');
	const ownerFile = path.join(runDir, 'lock-owner.json');
	const staleMs = options.staleMs ?? 10_000;
	const onCompromised = options.onCompromised ?? ((message: string) => void process.stderr.write(`runbook: warning: ${message}\n`));
	// Loaded when a lock is taken, not with the program: proper-lockfile installs
	// signal-exit's handlers as it loads, work the first frame need not wait for.
	// A CommonJS module: the bundle's chunk of it exports module.exports as default only.
	const {lock} = (await import('proper-lockfile')).default;

	// Everyone taking this lock does it one at a time: the checks below and the
	// removal of a dead holder's lock cannot interleave with another taker's.
	let releaseAcquire: () => Promise<void>;
	try {
		releaseAcquire = await lock(path.join(runDir, 'lock-acquire'), {
			realpath: false,
			stale: 5000,
			retries: {retries: 40, minTimeout: 25, maxTimeout: 250},
			onCompromised: () => {},
		});
	} catch (error) {
		// Another process kept taking the lock for longer than the retries wait (about 10 s).
		if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new RunLockedError(runId, readOwner(ownerFile));
		throw error;
	}
	let releaseLock: () => Promise<void>;
	let tookOver: OwnerInfo | undefined;
	try {
		const holder = readOwner(ownerFile);
		if (!holder && fs.existsSync(lockDir)) {
			// A lock without an owner record: left by a process killed between taking the lock
			// and writing its record, or the record was removed (by hand, or by someone who
			// can write the state directory) while its holder still runs. Only the lock's
			// mtime tells them apart: a live holder refreshes it, so it is judged over a
			// stale period (proper-lockfile's rule) instead of being removed at once.
			if (await refreshedWithin(lockDir, staleMs)) throw new RunLockedError(runId, undefined);
			fs.rmSync(lockDir, {recursive: true, force: true});
		}
		if (holder && holder.host === os.hostname()) {
			// A live holder keeps the run even if its lock is stale (suspended) or was removed by hand.
			if (holderRuns(holder)) throw new RunLockedError(runId, holder);
			// Gone without releasing: its lock can go at once, without waiting for it to turn stale.
			fs.rmSync(lockDir, {recursive: true, force: true});
		}
		try {
			releaseLock = await lock(runDir, {
				realpath: false,
				lockfilePath: lockDir,
				stale: staleMs,
				...(options.updateMs !== undefined ? {update: options.updateMs} : {}),
				onCompromised: error => onCompromised(`the lock of run ${runId} was lost (${error.message}); another process may take the run over: do not run it from two places`),
			});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new RunLockedError(runId, readOwner(ownerFile));
			throw error;
		}
		// A record still here was left by a holder that never released (see the module comment).
		tookOver = readOwner(ownerFile);
		try {
			writeOwner(ownerFile, owner);
		} catch (error) {
			await releaseLock().catch(() => {});
			throw error;
		}
	} finally {
		await releaseAcquire().catch(() => {});
	}

	let released = false;
	return {
		...(tookOver ? {tookOver} : {}),
		release: async () => {
			if (released) return;
			released = true;
			// The lock goes first, then the record: a process killed in between leaves a
			// record of a dead holder (taken over with a notice), never a lock without one.
			// ERELEASED: the lock was lost (onCompromised said so); nothing left to release.
			await releaseLock().catch(() => {});
			const record = readOwner(ownerFile);
			if (record?.pid === owner.pid && record.startedAt === owner.startedAt) fs.rmSync(ownerFile, {force: true});
		},
	};
}
