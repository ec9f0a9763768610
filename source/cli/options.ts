/**
 * The options of `runbook run` and `runbook resume` as the commands use them (main.ts
 * parses them), and the small facts every step of a session asks: who operates, whether
 * the TUI is used, what the flags answer without a terminal.
 */
import os from 'node:os';
import type {ShellPort} from '../engine/ports.js';
import type {PreflightAnswers} from '../engine/preflight.js';
import type {KubeOptions} from './kubernetes.js';

/** Options shared by `run` and `resume` (from the command line). */
export interface SessionOptions {
	/** `-p NAME=VALUE` values. */
	params: Record<string, string>;
	auto: boolean;
	plain: boolean;
	yes: boolean;
	yesDestructive: boolean;
	rerunInterrupted: boolean;
	/** `--no-rescue`: without a terminal, a failure inside a group stops the run instead of running the group's rescue. */
	noRescue?: boolean;
	/** `--new`: start a new run even when an unfinished one exists. */
	fresh: boolean;
	stateDir?: string;
	/** SIGTERM → SIGKILL grace period for stopped commands, ms. */
	graceMs?: number;
	/**
	 * `--confirm-runbook FILE` (resume without a terminal): go on with the runbook the state
	 * names although its content is not the one recorded and this account has no record of
	 * the run (store/started.ts); FILE must be that runbook's path.
	 */
	confirmRunbook?: string;
	/** For tests: a shell port instead of the zx executor. */
	shell?: ShellPort;
}

/** `run`/`resume` options, Kubernetes ones included (`--kubeconfig`, `--context`, `-n`, `--confirm-context`). */
export type RunOptions = SessionOptions & KubeOptions;

/**
 * Who is operating: `RUNBOOK_OPERATOR` when set (a name for the journal and the
 * report, e.g. when several people share one account), else `user@host`.
 */
export function operatorName(): string {
	const named = process.env.RUNBOOK_OPERATOR?.trim();
	if (named) return named;
	let user = process.env.USER ?? '';
	try {
		user = os.userInfo().username;
	} catch {
		// keep $USER
	}
	return `${user || 'unknown'}@${os.hostname()}`;
}

/** Whether to use the TUI: both ends are terminals and `--plain` was not given. */
export function wantsTui(options: Pick<SessionOptions, 'plain'>): boolean {
	return !options.plain && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
}

/** What the flags answer without a terminal (the plain operator's answers). */
export function plainAnswers(options: RunOptions): PreflightAnswers {
	return {yes: options.yes, yesDestructive: options.yesDestructive, rerunInterrupted: options.rerunInterrupted, values: options.params, ...(options.noRescue ? {noRescue: true} : {})};
}

/** ` --state-dir DIR` for a command line the operator is told to run, when the run's state dir was given; else ''. */
export function stateDirArg(stateDir: string | undefined): string {
	return stateDir ? ` --state-dir ${stateDir}` : '';
}
