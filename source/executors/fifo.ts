/**
 * Real pipes for a step's output. Node gives a child's 'pipe' stdio as UNIX
 * socket pairs; a command that writes line by line (a bash loop of `echo`)
 * then fills the socket buffer after a few hundred lines (each write is a
 * separate buffer, accounted at its full size), and Node wakes up once per
 * line. A pipe packs small writes into pages (64 KiB per pipe on Linux), so
 * the reader can wait a moment and take thousands of lines in one read
 * (bench/: a million lines). Node cannot create an anonymous pipe, so these
 * are named pipes (FIFOs) made by `mkfifo` (coreutils) in a private folder
 * (mode 0700, FIFOs mode 0600) and unlinked as soon as both ends are open:
 * nothing else can open them, and nothing is left on disk. (A process killed
 * in the few ms between `mkfifo` and the unlink leaves its folder behind: the
 * folder's name holds the pid, and the next process that makes FIFOs removes
 * the folders of processes that are gone.)
 */
import {execFile} from 'node:child_process';
import {closeSync, constants, mkdtempSync, openSync, rmSync} from 'node:fs';
import {lstat, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pidExists} from '../platform/proc.js';

/**
 * One pipe: both ends as file descriptors (close-on-exec, as Node opens every file).
 * An output pipe's read end is ours and its write end the child's; an input pipe
 * (see {@link openFifos}' `inputs`) the other way round.
 */
export interface FifoEnds {
	/** Read end: non-blocking and ours for output; blocking and the child's (its stdin) for input. */
	readFd: number;
	/** Write end, blocking: the child's stdout or stderr for output, then closed here; ours for input. */
	writeFd: number;
}

/** Start of the FIFOs' folder name in the temporary folder; the pid and random characters follow. */
const DIR_PREFIX = 'runbook-pipes-';

/** How long `mkfifo` may take before we give up on FIFOs, in ms. */
const MKFIFO_TIMEOUT_MS = 10_000;

/**
 * Creates `count` pipes and opens both ends of each; the first `inputs` of them
 * are input pipes (a child's stdin: its read end is blocking, as a program
 * reading stdin expects). Resolves undefined when
 * they cannot be made (no `mkfifo`, no writable temporary folder, a file system
 * without FIFOs): the caller then uses Node's own pipes. Never rejects; leaves
 * no file and no open descriptor behind when it fails.
 */
export async function openFifos(count: number, inputs = 0): Promise<FifoEnds[] | undefined> {
	let dir: string;
	try {
		dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
	} catch {
		return undefined;
	}
	const opened: number[] = [];
	try {
		const names = Array.from({length: count}, (_, i) => join(dir, `out${i}`));
		await new Promise<void>((resolve, reject) => {
			execFile('mkfifo', ['-m', '600', ...names], {timeout: MKFIFO_TIMEOUT_MS}, error => (error ? reject(error) : resolve()));
		});
		const ends: FifoEnds[] = [];
		for (const name of names) {
			// The read end first, non-blocking: opening it does not wait for a writer,
			// and then opening the write end does not wait for a reader.
			const readFd = openSync(name, constants.O_RDONLY | constants.O_NONBLOCK);
			opened.push(readFd);
			const writeFd = openSync(name, constants.O_WRONLY);
			opened.push(writeFd);
			if (ends.length < inputs) {
				// A writer is open, so a blocking open of the read end returns at once.
				const blockingReadFd = openSync(name, constants.O_RDONLY);
				opened.push(blockingReadFd);
				opened.splice(opened.indexOf(readFd), 1);
				closeSync(readFd);
				ends.push({readFd: blockingReadFd, writeFd});
			} else {
				ends.push({readFd, writeFd});
			}
		}
		if (!sweptLeftovers) {
			sweptLeftovers = true;
			void removeLeftovers(tmpdir());
		}
		return ends;
	} catch {
		for (const fd of opened) closeQuietly(fd);
		return undefined;
	} finally {
		try {
			rmSync(dir, {recursive: true, force: true});
		} catch {
			// an empty private folder left in the temporary folder: harmless
		}
	}
}

/** Whether this process has started its one sweep of leftover FIFO folders. */
let sweptLeftovers = false;

/**
 * Removes the FIFO folders in `dir` left by processes of this user that are
 * gone (the pid in the name no longer runs). Never rejects. Exported for tests.
 */
export async function removeLeftovers(dir: string): Promise<void> {
	try {
		const uid = process.getuid?.();
		for (const name of await readdir(dir)) {
			const match = /^runbook-pipes-(\d+)-/.exec(name);
			if (!match || Number(match[1]) === process.pid || pidExists(Number(match[1]))) continue;
			const path = join(dir, name);
			const info = await lstat(path);
			if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
			await rm(path, {recursive: true, force: true});
		}
	} catch {
		// a folder left behind: harmless
	}
}

/** Closes `fd`, ignoring errors (already closed). */
export function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// already closed
	}
}
