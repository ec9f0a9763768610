#!/usr/bin/env node
/**
 * The entry of the bundled `runbook` command: `npm run build` bundles this file
 * (esbuild, see `bundle` in package.json) as dist/cli.js, the package's bin.
 *
 * It checks the Node version before anything else loads: below Node 22.2 the
 * program would fail later with a library's
 * stack trace (undici on Kubernetes runbooks, under Node 20), so it exits 2 with
 * one line saying what it needs. This file therefore imports nothing statically
 * (the bundle would evaluate those imports first) and uses only syntax that old
 * Node versions parse. Then cli/start.ts turns on the compile cache and runs cli/main.ts.
 */

/**
 * The oldest Node version the CLI runs on, [major, minor]: 22.2 for `zlib.crc32`
 * (the state log's record checksums), which the bundle reads with `require` and so
 * would only miss at the first save. Checked here only, not in package.json
 * `engines`: npm checks `engines` against the Node that runs npm, and `npx runbook`
 * in a checkout installs the project into npx's cache, so a system Node 20 running
 * npm would warn (EBADENGINE) though the command runs on the project's Node 24
 * (node_modules/.bin comes first on npx's PATH).
 */
const NODE_NEEDED = [22, 2] as const;

const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(part => Number.parseInt(part, 10));
if (!(nodeMajor > NODE_NEEDED[0] || (nodeMajor === NODE_NEEDED[0] && nodeMinor >= NODE_NEEDED[1]))) {
	const needed = NODE_NEEDED.join('.');
	process.stderr.write(`runbook needs Node.js ${needed} or later; this is Node.js ${process.versions.node} (${process.execPath}). ` + `Install Node.js ${needed}+ (https://nodejs.org/en/download, or \`nvm install ${NODE_NEEDED[0]}\`) and run runbook with it.\n`);
	process.exit(2);
}

await import('./cli/start.js');
