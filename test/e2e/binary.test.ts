/**
 * The single executable (`npm run build:binary`, scripts/binary.ts) as an operator
 * uses it on a jump host without Node: dist/runbook-linux-x64 runs with a PATH that
 * has every tool of this machine's PATH except node (and npm, npx, corepack), a HOME
 * of its own and no XDG_* variables, so its state goes to HOME/.local/state. It
 * prints its help and version, keeps its code cache (scripts/binary-main.ts) in
 * HOME/.cache and uses it, validates and plans a shipped runbook, prints the
 * schema, runs a runbook of the operator's own in plain mode (a step fails, the
 * operator fixes the cause, `resume` finishes it without running the first step
 * again), lists and reports the run, draws the TUI's first frame in a real terminal
 * (tmux; Ink's layout engine is WebAssembly loaded inside the binary), and runs
 * Kubernetes steps (@kubernetes/client-node, bundled into the binary) against the
 * real control plane (test/support/kube/controlplane.ts, no kubelet: a ConfigMap
 * needs none).
 *
 * The binary is built when it is older than its sources (a build takes ~15 s
 * idle, about a minute on a loaded machine); Linux only, as the build.
 */
import {execFile, spawnSync} from 'node:child_process';
import {mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {BINARY, buildBinaryIfStale} from '../../scripts/binary.ts';
import {apiRequest, startControlPlane, type ControlPlane} from '../support/kube/controlplane.js';
import {startTmux, type TmuxSession} from '../support/tmux.js';
import {ROOT, stackLines, Workspace} from '../cli/helpers.js';

/** Programs that would give the binary a Node to lean on. */
const NODE_PROGRAMS = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack']);

let ws: Workspace;
/** A folder of links to every program on this PATH except {@link NODE_PROGRAMS}: the jump host's PATH. */
let nodelessPath: string;
const terminals: TmuxSession[] = [];

/** The environment on the jump host: no Node on PATH, a home of its own, no XDG_* or RUNBOOK_* variables, no npm_* ones. */
function hostEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (!/^(XDG_|RUNBOOK_|npm_|NODE_|CI$)/i.test(name)) env[name] = value;
	}
	return {...env, PATH: nodelessPath, HOME: ws.path('home'), ...extra};
}

/** Pids of running processes of the binary (/proc/PID/exe). */
function binaryProcesses(): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			if (readlinkSync(`/proc/${entry}/exe`) === BINARY) pids.push(Number(entry));
		} catch {
			// gone, or not ours to read
		}
	}
	return pids;
}

