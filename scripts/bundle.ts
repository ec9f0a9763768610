/**
 * `npm run bundle`: the `runbook` command as dist/cli.js, an ES module that
 * loads the rest from dist/chunks/ as it needs it (esbuild's code splitting:
 * the plan screen does not load zx, undici or the Kubernetes executor), with
 * source maps. @kubernetes/client-node stays outside (loaded from
 * node_modules by the Kubernetes steps only), and React devtools, which Ink
 * imports only when DEV=true, is left out.
 *
 * One library's text is changed as it is bundled: {@link yogaWithoutFetch}.
 *
 * Run as TypeScript by Node (no vitest): `node scripts/bundle.ts`.
 */
import {readFileSync, rmSync} from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The exact text in yoga-layout's Emscripten loader (yoga-wasm-base64-esm.js,
 * yoga-layout 3.x) that asks whether `fetch` exists before it decodes the
 * WebAssembly it carries inline (base64), and what replaces it.
 */
const YOGA_FETCH_TEST: readonly [string, string] = ['return w||"function"!=typeof fetch?', 'return w||true?'];

/**
 * Yoga (Ink's layout engine) without its look at `fetch`. The loader only
 * fetches a binary it does not carry, and it carries it, yet `typeof fetch`
 * makes Node load its whole built-in fetch (undici: some 60 ms of the first
 * frame's CPU on the benchmark machine, issue 14). Used by this bundle and by the single
 * executable's (scripts/binary.ts). A yoga-layout whose text differs fails the
 * build, rather than silently keeping the cost.
 */
export const yogaWithoutFetch: esbuild.Plugin = {
	name: 'yoga-without-fetch',
	setup(build) {
		build.onLoad({filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/}, args => {
			const text = readFileSync(args.path, 'utf8');
			const [from, to] = YOGA_FETCH_TEST;
			if (text.split(from).length !== 2) throw new Error(`${args.path} does not contain \`${from}\` once: check scripts/bundle.ts against this yoga-layout version`);
			return {contents: text.replace(from, to), loader: 'js'};
		});
	},
};

/** Writes dist/cli.js, dist/chunks/ and their source maps, removing the previous ones first. Throws with esbuild's errors. */
export async function bundle(): Promise<void> {
	const dist = path.join(ROOT, 'dist');
	for (const old of ['cli.js', 'cli.js.map', 'chunks']) rmSync(path.join(dist, old), {recursive: true, force: true});
	await esbuild.build({
		entryPoints: {cli: path.join(ROOT, 'source', 'bin.ts')},
		bundle: true,
		splitting: true,
		format: 'esm',
		platform: 'node',
		target: 'node22',
		outdir: dist,
		chunkNames: 'chunks/[name]-[hash]',
		sourcemap: true,
		external: ['react-devtools-core', '@kubernetes/client-node'],
		// Bundled CommonJS libraries call require(): an ES module has none.
		banner: {js: "import {createRequire as __bundleRequire} from 'node:module'; const require = __bundleRequire(import.meta.url);"},
		plugins: [yogaWithoutFetch],
		logLevel: 'warning',
	});
}

if (import.meta.main) {
	try {
		await bundle();
	} catch (error) {
		process.stderr.write(`bundle: ${(error as Error).message}\n`);
		process.exitCode = 1;
	}
}
