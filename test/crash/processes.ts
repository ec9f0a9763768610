/**
 * Finding a trial's processes: every process the CLI starts inherits its
 * environment, so a per-trial variable (CRASH_TRIAL=<id>) names them all, whatever
 * process group or session they moved to. Linux only (/proc).
 */
import {processesWithEnv, readStat, type ProcessInfo} from '../support/processes.ts';
import {waitFor} from '../support/wait.ts';

export {processesWithEnv, type ProcessInfo};

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