interface Ran {
	status: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the binary in the workspace (asynchronously: the control plane's clients in this process keep running). */
function runBinary(args: string[], extra: Record<string, string> = {}): Promise<Ran> {
	return new Promise(resolve => {
		execFile(BINARY, args, {cwd: ws.dir, env: hostEnv(extra), encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 ** 2}, (error, stdout, stderr) => {
			resolve({status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr});
		});
	});
}

describe.skipIf(process.platform !== 'linux')('the single executable, on a host without Node', () => {
	beforeAll(async () => {
		await buildBinaryIfStale();
		ws = new Workspace();
		mkdirSync(ws.path('home'));
		nodelessPath = ws.path('bin');
		mkdirSync(nodelessPath);
		for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
			if (!path.isAbsolute(dir)) continue;
			let names: string[];
			try {
				names = readdirSync(dir);
			} catch {
				continue;
			}
			for (const name of names) {
				if (NODE_PROGRAMS.has(name)) continue;
				try {
					symlinkSync(path.join(dir, name), path.join(nodelessPath, name));
				} catch {
					// the same name earlier on PATH wins, as in a shell
				}
			}
		}
	}, 600_000);

	afterAll(() => {
		for (const term of terminals) term.kill();
		// The binary ends on the terminal's hangup, saving its state as it goes: retry while it still writes.
		if (ws) rmSync(ws.dir, {recursive: true, force: true, maxRetries: 20});
	});

	it('has no node on its PATH (the premise of every other test here)', () => {
		const found = spawnSync('bash', ['-c', 'command -v node nodejs npm npx || true'], {env: hostEnv(), encoding: 'utf8'});
		expect(found.stdout).toBe('');
		expect(spawnSync('bash', ['-c', 'command -v bash'], {env: hostEnv(), encoding: 'utf8'}).stdout.trim()).toBe(path.join(nodelessPath, 'bash'));
	});

	it('prints its help and version, with no warning from Node', async () => {
		const help = await runBinary(['--help']);
		expect(help.stderr).toBe('');
		expect(help.stdout).toMatch(/^Usage: runbook \[options\] \[command\]/);
		for (const command of ['run', 'resume', 'runs', 'validate', 'report', 'plan', 'schema']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
		expect(help.status).toBe(0);
		const version = await runBinary(['--version']);
		expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
	});

	it('keeps a code cache in the cache folder of the user, private, that the next start uses', async () => {
		const cacheDir = path.join(ws.path('home'), '.cache', 'runbook-tui', 'binary-code-cache');
		expect((await runBinary(['--version'])).status).toBe(0);
		const [name] = readdirSync(cacheDir).filter(file => file.endsWith('-cli.bin'));
		expect(name).toBeDefined();
		const file = path.join(cacheDir, name!);
		const before = statSync(file);
		expect(before.mode & 0o777).toBe(0o600);
		expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
		// A cache V8 rejected would be made and written again at exit.
		expect((await runBinary(['--help'])).status).toBe(0);
		const after = statSync(file);
		expect([after.mtimeMs, after.size]).toEqual([before.mtimeMs, before.size]);
	});

	it('validates and plans a shipped runbook, and prints the schema', async () => {
		const synapse = path.join(ROOT, 'runbooks', 'synapse-db-restore.yaml');
		const validated = await runBinary(['validate', synapse]);
		expect(validated.stderr).toBe('');
		expect(validated.stdout).toMatch(/synapse-db-restore\.yaml: ok \(\d+ steps\)/);
		expect(validated.status).toBe(0);

		const plan = await runBinary(['plan', synapse, '-p', 'BACKUP_FILE=backups/synapse_db_20260101_000000.sql.gz']);
		expect(stackLines(plan.stderr)).toEqual([]);
		expect(plan.stdout).toContain('Restore the Synapse database from a backup');
		expect(plan.stdout).toContain('backups/synapse_db_20260101_000000.sql.gz');
		expect(plan.status).toBe(0);

		const schema = await runBinary(['schema']);
		expect(JSON.parse(schema.stdout).$schema).toMatch(/json-schema\.org/);
	});

	it('runs a runbook in plain mode, and resumes it after a failure', async () => {
		ws.write('tiny.yaml', 'version: 1\ntitle: Tiny runbook\nsteps:\n  - id: first\n    run: echo first >> marks\n  - id: second\n    run: test -f ready && echo second >> marks\n');
		const failed = await runBinary(['run', 'tiny.yaml', '--plain', '--yes']);
		expect(failed.status).toBe(1);
		expect(ws.lines()).toEqual(['first']);
		const runs = readdirSync(path.join(ws.path('home'), '.local', 'state', 'runbook-tui', 'runs'));
		expect(runs).toHaveLength(1);
		const runId = runs[0]!;
		expect(failed.stderr).toContain(`runbook resume ${runId}`);

		ws.write('ready', '');
		const resumed = await runBinary(['resume', runId, '--plain', '--yes']);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.status).toBe(0);
		expect(ws.lines()).toEqual(['first', 'second']);

		const listed = await runBinary(['runs']);
		expect(listed.stdout).toContain(runId);
		const report = await runBinary(['report', runId]);
		expect(report.status).toBe(0);
		expect(report.stdout).toContain('Tiny runbook');
	});

	it('draws the TUI in a real terminal, and its code cache serves the next start', async () => {
		ws.write('screen.yaml', 'version: 1\ntitle: Binary screen check\nsteps:\n  - id: greet\n    title: Say hello from the binary\n    run: echo hello\n');
		const env = hostEnv();
		const cacheDir = path.join(ws.path('home'), '.cache', 'runbook-tui', 'binary-code-cache');
		const tuiCache = (): string[] => readdirSync(cacheDir).filter(file => file.endsWith('-tui.bin'));
		const firstFrame = async (): Promise<void> => {
			const term = startTmux({command: [BINARY, 'run', 'screen.yaml', '--new'], cwd: ws.dir, env: {PATH: env.PATH, HOME: env.HOME, XDG_STATE_HOME: undefined, XDG_CONFIG_HOME: undefined, XDG_CACHE_HOME: undefined}});
			terminals.push(term);
			// The runbook's title is on the first frame whatever it shows (the plan, or the first step).
			await term.waitFor('Binary screen check', 60_000);
			// The TUI's code cache is written before the first frame (flushCompileCache), not only at exit.
			await vi.waitFor(() => expect(tuiCache()).toHaveLength(1), {timeout: 30_000, interval: 100});
			term.kill();
			// The hung-up binary may still write the cache as it exits.
			await vi.waitFor(() => expect(binaryProcesses()).toEqual([]), {timeout: 30_000, interval: 100});
		};
		await firstFrame();
		const file = path.join(cacheDir, tuiCache()[0]!);
		const made = statSync(file);
		// A cache V8 rejected (made under other V8 flags than a start's) would be written again.
		await firstFrame();
		const after = statSync(file);
		expect([after.mtimeMs, after.size]).toEqual([made.mtimeMs, made.size]);
	});

	describe('with a Kubernetes control plane', () => {
		let cp: ControlPlane;
		beforeAll(async () => {
			cp = await startControlPlane({controllers: false});
		}, 180_000);
		afterAll(async () => {
			await cp?.stop();
		});

		it('applies a ConfigMap and waits for it, through the client bundled in the binary', async () => {
			const namespace = 'binary';
			expect((await apiRequest(cp, 'POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}})).status).toBe(201);
			ws.write(
				'kube.yaml',
				[
					'version: 1',
					'title: Kubernetes from the binary',
					'kubernetes:',
					`  namespace: ${namespace}`,
					'steps:',
					'  - id: settings',
					'    apply:',
					'      manifest: { apiVersion: v1, kind: ConfigMap, metadata: { name: settings }, data: { from: binary } }',
					'  - id: settings-there',
					'    timeout: 1m',
					'    wait:',
					'      exists: { kind: ConfigMap, name: settings }',
					'',
				].join('\n'),
			);
			const run = await runBinary(['run', 'kube.yaml', '--plain', '--yes', '--kubeconfig', cp.kubeconfigPath]);
			expect(stackLines(run.stderr)).toEqual([]);
			expect(run.status).toBe(0);
			const made = await apiRequest(cp, 'GET', `/api/v1/namespaces/${namespace}/configmaps/settings`);
			expect(made.status).toBe(200);
			expect(made.body.data).toEqual({from: 'binary'});
		});
	});
});
