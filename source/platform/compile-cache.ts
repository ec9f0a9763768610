/**
 * Node's on-disk compile cache for the `runbook` command (Node >= 22.1,
 * `module.enableCompileCache`): the compiled code of the bundle is kept between
 * runs, so a later start skips compiling several MB of JavaScript (bench/:
 * start-up to the first frame). The cache lives in the user's cache folder,
 * `$XDG_CACHE_HOME/runbook-tui/node-compile-cache` (default `~/.cache/...`), not in
 * the shared temporary folder: another user must not be able to write code that
 * this one runs. Node's own switches still apply: NODE_COMPILE_CACHE (a folder
 * of the user's choice) and NODE_DISABLE_COMPILE_CACHE=1 (off).
 */
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {withStartupHeapFlags} from './heap-tuning.js';

/**
 * The cache folder for `env` (default `process.env`): under XDG_CACHE_HOME when it
 * is an absolute path, else under `~/.cache`; undefined when there is no home folder.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const xdg = env.XDG_CACHE_HOME;
	let base: string;
	if (xdg && path.isAbsolute(xdg)) {
		base = xdg;
	} else {
		let home: string;
		try {
			home = os.homedir();
		} catch {
			return undefined;
		}
		if (!home) return undefined;
		base = path.join(home, '.cache');
	}
	return path.join(base, 'runbook-tui', 'node-compile-cache');
}

/**
 * Turns the compile cache on for the modules loaded from now on. Does nothing
 * on a Node without it or when there is no cache folder; never throws (a cache
 * that cannot be written only means a slower start).
 */
export function enableCompileCache(): void {
	try {
		const dir = compileCacheDir();
		if (dir) module.enableCompileCache?.(dir);
	} catch {
		// no cache: a slower start, nothing else
	}
}

/**
 * Where the single executable's main script (scripts/binary-main.ts) puts its
 * function that writes its own code cache now: in the executable the CLI is not
 * loaded from files, so Node's compile cache does not cover it.
 */
export const FLUSH_CODE_CACHE = Symbol.for('runbook-tui.flush-code-cache');

/**
 * Writes what was compiled so far to the cache now (Node >= 22.10), instead of
 * only at exit: a process that is killed (SIGKILL, a lost terminal) would leave
 * the cache without the modules it loaded. In the single executable, writes its
 * code cache ({@link FLUSH_CODE_CACHE}) instead. Never throws.
 */
export function flushCompileCache(): void {
	try {
		// Under the flags the next start compiles with, or V8 rejects what is written (heap-tuning.ts).
		withStartupHeapFlags(() => {
			module.flushCompileCache?.();
			const flushBinary = (globalThis as Record<symbol, unknown>)[FLUSH_CODE_CACHE];
			if (typeof flushBinary === 'function') flushBinary();
		});
	} catch {
		// nothing written: a slower next start
	}
}
