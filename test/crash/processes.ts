/**
 * Finding a trial's processes: every process the CLI starts inherits its
 * environment, so a per-trial variable (CRASH_TRIAL=<id>) names them all, whatever
 * process group or session they moved to. Linux only (/proc).
 */
import {readdirSync, readFileSync} from 'node:fs';
import {waitFor} from '../support/wait.ts';

/** A live process, as /proc shows it. */
export interface ProcessInfo {
	pid: number;
	ppid: number;
	/** The command name (`comm`, at most 15 characters). */
	comm: string;
	/** The command line, words joined by spaces (may be cut to 200 characters). */
	args: string;
	/** One-letter state (`S`, `R`...). */
	state: string;
}

/** The stat fields of a process, or undefined when it is gone. */
function readStat(pid: string): {comm: string; state: string; ppid: number} | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
		const open = stat.indexOf('(');
		const close = stat.lastIndexOf(')');
		const fields = stat.slice(close + 2).split(' ');
		return {comm: stat.slice(open + 1, close), state: fields[0], ppid: Number(fields[1])};
	} catch {
		return undefined;
	}
}

/**
 * Live processes (zombies and dead ones left out) whose environment holds
 * `name=value`. Processes whose environment cannot be read (another user's) are
 * not looked at: the CLI's children run as the user running the harness.
 */
export function processesWithEnv(name: string, value: string): ProcessInfo[] {
	const wanted = Buffer.from(`${name}=${value}\0`);
	const found: ProcessInfo[] = [];
	for (const pid of readdirSync('/proc')) {
		if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
		let environ: Buffer;
		try {
			environ = readFileSync(`/proc/${pid}/environ`);
		} catch {
			continue;
		}
		if (!environ.subarray(0, wanted.length).equals(wanted) && !environ.includes(Buffer.concat([Buffer.from('\0'), wanted]))) continue;
		const stat = readStat(pid);
		if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
		let args = '';
		try {
			args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200);
		} catch {
			// gone meanwhile
		}
		found.push({pid: Number(pid), ppid: stat.ppid, comm: stat.comm, args, state: stat.state});
	}
	return found;
}

/**
 * The processes of `list` that are neither one of `roots` nor descended from one
 * (through parents inside `list`, then through /proc for parents outside it).
 */
export function outside(list: ProcessInfo[], roots: Set<number>): ProcessInfo[] {
	const parentOf = (pid: number): number | undefined => {
		const known = list.find(p => p.pid === pid);
		if (known) return known.ppid;
		return readStat(String(pid))?.ppid;
	};
	return list.filter(candidate => {
		let pid: number | undefined = candidate.pid;
		for (let depth = 0; pid !== undefined && pid > 1 && depth < 64; depth++) {
			if (roots.has(pid)) return false;
			pid = parentOf(pid);
		}
		return true;
	});
}

/** Resolves once no process of `find()` is left, or after `timeoutMs`; returns what is left. */
export async function settle(find: () => ProcessInfo[], timeoutMs: number): Promise<ProcessInfo[]> {
	let left: ProcessInfo[] = [];
	try {
		await waitFor('no process left', () => (left = find()).length === 0, {timeoutMs, intervalMs: 50});
	} catch {
		// what is left is the answer
	}
	return left;
}
