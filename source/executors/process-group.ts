/**
 * Signalling and watching a process group (a step's bash and everything it
 * started). The shell executor starts bash detached, so bash leads a new
 * group whose id is its pid.
 */
import {readdirSync, readFileSync} from 'node:fs';

/**
 * Sends `signal` to every process of group `pgid` (`kill(-pgid, signal)`).
 * Returns false when no process of the group exists (ESRCH); never throws.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false;
	}
}

/**
 * True while a live process of group `pgid` exists. On Linux, zombies (ended,
 * not yet reaped, as under a container init that reaps late) do not count:
 * `/proc/<pid>/stat` is read for the state and group. Elsewhere, `kill(-pgid, 0)`.
 */
export function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
	if (process.platform !== 'linux') return true;
	let pids: string[];
	try {
		pids = readdirSync('/proc');
	} catch {
		return true;
	}
	for (const pid of pids) {
		if (pid.charCodeAt(0) < 48 || pid.charCodeAt(0) > 57) continue;
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		} catch {
			continue; // ended meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
	}
	return false;
}

/**
 * Resolves true once group `pgid` has no live process, polling every `pollMs`;
 * resolves false if it still has one at `deadline` (epoch ms) or when `cancel`
 * is aborted (checked at each poll).
 */
export async function waitGroupGone(pgid: number, deadline: number, pollMs = 25, cancel?: AbortSignal): Promise<boolean> {
	for (;;) {
		if (!groupAlive(pgid)) return true;
		if (Date.now() >= deadline || cancel?.aborted) return false;
		await new Promise(resolve => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
	}
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Remembers a running step's group so that, if this program exits (normally or
 * through `process.exit`) while the step runs, the group gets SIGTERM instead of
 * running on unseen. (A detached group does not get the terminal's Ctrl-C or
 * hangup: the caller aborts on those.) Returns the function that forgets it.
 */
export function trackGroup(pgid: number): () => void {
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		process.on('exit', () => {
			for (const group of liveGroups) signalGroup(group, 'SIGTERM');
		});
	}
	liveGroups.add(pgid);
	return () => liveGroups.delete(pgid);
}

/**
 * Stops a process group left running by a process that died (SIGKILL of the
 * runner, a lost terminal): SIGTERM, then SIGKILL after `graceMs` ms.
 * @returns true when the group was alive and is gone now.
 */
export async function stopLeftoverGroup(pgid: number, graceMs: number): Promise<boolean> {
	if (!groupAlive(pgid)) return false;
	signalGroup(pgid, 'SIGTERM');
	if (await waitGroupGone(pgid, Date.now() + graceMs)) return true;
	signalGroup(pgid, 'SIGKILL');
	await waitGroupGone(pgid, Date.now() + 2000);
	return true;
}
