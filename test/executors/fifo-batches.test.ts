/**
 * FIFOs made ahead in batches (fifo.ts): each batch is twice the one before (up to
 * a bound), so a long run starts `mkfifo` (a fork of this process) a few times
 * instead of once every 16 steps; real `mkfifo`, real FIFOs in a private temporary
 * folder (TMPDIR) of this test, or in /dev/shm when TMPDIR is not set.
 */
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readlinkSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {expect, test, vi} from 'vitest';
import {closeQuietly, openFifos} from '../../source/executors/fifo.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';
import {useTmpdir} from '../support/tmpdir.js';
import {waitUntil} from '../support/wait.js';

// The FIFOs are made in this test's own folder (TMPDIR).
const testTmp = useTmpdir('runbook-fifo-batches-test-');

/** This process's batch folders in the test's temporary folder, with how many FIFOs each holds now. */
function batchFolders(): Map<string, number> {
	const folders = new Map<string, number>();
	for (const name of readdirSync(testTmp())) {
		if (!name.startsWith(`runbook-pipes-${process.pid}-`)) continue;
		try {
			folders.set(name, readdirSync(join(testTmp(), name)).length);
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

test.runIf(process.platform === 'linux' && existsSync('/dev/shm'))('without TMPDIR the FIFOs are made in /dev/shm (a memory file system: making a file on a disk one cost 0.35 ms of kernel time); with TMPDIR, there', async () => {
	/** Where the FIFO behind `fd` was made (its name is gone: unlinked once both ends were open). */
	const madeIn = (fd: number) => dirname(dirname(readlinkSync(`/proc/self/fd/${fd}`)));
	delete process.env.TMPDIR;
	const inShm = await openFifos(3, 1);
	process.env.TMPDIR = testTmp();
	const inTmp = await openFifos(3, 1);
	try {
		expect(inShm?.map(ends => madeIn(ends.readFd))).toEqual(['/dev/shm', '/dev/shm', '/dev/shm']);
		expect(readlinkSync(`/proc/self/fd/${inShm![0]!.readFd}`)).toMatch(/^\/dev\/shm\/runbook-pipes-\d+-[\w-]+\/out\d+ \(deleted\)$/);
		expect(inTmp?.map(ends => madeIn(ends.writeFd))).toEqual([testTmp(), testTmp(), testTmp()]);
	} finally {
		for (const ends of [...(inShm ?? []), ...(inTmp ?? [])]) {
			closeQuietly(ends.readFd);
			closeQuietly(ends.writeFd);
		}
	}
});

test.runIf(process.platform === 'linux' && existsSync('/dev/shm'))('with the temporary folder at /dev/shm and no mkfifo, openFifos gives up at once (the caller uses Node pipes) rather than trying /dev/shm again and again', async () => {
	// A child process: the choice of folder is made once per process. Its PATH has no mkfifo.
	const program = `const {openFifos} = await import(${JSON.stringify(sourceModule('executors/fifo.ts'))}); console.log(String(await openFifos(3, 1)));`;
	const empty = mkdtempSync(join(testTmp(), 'no-mkfifo-'));
	for (const variable of ['TMPDIR', 'TMP']) {
		const env: NodeJS.ProcessEnv = {...process.env, PATH: empty, TMPDIR: '', TMP: '', [variable]: '/dev/shm'};
		if (variable === 'TMP') delete env.TMPDIR;
		// Looped for ever before (each retry made its folder in /dev/shm again).
		const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '-e', program], {env, stdio: ['ignore', 'pipe', 'inherit']});
		let out = '';
		child.stdout.setEncoding('utf8').on('data', text => (out += text));
		let closed = false; // exited, and its output read
		child.once('close', () => (closed = true));
		try {
			await waitUntil('openFifos to give up', () => closed, 60_000);
		} finally {
			child.kill('SIGKILL');
		}
		expect(out).toBe('undefined\n');
	}
});
