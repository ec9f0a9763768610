/**
 * Starts the Ink TUI for a run. The caller starts it only when stdin and stdout
 * are terminals, then starts the run, then waits for the app to exit (it exits
 * by itself when the run ends).
 */
import {render} from 'ink';
import type {RunHandle} from '../engine/handle.js';
import type {EarlierSessions, StepEstimates} from '../engine/run-summary.js';
import {App} from './app.js';
import type {TuiOperator} from './operator.js';
import {visibleControls} from '../security/terminal-text.js';

/** Options of {@link startTui}. */
export interface StartTuiOptions {
	/** Output stream (default `process.stdout`). */
	stdout?: NodeJS.WriteStream;
	/** Input stream (default `process.stdin`). */
	stdin?: NodeJS.ReadStream;
	/** Lines to show before the run starts (runbook changed, interrupted steps); dismissed by a key or the first step. */
	notices?: readonly string[];
	/** More header rows, such as the Kubernetes target (`context: … · server: … · namespace: …`). */
	headerLines?: readonly string[];
	/**
	 * The command that resumes this run, shown when it ends unfinished (default
	 * `runbook resume <run id>`); the caller adds `--state-dir DIR` when the run
	 * uses a state dir given on the command line.
	 */
	resumeCommand?: string;
	/** The run's time before this process, from its journal (store/sessions.ts); none by default. */
	earlierSessions?: EarlierSessions;
	/** How long each step took in earlier completed runs of the runbook (cli/run.ts reads them through store/); none by default. */
	stepEstimates?: StepEstimates;
}

/** The running TUI. */
export interface TuiInstance {
	/**
	 * Resolves when the app has exited (the run ended, or `unmount` was called).
	 * After a run that ended, the terminal is back on its primary screen with the
	 * run's summary printed there (ending with a newline).
	 */
	waitUntilExit(): Promise<void>;
	/** Removes the app from the terminal at once (the operator's pending prompts stay unanswered). */
	unmount(): void;
}

/**
 * Renders the TUI for `handle` and `operator`. Ink options: `alternateScreen:
 * true` (a full-screen program, like less or htop: its frames never reach the
 * scrollback, and the terminal's screen comes back as it was on exit), then the
 * run's summary (how it ended, steps done, failures, run folder, resume command)
 * is printed on the primary screen, where it stays; `exitOnCtrlC: false`
 * (Ctrl-C is a key of the app: it asks before quitting), `interactive: true`
 * (Ink would treat CI=true as non-interactive and draw only the last frame),
 * `patchConsole: false` (nothing of ours logs to the console while it runs,
 * and the runner's notices arrive as events).
 */
export function startTui(handle: RunHandle, operator: TuiOperator, options: StartTuiOptions = {}): TuiInstance {
	const stdout = options.stdout ?? process.stdout;
	let summary: readonly string[] = [];
	const instance = render(
		<App
			handle={handle}
			operator={operator}
			notices={options.notices}
			headerLines={options.headerLines}
			resumeCommand={options.resumeCommand}
			earlierSessions={options.earlierSessions}
			stepEstimates={options.stepEstimates}
			onQuit={lines => {
				summary = lines;
			}}
		/>,
		{
			stdout,
			stdin: options.stdin ?? process.stdin,
			exitOnCtrlC: false,
			interactive: true,
			alternateScreen: true,
			patchConsole: false,
		},
	);
	let exited: Promise<void> | undefined;
	return {
		waitUntilExit() {
			exited ??= instance.waitUntilExit().then(() => {
				// Runbook and state text (titles, errors), on the terminal without Ink: controls made visible.
				if (summary.length > 0) stdout.write(visibleControls(`${summary.join('\n')}\n`));
			});
			return exited;
		},
		unmount() {
			instance.unmount();
		},
	};
}
