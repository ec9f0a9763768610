/**
 * Where a step's FIFOs (fifo.ts) are made, and the sweep of the folders left by
 * processes that were killed before they could remove theirs.
 */
import {accessSync, constants, readlinkSync, statSync} from 'node:fs';
import {lstat, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pidExists} from '../platform/proc.js';

/** Linux's tmpfs for everyone. */
const SHM = '/dev/shm';
/** Whether we may make folders in {@link SHM}: looked at once; false once a batch failed there. */
let shmUsable: boolean | undefined;

/**
 * The folder the FIFOs' private folders are made in: TMPDIR when it is set (the operator's
 * choice), else /dev/shm when it is a folder we may write (Linux, a tmpfs), else the temporary
 * folder. A FIFO is a file: making one on a disk file system took some 0.35 ms of kernel time
 * (ext4 on the 2-core VM; three per step), on tmpfs a few µs (issue 14).
 */
export function fifoFolder(): string {
	if (process.env.TMPDIR || process.platform !== 'linux') return tmpdir();
	if (shmUsable === undefined) {
		try {
			accessSync(SHM, constants.W_OK | constants.X_OK);
			shmUsable = statSync(SHM).isDirectory();
		} catch {
			shmUsable = false;
		}
	}
	return shmUsable ? SHM : tmpdir();
}

/**
 * After a batch failed in `folder`: true when the next one should be tried in the temporary
 * folder instead (`folder` was /dev/shm chosen by {@link fifoFolder}, which then stops choosing
 * it), false when there is nowhere else to try (also when the temporary folder is /dev/shm).
 */
export function leaveShm(folder: string): boolean {
	if (folder !== SHM || tmpdir() === SHM) return false;
	shmUsable = false;
	return true;
}

/** This process's PID namespace (the inode of /proc/self/ns/pid), or '' where it cannot be read. */
let pidNamespace: string | undefined;
function ownPidNamespace(): string {
	if (pidNamespace === undefined) {
		try {
			pidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? '';
		} catch {
			pidNamespace = '';
		}
	}
	return pidNamespace;
}

/**
 * The start of a batch folder's name: `runbook-pipes-<pid>-n<pid namespace>-` (random characters
 * follow). The namespace tells the sweep whether the pid can be checked from here: /dev/shm is
 * shared by the containers of a Kubernetes pod, which do not see each other's processes.
 */
export function folderPrefix(): string {
	const namespace = ownPidNamespace();
	return `runbook-pipes-${process.pid}-${namespace ? `n${namespace}-` : ''}`;
}

/**
 * Removes from `dir` the FIFO folders of processes that are gone: named by
 * {@link folderPrefix} (or `runbook-pipes-<pid>-` by an older version), the pid not
 * running, owned by this user, a folder (not a link). A folder of another PID namespace
 * is left alone (its process cannot be seen from here). Never throws.
 */
export async function removeLeftovers(dir: string): Promise<void> {
	try {
		const uid = process.getuid?.();
		for (const name of await readdir(dir)) {
			const match = /^runbook-pipes-(\d+)-(?:n(\d+)-)?/.exec(name);
			if (!match || Number(match[1]) === process.pid || pidExists(Number(match[1]))) continue;
			if (match[2] !== undefined && match[2] !== ownPidNamespace()) continue;
			const path = join(dir, name);
			const info = await lstat(path);
			if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
			await rm(path, {recursive: true, force: true});
		}
	} catch {
		// a folder left behind: harmless
	}
}
