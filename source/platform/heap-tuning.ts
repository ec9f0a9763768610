/**
 * Keeps V8's young generation (where short-lived objects are allocated) at the
 * size start-up gave it. V8 doubles it, up to 64 MB and more, whenever enough
 * objects have survived collections since the last growth; a step printing a
 * million lines makes the TUI allocate steadily for minutes (lines, the output
 * tail, frames), so it grew, and the process's resident memory with it, by
 * tens of MB that the run does not need (bench/: peak RSS, target 150 MB). With
 * the growth factor at 1 the young generation mostly keeps its size (V8 still
 * grows it now and then by other heuristics: 2 MB became 2.5 to 12.5 MB in about
 * one test run of ten, against 128 MB without); collections are then a little
 * more frequent, each as cheap (little survives them).
 *
 * `node --max-semi-space-size` would do the same from the command line, but
 * the command is run as `runbook` or `node dist/cli.js`, without flags; V8 reads
 * `--semi-space-growth-factor` each time it grows the young generation, so it
 * can be set once the process runs (Node's `v8.setFlagsFromString`).
 */
import v8 from 'node:v8';

/**
 * Stops the young generation from growing from now on. cli/start.ts calls it
 * before the program's modules load: loading them grew it to 16 MB (measured,
 * issue 14), which no later collection gave back; start-up time did not change
 * measurably with it kept small. Never throws.
 */
export function keepYoungGenerationSize(): void {
	try {
		v8.setFlagsFromString('--semi-space-growth-factor=1');
		kept = true;
	} catch {
		// the default growth: more memory, nothing else
	}
}

/** V8's default `--semi-space-growth-factor` (`node --v8-options`, Node 22 to 24). */
const V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 2;

let kept = false;

/**
 * Runs `fn` (synchronous) with V8's flags as the process started with them,
 * then keeps the young generation's size again if it was kept. For making a code
 * cache: V8 stamps a cache with a hash of its flags and rejects it in a process
 * whose flags differ, so a cache made after {@link keepYoungGenerationSize} would
 * be rejected by every later start (which sets the flag only after loading).
 * Returns what `fn` returns; throws what it throws.
 */
export function withStartupHeapFlags<T>(fn: () => T): T {
	if (!kept) return fn();
	v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_SEMI_SPACE_GROWTH_FACTOR}`);
	try {
		return fn();
	} finally {
		v8.setFlagsFromString('--semi-space-growth-factor=1');
	}
}
