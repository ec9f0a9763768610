/**
 * The main script of the single executable (scripts/binary.ts bundles it as
 * CommonJS): runs the CLI's bundle, an asset of the executable (`runbook.cjs`),
 * with a V8 code cache kept between runs, as the npm-installed command keeps
 * Node's compile cache (platform/compile-cache.ts). Node's own `useCodeCache`
 * caches only the code compiled before the script runs (its top level); most of
 * the CLI's functions compile when first called, so a cache made after a run
 * holds what start-up needs and a later start skips compiling it.
 *
 * The cache is made once per build and per kind of run: `tui` for `run` and
 * `resume` drawing the TUI (Ink and React compiled), `cli` for every other
 * command, by the first such run, when the CLI flushes its compile cache (before
 * the TUI's first frame) and again at exit (making it costs ~50-100 ms). It lives
 * in the user's cache folder (`$XDG_CACHE_HOME/runbook-tui/binary-code-cache`, default
 * `~/.cache/...`; folder 0700, files 0600, written whole through a part file),
 * named by the bundle's SHA-256, so another build never reads it; V8 rejects a
 * cache that does not match its version, flags or the source, and then this
 * runs uncached and writes a new one. A cache that cannot be read or written
 * only means a slower start.
 */
import fs from 'node:fs';
import path from 'node:path';
import {getAsset} from 'node:sea';
import v8 from 'node:v8';
import vm from 'node:vm';
import {compileCacheDir, FLUSH_CODE_CACHE} from '../source/platform/compile-cache.ts';
import {makePrivateDir, writeFileAtomic} from '../source/platform/safe-file.ts';

/** The SHA-256 of the bundle, hex; set by the build (esbuild `define`). */
declare const RUNBOOK_BUNDLE_SHA256: string;

/** `tui` when this run will draw the TUI (run/resume on a terminal without --plain), else `cli`. */
function runKind(argv: readonly string[]): 'tui' | 'cli' {
	const command = argv[2];
	const drawsTui = (command === 'run' || command === 'resume') && !argv.includes('--plain') && process.stdout.isTTY === true;
	return drawsTui ? 'tui' : 'cli';
}

function cacheFile(): string | undefined {
	const dir = compileCacheDir();
	return dir && path.join(path.dirname(dir), 'binary-code-cache', `${RUNBOOK_BUNDLE_SHA256.slice(0, 32)}-${runKind(process.argv)}.bin`);
}

const source = getAsset('runbook.cjs', 'utf8');
const file = cacheFile();
let cachedData: Buffer | undefined;
try {
	if (file) cachedData = fs.readFileSync(file);
} catch {
	// no cache yet
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {filename: 'runbook.cjs', cachedData});
if (file && (cachedData === undefined || script.cachedDataRejected)) {
	const save = (): void => {
		try {
			makePrivateDir(path.dirname(file));
			writeFileAtomic(file, script.createCachedData());
		} catch {
			// not written: the next start compiles again
		}
	};
	// At exit, and when the CLI flushes its compile cache before the TUI's first frame (a
	// process that is killed never exits normally): platform/compile-cache.ts calls this.
	process.once('exit', () => {
		// V8 rejects a cache made under other flags than the next start's, and the CLI changes one
		// (platform/heap-tuning.ts); the process is ending, so V8's default can come back first.
		v8.setFlagsFromString('--semi-space-growth-factor=2');
		save();
	});
	(globalThis as Record<symbol, unknown>)[FLUSH_CODE_CACHE] = save;
}
const run = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, mod: NodeJS.Module, filename: string, dirname: string) => void;
run(module.exports, require, module, __filename, __dirname);
