#!/usr/bin/env node
/**
 * The entry of the bundled `runbook` command: `npm run build` bundles this file
 * (esbuild, see `bundle` in package.json) as dist/cli.js, the package's bin.
 *
 * It checks the Node version before anything else loads: below Node 22 the
 * program would fail later with a library's
 * stack trace (undici on Kubernetes runbooks, under Node 20), so it exits 2 with
 * one line saying what it needs. This file therefore imports nothing statically
 * (the bundle would evaluate those imports first) and uses only syntax that old
 * Node versions parse. Then cli/start.ts turns on the compile cache and runs cli/main.ts.
 */

/**
 * The oldest Node major version the CLI runs on. Checked here only, not in
 * package.json `engines`: npm checks `engines` against the Node that runs npm,
 * and `npx runbook` in a checkout installs the project into npx's cache, so a
 * system Node 20 running npm would warn (EBADENGINE) though the command runs
 * on the project's Node 24 (node_modules/.bin comes first on npx's PATH).
 */
const NODE_MAJOR_NEEDED = 22;

const nodeMajor = Number.parseInt(process.versions.node.split('.')[0] ?? '0', 10);
if (!(nodeMajor >= NODE_MAJOR_NEEDED)) {
	process.stderr.write(`runbook needs Node.js ${NODE_MAJOR_NEEDED} or later; this is Node.js ${process.versions.node} (${process.execPath}). ` + `Install Node.js ${NODE_MAJOR_NEEDED}+ (https://nodejs.org/en/download, or \`nvm install ${NODE_MAJOR_NEEDED}\`) and run runbook with it.\n`);
	process.exit(2);
}

await import('./cli/start.js');
