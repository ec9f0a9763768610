#!/usr/bin/env node
/**
 * The entry of the bundled `runbook` command: `npm run build` bundles this file
 * (esbuild, see `bundle` in package.json) as dist/cli.js, the package's bin.
 * It turns on Node's compile cache (compile-cache.ts) before anything else
 * loads, then runs the program, cli.tsx, which the bundle keeps in a chunk of
 * its own so that it is loaded, and cached, after the cache is on. A reader of
 * our output that goes away (`| head`) is not an error (platform/closed-output.ts).
 */
import {enableCompileCache} from './platform/compile-cache.js';
import {quietOnClosedOutput} from './platform/closed-output.js';

enableCompileCache();
quietOnClosedOutput();
await import('./cli.js');
