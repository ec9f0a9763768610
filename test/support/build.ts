/**
 * vitest global setup: makes sure dist/ (the built CLI that the end-to-end tests in
 * test/cli spawn as `node dist/cli.js`) is current. It builds as `npm run build` does,
 * with the project's TypeScript (`tsc -p tsconfig.json`) and then the bundle
 * (`npm run bundle`: esbuild makes dist/cli.js the CLI that users run), only when
 * dist/cli.js is missing or a file under source/ (or tsconfig.json) is newer than
 * everything in dist/, so it costs a directory walk when `npm test` has just built.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

/** Newest modification time (ms since the epoch) of the files under `dir`; 0 when there are none. */
function newestMtimeMs(dir: string): number {
	let newest = 0;
	let entries;
	try {
		entries = readdirSync(dir, {withFileTypes: true});
	} catch {
		return 0;
	}
	for (const entry of entries) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(full));
		else if (entry.isFile()) newest = Math.max(newest, statSync(full).mtimeMs);
	}
	return newest;
}

/**
 * True when dist/ must be rebuilt: dist/cli.js is missing, or source/ or
 * tsconfig.json changed after the newest file of dist/ was written.
 */
export function distIsStale(): boolean {
	if (!existsSync(path.join(DIST, 'cli.js'))) return true;
	const sources = Math.max(newestMtimeMs(path.join(ROOT, 'source')), statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs);
	return sources > newestMtimeMs(DIST);
}

/**
 * Builds dist/ when it is stale. tsc emits even when it reports type errors; those are
 * printed as a warning (the tests then run the emitted code).
 * @throws Error with tsc's output when dist/cli.js still does not exist afterwards, or
 * with the bundler's output when the bundle fails.
 */
export default function setup(): void {
	if (!distIsStale()) return;
	const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
	try {
		execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {cwd: ROOT, stdio: 'pipe', encoding: 'utf8'});
	} catch (error) {
		const output = `${(error as {stdout?: string}).stdout ?? ''}${(error as {stderr?: string}).stderr ?? ''}`.trim();
		if (!existsSync(path.join(DIST, 'cli.js'))) throw new Error(`building dist/ failed (tsc -p tsconfig.json):\n${output}`);
		console.warn(`test/support/build.ts: tsc reported problems (dist/ was emitted anyway):\n${output}`);
	}
	try {
		execFileSync('npm', ['run', '--silent', 'bundle'], {cwd: ROOT, stdio: 'pipe', encoding: 'utf8'});
	} catch (error) {
		const output = `${(error as {stdout?: string}).stdout ?? ''}${(error as {stderr?: string}).stderr ?? ''}`.trim();
		throw new Error(`bundling dist/cli.js failed (npm run bundle):\n${output}`);
	}
}
