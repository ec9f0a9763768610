/**
 * A runbook process whose /proc/<pid>/fd other processes of its user may not open:
 * the kernel marks a process non-dumpable when its program file is not readable by
 * it (an execute-only `node`, mode 0711) or has file capabilities. The spawn helper
 * (source/executors/spawn-helper.ts) cannot reopen the step's pipes then; the steps
 * still run (this process starts bash itself) instead of each failing with "could
 * not start ... EACCES". Real: the built CLI, an execute-only copy of this node,
 * run as `nobody` with setpriv (util-linux); needs root to set that up, and a
 * checkout `nobody` can read; skipped otherwise.
 */
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {CLI} from './helpers.js';

const NOBODY = 65534;
const canSwitchUser = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
/** `nobody` can read the built CLI (not so in a checkout under a private folder such as /root). */
const nobodyReadsCli = canSwitchUser && spawnSync('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'test', '-r', CLI]).status === 0;

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(path.join(tmpdir(), 'runbook-nondumpable-'));
	chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

describe.runIf(nobodyReadsCli)('a runbook process other processes may not look into', () => {
	test('its steps run (bash started by the runbook process itself), not "could not start"', async () => {
		const node = path.join(dir, 'node');
		copyFileSync(process.execPath, node);
		chmodSync(node, 0o711);
		const work = path.join(dir, 'work');
		mkdirSync(work, {mode: 0o755});
		chownSync(work, NOBODY, NOBODY);
		const runbook = path.join(dir, 'hidden.yaml');
		// $PPID is the process that started bash: the runbook process, whose fds nobody else may open.
		// Sixty steps: the first few run before the spawn helper is ready (bash started here either
		// way); the helper, once ready, would take the rest, and each failed with EACCES before the fix
		// (a second read saw the fourth of thirty fail; two steps passed on the broken code).
		const more = Array.from({length: 60}, (_, i) => [`  - id: step-${i + 1}`, `    run: echo ${i + 1} >> ${work}/steps`]).flat();
		writeFileSync(runbook, ['version: 1', 'title: Hidden fds', 'steps:', '  - id: first', `    run: if ls /proc/$PPID/fd > /dev/null 2>&1; then echo open > ${work}/first; else echo hidden > ${work}/first; fi`, ...more, ''].join('\n'), {mode: 0o644});
		// Through env: setpriv execs with root's capabilities still effective, which can read the file
		// (and so keep the process dumpable); env, exec'd as nobody without them, cannot.
		const child = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'env', node, CLI, 'run', runbook, '--new', '--plain', '--yes', '--state-dir', path.join(work, 'state')], {
			cwd: work,
			env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, NO_COLOR: '1'},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const code = await new Promise<number | null>(resolve => child.on('close', resolve));
		expect(output).not.toContain('could not start');
		expect(code, output).toBe(0);
		// The condition under test was real: bash's parent kept its descriptors from the step.
		expect(readFileSync(path.join(work, 'first'), 'utf8')).toBe('hidden\n');
		expect(readFileSync(path.join(work, 'steps'), 'utf8')).toBe(Array.from({length: 60}, (_, i) => `${i + 1}\n`).join(''));
	});
});
