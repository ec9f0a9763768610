/**
 * Whether dist/ (the bundled CLI, `npm run bundle`: scripts/bundle.ts) is older than its sources, and
 * bundling it only then. Used by the end-to-end tests' global setup
 * (test/support/build.ts) and by the demo (demo/run.ts), so that neither bundles
 * again what is current. Plain Node (no vitest): run as TypeScript by Node.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
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
 * package.json or scripts/bundle.ts (the bundle command) changed after the bundle (dist/cli.js and
 * dist/chunks/) was written. The single executable beside it in dist/
 * (scripts/binary.ts) does not count: it is built from source/ on its own.
 */
export function distIsStale(): boolean {
	const cli = path.join(DIST, 'cli.js');
	if (!existsSync(cli)) return true;
	const sources = Math.max(newestMtimeMs(path.join(ROOT, 'source')), ...['package.json', path.join('scripts', 'bundle.ts')].map(file => statSync(path.join(ROOT, file)).mtimeMs));
	return sources > Math.max(statSync(cli).mtimeMs, newestMtimeMs(path.join(DIST, 'chunks')));
}

/**
 * Bundles dist/cli.js (`npm run --silent bundle`) when it is stale.
 * @returns true when it bundled, false when dist/ was current.
 * @throws Error with the bundler's output when the bundle fails.
 */
export function bundleIfStale(): boolean {
	if (!distIsStale()) return false;
	try {
		execFileSync('npm', ['run', '--silent', 'bundle'], {cwd: ROOT, stdio: 'pipe', encoding: 'utf8'});
	} catch (error) {
		const output = `${(error as {stdout?: string}).stdout ?? ''}${(error as {stderr?: string}).stderr ?? ''}`.trim();
		throw new Error(`bundling dist/cli.js failed (npm run bundle):\n${output}`);
	}
	return true;
}
