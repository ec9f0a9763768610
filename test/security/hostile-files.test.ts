/**
 * Hostile files as inputs (issue 9, items 3 and 4), with the built CLI as real
 * processes: a FIFO, a device, a /proc file or a huge file given as the runbook,
 * an include or a state file is refused at once with a one-line reason, never
 * read (no hang, no gigabytes in memory) and never quoted (`/proc/self/environ`
 * holds the secrets of the environment).
 */
import {execFileSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stackLines, useWorkspaces, type Workspace} from '../cli/helpers.js';

const workspace = useWorkspaces();

/** A FIFO named `name` in the workspace (nobody ever writes to it); its path. */
function fifo(ws: Workspace, name: string): string {
	execFileSync('mkfifo', [ws.path(name)]);
	return ws.path(name);
}

/** A runbook including `include` (a path as written in the runbook). */
function including(include: string): string {
	return `version: 1\ntitle: Includes\nsteps:\n  - id: one\n    run: echo one\n  - include: ${include}\n`;
}

describe('hostile files', () => {
	it('a FIFO or a device as the runbook is refused at once (exit 2), without waiting for a writer', async () => {
		const ws = workspace();
		const pipe = fifo(ws, 'pipe.yaml');
		for (const [file, words] of [
			[pipe, 'is a FIFO (named pipe), not a regular file'],
			['/dev/zero', 'is a character device, not a regular file'],
		] as const) {
			const result = await ws.cli(['validate', file], {timeoutMs: 20_000});
			expect(result.signal).toBeNull();
			expect(result.code).toBe(2);
			expect(stackLines(result.stderr)).toEqual([]);
			expect(result.stderr + result.stdout).toContain(words);
		}
		const run = await ws.cli(['run', pipe, '--plain', '--state-dir', ws.stateDir], {timeoutMs: 20_000});
		expect(run.signal).toBeNull();
		expect(run.code).toBe(2);
		expect(ws.runIds()).toEqual([]);
	});

	it('a runbook over 1 MiB is refused by the size limit', async () => {
		const ws = workspace();
		const big = ws.write('big.yaml', including('x.yaml') + `# ${'x'.repeat(2 * 1024 * 1024)}\n`);
		const result = await ws.cli(['validate', big]);
		expect(result.code).toBe(2);
		expect(result.stderr + result.stdout).toContain(`is ${2 * 1024 * 1024 + including('x.yaml').length + 3} bytes, over the limit of 1048576 bytes`);
	});

	it('an include of /proc/self/environ, /dev/urandom or a FIFO is refused without quoting it or reading it', async () => {
		const ws = workspace();
		fifo(ws, 'pipe.yaml');
		for (const [include, words] of [
			['/proc/self/environ', 'is a /proc or /sys file, not a regular file'],
			['/dev/urandom', 'is a character device, not a regular file'],
			['pipe.yaml', 'is a FIFO (named pipe), not a regular file'],
		] as const) {
			const file = ws.write('main.yaml', including(include));
			const result = await ws.cli(['validate', file], {timeoutMs: 20_000, env: {RUNBOOK_SECRET_TOKEN: 'hunter2-very-secret'}});
			expect(result.signal).toBeNull();
			expect(result.code).toBe(2);
			const output = result.stderr + result.stdout;
			expect(output).toContain(words);
			expect(output).not.toContain('hunter2');
			expect(output).not.toContain('RUNBOOK_SECRET_TOKEN');
		}
	});

	it('a FIFO or a device as state.json: `runs` and `resume` report it damaged at once and do not hang', async () => {
		const ws = workspace();
		const file = ws.write('one.yaml', 'version: 1\ntitle: One\nsteps:\n  - id: one\n    run: "false"\n');
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		execFileSync('rm', [path.join(runDir, 'state.json'), '-f', path.join(runDir, 'state.prev.json')]);
		execFileSync('mkfifo', [path.join(runDir, 'state.json')]);
		writeFileSync(path.join(runDir, 'state.prev.json'), '');
		const runs = await ws.cli(['runs', '--state-dir', ws.stateDir], {timeoutMs: 20_000});
		expect(runs.signal).toBeNull();
		expect(runs.code).toBe(0);
		expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+damaged\\s`, 'm'));
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {timeoutMs: 20_000});
		expect(resumed.signal).toBeNull();
		expect(resumed.code).toBe(2);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.stderr).toContain('state.json is damaged (is a FIFO (named pipe), not a regular file)');
	});

	it('a regular file that is not YAML (a copy of an env file, a binary) as the runbook or an include: the error quotes none of it and holds no raw control byte', async () => {
		const ws = workspace();
		const secret = 'hunter2-Pa55word-0123456789';
		// An env file (one `export` line parses as a plain YAML scalar, the whole file as a string).
		ws.write('env.yaml', `export DB_PASSWORD="${secret}"\nexport DB_HOST=db.example\n`);
		// A binary: control bytes (ESC, BEL, DEL, C1 CSI), escape sequences and the secret in the middle.
		const binary = Buffer.concat([Buffer.from('\x00\x01\x1b]0;title\x07\x7f\xc2\x9b2J'), Buffer.from(`:\n\t${secret}\n`), Buffer.from([0xff, 0xfe, 0x1b, 0x5b, 0x33, 0x31, 0x6d]), Buffer.from(`${secret}\n`)]);
		writeFileSync(ws.path('blob.yaml'), binary);
		const main = ws.write('main.yaml', 'version: 1\ntitle: Includes\nsteps:\n  - include: env.yaml\n  - include: blob.yaml\n');
		for (const file of [main, ws.path('env.yaml'), ws.path('blob.yaml')]) {
			for (const args of [
				['validate', file],
				['run', file, '--plain', '--state-dir', ws.stateDir],
			]) {
				const result = await ws.cli(args, {timeoutMs: 20_000});
				expect(result.code).toBe(2);
				expect(stackLines(result.stderr)).toEqual([]);
				const output = result.stderr + result.stdout;
				expect(output).toMatch(/env\.yaml|blob\.yaml/);
				// Not the secret, nor a 6-character piece of it.
				for (let i = 0; i + 6 <= secret.length; i++) expect(output).not.toContain(secret.slice(i, i + 6));
				// eslint-disable-next-line no-control-regex
				expect(output).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
				for (const line of output.split('\n')) expect(line.length).toBeLessThan(400);
			}
		}
		expect(ws.runIds()).toEqual([]);
	});
});
