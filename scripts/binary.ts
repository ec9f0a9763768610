/**
 * `npm run build:binary`: the `runbook` command as one executable file,
 * dist/runbook-linux-x64, with Node inside (Node's single executable applications,
 * https://nodejs.org/api/single-executable-applications.html), for a jump host
 * without Node: copy the file, run it.
 *
 * How, with the Node 24 of the `node` devDependency (the binary that is copied):
 * 1. esbuild bundles the CLI into one CommonJS file (Node 24's SEA runs only a
 *    CommonJS main script: its config has no `mainFormat`), everything inside,
 *    @kubernetes/client-node too (dist/cli.js keeps it outside, in node_modules).
 *    CommonJS has no top-level await, which two libraries use at load time:
 *    yoga-layout (Ink's layout engine) awaits its WebAssembly, so `yoga-layout` is
 *    replaced by a module that starts the same load and exports the instance as a
 *    live binding, and the entry awaits it before the first render; Ink's
 *    reconciler awaits only for React devtools when DEV=true, which the binary
 *    cannot load anyway, so those two awaits are cut (exact text; the build fails
 *    if an Ink upgrade changes it, rather than shipping a binary that breaks);
 *    yoga's loader no longer asks for `fetch` and React is bundled in its
 *    production build only (scripts/bundle.ts, as dist/cli.js). @inkjs/ui's
 *    unused components stay in the binary: in a CommonJS bundle esbuild wraps the
 *    package's index, which loads every component (the plugin drops only 7 of
 *    62 modules here; in dist/cli.js's ES chunks it drops them all).
 * 2. `node --experimental-sea-config` writes the blob: a small main script
 *    (scripts/binary-main.ts, bundled the same way) and the CLI's bundle as an
 *    asset, which the main script runs with a V8 code cache kept in the user's
 *    cache folder (made after the first run, as Node's compile cache is for the
 *    npm-installed command; SEA's `useCodeCache` would cache only the top level
 *    compiled before the run, not the functions start-up compiles), without the
 *    experimental warning. `useSnapshot` is not used: modules that read the
 *    terminal and the environment as they load would keep the build machine's.
 * 3. The Node binary is copied, stripped of its symbols when `strip` is there
 *    (126 MB -> 108 MB; Node's own stack traces do not need them), and postject
 *    injects the blob (Node 24 has no `--build-sea`). Written to a part file and
 *    renamed: never a half-written executable at the final name.
 *
 * Run as TypeScript by Node (no vitest): `node scripts/binary.ts [--out FILE]`.
 * The single-executable test (test/e2e/binary.test.ts) builds it through
 * {@link buildBinaryIfStale} when it is older than its sources.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parseArgs} from 'node:util';
import * as esbuild from 'esbuild';
import {inkUiWithoutSideEffects, reactProductionBuild, yogaWithoutFetch} from './bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Where `npm run build:binary` writes the executable: `runbook-<platform>-<arch>` in dist/ (on this machine, dist/runbook-linux-x64). */
export const BINARY = path.join(ROOT, 'dist', `runbook-${process.platform}-${process.arch}`);

/** The Node binary that goes inside: the `node` devDependency's (npm's bin link resolves to it). */
export function nodeBinary(): string {
	const link = path.join(ROOT, 'node_modules', '.bin', 'node');
	if (!existsSync(link)) throw new Error('node_modules/.bin/node is missing: run `npm install` (the `node` devDependency is the Node that goes into the binary)');
	return execFileSync(link, ['-p', 'process.execPath'], {encoding: 'utf8'}).trim();
}

/** The fuse postject flips so that Node runs the injected blob (Node's SEA documentation). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Ink's reconciler awaits at load time only when DEV=true (React devtools; Ink 6-8):
 * each piece of text is replaced as a whole, and a missing one fails the build.
 */
const INK_RECONCILER_CUTS: ReadonlyArray<[string, string]> = [
	["await import('./devtools.js');", '/* runbook binary: no React devtools */'],
	['const loaded = await loadPackageJson();', 'const loaded = {}; /* runbook binary: the default renderer name */'],
];

/**
 * `yoga-layout` for the CommonJS bundle: the module yoga-layout's own index.js
 * is, without its top-level await. `Yoga` is exported as a live binding, set once
 * the WebAssembly is loaded; `yogaReady` resolves then (Ink uses Yoga only when
 * it renders, never while its modules load).
 */
const YOGA_MODULE = `import {loadYoga} from 'yoga-layout/load';
export * from 'yoga-layout/load';
let Yoga;
export const yogaReady = loadYoga().then(instance => { Yoga = instance; });
export {Yoga as default};
`;

/** The bundle's entry: the CLI's start (cli/start.ts) without the compile cache, which covers only modules loaded from files. */
const ENTRY = `import {yogaReady} from 'yoga-layout';
import {quietOnClosedOutput} from './source/platform/closed-output.ts';
import {main} from './source/cli/main.ts';
quietOnClosedOutput();
yogaReady.then(main);
`;

const seaPlugin: esbuild.Plugin = {
	name: 'runbook-single-executable',
	setup(build) {
		build.onResolve({filter: /^yoga-layout$/}, () => ({path: 'yoga-layout', namespace: 'runbook-binary'}));
		build.onLoad({filter: /.*/, namespace: 'runbook-binary'}, () => ({contents: YOGA_MODULE, resolveDir: ROOT, loader: 'js'}));
		build.onLoad({filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/}, args => {
			let text = readFileSync(args.path, 'utf8');
			for (const [from, to] of INK_RECONCILER_CUTS) {
				if (!text.includes(from)) throw new Error(`${args.path} no longer contains \`${from}\`: check scripts/binary.ts against this Ink version`);
				text = text.replace(from, to);
			}
			return {contents: text, loader: 'js'};
		});
	},
};

