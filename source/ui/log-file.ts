/**
 * Reads a step log for the log view: the whole file, or only its end when it
 * is large, so opening a multi-gigabyte log costs a bounded read.
 */
import fs from 'node:fs';
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
	/** Set when the file could not be read: one line, such as `no log yet at <path>`. */
	error?: string;
}

/**
 * Reads `path` (at most its last `limitBytes` bytes, default {@link LOG_VIEW_BYTES}).
 * Never throws: a missing or unreadable file gives `error` and no lines.
 */
export function readLog(path: string, limitBytes = LOG_VIEW_BYTES): LogContent {
	let fd: number | undefined;
	try {
		fd = fs.openSync(path, 'r');
		const size = fs.fstatSync(fd).size;
		const length = Math.min(size, limitBytes);
		const buffer = Buffer.alloc(length);
		let read = 0;
		while (read < length) {
			const n = fs.readSync(fd, buffer, read, length - read, size - length + read);
			if (n === 0) break;
			read += n;
		}
		let text = buffer.subarray(0, read).toString('utf8');
		const truncated = size > length;
		if (truncated) {
			const newline = text.indexOf('\n');
			text = newline >= 0 ? text.slice(newline + 1) : text;
		}
		return {lines: text === '' ? [] : displayLines(text), sizeBytes: size, truncated};
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		const message = code === 'ENOENT' ? `No log yet at ${path}` : `Cannot read the log ${path}: ${(error as Error).message}`;
		return {lines: [], sizeBytes: 0, truncated: false, error: message};
	} finally {
		if (fd !== undefined) fs.closeSync(fd);
	}
}

