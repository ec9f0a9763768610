/**
 * Creating files in a state directory that others may be able to write (a
 * shared path for handover): whatever the umask, folders are 0700 and files
 * 0600; a symbolic link planted in place of a file is never followed (a write
 * through it would land outside the state directory); temporary files have
 * unpredictable names and are created exclusively, so nobody can make us write
 * into a file they prepared.
 *
 * - {@link writeFileAtomic}: `<dir>/.<name>.<16 random hex>.tmp`, opened
 *   `O_CREAT|O_EXCL|O_NOFOLLOW` with mode 0600, written, fsynced, renamed over
 *   `<name>` (a rename replaces a symbolic link, it does not follow it), then
 *   the folder is fsynced.
 * - {@link openAppend}: `O_APPEND|O_CREAT|O_NOFOLLOW|O_NONBLOCK`, mode 0600; a
 *   symbolic link (ELOOP), a FIFO or a device is refused.
 * - {@link makePrivateDir}: mkdir (recursive) and chmod 0700 of the folders it made.
 */
import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';

/** Mode of every file in the state directory. */
export const FILE_MODE = 0o600;
/** Mode of every folder the program makes in the state directory. */
export const DIR_MODE = 0o700;

const {O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK} = fs.constants;

/**
 * A file in the state directory that is not what it must be (a symbolic link, a
 * FIFO, a device): `message` names the file and what it is, in one line.
 */
export class UnsafeFileError extends Error {
	readonly path: string;
	constructor(file: string, message: string) {
		super(message);
		this.name = 'UnsafeFileError';
		this.path = file;
	}
}

/**
 * Makes `dir` and the missing folders above it with mode 0700, whatever the
 * umask (the folders this call made are chmod-ed; folders that were there are
 * left as they are: the operator chose them).
 * @throws the file system's error (EACCES, ENOTDIR...).
 */
export function makePrivateDir(dir: string): void {
	const first = fs.mkdirSync(dir, {recursive: true, mode: DIR_MODE});
	if (first === undefined) return;
	// mkdir returned the first folder it made: every folder from there down to dir is new.
	for (let at = path.resolve(dir); ; at = path.dirname(at)) {
		fs.chmodSync(at, DIR_MODE);
		if (at === path.resolve(first) || at === path.dirname(at)) break;
	}
}

/**
 * Flushes a folder's entries (a rename inside it) to disk. Platforms that cannot
 * open or fsync a folder skip it: their rename is as durable as it gets.
 */
export function syncDir(dir: string): void {
	let fd: number | undefined;
	try {
		fd = fs.openSync(dir, 'r');
		fs.fsyncSync(fd);
	} catch (error) {
		if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
	} finally {
		if (fd !== undefined) fs.closeSync(fd);
	}
}

/**
 * Writes `data` to `file` atomically and durably with mode 0600 (see the module
 * comment). A symbolic link at `file` is replaced, never followed.
 * @param options.mode the file's mode (default 0600), set with fchmod so the umask does not reduce it.
 * @throws the file system's error (ENOSPC, EACCES, EROFS...); the temporary file is removed.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: {mode?: number} = {}): void {
	const mode = options.mode ?? FILE_MODE;
	const dir = path.dirname(file);
	const temp = path.join(dir, `.${path.basename(file).slice(0, 100)}.${randomBytes(8).toString('hex')}.tmp`);
	let fd: number | undefined;
	try {
		fd = fs.openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
		fs.fchmodSync(fd, mode);
		fs.writeFileSync(fd, data);
		fs.fsyncSync(fd);
		fs.closeSync(fd);
		fd = undefined;
		fs.renameSync(temp, file);
	} catch (error) {
		if (fd !== undefined) fs.closeSync(fd);
		fs.rmSync(temp, {force: true});
		throw error;
	}
	syncDir(dir);
}

/**
 * Opens `file` for appending, creating it with mode 0600. A symbolic link, a
 * FIFO, a device or another non-regular file is refused (the write would go
 * elsewhere, or block). A file that was there keeps its content; its mode is set
 * to 0600 when this process owns it.
 * @returns the file descriptor (the caller closes it).
 * @throws UnsafeFileError for a symbolic link or a non-regular file; the file system's error otherwise.
 */
export function openAppend(file: string): number {
	let fd: number;
	try {
		fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, FILE_MODE);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ELOOP') throw new UnsafeFileError(file, `${file} is a symbolic link; refusing to write through it (someone may have planted it)`);
		if (code === 'ENXIO') throw new UnsafeFileError(file, `${file} is a FIFO, not a regular file; refusing to write to it`);
		throw error;
	}
	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) throw new UnsafeFileError(file, `${file} is not a regular file; refusing to write to it`);
		if (process.getuid === undefined || stat.uid === process.getuid()) fs.fchmodSync(fd, FILE_MODE);
		return fd;
	} catch (error) {
		fs.closeSync(fd);
		throw error;
	}
}

/**
 * Warnings about a state directory others can change (issue 9): world-writable
 * or owned by another user. One line each,
 * naming the risk; empty when it is private or does not exist yet.
 */
export function stateDirWarnings(dir: string): string[] {
	let stat: fs.Stats;
	try {
		stat = fs.statSync(dir);
	} catch {
		return [];
	}
	const warnings: string[] = [];
	if (process.getuid !== undefined && stat.uid !== process.getuid()) {
		warnings.push(`the state directory ${dir} is owned by another user (uid ${stat.uid}): they can change the saved runs this program reads`);
	}
	if ((stat.mode & 0o002) !== 0) {
		warnings.push(`the state directory ${dir} is writable by every user: anyone on this machine can change the saved runs this program reads; make it private (chmod 700)`);
	}
	return warnings;
}
