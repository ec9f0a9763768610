/**
 * Process helpers for the benchmarks, read from Linux's /proc: the descendants
 * of a process (the node process that `script` starts lives in its own
 * session, so killing `script`'s process group does not reach it) and
 * ending a whole tree.
 */
import fs from 'node:fs';

/** Parent pid of `pid` from /proc/<pid>/stat, or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: parse after its last ')'.
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		return Number(fields[1]);
	} catch {
		return undefined;
	}
}

/** Pids of every live descendant of `root` (children first, then theirs), not `root` itself. */
export function descendants(root: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const pid = Number(entry);
		const parent = parentOf(pid);
		if (parent === undefined) continue;
		let list = children.get(parent);
		if (!list) children.set(parent, (list = []));
		list.push(pid);
	}
	const out: number[] = [];
	const queue = [root];
	while (queue.length > 0) {
		for (const child of children.get(queue.shift()!) ?? []) {
			out.push(child);
			queue.push(child);
		}
	}
	return out;
}

/**
 * Sends SIGKILL to `root`'s descendants and then to `root`'s process group
 * (the caller spawned it with `detached: true`, so the group is its own).
 * Processes already gone are ignored.
 */
export function killTree(root: number): void {
	for (const pid of descendants(root).reverse()) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
	try {
		process.kill(-root, 'SIGKILL');
	} catch {
		// already gone
	}
}