/** Bundles the CLI as one CommonJS file at `outfile`. Throws with esbuild's errors. */
export async function bundleForBinary(outfile: string): Promise<void> {
	await esbuild.build({
		stdin: {contents: ENTRY, resolveDir: ROOT, sourcefile: 'runbook-binary-entry.ts', loader: 'ts'},
		bundle: true,
		format: 'cjs',
		platform: 'node',
		target: 'node24',
		outfile,
		plugins: [seaPlugin, yogaWithoutFetch, inkUiWithoutSideEffects, reactProductionBuild],
		logLevel: 'warning',
	});
}

/** Bundles scripts/binary-main.ts (the executable's main script) at `outfile`, for the CLI bundle whose SHA-256 is `bundleSha256`. */
async function bundleMain(outfile: string, bundleSha256: string): Promise<void> {
	await esbuild.build({
		entryPoints: [path.join(ROOT, 'scripts', 'binary-main.ts')],
		bundle: true,
		format: 'cjs',
		platform: 'node',
		target: 'node24',
		outfile,
		define: {RUNBOOK_BUNDLE_SHA256: JSON.stringify(bundleSha256)},
		logLevel: 'warning',
	});
}

/**
 * Builds the single executable at `out` (default {@link BINARY}), logging each
 * stage to `log`. Linux only (macOS and Windows need signing and other postject
 * options). Throws with the failing tool's output.
 */
export async function buildBinary(out: string = BINARY, log: (line: string) => void = () => {}): Promise<void> {
	if (process.platform !== 'linux') throw new Error(`the single executable is built on Linux only (this is ${process.platform})`);
	const node = nodeBinary();
	const work = mkdtempSync(path.join(os.tmpdir(), 'runbook-binary-'));
	try {
		const bundle = path.join(work, 'runbook.cjs');
		await bundleForBinary(bundle);
		log(`bundled ${(statSync(bundle).size / 1024 ** 2).toFixed(1)} MB of JavaScript`);
		const main = path.join(work, 'main.cjs');
		await bundleMain(main, createHash('sha256').update(readFileSync(bundle)).digest('hex'));
		const config = path.join(work, 'sea-config.json');
		const blob = path.join(work, 'sea.blob');
		writeFileSync(config, JSON.stringify({main, output: blob, disableExperimentalSEAWarning: true, assets: {'runbook.cjs': bundle}}));
		run(node, ['--experimental-sea-config', config], 'node --experimental-sea-config');
		mkdirSync(path.dirname(out), {recursive: true});
		const part = `${out}.part-${process.pid}`;
		try {
			copyFileSync(node, part);
			chmodSync(part, 0o755);
			const strip = spawnSync('strip', [part], {encoding: 'utf8'});
			log(strip.error ? 'strip not found: the Node binary keeps its symbols' : strip.status === 0 ? 'stripped the symbols of the Node binary' : `strip failed (${strip.stderr.trim()}): the Node binary keeps its symbols`);
			run(process.execPath, [postjectCli(), part, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], 'postject');
			renameSync(part, out);
		} finally {
			rmSync(part, {force: true});
		}
		log(`wrote ${path.relative(process.cwd(), out) || out} (${(statSync(out).size / 1024 ** 2).toFixed(0)} MB, Node ${execFileSync(node, ['--version'], {encoding: 'utf8'}).trim()})`);
	} finally {
		rmSync(work, {recursive: true, force: true});
	}
}

function postjectCli(): string {
	const cli = path.join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
	if (!existsSync(cli)) throw new Error('postject is missing: run `npm install` (it is a devDependency)');
	return cli;
}

function run(command: string, args: string[], name: string): void {
	const result = spawnSync(command, args, {encoding: 'utf8'});
	if (result.error || result.status !== 0) throw new Error(`${name} failed: ${result.error?.message ?? `${result.stdout}${result.stderr}`.trim()}`);
}

/** Newest modification time (ms) of the files under `dir`. */
function newestMtimeMs(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, {withFileTypes: true, recursive: true})) {
		if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
	}
	return newest;
}

/** True when {@link BINARY} is missing or older than source/, package.json, the lock file, this script, binary-main.ts, bundle.ts or the Node binary. */
export function binaryIsStale(): boolean {
	if (!existsSync(BINARY)) return true;
	const inputs = Math.max(newestMtimeMs(path.join(ROOT, 'source')), ...[path.join(ROOT, 'package.json'), path.join(ROOT, 'package-lock.json'), import.meta.filename, path.join(ROOT, 'scripts', 'binary-main.ts'), path.join(ROOT, 'scripts', 'bundle.ts'), nodeBinary()].map(file => statSync(file).mtimeMs));
	return inputs > statSync(BINARY).mtimeMs;
}

/** Builds {@link BINARY} when {@link binaryIsStale}; true when it built. */
export async function buildBinaryIfStale(log?: (line: string) => void): Promise<boolean> {
	if (!binaryIsStale()) return false;
	await buildBinary(BINARY, log);
	return true;
}

if (import.meta.main) {
	try {
		const {values} = parseArgs({options: {out: {type: 'string'}}});
		await buildBinary(values.out ? path.resolve(values.out) : BINARY, line => process.stdout.write(`build:binary: ${line}\n`));
	} catch (error) {
		process.stderr.write(`build:binary: ${(error as Error).message}\n`);
		process.exitCode = 1;
	}
}
