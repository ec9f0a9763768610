/**
 * Real pipes for a step's output. Node gives a child's 'pipe' stdio as UNIX
 * socket pairs; a command that writes line by line (a bash loop of `echo`)
 * then fills the socket buffer after a few hundred lines (each write is a
 * separate buffer, accounted at its full size), and Node wakes up once per
 * line. A pipe packs small writes into pages (64 KiB per pipe on Linux), so
 * the reader can wait a moment and take thousands of lines in one read
 * (bench/: a million lines). Node cannot create an anonymous pipe, so these
 * are named pipes (FIFOs) made by `mkfifo` (coreutils) in a private folder
 * (mode 0700, FIFOs mode 0600), several calls' worth at a time (a process start
 * per step cost more than a trivial step, issue 14), and each unlinked as soon as
 * both its ends are open: nothing else can open it. The folder is in /dev/shm (tmpfs)
 * unless TMPDIR is set ({@link fifoFolder}); it goes once all its FIFOs are taken, or
 * when the process exits. (A process killed before that leaves its folder behind: the
 * folder's name holds the pid, and the next process that makes FIFOs removes the
 * folders of processes that are gone.)
 */
import {execFile} from 'node:child_process';
import {closeSync, constants, mkdtempSync, openSync, rmSync, unlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fifoFolder, folderPrefix, leaveShm, removeLeftovers} from './fifo-folder.js';

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

/** How long `mkfifo` may take before we give up on FIFOs, in ms. */
const MKFIFO_TIMEOUT_MS = 10_000;

/**
 * How many calls' worth of FIFOs the first `mkfifo` makes. Starting `mkfifo` costs a process
 * start (some 5 ms of this process's time: Node forks synchronously), more than a trivial
 * step's own command (issue 14); made ahead, the FIFOs wait unopened in the private folder
 * until a call takes them. The next batch is made while half of one is left, so a step rarely
 * waits for `mkfifo`; each is twice the one before, up to {@link MAX_BATCH_CALLS}: a short run
 * makes few FIFOs it does not use, a long one starts `mkfifo` once per 128 steps, not per 16.
 */
const BATCH_CALLS = 32;

/** Most calls' worth of FIFOs one `mkfifo` makes (768 FIFOs for a step's three). */
const MAX_BATCH_CALLS = 256;
/** Calls' worth of the batch made last (see {@link BATCH_CALLS}); 0 before the first. */
let lastBatchCalls = 0;

/** A batch of FIFOs made ahead: its private folder and the names not yet taken. */
interface Batch {
	dir: string;
	names: string[];
}

/** Batches made ahead, oldest first (names are taken from the front). */
let batches: Batch[] = [];
/** The `mkfifo` under way, shared by calls that need a batch meanwhile. */
let making: Promise<void> | undefined;

/** Names not yet taken, over all batches. */
function spareCount(): number {
	let count = 0;
	for (const batch of batches) count += batch.names.length;
	return count;
}

/** Removes a batch's folder. */
function removeBatch(batch: Batch): void {
	try {
		rmSync(batch.dir, {recursive: true, force: true});
	} catch {
		// an empty private folder left in the temporary folder: harmless (swept later)
	}
}

/** Removes the folders of all spare FIFOs (when the process exits, or when they were removed under us). */
function dropSpare(): void {
	const dropped = batches;
	batches = [];
	// The batches start small again (BATCH_CALLS) in the new folder.
	lastBatchCalls = 0;
	for (const batch of dropped) removeBatch(batch);
}

/** At exit: the spare batches, and the folder of a batch whose mkfifo still runs (made ahead while the last step ran). */
function dropAllAtExit(): void {
	dropSpare();
	// mkfifo may add a FIFO while the folder is being removed (ENOTEMPTY): tried again.
	for (const dir of pendingDirs) {
		try {
			rmSync(dir, {recursive: true, force: true, maxRetries: 5, retryDelay: 10});
		} catch {
			// left in the temporary folder: the next run's removeLeftovers sweeps it (its process is gone)
		}
	}
	pendingDirs.clear();
}

/** Folders made for a batch whose `mkfifo` has not finished: removed at exit with the rest. */
const pendingDirs = new Set<string>();

/** Removes the folders whose FIFOs are all taken (and opened and unlinked by now). */
function dropTaken(): void {
	const taken = batches.filter(batch => batch.names.length === 0);
	if (taken.length === 0) return;
	batches = batches.filter(batch => batch.names.length > 0);
	for (const batch of taken) removeBatch(batch);
}

