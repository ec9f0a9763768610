/**
 * Exit codes, and the one mapping from an error to an exit code and the lines the
 * operator reads: every command throws what it refuses, and main.ts ends the process
 * with {@link exitCodeFor}. Exit codes: 0 completed or valid, 1 a step failed or the run
 * was aborted (or its state could not be saved), 2 an invalid runbook or usage, or a run
 * refused before anything ran, 130 interrupted (progress saved).
 */
import {CommanderError} from 'commander';
import {RunbookError} from '../runbook/load.js';
import {StateError} from '../store/runs.js';
import {StateSaveError} from '../store/state-files.js';
import {RunLockedError} from '../store/lock.js';
import {UsageError} from '../security/usage-error.js';
import {visibleControls} from '../security/terminal-text.js';

/** Exit codes of the `runbook` command. */
export const EXIT = {completed: 0, failed: 1, usage: 2, interrupted: 130} as const;

/** Where a command writes: its output and its messages. */
export interface Io {
	out: (text: string) => void;
	err: (text: string) => void;
}

/** The process's stdout and stderr. */
export const stdio: Io = {
	out: text => void process.stdout.write(text),
	err: text => void process.stderr.write(text),
};

/**
 * The exit code of `error`, having written what the operator reads to `err`: exit 2 for a
 * {@link UsageError}, an invalid runbook (every problem, file:line:col), a run in use by
 * another process or a saved state that cannot be read; 1 with its message for a state
 * that could not be saved (what the screen said was saved may not be); commander's own
 * code for a usage error it printed itself (0 for `--help`, `--version`). Messages quote
 * hostile input (paths, run ids, state fields): control characters are shown as `\xNN`.
 * @returns the exit code, or undefined for an error nobody foresaw (main.ts writes a crash file).
 */
export function exitCodeFor(error: unknown, err: (text: string) => void): number | undefined {
	const say = (text: string): void => err(visibleControls(text));
	if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.completed : EXIT.usage;
	if (error instanceof UsageError) {
		say(error.text());
		return EXIT.usage;
	}
	if (error instanceof RunbookError) {
		say(`${error.format()}\n`);
		return EXIT.usage;
	}
	if (error instanceof StateError || error instanceof RunLockedError) {
		say(`runbook: ${error.message}\n`);
		return EXIT.usage;
	}
	if (error instanceof StateSaveError) {
		say(`runbook: ${error.message}\n`);
		return EXIT.failed;
	}
	return undefined;
}
