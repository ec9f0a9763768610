/**
 * The demo itself (`npm run demo`, node demo/run.ts), not only its building blocks:
 * `--help` prints help and starts nothing (no PostgreSQL, no temporary directory);
 * a run left with `q` in a real terminal (tmux, 80x24) keeps its state directory and
 * says where, since the CLI has just printed a resume command naming it; and the
 * demo bundles the CLI only when source/ changed (npm run demo does not build
 * every time: the suite's global setup has just bundled, so the demo must not).
 */
import {spawnSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';
import {cliEnv} from '../support/cli-env.js';
import {shellQuote, startTmux} from '../support/tmux.js';
import {filesUnder, ROOT, stackLines, useWorkspaces} from '../cli/helpers.js';
import {useTerminals} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const DEMO = path.join(ROOT, 'demo', 'run.ts');
/** PostgreSQL start, a 20,000-event load and a backup on a loaded 2-core machine: a generous wait, not a bound. */
const SETUP_MS = 240_000;

describe('the demo (node demo/run.ts)', () => {
	it('--help prints help and starts nothing', () => {
		const ws = workspace();
		const tmp = ws.path('tmp');
		mkdirSync(tmp);
		const result = spawnSync(process.execPath, [DEMO, '--help'], {cwd: ROOT, env: cliEnv({TMPDIR: tmp}), encoding: 'utf8', timeout: 60_000});
		expect(result.stderr).toBe('');
		expect(result.status).toBe(0);
		expect(result.stdout).toMatch(/^Usage: npm run demo/);
		expect(result.stdout).toContain('--yes-destructive');
		expect(result.stdout).not.toContain('Setting up');
		expect(result.stdout).not.toContain('PostgreSQL listening');
		// Nothing was made: no runbook-pg-*, runbook-demo-* left or even created and removed.
		expect(readdirSync(tmp)).toEqual([]);
	});

	it('npm run demo runs the demo without building first (the demo bundles only what is stale)', () => {
		const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>}).scripts;
		expect(scripts.demo).toBe('node demo/run.ts');
	});

	it('after q keeps the state directory, says where, and does not build again', async () => {
		const ws = workspace();
		const tmp = ws.path('tmp');
		mkdirSync(tmp);
		// Run as root, the demo hands PostgreSQL's directory (under TMPDIR) to the postgres
		// user, who must be able to reach it: traverse, not list.
		chmodSync(ws.dir, 0o711);
		chmodSync(tmp, 0o711);
		const exitFile = ws.path('exitfile');
		const term = startTmux({
			cwd: ROOT,
			env: {TMPDIR: tmp, XDG_STATE_HOME: ws.path('xdg-state')},
			command: ['sh', '-c', `${shellQuote(process.execPath)} ${shellQuote(DEMO)}; echo $? > ${shellQuote(exitFile)}`],
		});
		onTestFinished(() => term.kill());
		// The setup's failure ends the demo: do not wait the whole time for a gate that will not come.
		const first = await term.waitFor(/q quit|== Cleaning up/, SETUP_MS);
		expect(first).toContain('q quit');
		term.sendKeys('q');
		await term.waitFor('Quit? Progress is kept.');
		term.sendKeys('y');
		await term.waitUntil('the demo to end', () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').endsWith('\n') && term.ended(), 120_000);
		const output = term.capture({history: true});
		expect(stackLines(output)).toEqual([]);
		expect(output).not.toContain('Built ');

		const resume = /Resume with: runbook resume (\S+) --state-dir (\S+)/.exec(output);
		expect(resume, output).not.toBeNull();
		const [, runId, stateDir] = resume!;
		expect(output).toContain(`Kept the run's state directory (the run did not complete): ${stateDir}`);
		expect(output).toContain(`report ${runId} --state-dir ${stateDir}`);
		// The directory the resume command names is still there, with the run's state in it.
		expect(filesUnder(stateDir).some(file => file.endsWith(path.join(runId, 'state.json')))).toBe(true);
		// Everything else the demo made is gone (PostgreSQL's data, the work directory).
		expect(readdirSync(tmp)).toEqual([path.basename(stateDir)]);
		expect(readFileSync(exitFile, 'utf8').trim()).toBe('1');
	}, 400_000);
});
