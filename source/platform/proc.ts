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
