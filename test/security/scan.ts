/**
 * Helpers for the security tests: finding a planted value in every file of a
 * folder (as bytes, so no decoding can hide it), and finding live processes
 * that carry a marker in their environment (through /proc, Linux only).
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {filesUnder} from '../cli/helpers.js';

/**
 * Files under `dir` (recursive) whose bytes contain any of `needles` (UTF-8),
 * as `relative/path: needle` lines; empty when none does. Also returns the
 * number of files searched, so a test can check that there was something to search.
 */
export function filesContaining(dir: string, needles: readonly string[]): {hits: string[]; searched: number} {
	const files = filesUnder(dir);
	const hits: string[] = [];
	const wanted = needles.map(needle => Buffer.from(needle, 'utf8'));
	for (const file of files) {
		const bytes = readFileSync(file);
		for (let i = 0; i < wanted.length; i++) {
			if (bytes.includes(wanted[i])) hits.push(`${path.relative(dir, file)}: ${needles[i]}`);
		}
	}
	return {hits, searched: files.length};
}

/** Pieces of a secret worth searching for besides the whole: its first and last `length` characters. */
export function secretPieces(secret: string, length = 16): string[] {
	return [secret, secret.slice(0, length), secret.slice(-length)];
}

/** One process found by {@link markedProcesses}. */
export interface MarkedProcess {
	pid: number;
	/** State letter from /proc/<pid>/stat (`S`, `R`, `T`...). */
	state: string;
	/** Its command line, NUL bytes shown as spaces. */
	cmdline: string;
}

/**
 * Live processes (zombies and dead ones left out: state `Z` or `X` in
 * /proc/<pid>/stat) whose environment holds `NAME=value` exactly. Processes
 * of other users (unreadable environ) are skipped.
 */
export function markedProcesses(name: string, value: string): MarkedProcess[] {
	const entry = Buffer.from(`${name}=${value}\0`);
	const found: MarkedProcess[] = [];
	for (const pid of readdirSync('/proc')) {
		if (!/^\d+$/.test(pid)) continue;
		try {
			const environ = readFileSync(`/proc/${pid}/environ`);
			// The first entry has no NUL before it; the others do.
			if (!environ.subarray(0, entry.length).equals(entry) && !environ.includes(Buffer.concat([Buffer.from([0]), entry]))) continue;
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
			if (state === 'Z' || state === 'X') continue;
			const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
			found.push({pid: Number(pid), state, cmdline});
		} catch {
			// ended meanwhile, or not ours
		}
	}
	return found;
}
