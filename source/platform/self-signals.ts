/**
 * Tells a signal the process sent to itself from one sent by someone else.
 *
 * proper-lockfile's dependency signal-exit hooks SIGINT, SIGTERM, SIGHUP and
 * others, runs its clean-ups on the first one and then sends the same signal to the process again (`process.kill(process.pid, sig)`),
 * so that a program without handlers dies of it. The CLI has handlers: to them
 * that echo would look like the operator's second Ctrl-C, which kills the
 * running command at once (engine/runner.ts `requestStop`). So `process.kill` is
 * wrapped to count signals sent to this very process, and {@link takeSelfSignal}
 * consumes one of those counts when such a signal arrives.
 *
 * Limit: standard signals do not queue, so an operator's signal that arrives
 * while an echo of the same signal is still pending merges with it and counts
 * as the echo (the window is one turn of the event loop).
 */

const pending = new Map<string, number>();
let installed = false;

/**
 * Wraps `process.kill` (once; later calls do nothing) so that every signal this
 * process sends to its own pid is counted. Call it before any library that may
 * echo signals is loaded. Other calls pass through unchanged.
 */
export function countSelfSignals(): void {
	if (installed) return;
	installed = true;
	const kill = process.kill.bind(process);
	process.kill = (pid: number, signal?: string | number): true => {
		const name = typeof signal === 'string' ? signal : signal === undefined ? 'SIGTERM' : undefined;
		const result = kill(pid, signal);
		if (pid === process.pid && name) pending.set(name, (pending.get(name) ?? 0) + 1);
		return result;
	};
}

/**
 * Called from a signal handler: true when this `signal` is one the process sent
 * itself (and not yet consumed), so the handler can ignore it; false for a
 * signal from anyone else.
 */
export function takeSelfSignal(signal: NodeJS.Signals): boolean {
	const count = pending.get(signal) ?? 0;
	if (count === 0) return false;
	if (count === 1) pending.delete(signal);
	else pending.set(signal, count - 1);
	return true;
}
