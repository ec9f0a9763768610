/**
 * The package as an operator installs it: `npm pack`, then `npm install -g --prefix
 * DIR` of the tarball into a temporary prefix (the user's npm cache first:
 * `--prefer-offline`; what is not cached comes from the npm registry, nothing
 * else), then `DIR/bin/runbook` from an unrelated directory: validate and plan
 * the shipped runbooks, and run a runbook of the operator's own to the end.
 * Under a Node older than 22 (the machine's /usr/bin/node, Node 20, first on
 * PATH as an operator's system Node would be) the installed command says in one
 * line what it needs and exits 2. dist/ is current: the suite's global setup
 * bundles it, so the pack skips `prepare` (`--ignore-scripts`).
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliEnv} from '../support/cli-env.js';
import {ROOT, stackLines, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

const OLD_NODE = '/usr/bin/node';

/** This process's environment without npm's `npm_*` variables (set when the suite runs from `npm test`), plus `extra`. */
function installEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env = cliEnv(extra);
	for (const name of Object.keys(env)) if (name.toLowerCase().startsWith('npm_')) delete env[name];
	return env;
}

/** PATH with `dir` first, so `#!/usr/bin/env node` finds that directory's node. */
function pathWith(dir: string): string {
	return [dir, process.env.PATH ?? ''].join(path.delimiter);
}

describe('npm pack, then npm install -g of the tarball', () => {
	it('gives a runbook command that works from any directory', () => {
		const ws = workspace();
		const packDir = ws.path('pack');
		const prefix = ws.path('prefix');
		const elsewhere = ws.path('elsewhere');
		for (const dir of [packDir, elsewhere]) mkdirSync(dir);
		const nodeDir = path.dirname(process.execPath);

		const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packDir], {cwd: ROOT, env: installEnv(), encoding: 'utf8'});
		const tarball = path.join(packDir, packed.trim().split('\n').at(-1)!);
		expect(existsSync(tarball)).toBe(true);
		execFileSync('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
			cwd: elsewhere,
			env: installEnv({PATH: pathWith(nodeDir)}),
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 300_000,
		});
		const runbook = path.join(prefix, 'bin', 'runbook');
		const shipped = path.join(prefix, 'lib', 'node_modules', 'runbook-tui', 'runbooks');
		const inElsewhere = (args: string[], node = nodeDir) => spawnSync(runbook, args, {cwd: elsewhere, env: installEnv({PATH: pathWith(node), XDG_STATE_HOME: ws.path('xdg-state')}), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000});

		const validated = inElsewhere(['validate', path.join(shipped, 'synapse-db-restore.yaml'), path.join(shipped, 'spire-postgres-restore.yaml')]);
		expect(validated.stderr).toBe('');
		expect(validated.stdout).toContain('synapse-db-restore.yaml: ok (19 steps)');
		expect(validated.stdout).toMatch(/spire-postgres-restore\.yaml: ok \(\d+ steps\)/);
		expect(validated.status).toBe(0);

		const plan = inElsewhere(['plan', path.join(shipped, 'synapse-db-restore.yaml')]);
		expect(stackLines(plan.stderr)).toEqual([]);
		expect(plan.stdout).toContain('Restore the Synapse database from a backup');
		expect(plan.status).toBe(0);

		// A runbook of the operator's own, in the directory they work in, run to its end.
		writeFileSync(path.join(elsewhere, 'hello.yaml'), 'version: 1\ntitle: Hello\nsteps:\n  - id: hello\n    run: echo "hello from $(pwd)" > marks\n');
		const run = inElsewhere(['run', 'hello.yaml', '--plain', '--state-dir', ws.path('state')]);
		expect(run.stderr).toBe('');
		expect(run.status).toBe(0);
		expect(readFileSync(path.join(elsewhere, 'marks'), 'utf8')).toBe(`hello from ${elsewhere}\n`);

		// The operator's system Node is too old: one line saying what is needed, exit 2.
		if (existsSync(OLD_NODE)) {
			const oldMajor = Number.parseInt(execFileSync(OLD_NODE, ['-p', 'process.versions.node'], {encoding: 'utf8'}), 10);
			if (oldMajor < 22) {
				const old = inElsewhere(['validate', path.join(shipped, 'synapse-db-restore.yaml')], path.dirname(OLD_NODE));
				expect(old.stdout).toBe('');
				expect(old.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^runbook needs Node\.js 22\.2 or later; this is Node\.js \d+\..*https:\/\/nodejs\.org\//)]);
				expect(old.status).toBe(2);
			}
		}
	}, 600_000);
});

describe('npx runbook inside the project', () => {
	it('runs the command with no npm warning, even when npm itself runs on an older system Node', () => {
		const ws = workspace();
		// A cold npx cache: npx installs the project into it on first use, which is when npm checks engines.
		// Without scripts: that install runs the project's `prepare`, which would rebuild dist/ in this
		// checkout under the other tests running its CLI ("Cannot find module dist/cli.js" in a full run).
		// npm's engines check does not depend on scripts (with `engines` put back this still warns).
		const systemNode = existsSync(OLD_NODE) ? path.dirname(OLD_NODE) : path.dirname(process.execPath);
		const ran = spawnSync('npx', ['runbook', '--version'], {
			cwd: ROOT,
			env: {...installEnv({PATH: pathWith(systemNode)}), npm_config_cache: ws.path('npm-cache'), npm_config_update_notifier: 'false', npm_config_ignore_scripts: 'true'},
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
			timeout: 120_000,
		});
		expect(ran.stderr).toBe('');
		expect(ran.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
		expect(ran.status).toBe(0);
	}, 180_000);
});
