/**
 * The built CLI under a Node older than it needs (>= 22.2, source/bin.ts):
 * it must say so in one line and exit 2 before loading anything that would fail
 * with a stack trace (under Node 20 the Kubernetes client's undici did). The old
 * Node is the machine's own /usr/bin/node (Node 20 on the development machine;
 * npm scripts run Node 24 from node_modules); where /usr/bin/node is 22 or later
 * or missing there is nothing old to run it with, and the test is skipped.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliEnv} from '../support/cli-env.js';
import {CLI, ROOT, stackLines} from './helpers.js';

const OLD_NODE = '/usr/bin/node';

/** The major version of `node`, or undefined when it does not run. */
function majorOf(node: string): number | undefined {
	if (!existsSync(node)) return undefined;
	try {
		return Number.parseInt(execFileSync(node, ['-p', 'process.versions.node'], {encoding: 'utf8'}).split('.')[0]!, 10);
	} catch {
		return undefined;
	}
}

const oldMajor = majorOf(OLD_NODE);

describe.skipIf(oldMajor === undefined || oldMajor >= 22)(`the CLI under ${OLD_NODE} (Node ${oldMajor})`, () => {
	for (const args of [['--version'], ['validate', path.join(ROOT, 'runbooks', 'spire-postgres-restore.yaml')]]) {
		it(`runbook ${args[0]}: exit 2 with one line naming the Node it needs, no stack trace`, () => {
			const result = spawnSync(OLD_NODE, [CLI, ...args], {cwd: ROOT, env: cliEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
			expect(result.stdout).toBe('');
			expect(stackLines(result.stderr)).toEqual([]);
			const lines = result.stderr.split('\n').filter(line => line !== '');
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(/^runbook needs Node\.js 22\.2 or later; this is Node\.js \d+\./);
			expect(lines[0]).toContain(OLD_NODE);
			expect(lines[0]).toContain('https://nodejs.org/');
			expect(result.status).toBe(2);
		});
	}
});
