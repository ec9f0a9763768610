/**
 * The step log port: where an attempt's log lives, how an executor writes it and how a
 * user interface reads it back. The files themselves are store/step-logs.ts; executors and
 * the UI see only these types, so neither reads or writes log files on its own.
 */
import path from 'node:path';

/**
 * A step attempt's log, relative to the run's folder: `logs/<step>.<attempt>.log`
 * (`attempt` counts from 1). The state file records it; the journal and the report name it.
 */
export function stepLogRel(stepId: string, attempt: number): string {
	return path.join('logs', `${stepId}.${attempt}.log`);
}

/**
 * An open step log (store/step-logs.ts `StepLog`). `writeLines`/`writeBytes` return false
 * when the caller should pause its source until `onDrain`; a write failure (disk full) is
 * kept in `failure` and later writes are dropped, so output keeps flowing to the screen.
 */
export interface StepLogWriter {
	/** The first write error, as a one-line message; undefined while all is well. */
	readonly failure: string | undefined;
	/** The file's absolute path. */
	readonly path: string;
	/** Called once with the message when a write fails. */
	onFailure(listener: (message: string) => void): void;
	/** Appends lines (each gets `\n`). False: the buffer is full, wait for `onDrain`. */
	writeLines(lines: readonly string[]): boolean;
	/**
	 * Appends output bytes as they are (whole lines); copied at once, unless `keep` is given:
	 * then a large piece may be written from `bytes` itself, taken out of its owner's reuse by
	 * calling `keep()`, whose result is called once it is written (executors/output-reader.ts
	 * KeepBuffer). False: as `writeLines`.
	 */
	writeBytes(bytes: Buffer, keep?: () => () => void): boolean;
	/** Appends a note line: `=== runbook: <text> ===`. */
	note(text: string): void;
	/** Calls `listener` once when the buffer has drained (or at once after a failure). */
	onDrain(listener: () => void): void;
	/** Flushes and closes the file; never rejects (a failure is in `failure`). */
	close(): Promise<void>;
}

/** A step log as read back for display: its text, or only its end when it is large. */
export interface StepLogText {
	/** The text read (UTF-8; when `truncated`, starting after the first newline of the part read). */
	text: string;
	/** Size of the file, bytes. */
	sizeBytes: number;
	/** True when only the last `limitBytes` bytes were read (the first partial line dropped). */
	truncated: boolean;
	/** Set when the file could not be read: one line, such as `No log yet at <path>`. */
	error?: string;
}

/** Step log files: opened by executors, read by the run handle for the UI. */
export interface StepLogs {
	/**
	 * Creates the parent folders and opens `path` (absolute) for appending.
	 * @throws Error with a one-line message naming the path when it cannot.
	 */
	open(path: string): Promise<StepLogWriter>;
	/**
	 * Reads `path` (absolute), at most its last `limitBytes` bytes. Never throws: a missing or
	 * unreadable file gives `error` and no text.
	 */
	read(path: string, limitBytes: number): StepLogText;
}

/**
 * Reads `file` through `logs` (see {@link StepLogs.read}); a run wired without the port (an
 * engine test) gets the same one-line `error` as an unreadable file, never a throw.
 */
export function readStepLogVia(logs: StepLogs | undefined, file: string, limitBytes: number): StepLogText {
	return logs?.read(file, limitBytes) ?? {text: '', sizeBytes: 0, truncated: false, error: `Cannot read the log ${file}: this run has no step log store`};
}
