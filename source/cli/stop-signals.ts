/**
 * SIGINT, SIGTERM and SIGHUP during a session: the first stops the run (the running
 * command gets SIGTERM, then SIGKILL after the grace period; the run ends with exit 130,
 * progress saved); a second one while the command is stopping kills it at once
 * (Runner.requestStop). The echo a library's exit handler sends of the first one is not a
 * second signal (platform/self-signals.ts).
 */
import type {Runner} from '../engine/runner.js';
import {countSelfSignals, takeSelfSignal} from '../platform/self-signals.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The signal handling of one session, from {@link listenForStop}. */
export interface StopSignals {
	/** The first signal received, if any. */
	signalled(): NodeJS.Signals | undefined;
	/** Called on a signal while a screen waits for a key (the TUI's start screen or its end-of-run summary), to leave it; undefined when none waits. */
	leave: (() => void) | undefined;
	/**
	 * Ends the stopping of the run. The handlers stay until the process exits: libraries we
	 * depend on (proper-lockfile's signal-exit) re-send a signal to the process, which must
	 * not kill it now that the run has ended (the exit code is ours: 130).
	 */
	release(): void;
}

/** Stops `runner` on SIGINT, SIGTERM and SIGHUP until {@link StopSignals.release}. */
export function listenForStop(runner: Runner): StopSignals {
	let signalled: NodeJS.Signals | undefined;
	countSelfSignals();
	const stops: StopSignals = {
		signalled: () => signalled,
		leave: undefined,
		release: () => {
			for (const signal of SIGNALS) {
				process.off(signal, onSignal);
				process.on(signal, () => {
					signalled ??= signal;
				});
			}
		},
	};
	const onSignal = (signal: NodeJS.Signals) => {
		if (takeSelfSignal(signal)) return;
		signalled ??= signal;
		runner.requestStop(`received ${signal}`);
		stops.leave?.();
	};
	for (const signal of SIGNALS) process.on(signal, onSignal);
	return stops;
}
