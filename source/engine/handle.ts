/**
 * What a user interface needs from a run in progress: read the state, follow
 * the events, and stop the running command. Implemented by `Runner`
 * (engine/runner.ts); the TUI and tests depend only on this interface.
 */
import type {Runbook} from '../runbook/schema.js';
import type {RunListener} from './events.js';
import type {StepView} from './ports.js';
import type {StepLogText} from './step-log-port.js';
import type {RunState} from './state.js';

/** A run in progress, as the UI sees it. */
export interface RunHandle {
	/** The runbook being run (parsed, variables not resolved). */
	readonly runbook: Runbook;
	/** Absolute path of the run's folder (state, logs). */
	readonly runDir: string;
	/** The current state (a fresh object after every event; do not mutate). */
	getState(): RunState;
	/** Follows the run's events; returns the unsubscribe function. */
	subscribe(listener: RunListener): () => void;
	/** The display view of a step (strings resolved, secrets shown as `***`). */
	stepView(stepId: string): StepView;
	/** `text` with every known secret value (secret params and answers) replaced by `***`. */
	redactText(text: string): string;
	/** Absolute path of a step attempt's log file (it may not exist yet). */
	logPath(stepId: string, attempt: number): string;
	/**
	 * Reads a step attempt's log ({@link RunHandle.logPath}) for display: at most its last
	 * `limitBytes` bytes. Never throws: a missing or unreadable log gives `error` and no text.
	 */
	readLog(stepId: string, attempt: number, limitBytes: number): StepLogText;
	/** True while a step's command or wait is running. */
	isBusy(): boolean;
	/**
	 * Stops the running command (SIGTERM to its process group, SIGKILL after the
	 * grace period); the step is recorded `interrupted` and the run ends `aborted`
	 * with progress kept. No effect when nothing runs. Called again while the
	 * command is still stopping, it sends SIGKILL at once.
	 */
	stopCommand(reason: string): void;
	/**
	 * True while a stopped command is still running out its grace period (SIGTERM
	 * sent): another {@link RunHandle.stopCommand} kills it at once (SIGKILL).
	 */
	readonly canKill: boolean;
}
