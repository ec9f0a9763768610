/**
 * A closed standard output is not an error (issue 15): every command that prints
 * exits quietly, with its usual exit code, when its reader has gone away. The
 * built CLI writes to a real pipe whose reader is already closed (a FIFO opened
 * for reading and writing, its read end then closed: every write gets EPIPE),
 * and `runs` is piped into a real `head -n 1` by bash.
 */
import {execFileSync, spawn} from 'node:child_process';
import {closeSync, constants, openSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {CLI, type Workspace, marksRunbook, stackLines, useWorkspaces} from './helpers.js';
import {cliEnv} from '../support/cli-env.js';

const workspace = useWorkspaces();

/** Runs the CLI with stdout a pipe nobody reads (EPIPE on every write); resolves its exit code and stderr. */
async function withClosedStdout(ws: Workspace, args: string[]): Promise<{code: number | null; stderr: string}> {
	const fifo = ws.path(`closed-${Math.random().toString(36).slice(2)}`);
	execFileSync('mkfifo', [fifo]);
	const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
	const writeFd = openSync(fifo, constants.O_WRONLY);
	closeSync(readFd);
	const child = spawn(process.execPath, [CLI, ...args], {cwd: ws.dir, env: cliEnv({XDG_STATE_HOME: ws.path('xdg')}), stdio: ['ignore', writeFd, 'pipe']});
	closeSync(writeFd);
	let stderr = '';
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const code = await new Promise<number | null>(resolve => child.once('close', resolve));
	return {code, stderr};
}

describe('a closed standard output', () => {
	it('ends runs, report, plan, schema and validate quietly with their usual exit codes; a run still runs its steps', async () => {
		const ws = workspace();
		const file = ws.write('marks.yaml', marksRunbook('Marks', ['one', 'two']));
		const run = await withClosedStdout(ws, ['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(run).toEqual({code: 0, stderr: ''});
		expect(ws.lines()).toEqual(['one', 'two']);
		const runId = ws.onlyRunId();
		for (const args of [['runs', '--state-dir', ws.stateDir], ['report', runId, '--state-dir', ws.stateDir], ['plan', file], ['schema'], ['validate', file]]) {
			const result = await withClosedStdout(ws, args);
			expect(stackLines(result.stderr), args.join(' ')).toEqual([]);
			expect(result, args.join(' ')).toEqual({code: 0, stderr: ''});
		}
		// An invalid runbook: exit 2 as usual, its problems on stderr.
		const bad = ws.write('bad.yaml', 'version: 1\ntitle: Bad\nsteps: []\n');
		const invalid = await withClosedStdout(ws, ['validate', bad]);
		expect(invalid.code).toBe(2);
		expect(stackLines(invalid.stderr)).toEqual([]);
	});

	it('runbook runs | head -n 1 prints one line and no trace', async () => {
		const ws = workspace();
		const file = ws.write('marks.yaml', marksRunbook('Marks', ['one']));
		for (let i = 0; i < 3; i++) expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(0);
		const script = `"$NODE" "$CLI" runs --state-dir "$STATE" | head -n 1; echo "status \${PIPESTATUS[0]}" >&2`;
		const result = await new Promise<{stdout: string; stderr: string}>((resolve, reject) => {
			const child = spawn('bash', ['-c', script], {cwd: ws.dir, env: cliEnv({NODE: process.execPath, CLI, STATE: ws.stateDir, XDG_STATE_HOME: ws.path('xdg')}), stdio: ['ignore', 'pipe', 'pipe']});
			let stdout = '';
			let stderr = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
			child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
			child.once('error', reject);
			child.once('close', () => resolve({stdout, stderr}));
		});
		expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(1);
		expect(result.stdout).toMatch(/^RUN ID\s+STATUS/);
		expect(result.stderr).toBe('status 0\n');
	});
});