/** Makes a batch of `count` FIFOs (mode 0600) in a new private folder (mode 0700); rejects when it cannot. */
async function makeBatch(count: number): Promise<void> {
	const folder = fifoFolder();
	let dir: string;
	try {
		dir = mkdtempSync(join(folder, folderPrefix()));
	} catch (error) {
		if (!leaveShm(folder)) throw error;
		return makeBatch(count);
	}
	// The exit hook is set with the folder, not after mkfifo: the process may exit while it runs.
	pendingDirs.add(dir);
	if (!exitHookSet) {
		exitHookSet = true;
		process.once('exit', dropAllAtExit);
	}
	const names = Array.from({length: count}, (_, i) => join(dir, `out${i}`));
	try {
		await new Promise<void>((resolve, reject) => {
			execFile('mkfifo', ['-m', '600', ...names], {timeout: MKFIFO_TIMEOUT_MS}, error => (error ? reject(error) : resolve()));
		});
	} catch (error) {
		pendingDirs.delete(dir);
		rmSync(dir, {recursive: true, force: true});
		// Once only: /dev/shm is not chosen again, and a failure in the temporary folder is final.
		if (!leaveShm(folder)) throw error;
		return makeBatch(count);
	}
	pendingDirs.delete(dir);
	batches.push({dir, names});
}
let exitHookSet = false;

/** Takes `count` FIFO names made ahead, making a batch when there are too few (or the temporary folder changed). */
async function takeNames(count: number): Promise<string[]> {
	if (batches.some(batch => dirname(batch.dir) !== fifoFolder())) dropSpare();
	while (spareCount() < count) {
		making ??= nextBatch(count);
		await making;
	}
	const names: string[] = [];
	for (const batch of batches) names.push(...batch.names.splice(0, count - names.length));
	// Half a batch left: the next one is made now, while steps run (a failure shows at the next wait).
	if (!making && spareCount() < (count * lastBatchCalls) / 2) {
		making = nextBatch(count);
		making.catch(() => {});
	}
	return names;
}

/** Makes the next batch: `count` FIFOs times {@link BATCH_CALLS} first, then twice the last batch's calls, up to {@link MAX_BATCH_CALLS}. */
function nextBatch(count: number): Promise<void> {
	lastBatchCalls = lastBatchCalls === 0 ? BATCH_CALLS : Math.min(lastBatchCalls * 2, MAX_BATCH_CALLS);
	return makeBatch(count * lastBatchCalls).finally(() => (making = undefined));
}

/**
 * Creates `count` pipes and opens both ends of each; the first `inputs` of them
 * are input pipes (a child's stdin: its read end is blocking, as a program
 * reading stdin expects). Resolves undefined when
 * they cannot be made (no `mkfifo`, no writable temporary folder, a file system
 * without FIFOs): the caller then uses Node's own pipes. Never rejects; leaves
 * no open descriptor behind when it fails, and no name of the FIFOs it took.
 */
export async function openFifos(count: number, inputs = 0): Promise<FifoEnds[] | undefined> {
	const ends = await openSome(count, inputs);
	if (ends !== 'gone') return ends;
	// The FIFOs made ahead were removed (a cleaner of the temporary folder): a new batch.
	dropSpare();
	const again = await openSome(count, inputs);
	return again === 'gone' ? undefined : again;
}

/** {@link openFifos} once: `gone` when a FIFO made ahead no longer exists. */
async function openSome(count: number, inputs: number): Promise<FifoEnds[] | undefined | 'gone'> {
	let names: string[];
	try {
		names = await takeNames(count);
	} catch {
		return undefined;
	}
	const opened: number[] = [];
	try {
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
			const folder = fifoFolder();
			void removeLeftovers(folder);
			// Left by a version that made them in the temporary folder.
			if (folder !== tmpdir()) void removeLeftovers(tmpdir());
		}
		return ends;
	} catch (error) {
		for (const fd of opened) closeQuietly(fd);
		return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : undefined;
	} finally {
		// Both ends are open (or given up): the names go, so nothing else can open these pipes.
		for (const name of names) {
			try {
				unlinkSync(name);
			} catch {
				// gone already
			}
		}
		dropTaken();
	}
}

/** Whether this process has started its one sweep of leftover FIFO folders. */
let sweptLeftovers = false;

/** Closes `fd`, ignoring errors (already closed). */
export function closeQuietly(fd: number): void {
	try {
		closeSync(fd);
	} catch {
		// already closed
	}
}
