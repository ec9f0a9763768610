/**
 * Test support: a private temporary folder per test, set as TMPDIR while the test runs
 * (os.tmpdir() reads it: FIFOs, pipes and other temporary files are then made there).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach} from 'vitest';

/**
 * Registers hooks that make a folder `<tmpdir>/<prefix>XXXXXX` before each test and set
 * TMPDIR to it, and after the test put TMPDIR back and remove the folder; returns a
 * function giving the current test's folder.
 */
export function useTmpdir(prefix: string): () => string {
	let folder = '';
	let saved: string | undefined;
	beforeEach(() => {
		folder = mkdtempSync(join(tmpdir(), prefix));
		saved = process.env.TMPDIR;
		process.env.TMPDIR = folder;
	});
	afterEach(() => {
		if (saved === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = saved;
		rmSync(folder, {recursive: true, force: true});
	});
	return () => folder;
}
