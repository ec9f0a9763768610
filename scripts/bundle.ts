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
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {isBuiltin} from 'node:module';
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

/**
 * @inkjs/ui without side effects: its package.json does not say `sideEffects: false`,
 * so esbuild kept all of its components (59 modules: inputs, lists, alerts, cli-spinners'
 * table...) although the TUI uses four (Spinner, Select, TextInput, the theme); their
 * top-level code ran before the first frame. Its modules only define components and themes.
 */
export const inkUiWithoutSideEffects: esbuild.Plugin = {
	name: 'inkjs-ui-without-side-effects',
	setup(build) {
		build.onResolve({filter: /.*/}, async args => {
			if (args.pluginData === 'inkjs-ui' || !(args.path === '@inkjs/ui' || /[\\/]node_modules[\\/]@inkjs[\\/]ui[\\/]/.test(args.importer))) return undefined;
			const result = await build.resolve(args.path, {kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'inkjs-ui'});
			if (result.errors.length > 0 || !/[\\/]node_modules[\\/]@inkjs[\\/]ui[\\/]/.test(result.path)) return result.errors.length > 0 ? {errors: result.errors} : undefined;
			return {path: result.path, sideEffects: false};
		});
	},
};

/** How React's CommonJS entry files (react, react-reconciler, scheduler: index.js and the like) pick their build. */
const REACT_BUILD_TEST = "process.env.NODE_ENV === 'production'";

/**
 * React, its reconciler and scheduler in their production builds only. Their entry
 * files pick a build from NODE_ENV when first required, so both builds were bundled,
 * and the development ones (some 800 KB of react-reconciler) were read, hashed and
 * decoded at every start though never run: cli/lazy-modules.ts sets NODE_ENV to
 * `production` while the TUI loads, as the development build costs several times more
 * per frame. The test becomes `true`, so esbuild leaves the development build out
 * (NODE_ENV=development no longer brings it back). An entry file whose text differs
 * fails the build.
 */
export const reactProductionBuild: esbuild.Plugin = {
	name: 'react-production-build',
	setup(build) {
		build.onLoad({filter: /[\\/]node_modules[\\/](react|react-reconciler|scheduler)[\\/][\w.-]+\.js$/}, args => {
			const text = readFileSync(args.path, 'utf8');
			if (!text.includes('process.env.NODE_ENV')) return undefined;
			if (text.split(REACT_BUILD_TEST).length !== 2) throw new Error(`${args.path} does not contain \`${REACT_BUILD_TEST}\` once: check scripts/bundle.ts against this React version`);
			return {contents: text.replace(REACT_BUILD_TEST, 'true'), loader: 'js'};
		});
	},
};

/**
 * One `import` of a module as esbuild prints it (one line): default, namespace and
 * named bindings, or none (`import "x";`); {@link requireBuiltins} rewrites those of
 * Node's built-ins (`node:fs` or bare `fs`, as `isBuiltin` says) and leaves the rest.
 */
const ONE_LINE_IMPORT = /^import (?:(?:([\w$]+)(?:, )?)?(?:\{ ([\w$, ]*) \}|\* as ([\w$]+))? from )?"([^"]+)";$/gm;

/** Any import or re-export of a module, to find the forms {@link ONE_LINE_IMPORT} missed. */
const ANY_IMPORT = /^(?:import|export)\b[^;]*?["']([^"']+)["'];?$/gm;

/**
 * `text` (a chunk as esbuild printed it) with its imports of Node's built-in modules
 * made `require` calls (the bundle's banner defines `require`), on the same line so
 * the source map still holds. An ES module's `import ... from 'node:util'` makes Node
 * build the built-in's ES facade, which reads every export, and reading a lazy one
 * loads more modules: `util`'s parseArgs, `fs`'s streams and promises, `crypto`'s
 * webcrypto, `worker_threads` (15 modules the first frame never used, issue 14).
 *
 * What changes with it: a `const` from `require` exists from its line on, where an
 * import binding exists before the module runs (safe while no module cycle calls a
 * built-in during evaluation: the chunks have none today); and a named binding a
 * built-in lacks is `undefined` rather than a load error (so source/bin.ts checks
 * the Node version every named binding needs).
 * @throws when an import of a built-in is left in a form this does not know.
 */
export function requireBuiltins(text: string, file: string): string {
	const out = text.replace(ONE_LINE_IMPORT, (all, def: string | undefined, named: string | undefined, namespace: string | undefined, name: string) => {
		if (!isBuiltin(name)) return all;
		const module = JSON.stringify(name);
		const parts: string[] = [];
		if (def) parts.push(`const ${def} = require(${module});`);
		if (namespace) parts.push(`const ${namespace} = require(${module});`);
		if (named) parts.push(`const { ${named.replaceAll(' as ', ': ')} } = require(${module});`);
		if (parts.length === 0) parts.push(`require(${module});`);
		return parts.join(' ');
	});
	for (const left of out.matchAll(ANY_IMPORT)) {
		// The banner's own import of node:module is what defines `require`.
		if (isBuiltin(left[1] ?? '') && !left[0].includes('__bundleRequire')) throw new Error(`${file}: an import of a built-in module that scripts/bundle.ts does not turn into require: ${left[0]}`);
	}
	return out;
}

/**
 * Writes dist/cli.js, dist/chunks/ and their source maps, removing the previous ones
 * first; the chunks load Node's built-ins with `require` ({@link requireBuiltins}).
 * Every output is rewritten before any is written, and cli.js is written last, so a
 * failed build leaves no cli.js (scripts/dist.ts then sees dist/ as stale) rather
 * than a fresh one beside missing chunks.
 * @throws with esbuild's errors, or {@link requireBuiltins}'s.
 */
export async function bundle(): Promise<void> {
	const dist = path.join(ROOT, 'dist');
	const cli = path.join(dist, 'cli.js');
	for (const old of ['cli.js', 'cli.js.map', 'chunks']) rmSync(path.join(dist, old), {recursive: true, force: true});
	const result = await esbuild.build({
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
		plugins: [yogaWithoutFetch, inkUiWithoutSideEffects, reactProductionBuild],
		logLevel: 'warning',
		write: false,
	});
	const outputs = result.outputFiles.map(output => ({path: output.path, contents: output.path.endsWith('.js') ? requireBuiltins(output.text, output.path) : output.contents}));
	outputs.sort((a, b) => Number(a.path === cli) - Number(b.path === cli));
	for (const output of outputs) {
		mkdirSync(path.dirname(output.path), {recursive: true});
		writeFileSync(output.path, output.contents, {mode: output.path === cli ? 0o755 : 0o644});
	}
}

if (import.meta.main) {
	try {
		await bundle();
	} catch (error) {
		process.stderr.write(`bundle: ${(error as Error).message}\n`);
		process.exitCode = 1;
	}
}
