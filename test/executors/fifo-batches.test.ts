/**
 * FIFOs made ahead in batches (fifo.ts): each batch is twice the one before (up to
 * a bound), so a long run starts `mkfifo` (a fork of this process) a few times
 * instead of once every 16 steps; real `mkfifo`, real FIFOs in a private temporary
 * folder (TMPDIR) of this test.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, expect, test, vi} from 'vitest';
import {closeQuietly, openFifos} from '../../source/executors/fifo.js';

let tmp: string;
let savedTmpdir: string | undefined;
beforeEach(() => {
	tmp = mkdtempSync(join(tmpdir(), 'runbook-fifo-batches-test-'));
	savedTmpdir = process.env.TMPDIR;
	process.env.TMPDIR = tmp;
});
afterEach(() => {
	if (savedTmpdir === undefined) delete process.env.TMPDIR;
	else process.env.TMPDIR = savedTmpdir;
	rmSync(tmp, {recursive: true, force: true});
});

/** This process's batch folders in the test's temporary folder, with how many FIFOs each holds now. */
function batchFolders(): Map<string, number> {
	const folders = new Map<string, number>();
	for (const name of readdirSync(tmp)) {
		if (!name.startsWith(`runbook-pipes-${process.pid}-`)) continue;
		try {
			folders.set(name, readdirSync(join(tmp, name)).length);
		} catch {
			// removed meanwhile (all its FIFOs taken)
		}
	}
	return folders;
}

test.runIf(process.platform === 'linux')("a step's worth of FIFOs 120 times takes three batches (96, 192 and 384 FIFOs), not five of 96", async () => {
	const seen = new Set<string>();
	for (let call = 0; call < 120; call++) {
		const ends = await openFifos(3, 1);
		expect(ends).toHaveLength(3);
		for (const end of ends ?? []) {
			closeQuietly(end.readFd);
			closeQuietly(end.writeFd);
		}
		for (const name of batchFolders().keys()) seen.add(name);
	}
	// The batch made ahead while the last ones were taken: its mkfifo ends with all of it.
	await vi.waitFor(() => expect([...batchFolders().values()].reduce((a, b) => a + b, 0)).toBe(96 + 192 + 384 - 360), {timeout: 20_000});
	for (const name of batchFolders().keys()) seen.add(name);
	// Fixed batches of 32 steps' worth would have made five folders (four taken, one ahead).
	expect(seen.size).toBe(3);
});
