/**
 * Test support: waiting on conditions, never on the clock. Every wait polls a check and
 * fails naming what it waited for; the timeout is a guard against a hang, not a claim
 * about speed (a loaded machine may take long). Plain Node (no vitest), so the cluster
 * support that `npm run bench` loads waits the same way; the timers are the ones of
 * when this module loaded, so a test that fakes timers or Date neither stops a wait nor
 * moves its faked time (vi.waitFor would).
 */

const realSetTimeout = globalThis.setTimeout;
const monotonicNow = performance.now.bind(performance);

/** How a wait polls; every field optional. */
export interface WaitOptions {
	/** How long to poll before failing (ms); default 10,000. */
	timeoutMs?: number;
	/** Time between two checks (ms); default 20. */
	intervalMs?: number;
	/** Text added to the timeout's error (a log tail, what was seen last). */
	detail?: () => string;
	/** Checked before each poll: a message ends the wait at once with that error (a server that exited). */
	giveUp?: () => string | undefined;
}

/**
 * Resolves with `check()`'s first truthy value, polling every `intervalMs`. `check` may be
 * async; a check that throws counts as not yet (its last error is in the timeout's).
 * @param what names the condition in the error (`waiting for <what>`).
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>` (with the last error and
 *   `detail()`), or `<giveUp()> (waiting for <what>)`.
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
	const {timeoutMs = 10_000, intervalMs = 20, detail, giveUp} = options;
	const deadline = monotonicNow() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		const reason = giveUp?.();
		if (reason !== undefined) throw new Error(`${reason} (waiting for ${what})`);
		try {
			const value = await check();
			if (value) return value as NonNullable<T>;
			lastError = undefined;
		} catch (error) {
			lastError = error;
		}
		if (monotonicNow() >= deadline) {
			const parts = [`timed out after ${timeoutMs} ms waiting for ${what}`];
			if (lastError !== undefined) parts.push(`last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
			if (detail) parts.push(detail());
			throw new Error(parts.join('\n'));
		}
		await new Promise(resolve => realSetTimeout(resolve, intervalMs));
	}
}

/**
 * Resolves once `check()` returns true.
 * @throws Error as {@link waitFor}.
 */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
	await waitFor(what, check, {timeoutMs});
}

/**
 * Resolves with `read()`'s first value that is not undefined (0 and '' count).
 * @throws Error as {@link waitFor}.
 */
export async function waitForValue<T>(what: string, read: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	const found = await waitFor(
		what,
		() => {
			const value = read();
			return value === undefined ? undefined : {value};
		},
		{timeoutMs},
	);
	return found.value;
}

/**
 * Resolves once `list` has an item for which `test` holds; the timeout's error shows the list.
 * @throws Error as {@link waitFor}.
 */
export async function waitForItem<T>(what: string, list: readonly T[], test: (item: T) => boolean, timeoutMs = 30_000): Promise<T> {
	const found = await waitFor(what, () => (list.some(test) ? {item: list.find(test) as T} : undefined), {timeoutMs, detail: () => `have: ${JSON.stringify(list)}`});
	return found.item;
}
