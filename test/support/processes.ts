/**
 * Test support: the processes of a process group, as `ps` sees them, and stopping
 * what a test left running.
 */
import {execFileSync} from 'node:child_process';

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
