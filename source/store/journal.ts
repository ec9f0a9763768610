/**
 * The audit journal of a run: `<run dir>/journal.jsonl`, append-only, one JSON
 * object per line, written by every process that drives the run (the first
 * operator and everyone who resumed it):
 *
 *     {"at":"2026-11-20T23:15:02.120Z","by":"alice@db1","pid":4242,"event":"step-started","step":"restore","attempt":1,"command":"gpg -d ...","log":"logs/restore.1.log"}
 *
 * The state file says where a run is; the journal says who did what, and when.
 * Output lines are not journalled (they are in the step logs). Every string
 * goes through the run's redactor before it is written, so a secret value that
 * reached a title, a question or a notice is written as `***`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {RunListener} from '../engine/events.js';
import type {JournalEntry} from '../engine/journal-entry.js';
import type {StepStatus} from '../engine/state.js';
import {makePrivateDir, openAppend} from '../platform/safe-file.js';
import {readRegularFile} from '../security/bounded-read.js';

/** Size limit of a journal read for a report, bytes: far above a real run's (output is not journalled). */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024;

/** File name of the journal inside a run's folder. */
export const JOURNAL_FILE = 'journal.jsonl';

/** The journal file could not be opened or written. */
export class JournalError extends Error {
	/** Absolute path of the journal file. */
	readonly file: string;
	constructor(file: string, message: string) {
		super(message);
		this.name = 'JournalError';
		this.file = file;
	}
}

/**
 * Longest time an entry stays written but not fsynced, ms. The fsync runs off the
 * main thread (libuv's pool): at several fsyncs per step, fsyncing each entry in
 * line cost a trivial step more than running it (issue 14).
 */
const SYNC_AFTER_MS = 50;

/**
 * The journal of one run, open for appending. Each {@link Journal.append} is one
 * `write()` of one whole line on a file descriptor opened with `'a'` (O_APPEND),
 * so a killed process keeps every entry it appended and two processes never
 * interleave within a line; `fsync` follows off the main thread within
 * {@link SYNC_AFTER_MS}, at once after {@link Journal.syncNow}, and at close.
 */
export class Journal {
	/** Absolute path of the run's folder. */
	readonly runDir: string;
	/** Absolute path of `journal.jsonl`. */
	readonly path: string;
	#fd: number | undefined;
	/** Entries written since the last fsync started. */
	#unsynced = false;
	#syncTimer: NodeJS.Timeout | undefined;

