/**
 * Helpers for the security tests: finding a planted value in every file of a
 * folder (as bytes, so no decoding can hide it). The processes carrying a marker
 * in their environment: test/support/processes.ts processesWithEnv.
 */
import {readFileSync} from 'node:fs';
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
