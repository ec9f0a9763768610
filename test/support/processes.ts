/**
 * Test support: the processes of a process group, as `ps` sees them, the processes
 * carrying a variable in their environment (/proc, Linux only), and stopping what a
 * test left running. Plain Node: the crash harness uses it too.
 */
import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {readEnviron} from '../../source/platform/proc.ts';

/**
 * Live (not zombie) processes of process group `pgid`, as `ps` lists them:
 * `pid stat command` lines; empty when the group is gone.
 */
export function groupProcesses(pgid: number): string[] {
	const listing = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,args='], {encoding: 'utf8'});
	return listing
		.split('\n')
		.map(line => line.trim().split(/\s+/))
		.filter(([pid, group, stat]) => pid && Number(group) === pgid && !stat.startsWith('Z'))
		.map(([pid, , stat, ...args]) => `${pid} ${stat} ${args.join(' ')}`);
}

/** Sends SIGKILL to process group `pgid` if any process of it is left; never throws. */
export function killGroup(pgid: number): void {
	try {
		process.kill(-pgid, 'SIGKILL');
	} catch {
		// already gone
	}
}

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
export function readStat(pid: number | string): {comm: string; state: string; ppid: number} | undefined {
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
		// Waits out an exec in progress (its environment reads empty meanwhile).
		const environ = readEnviron(pid);
		if (!environ) continue;
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
