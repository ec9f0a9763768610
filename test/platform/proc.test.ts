/**
 * platform/proc.ts readEnviron with real processes, read at the moment they exec: the
 * kernel shows such a process's environment as empty for a while (the new image not
 * set up yet, or a read opened on the old image that the exec released). A stop scans
 * /proc at any moment, so a miss there leaves a process of the command running.
 */
import {spawn} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect, test} from 'vitest';
import {readEnviron, statFields} from '../../source/platform/proc.js';
import {waitUntil} from '../support/wait.js';
import {useStartedGroups} from '../support/started-groups.js';

const started = useStartedGroups();

test('a process read the moment it execs shows its environment, not an empty one', () => {
	// Read directly (not after a scan of /proc, which mostly arrives after the exec): before
	// readEnviron waited out both ways an exec reads empty, 13 reads in 300 missed here.
	const dir = mkdtempSync(join(tmpdir(), 'proc-environ-'));
	try {
		for (let round = 0; round < 300; round++) {
			const marker = `RUNBOOK_TEST_MARK=${randomUUID()}`;
			const file = join(dir, `pid-${round}`);
			const [name, value] = marker.split('=');
			const shell = spawn('bash', ['-c', `sh -c 'echo $$ > "${file}"; exec sleep 300'`], {detached: true, stdio: 'ignore', env: {...process.env, [name]: value}});
			started.push(shell);
			let pid: number | undefined;
			// Synchronous on purpose: the read must come right after the pid is written.
			while (pid === undefined) {
				if (/^[ZX]/.test(statFields(shell.pid!)?.[0] ?? 'X') && !existsSync(file)) throw new Error(`round ${round}: the shell ended without writing its pid`);
				const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
				if (/^\d+\n$/.test(text)) pid = Number(text);
			}
			const environ = readEnviron(pid);
			expect(environ?.includes(Buffer.from(`${marker}\0`)), `round ${round}: ${environ?.length ?? 'no'} bytes read`).toBe(true);
			process.kill(-shell.pid!, 'SIGKILL');
			started.pop();
		}
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});

test('a truly empty environment (env -i) reads as empty, without waiting for an exec that never comes', async () => {
	const child = spawn('env', ['-i', 'sleep', '300'], {detached: true, stdio: 'ignore'});
	started.push(child);
	const pid = child.pid!;
	// Until env has exec'd sleep, the environment is env's own (inherited).
	await waitUntil('env to exec sleep', () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0'));
	expect(readEnviron(pid)?.length).toBe(0);
	expect(readEnviron(999_999_999)).toBeUndefined();
});
