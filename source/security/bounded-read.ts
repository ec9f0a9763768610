/**
 * Reading a file that may be hostile (a runbook, an include, a state file on a
 * shared path): only a regular file, at most a size limit, and never an open
 * that blocks. A FIFO opened for reading blocks until a writer comes (and then
 * the process ignores Ctrl-C while it waits in the open), a device such as
 * /dev/zero never ends, and /proc files report size 0: so the file is opened
 * with O_NONBLOCK, checked with fstat on the open descriptor (no race with a
 * rename in between), and read to at most `limit + 1` bytes.
 */
import fs from 'node:fs';

/** Default size limit of runbooks, includes and state files: 1 MiB (bytes). */
export const MAX_INPUT_BYTES = 1024 * 1024;

/** Error codes of {@link readRegularFile} beyond the system's (ENOENT, EACCES...). */
export type BoundedReadCode = 'ENOTREGULAR' | 'ETOOBIG';

/** A file refused by {@link readRegularFile}: not a regular file, or over the limit. */
export class BoundedReadError extends Error {
	readonly code: BoundedReadCode;
	readonly path: string;
	constructor(code: BoundedReadCode, file: string, message: string) {
		super(message);
		this.name = 'BoundedReadError';
		this.code = code;
		this.path = file;
	}
}

/** Words for a file type, for messages (`a FIFO`, `a character device`). */
function kind(stat: fs.Stats): string {
	if (stat.isFIFO()) return 'a FIFO (named pipe)';
	if (stat.isCharacterDevice()) return 'a character device';
	if (stat.isBlockDevice()) return 'a block device';
	if (stat.isSocket()) return 'a socket';
	if (stat.isDirectory()) return 'a directory';
	return 'not a regular file';
}

/**
 * Reads `file` whole when it is a regular file of at most `limit` bytes.
 * Symbolic links are followed (a runbook may be one); /proc and /sys files are
 * refused (their size is not known ahead; `/proc/self/environ` holds secrets).
 * @param limit bytes (default {@link MAX_INPUT_BYTES}).
 * @throws BoundedReadError (code ENOTREGULAR or ETOOBIG) with a one-line message
 *   that quotes nothing of the file; the system's error (ENOENT, EACCES, EISDIR...)
 *   when it cannot be opened.
 */
export function readRegularFile(file: string, limit: number = MAX_INPUT_BYTES): Buffer {
	const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) {
			if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), {code: 'EISDIR'});
			throw new BoundedReadError('ENOTREGULAR', file, `is ${kind(stat)}, not a regular file`);
		}
		if (isPseudoFile(fs.realpathSync(file))) throw new BoundedReadError('ENOTREGULAR', file, 'is a /proc or /sys file, not a regular file');
		if (stat.size > limit) throw new BoundedReadError('ETOOBIG', file, `is ${stat.size} bytes, over the limit of ${limit} bytes`);
		const chunks: Buffer[] = [];
		let total = 0;
		const buffer = Buffer.alloc(64 * 1024);
		for (;;) {
			const n = fs.readSync(fd, buffer, 0, buffer.length, null);
			if (n === 0) break;
			total += n;
			if (total > limit) throw new BoundedReadError('ETOOBIG', file, `is over the limit of ${limit} bytes`);
			chunks.push(Buffer.from(buffer.subarray(0, n)));
		}
		return Buffer.concat(chunks, total);
	} finally {
		fs.closeSync(fd);
	}
}

/** True for paths in the kernel's pseudo file systems, whose sizes and contents are not files'. */
function isPseudoFile(real: string): boolean {
	return /^\/(proc|sys)(\/|$)/.test(real);
}