	/**
	 * Opens (creating when needed) `<runDir>/journal.jsonl`. When the file ends in
	 * a line cut short (a process died while writing it), a newline is written
	 * first, so the next entry starts a line of its own and the cut line stays
	 * the only damaged one ({@link readJournal} skips it with a warning).
	 * @throws JournalError when the file cannot be opened or written.
	 */
	constructor(runDir: string) {
		this.runDir = path.resolve(runDir);
		this.path = path.join(this.runDir, JOURNAL_FILE);
		try {
			makePrivateDir(this.runDir);
			// Mode 0600; a symbolic link or a FIFO planted in its place is refused (safe-file.ts).
			this.#fd = openAppend(this.path);
			if (!endsWithNewline(this.path, this.#fd)) {
				fs.appendFileSync(this.#fd, '\n');
				fs.fsyncSync(this.#fd);
			}
		} catch (error) {
			this.close();
			throw new JournalError(this.path, `cannot open the journal ${this.path}: ${(error as Error).message}`);
		}
	}

	/**
	 * Appends one entry as one line (one write); its fsync follows within {@link SYNC_AFTER_MS}.
	 * @throws JournalError when the journal is closed or the write fails (disk full...).
	 */
	append(entry: JournalEntry): void {
		if (this.#fd === undefined) throw new JournalError(this.path, `the journal ${this.path} is closed`);
		const line = JSON.stringify(entry) + '\n';
		try {
			fs.appendFileSync(this.#fd, line);
		} catch (error) {
			throw new JournalError(this.path, `cannot write the journal ${this.path}: ${(error as Error).message}`);
		}
		this.#unsynced = true;
		this.#syncTimer ??= setTimeout(() => this.syncNow(), SYNC_AFTER_MS).unref();
	}

	/**
	 * Starts the fsync of the entries written so far now, off the main thread (the
	 * runner asks before a command starts). An fsync that fails is not reported: a
	 * journal never stops a run, and the write itself succeeded.
	 */
	syncNow(): void {
		clearTimeout(this.#syncTimer);
		this.#syncTimer = undefined;
		if (!this.#unsynced || this.#fd === undefined) return;
		this.#unsynced = false;
		fs.fsync(this.#fd, () => {});
	}

	/** Fsyncs and closes the file; later appends throw. Safe to call twice. */
	close(): void {
		clearTimeout(this.#syncTimer);
		this.#syncTimer = undefined;
		if (this.#fd === undefined) return;
		try {
			// A pending fsync of the pool may meet the closed descriptor: harmless, this one covers it.
			fs.fsyncSync(this.#fd);
		} catch {
			// the entries were written; nothing left to do
		}
		try {
			fs.closeSync(this.#fd);
		} catch {
			// nothing left to do with it
		}
		this.#fd = undefined;
	}
}

/** True when the file is empty or its last byte is `\n`. */
function endsWithNewline(file: string, fd: number): boolean {
	const size = fs.fstatSync(fd).size;
	if (size === 0) return true;
	const last = Buffer.alloc(1);
	const reader = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	try {
		fs.readSync(reader, last, 0, 1, size - 1);
	} finally {
		fs.closeSync(reader);
	}
	return last[0] === 0x0a;
}

/** Options of {@link journalListener}. */
export interface JournalListenerOptions {
	/** The time of an entry (default: the system clock); decisions keep their own time. */
	now?: () => Date;
	/** Process id written in every entry (default: `process.pid`). */
	pid?: number;
	/**
	 * Called with the first write failure (and again only after a write worked).
	 * Without it, failures are ignored: a journal that cannot be written never
	 * stops a run (the state file and step logs still record it).
	 */
	onError?: (error: JournalError) => void;
}

/** Step statuses worth an entry: final ones (`failed` may still be retried). */
const FINAL: ReadonlySet<StepStatus> = new Set(['succeeded', 'failed', 'skipped', 'interrupted']);

/**
 * A run listener that journals every event except `output` and `progress` (the
 * step logs hold those) and non-final step statuses.
 * @param by `user@host` of this process's operator; a decision keeps its own `by` and `at`.
 * @param redact applied to every string of every entry just before it is written, so pass
 * a function that uses the run's redactor at call time (`text => runner.redactText(text)`):
 * secrets typed during the run are covered from then on.
 */
export function journalListener(journal: Journal, by: string, redact: (text: string) => string, options: JournalListenerOptions = {}): RunListener {
	const now = options.now ?? (() => new Date());
	const pid = options.pid ?? process.pid;
	let failing = false;
	const write = (entry: JournalEntry): void => {
		try {
			journal.append(redactEntry(entry, redact));
			failing = false;
		} catch (error) {
			if (!(error instanceof JournalError)) throw error;
			if (!failing) options.onError?.(error);
			failing = true;
		}
	};
	return event => {
		const base = {at: now().toISOString(), by, pid};
		switch (event.type) {
			case 'run-started':
				write({...base, event: 'run-started', runId: event.runId, resumed: event.resumed});
				return;
			case 'step-started':
				write({
					...base,
					event: 'step-started',
					step: event.stepId,
					attempt: event.attempt,
					command: event.command,
					...(event.logPath ? {log: path.relative(journal.runDir, event.logPath)} : {}),
				});
				return;
			case 'step-status':
				if (!FINAL.has(event.status)) return;
				write({
					...base,
					event: 'step-status',
					step: event.stepId,
					status: event.status,
					...(event.attempt !== undefined ? {attempt: event.attempt} : {}),
					...(event.exitCode !== undefined ? {exitCode: event.exitCode} : {}),
					...(event.durationMs !== undefined ? {durationMs: event.durationMs} : {}),
					...(event.error ? {error: event.error} : {}),
					...(event.note ? {note: event.note} : {}),
					...(event.phases ? {phases: event.phases} : {}),
				});
				return;
			case 'decision': {
				const d = event.decision;
				write({at: d.at, by: d.by, pid, event: 'decision', ...(d.stepId ? {step: d.stepId} : {}), kind: d.kind, ...(d.detail ? {detail: d.detail} : {})});
				return;
			}
			case 'notice':
				write({...base, event: 'notice', ...(event.stepId ? {step: event.stepId} : {}), level: event.level, message: event.message});
				return;
			case 'run-finished':
				write({...base, event: 'run-finished', status: event.status, ...(event.reason ? {reason: event.reason} : {})});
				return;
			case 'output':
			case 'progress':
				return;
		}
	};
}

/**
 * Fields of an entry the program writes itself (the journal's structure: time, event
 * name, step id, run id, status, decision kind, log path): never masked, so that a
 * secret that happens to occur in them cannot rewrite the journal's structure.
 */
const STRUCTURE_KEYS = new Set(['at', 'event', 'step', 'runId', 'status', 'kind', 'log', 'by']);

/** The entry with `redact` applied to each of its string values but the structure's ({@link STRUCTURE_KEYS}). */
function redactEntry(entry: JournalEntry, redact: (text: string) => string): JournalEntry {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(entry)) out[key] = typeof value === 'string' && !STRUCTURE_KEYS.has(key) ? redact(value) : value;
	return out as unknown as JournalEntry;
}

/** True when `value` has the fields every entry has. */
function isEntry(value: unknown): value is JournalEntry {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const v = value as Record<string, unknown>;
	return typeof v.at === 'string' && typeof v.by === 'string' && typeof v.event === 'string' && typeof v.pid === 'number';
}

/**
 * Reads `<runDir>/journal.jsonl`, oldest entry first. A missing file gives `[]`
 * (runs from before journals existed). A damaged line is skipped with a warning;
 * a last line without its newline that does not parse is a write cut short by a
 * dying process: skipped with a warning too.
 * @param warn receives one line per skipped line (default: ignored).
 * @throws JournalError when the file exists but cannot be read.
 */
export function readJournal(runDir: string, warn: (message: string) => void = () => {}): JournalEntry[] {
	const file = path.join(runDir, JOURNAL_FILE);
	let text: string;
	try {
		// A FIFO or device planted as the journal is refused, not read forever (bounded-read.ts).
		text = readRegularFile(file, MAX_JOURNAL_BYTES).toString('utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
		throw new JournalError(file, `cannot read the journal ${file}: ${(error as Error).message}`);
	}
	const lines = text.split('\n');
	const complete = text.endsWith('\n') || text === '';
	if (complete) lines.pop();
	const entries: JournalEntry[] = [];
	lines.forEach((line, i) => {
		if (line.trim() === '') return;
		const last = i === lines.length - 1 && !complete;
		let data: unknown;
		try {
			data = JSON.parse(line);
		} catch {
			data = undefined;
		}
		if (isEntry(data)) {
			entries.push(data);
			return;
		}
		warn(last ? `${file}: the last line is incomplete (a process ended while writing it); ignored` : `${file}:${i + 1}: not a journal entry; ignored`);
	});
	return entries;
}
