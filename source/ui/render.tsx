/**
 * Starts the Ink TUI for a run. The caller starts it only when stdin and stdout
 * are terminals, then starts the run, then waits for the app to exit (it exits
 * by itself when the run ends).
 */
import {render} from 'ink';
import type {RunHandle} from '../engine/handle.js';
import {App} from './app.js';
import type {TuiOperator} from './operator.js';

/** Options of {@link startTui}. */
export interface StartTuiOptions {
	/** Output stream (default `process.stdout`). */
	stdout?: NodeJS.WriteStream;
	/** Input stream (default `process.stdin`). */
	stdin?: NodeJS.ReadStream;
	/** Lines to show before the run starts (runbook changed, interrupted steps); dismissed by a key or the first step. */
	notices?: readonly string[];
	/** More header rows, such as the Kubernetes context. */
	headerLines?: readonly string[];
}

/** The running TUI. */
export interface TuiInstance {
	/** Resolves when the app has exited (the run ended, or `unmount` was called). */
	waitUntilExit(): Promise<void>;
	/** Removes the app from the terminal at once (the operator's pending prompts stay unanswered). */
	unmount(): void;
}

/**
 * Renders the TUI for `handle` and `operator`. Ink options: `exitOnCtrlC: false`
 * (Ctrl-C is a key of the app: it asks before quitting), `interactive: true`
 * (Ink would treat CI=true as non-interactive and draw only the last frame),
 * `patchConsole: false` (nothing of ours logs to the console while it runs,
 * and the runner's notices arrive as events).
 */
export function startTui(handle: RunHandle, operator: TuiOperator, options: StartTuiOptions = {}): TuiInstance {
	const instance = render(<App handle={handle} operator={operator} notices={options.notices} headerLines={options.headerLines} />, {
		stdout: options.stdout ?? process.stdout,
		stdin: options.stdin ?? process.stdin,
		exitOnCtrlC: false,
		interactive: true,
		patchConsole: false,
	});
	return {
		async waitUntilExit() {
			await instance.waitUntilExit();
		},
		unmount() {
			instance.unmount();
		},
	};
}
