/**
 * Probing processes: whether a pid exists, the fields of Linux's
 * `/proc/<pid>/stat` (proc(5)) and a process's environment. Used by the executors
 * (process groups, FIFO writers) and the run lock (is the holder the same process).
 */
import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

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
/** Execs (`pid:start time`) waited for {@link EXEC_SETTLE_MS} once already: not waited for again. */
const stuckInExec = new Set<string>();
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * `/proc/<pid>/environ`, or undefined when it cannot be read (ended, another user's).
 * A process in the middle of `execve` can read as empty in two ways, and both are
 * waited out, or a stop that scans at that moment misses it:
 * - the kernel has switched to the new image but not yet set up its stack, so
 *   `env_end` (proc(5) field 51) is still 0: read again, 1 ms apart, until its exec
 *   is done (at most {@link EXEC_SETTLE_MS});
 * - the file was opened on the old image, which the exec released before the read
 *   (the kernel then reads nothing: fs/proc/base.c environ_read), while stat already
 *   shows the new one set up: read once more, opened afresh (13 misses in 300 reads
 *   right after a shell wrote its pid and ran `exec sleep`, none in 1,500 with it).
 * An empty read twice in a row with no exec between is a truly empty environment
 * (`env -i`). Zombies and kernel threads (no memory of their own) are not waited for.
 */
export function readEnviron(pid: number | string): Buffer | undefined {
	let emptyOnce = false;
	for (const giveUp = performance.now() + EXEC_SETTLE_MS; ; ) {
		let environ: Buffer;
		try {
			environ = readFileSync(`/proc/${pid}/environ`);
		} catch {
			return undefined;
		}
		if (environ.length > 0) return environ;
		const fields = statFields(pid);
		const state = execState(fields);
		if (state === 'in-exec') {
			// One wait per exec: a process stuck in it (a binary on a hung network mount) is not
			// waited for again by the next scan, which a stop makes every 250 ms.
			const exec = `${pid}:${fields?.[19]}`;
			if (stuckInExec.has(exec)) return environ;
			if (performance.now() >= giveUp) {
				if (stuckInExec.size >= 1000) stuckInExec.clear();
				stuckInExec.add(exec);
				return environ;
			}
			emptyOnce = false;
			Atomics.wait(pause, 0, 0, 1);
		} else if (state === 'no-memory' || emptyOnce) {
			return environ;
		} else {
			emptyOnce = true;
		}
	}
}

/** PF_KTHREAD of the flags in /proc/<pid>/stat (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

/**
 * Where a process is with its memory, from its {@link statFields}: `in-exec` while its
 * environment's end is not set yet (in execve), `set-up` when it is, `no-memory` for an
 * ended process, a zombie or a kernel thread (nothing to read, nothing to wait for).
 */
function execState(fields: string[] | undefined): 'in-exec' | 'set-up' | 'no-memory' {
	if (!fields || fields[0] === 'Z' || fields[0] === 'X' || fields.length < 49) return 'no-memory';
	if ((Number(fields[6]) & PF_KTHREAD) !== 0) return 'no-memory';
	return fields[48] === '0' ? 'in-exec' : 'set-up';
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
