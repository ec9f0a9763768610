/**
 * Where the compile cache of the `runbook` command lives, and that its entry
 * (bin.ts) fills it.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {compileCacheDir} from '../../source/platform/compile-cache.js';

describe('compileCacheDir', () => {
	test('under an absolute XDG_CACHE_HOME', () => {
		expect(compileCacheDir({XDG_CACHE_HOME: '/var/cache/me'})).toBe('/var/cache/me/runbook-tui/node-compile-cache');
	});

	test('under ~/.cache when XDG_CACHE_HOME is unset or relative (the XDG rule: relative paths are ignored)', () => {
		const expected = path.join(os.homedir(), '.cache', 'runbook-tui', 'node-compile-cache');
		expect(compileCacheDir({})).toBe(expected);
		expect(compileCacheDir({XDG_CACHE_HOME: 'relative/cache'})).toBe(expected);
	});
});

// dist/cli.js is source/bin.ts bundled (npm run build, or vitest's setup).
describe('the built entry, dist/cli.js', () => {
	const root = path.resolve(import.meta.dirname, '..', '..');
	let cache: string;
	beforeEach(() => {
		cache = mkdtempSync(path.join(os.tmpdir(), 'runbook-cache-test-'));
	});
	afterEach(() => rmSync(cache, {recursive: true, force: true}));

	test('writes its compiled code to the cache folder; NODE_DISABLE_COMPILE_CACHE turns it off', () => {
		const cli = path.join(root, 'dist', 'cli.js');
		const runbook = path.join(root, 'runbooks', 'synapse-db-restore.yaml');
		const env: NodeJS.ProcessEnv = {...process.env, XDG_CACHE_HOME: cache};
		delete env.NODE_COMPILE_CACHE;
		execFileSync(process.execPath, [cli, 'validate', runbook], {env: {...env, NODE_DISABLE_COMPILE_CACHE: '1'}, encoding: 'utf8'});
		expect(existsSync(path.join(cache, 'runbook-tui'))).toBe(false);
		execFileSync(process.execPath, [cli, 'validate', runbook], {env, encoding: 'utf8'});
		const dir = path.join(cache, 'runbook-tui', 'node-compile-cache');
		// One folder per Node version, holding one file per module compiled.
		const entries = readdirSync(dir).flatMap(version => readdirSync(path.join(dir, version)));
		expect(entries.length).toBeGreaterThan(0);
	});
});
