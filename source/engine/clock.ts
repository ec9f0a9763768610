/**
 * The real clock: wall time and abortable sleeps. Tests use a fake `Clock`.
 */
import type {Clock} from './ports.js';

/** A `Clock` on `Date` and `setTimeout`; `sleep` resolves early when its signal aborts. */
export const systemClock: Clock = {
	now: () => new Date(),
	sleep: (ms, signal) =>
		new Promise<void>(resolve => {
			if (signal?.aborted) return resolve();
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				signal?.removeEventListener('abort', done);
				resolve();
			}
			signal?.addEventListener('abort', done, {once: true});
		}),
};
