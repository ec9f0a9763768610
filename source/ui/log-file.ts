/**
 * A step log for the log view: read through the run handle (the store reads the file, only
 * its end when it is large, so opening a multi-gigabyte log costs a bounded read) and turned
 * into display lines here.
 */
import type {RunHandle} from '../engine/handle.js';
import type {StepLogText} from '../engine/step-log-port.js';
import {displayLines} from './format.js';

/** Most bytes of a log read into the log view (2 MiB); a larger log shows its end. */
export const LOG_VIEW_BYTES = 2 * 1024 * 1024;

/** A log as the log view shows it. */
export interface LogContent {
	/** Display lines (escape sequences removed, tabs expanded). */
	lines: string[];
	/** Size of the file, bytes. */
	sizeBytes: number;
	/** True when only the last `LOG_VIEW_BYTES` bytes were read (the first partial line dropped). */
	truncated: boolean;
	/** Set when the file could not be read: one line, such as `No log yet at <path>`. */
	error?: string;
}

/** A log as read (store/step-logs.ts `readStepLog`) in display lines. */
export function logContent(read: StepLogText): LogContent {
	const {text, ...rest} = read;
	return {lines: text === '' ? [] : displayLines(text), ...rest};
}

/**
 * Reads the log of a step's `attempt` (counted from 1) through `handle`: at most its last
 * {@link LOG_VIEW_BYTES} bytes. Never throws: a missing or unreadable file gives `error` and no lines.
 */
export function readLog(handle: RunHandle, stepId: string, attempt: number): LogContent {
	return logContent(handle.readLog(stepId, attempt, LOG_VIEW_BYTES));
}
