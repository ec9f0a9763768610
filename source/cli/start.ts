/**
 * The CLI after bin.ts has checked the Node version: turns on Node's compile
 * cache (compile-cache.ts) before the program loads, then runs the program,
 * main.ts, which the bundle keeps in a chunk of its own so that it is loaded,
 * and cached, after the cache is on. A reader of our output that goes away
 * (`| head`) is not an error (platform/closed-output.ts).
 */
import {enableCompileCache} from '../platform/compile-cache.js';
import {quietOnClosedOutput} from '../platform/closed-output.js';

enableCompileCache();
quietOnClosedOutput();
const {main} = await import('./main.js');
await main();
