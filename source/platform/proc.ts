/**
 * Probing processes: whether a pid exists, the fields of Linux's
 * `/proc/<pid>/stat` (proc(5)) and a process's environment. Used by the executors
 * (process groups, FIFO writers) and the run lock (is the holder the same process).
 */
import {readFileSync} from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name, so `[0]` is the state
 * letter (`S`, `R`, `Z`...), `[1]` the parent pid, `[2]` the process group and
 * `[19]` the start time in clock ticks after boot (proc(5) fields 3, 4, 5 and 22).
 * The name is skipped whole: it is in parentheses and may hold spaces and
 * parentheses itself. Undefined when the process has ended or there is no /proc.
 */
export function statFields(pid: number | string): string[] | undefined {
	let stat: string;
	try {
		stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Longest wait for a process's exec to finish before its environment is read as it is (ms). */
const EXEC_SETTLE_MS = 2000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `/proc/<pid>/environ`, or undefined when it cannot be read (ended, another user's).
 * A process in the middle of `execve` reads as empty: the kernel has switched to the
 * new image but not yet set up its stack, so `env_end` (proc(5) field 51) is still 0
 * (seen once in 10 reads right after a shell wrote its pid and ran `exec sleep`). Such
 * a process is read again, 1 ms apart, until its exec is done (at most
 * {@link EXEC_SETTLE_MS}): otherwise a stop that scans at that moment misses it.
 * Zombies and kernel threads (no memory of their own, also 0) are not waited for.
 */
export function readEnviron(pid: number | string): Buffer | undefined {
	for (const giveUp = Date.now() + EXEC_SETTLE_MS; ; ) {
		let environ: Buffer;
		try {
			environ = readFileSync(`/proc/${pid}/environ`);
		} catch {
			return undefined;
		}
		if (environ.length > 0 || !inExec(pid) || Date.now() >= giveUp) return environ;
		Atomics.wait(pause, 0, 0, 1);
	}
}

/** PF_KTHREAD of the flags in /proc/<pid>/stat (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

/** True while `pid` is live, not a kernel thread, and its environment's end is not set yet (in execve). */
function inExec(pid: number | string): boolean {
	const fields = statFields(pid);
	if (!fields || fields[0] === 'Z' || fields[0] === 'X' || fields.length < 49) return false;
	return (Number(fields[6]) & PF_KTHREAD) === 0 && fields[48] === '0';
}

/** True when process `pid` exists, ours or another user's (`kill(pid, 0)`; EPERM means it exists). */
export function pidExists(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** Linux's USER_HZ: the clock ticks per second of /proc/<pid>/stat times (100 on every architecture Linux exports to user space). */
const USER_HZ = 100;
let bootMs: number | undefined;

/**
 * When process `pid` started, ms since the epoch: the boot time (`btime` of
 * /proc/stat, whole seconds) plus its start time after boot (proc(5) field 22).
 * Precise to about one second. Undefined when it has ended or there is no /proc.
 */
export function processStartMs(pid: number | string): number | undefined {
	const ticks = Number(statFields(pid)?.[19]);
	if (!Number.isFinite(ticks)) return undefined;
	if (bootMs === undefined) {
		try {
			const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
			if (btime === undefined) return undefined;
			bootMs = Number(btime) * 1000;
		} catch {
			return undefined;
		}
	}
	return bootMs + (ticks * 1000) / USER_HZ;
}
