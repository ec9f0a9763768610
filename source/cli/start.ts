/**
 * The CLI after bin.ts has checked the Node version: turns on Node's compile
 * cache (compile-cache.ts) before the program loads, then runs the program,
 * main.ts, which the bundle keeps in a chunk of its own so that it is loaded,
 * and cached, after the cache is on. A reader of our output that goes away
 * (`| head`) is not an error (platform/closed-output.ts).
 */
import {enableCompileCache} from '../platform/compile-cache.js';
import {quietOnClosedOutput} from '../platform/closed-output.js';
import {keepYoungGenerationSize} from '../platform/heap-tuning.js';

// Before the program loads: loading it grew the young generation to 16 MB (some 30 MB
// resident), and a run's every step forks this process, at a cost that grows with its
// resident memory (issue 14).
keepYoungGenerationSize();
enableCompileCache();
quietOnClosedOutput();
const {main} = await import('./main.js');
await main();
