/**
 * A local file that bytes from a pod are written to (`exec.stdout`, `copy` with
 * `direction: fromPod`): never half-written, never readable by others.
 *
 * The bytes go to a part file next to the target, `<target>.runbook-part-<16 hex>`, created
 * exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`) with mode 0600 whatever the umask (as under `umask
 * 077`): a dump holds every row of a database. Only once the transfer is known complete does
 * {@link PartFile.commit} fsync it and rename it over the target (a rename replaces a symbolic
 * link at the target, it never writes through it), then fsync the folder;
 * {@link PartFile.discard} removes it. So the target is either the old file or the whole new
 * one, as with a shell's `> dump.sql` only when the command succeeded.
 */
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type {Writable} from 'node:stream';
import {syncDir} from '../../platform/safe-file.js';

const {O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW} = fs.constants;

/** Bytes the file stream buffers before the socket is paused (4 MiB). */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** Mode of a file written from a pod (owner read and write only). */
export const LOCAL_FILE_MODE = 0o600;

/** The part file of one transfer; see the file comment. */
export class PartFile {
	/** Absolute path of the file it becomes. */
	readonly target: string;
	/** Absolute path of the part file. */
	readonly part: string;
	readonly #stream: fs.WriteStream;
	#fd: number | undefined;
	#error: Error | undefined;
	#bytes = 0;

	private constructor(target: string, part: string, fd: number) {
		this.target = target;
		this.part = part;
		this.#fd = fd;
		// A deep buffer: the default 16 KiB is less than one message from the pod, so the socket
		// would be paused and resumed for nearly every message; 4 MiB still bounds the memory.
		this.#stream = fs.createWriteStream('', {fd, autoClose: false, highWaterMark: WRITE_BUFFER_BYTES});
		this.#stream.on('error', error => {
			this.#error ??= error;
		});
	}

	/**
	 * Creates the part file of `target` (absolute).
	 * @throws Error with one line naming the file: its folder does not exist, is not writable,
	 *   or `target` is a folder.
	 */
	static open(target: string): PartFile {
		try {
			if (fs.statSync(target).isDirectory()) throw new Error(`cannot write ${target}: it is a folder`);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
		const part = `${target}.runbook-part-${randomBytes(8).toString('hex')}`;
		let fd: number;
		try {
			fd = fs.openSync(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, LOCAL_FILE_MODE);
			fs.fchmodSync(fd, LOCAL_FILE_MODE);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			const why = code === 'ENOENT' ? `its folder ${path.dirname(target)} does not exist` : code === 'EACCES' ? `its folder ${path.dirname(target)} is not writable` : (error as Error).message;
			throw new Error(`cannot write ${target}: ${why}`);
		}
		return new PartFile(target, part, fd);
	}

	/** Bytes handed to {@link PartFile.write} so far. */
	get bytes(): number {
		return this.#bytes;
	}

	/** The first write error (ENOSPC...), if any. */
	get error(): Error | undefined {
		return this.#error;
	}

	/** The stream the bytes go to (for its `drain` event). */
	get stream(): Writable {
		return this.#stream;
	}

	/**
	 * Appends `chunk`.
	 * @returns false when the stream's buffer is full: stop reading the source until `drain`.
	 */
	write(chunk: Buffer): boolean {
		this.#bytes += chunk.length;
		if (this.#error) return true;
		return this.#stream.write(chunk);
	}

	/** Ends the writes and waits until every byte reached the file; the first write error is {@link PartFile.error}. */
	async finish(): Promise<void> {
		if (!this.#stream.writableFinished && !this.#stream.destroyed) {
			await new Promise<void>(resolve => {
				this.#stream.end(() => resolve());
				this.#stream.once('error', () => resolve());
			});
		}
	}

	/**
	 * Flushes the part file to disk and renames it over the target.
	 * @throws the first write error, or the file system's (the part file is removed then).
	 */
	async commit(): Promise<void> {
		await this.finish();
		try {
			if (this.#error) throw this.#error;
			fs.fsyncSync(this.#fd!);
			this.#close();
			fs.renameSync(this.part, this.target);
		} catch (error) {
			await this.discard();
			throw error;
		}
		syncDir(path.dirname(this.target));
	}

	/** Removes the part file (the target is left as it was). Never throws. */
	async discard(): Promise<void> {
		await this.finish().catch(() => {});
		this.#close();
		fs.rmSync(this.part, {force: true});
	}

	#close(): void {
		if (this.#fd === undefined) return;
		try {
			fs.closeSync(this.#fd);
		} catch {
			// already closed
		}
		this.#fd = undefined;
	}
}
