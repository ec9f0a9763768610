/**
 * Files are created safely (issue 9, item 2), with the built CLI as real
 * processes under umask 000: the state directory and run folders are 0700 and
 * every file in them 0600; symbolic links planted in a run folder in place of
 * the state file, the journal or a step log are never written through; `report
 * -o` writes a new file 0600; `--grace` takes only sensible numbers; a state
 * directory that vanishes is reported as such, one open to every user is warned about.
 */
import {spawn} from 'node:child_process';
import {chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {CLI, stackLines, useWorkspaces, type CliResult, type Workspace} from '../cli/helpers.js';
import {cliEnv} from '../support/cli-env.js';

const workspace = useWorkspaces();

/** Runs the CLI in the workspace under umask 000 (the loosest an operator may have). */
function cliUmask0(ws: Workspace, args: string[]): Promise<CliResult> {
	const child = spawn('bash', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, CLI, ...args], {
		cwd: ws.dir,
		env: cliEnv({XDG_STATE_HOME: ws.path('xdg-state')}),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
	});
}

/** `path mode` of everything under `dir` (and `dir` itself), modes in octal, sorted. */
function modes(dir: string): string[] {
	const entries = readdirSync(dir, {recursive: true, withFileTypes: true}).map(entry => path.join(entry.parentPath, entry.name));
	return [dir, ...entries].map(file => `${path.relative(dir, file) || '.'} ${(lstatSync(file).mode & 0o7777).toString(8)}`).sort();
}

/** Two steps: `two` fails until the file `ready` exists. */
const RUNBOOK = 'version: 1\ntitle: Modes\nsteps:\n  - id: one\n    run: echo one\n  - id: two\n    run: test -f ready\n';

describe('files in the state directory', () => {
	it('are 0600 in folders of 0700 under umask 000, and report -o writes a new file 0600', async () => {
		const ws = workspace();
		const file = ws.write('modes.yaml', RUNBOOK);
		const run = await cliUmask0(ws, ['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(run.code).toBe(1);
		const runId = ws.onlyRunId();
		ws.write('ready', '');
		expect((await cliUmask0(ws, ['resume', runId, '--plain', '--state-dir', ws.stateDir])).code).toBe(0);
		const listed = modes(ws.stateDir);
		expect(listed).toContain(`runs/${runId}/state.json 600`);
		expect(listed).toContain(`runs/${runId}/state.prev.json 600`);
		expect(listed).toContain(`runs/${runId}/journal.jsonl 600`);
		expect(listed).toContain(`runs/${runId}/logs/two.1.log 600`);
		for (const line of listed) {
			const [name, mode] = line.split(' ');
			const isDir = statSync(path.join(ws.stateDir, name)).isDirectory();
			expect(`${name} ${mode}`).toBe(`${name} ${isDir ? '700' : '600'}`);
		}
		const report = await cliUmask0(ws, ['report', runId, '-o', 'report.md', '--state-dir', ws.stateDir]);
		expect(report.code).toBe(0);
		expect((statSync(ws.path('report.md')).mode & 0o777).toString(8)).toBe('600');
		expect(readdirSync(ws.dir).filter(name => name.includes('.tmp'))).toEqual([]);
	});

	it('never writes through symbolic links planted in place of the state, the journal or a step log', async () => {
		const ws = workspace();
		const file = ws.write('modes.yaml', RUNBOOK);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		// Targets outside the state directory, with content that must survive.
		const stateTarget = ws.write('outside-state.json', readFileSync(path.join(runDir, 'state.json'), 'utf8'));
		const journalTarget = ws.write('outside-journal', 'keep\n');
		const logTarget = ws.write('outside-log', 'keep\n');
		rmSync(path.join(runDir, 'state.json'));
		symlinkSync(stateTarget, path.join(runDir, 'state.json'));
		rmSync(path.join(runDir, 'journal.jsonl'));
		symlinkSync(journalTarget, path.join(runDir, 'journal.jsonl'));
		symlinkSync(logTarget, path.join(runDir, 'logs', 'two.2.log'));
		const stateBefore = readFileSync(stateTarget, 'utf8');
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.stderr).toContain('journal.jsonl is a symbolic link; refusing to write through it');
		expect(readFileSync(journalTarget, 'utf8')).toBe('keep\n');
		expect(readFileSync(logTarget, 'utf8')).toBe('keep\n');
		expect(readFileSync(stateTarget, 'utf8')).toBe(stateBefore);
		// The state file is a file of its own again (the link was replaced, not followed).
		expect(lstatSync(path.join(runDir, 'state.json')).isSymbolicLink()).toBe(false);
	});
});

describe('the state directory', () => {
	it('that vanishes during a run: the save failure says so and that progress is not saved (exit 1, no stack trace)', async () => {
		const ws = workspace();
		const file = ws.write('gone.yaml', 'version: 1\ntitle: Gone\nsteps:\n  - id: one\n    run: rm -rf "$RUN_DIR"\n  - id: two\n    run: echo two\n');
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(1);
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr).toMatch(/^runbook: cannot save the state of the run to \S+state\.json: the state directory is gone; progress since the last save is NOT saved\n$/);
		expect(result.stderr).not.toContain('progress is saved');
	});

	it('writable by every user gets a warning naming the risk', async () => {
		const ws = workspace();
		mkdirSync(ws.stateDir);
		chmodSync(ws.stateDir, 0o777);
		const file = ws.write('modes.yaml', RUNBOOK);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.stderr).toContain(`runbook: warning: the state directory ${ws.stateDir} is writable by every user: anyone on this machine can change the saved runs this program reads; make it private (chmod 700)\n`);
	});
});

describe('--grace', () => {
	it.each(['abc', '-1', '', '1e9', 'Infinity'])('%j is a usage error (exit 2)', async value => {
		const ws = workspace();
		const file = ws.write('modes.yaml', RUNBOOK);
		const result = await ws.cli(['run', file, '--plain', '--grace', value, '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('expected a number of seconds from 0 to 3600');
		expect(ws.runIds()).toEqual([]);
	});
});
