/**
 * Test support: waiting on conditions, never on the clock. Every wait polls a check
 * with vitest's `vi.waitFor` and fails naming what it waited for; the timeout is a
 * guard against a hang, not a claim about speed (a loaded machine may take long).
 */
import {vi} from 'vitest';

/** Polling interval of the waits (ms). */
const INTERVAL_MS = 20;

/**
 * Resolves once `check()` returns true.
 * @param what names the condition in the error (`waiting for <what>`).
 * @param timeoutMs how long to poll before failing (ms).
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>`.
 */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
	await vi.waitFor(
		() => {
			if (!check()) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		},
		{timeout: timeoutMs, interval: INTERVAL_MS},
	);
}

/**
 * Resolves with `read()`'s first value that is not undefined.
 * @throws Error as {@link waitUntil}.
 */
export async function waitForValue<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	return vi.waitFor(
		() => {
			const value = read();
			if (value === undefined) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
			return value;
		},
		{timeout: timeoutMs, interval: INTERVAL_MS},
	);
}
