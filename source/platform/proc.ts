/**
 * Probing processes: whether a pid exists, and the fields of Linux's
 * `/proc/<pid>/stat` (proc(5)). Used by the executors (process groups, FIFO
 * writers) and the run lock (is the holder the same process).
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
