#!/usr/bin/env node
/**
 * The `runbook` command: parses arguments (commander), runs the subcommand (one file
 * each: run.ts, resume.ts, runs.ts, report.ts, validate.ts, schema.ts, plan.ts) and exits
 * with its code. What a command refuses it throws; exit.ts maps it to an exit code in one
 * place (0 completed or valid, 1 a step failed or the run was aborted, 2 invalid runbook or
 * usage, or a run refused before anything ran, 130 interrupted with progress saved).
 * No stack trace reaches the operator: an unexpected error is written to a crash file
 * whose path is printed.
 */
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {Command, InvalidArgumentError, Option} from 'commander';
import {maskParamValues} from '../store/lock.js';
import {resolveStateDir} from '../store/runs.js';
import {makePrivateDir, writeFileAtomic} from '../platform/safe-file.js';
import {exitWhenFlushed} from '../platform/closed-output.js';
import {EXIT, exitCodeFor} from './exit.js';
import type {RunOptions} from './options.js';
import {runCommand} from './run.js';
import {resumeCommand} from './resume.js';
import {listRuns} from './runs.js';
import {reportRun} from './report.js';
import {validateFiles} from './validate.js';
import {printSchema} from './schema.js';

function collectParam(value: string, previous: Record<string, string> | undefined): Record<string, string> {
	const eq = value.indexOf('=');
	if (eq <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${value}"`);
	return {...previous, [value.slice(0, eq)]: value.slice(eq + 1)};
}

/**
 * `--grace SECONDS`: a number from 0 to 3600 (decimals allowed). Anything else
 * (`abc`, `-1`, `1e9`) is a usage error (exit 2), not a SIGKILL 1 ms after SIGTERM.
 */
export function parseGrace(value: string): string {
	const seconds = Number(value);
	if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
		throw new InvalidArgumentError(`expected a number of seconds from 0 to 3600, got "${value.slice(0, 40)}"`);
	}
	return value;
}

/**
 * `--state-dir DIR`, its help showing the real default: how it is found
 * (runs.ts resolveStateDir) and what it is here. A defaulted value is dropped in
 * {@link sessionOptions}: only a given flag is repeated in resume hints.
 */
function stateDirOption(): Option {
	const here = resolveStateDir(undefined);
	return new Option('--state-dir <DIR>', 'where runs are saved').default(here, `$RUNBOOK_STATE_DIR, else $XDG_STATE_HOME/runbook-tui, else ~/.local/state/runbook-tui; here ${here}`);
}

/** The run options of `run` or `resume`; `command` tells a given `--state-dir` from its default. */
function sessionOptions(opts: Record<string, unknown>, command?: Command): RunOptions {
	return {
		...(opts.kubeconfig ? {kubeconfig: String(opts.kubeconfig)} : {}),
		...(opts.context ? {context: String(opts.context)} : {}),
		...(opts.namespace ? {namespace: String(opts.namespace)} : {}),
		...(opts.confirmContext ? {confirmContext: String(opts.confirmContext)} : {}),
		...(opts.confirmRunbook ? {confirmRunbook: String(opts.confirmRunbook)} : {}),
		params: (opts.param as Record<string, string>) ?? {},
		auto: Boolean(opts.auto),
		plain: Boolean(opts.plain),
		yes: Boolean(opts.yes),
		yesDestructive: Boolean(opts.yesDestructive),
		rerunInterrupted: Boolean(opts.rerunInterrupted),
		// Commander sets `rescue: false` for --no-rescue (and true by default).
		...(opts.rescue === false ? {noRescue: true} : {}),
		fresh: Boolean(opts.new),
		...(opts.stateDir && command?.getOptionValueSource('stateDir') !== 'default' ? {stateDir: String(opts.stateDir)} : {}),
		...(opts.grace !== undefined ? {graceMs: Number(opts.grace) * 1000} : {}),
	};
}

/** `-p NAME=VALUE`, repeatable; no default shown (none is set: a param's default comes from the runbook). */
function paramOption(): Option {
	return new Option('-p, --param <NAME=VALUE>', "set a param (repeatable; default: the runbook's); also presets the answer of an ask step").argParser(collectParam);
}

function addRunOptions(command: Command): Command {
	return command
		.addOption(paramOption())
		.option('--auto', 'run on without waiting for Enter at each step (a new run starts from its plan with Enter); stops at confirmations, asks, manual steps and failures')
		.option('--plain', "no TUI: a new run's plan, then one line per event (the default when stdin or stdout is not a terminal)")
		.option('--yes', 'without a terminal: answer yes to confirm questions and take manual steps as done')
		.option('--yes-destructive', 'without a terminal: run destructive steps without typing their confirmation word')
		.option('--rerun-interrupted', 'without a terminal: re-run a step that was interrupted')
		.option('--no-rescue', "without a terminal: when a step inside a group fails, stop instead of running the group's rescue steps")
		.addOption(stateDirOption())
		.addOption(new Option('--grace <SECONDS>', 'when stopping a command: seconds between SIGTERM and SIGKILL (0 to 3600)').default('10', '10 seconds').argParser(parseGrace))
		.option('--kubeconfig <FILE>', 'kubeconfig for Kubernetes steps (default: $KUBECONFIG or ~/.kube/config, as kubectl)')
		.option('--context <NAME>', "kubeconfig context (default: the runbook's kubernetes.context, else the current context)")
		.option('-n, --namespace <NAME>', "default namespace of Kubernetes steps (default: the runbook's kubernetes.namespace, else the context's)")
		.option('--confirm-context <NAME>', 'without a terminal: resume against a different Kubernetes target by naming its context')
		.option('--confirm-runbook <FILE>', "without a terminal: resume a run this account did not start although its runbook's content changed, by naming that runbook");
}

/** Builds the command-line program; `exit` receives the exit code. */
export function buildProgram(exit: (code: number) => void): Command {
	const program = new Command('runbook').description('Walk through an operations runbook (YAML), one step at a time; progress is saved and can be resumed.').version('0.1.0').showHelpAfterError('(run `runbook --help` for usage)').exitOverride();

	addRunOptions(program.command('run').argument('<FILE>', 'runbook file (YAML)').description('run a runbook (offers to resume an unfinished run of it)'))
		.option('--new', 'start a new run even if an unfinished run of this runbook exists')
		.action(async (file: string, opts: Record<string, unknown>, command: Command) => {
			exit(await runCommand(file, sessionOptions(opts, command)));
		});

	addRunOptions(program.command('resume').argument('[RUN_ID]', 'run to resume (default: the latest unfinished run)').description('resume a saved run')).action(async (runId: string | undefined, opts: Record<string, unknown>, command: Command) => {
		exit(await resumeCommand(runId, sessionOptions(opts, command)));
	});

	program
		.command('runs')
		.description('list saved runs, newest first')
		.addOption(stateDirOption())
		.option('--json', 'print JSON')
		.action(async (opts: {stateDir?: string; json?: boolean}) => {
			exit(listRuns(opts));
		});

	program
		.command('validate')
		.argument('<FILE...>', 'runbook files')
		.description('check runbooks; prints every problem with file:line:col; exit 0 when all are valid, 2 otherwise')
		.action(async (files: string[]) => {
			exit(await validateFiles(files));
		});

	program
		.command('report')
		.argument('<RUN_ID>', 'the run (see `runbook runs`)')
		.description('print a Markdown report of a run: steps, operators, decisions, failures, timeline, downtime')
		.addOption(stateDirOption())
		.option('-o, --output <FILE>', 'write the report to FILE instead of stdout')
		.action(async (runId: string, opts: {stateDir?: string; output?: string}) => {
			exit(await reportRun(runId, opts));
		});

	program
		.command('plan')
		.argument('<FILE>', 'runbook file (YAML)')
		.description('print what a run would do, step by step, without running anything (and what a run without a terminal needs)')
		.addOption(paramOption())
		.addOption(new Option('--format <FORMAT>', 'text, or markdown for review and the change ticket').default('text'))
		.action(async (file: string, opts: {param?: Record<string, string>; format?: string}) => {
			const {planRunbook} = await import('./plan.js');
			exit(await planRunbook(file, {params: opts.param ?? {}, format: opts.format}));
		});

	program
		.command('schema')
		.description('print the JSON Schema of the runbook format')
		.action(async () => {
			exit(printSchema());
		});

	return program;
}

/**
 * Writes an unexpected error to a crash file in the state directory (mode 0600,
 * an unpredictable name, never a fixed name in /tmp another user could plant a
 * link at) and says where it is, without a stack trace.
 */
function reportCrash(error: unknown): number {
	const stateDir = resolveStateDir(stateDirFlag(process.argv));
	const file = path.join(stateDir, `crash-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.log`);
	const detail = error instanceof Error ? `${error.stack ?? error.message}` : String(error);
	let written = true;
	try {
		makePrivateDir(stateDir);
		// Param values may be secrets: the crash file names the command, not its -p values.
		writeFileAtomic(file, `${new Date().toISOString()} runbook ${maskParamValues(process.argv.slice(2)).join(' ')}\n${detail}\n`);
	} catch {
		written = false; // nowhere to write: the one-line message still goes out
	}
	const message = error instanceof Error ? error.message : String(error);
	process.stderr.write(`runbook: unexpected error: ${message}\n${written ? `  details: ${file}\n` : ''}  please report this${written ? ' with the details file' : ''}.\n`);
	return EXIT.failed;
}

/** The value of `--state-dir DIR` or `--state-dir=DIR` in `argv`, if any. */
function stateDirFlag(argv: readonly string[]): string | undefined {
	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--state-dir') return argv[i + 1];
		if (argv[i].startsWith('--state-dir=')) return argv[i].slice('--state-dir='.length);
	}
	return undefined;
}

/**
 * Runs the command of `process.argv` and ends the process with its exit code
 * (when the output is flushed). Never rejects: an unexpected error becomes a
 * crash file ({@link reportCrash}). Called by cli/start.ts (the npm-installed
 * command) and by the single executable's entry (scripts/binary.ts), which must
 * not see a top-level await here: its bundle is CommonJS.
 */
export async function main(): Promise<void> {
	let code = 0;
	const program = buildProgram(c => {
		code = c;
	});
	try {
		await program.parseAsync(process.argv);
	} catch (error) {
		// What the operator can fix (exit.ts), else a crash file.
		code = exitCodeFor(error, text => void process.stderr.write(text)) ?? reportCrash(error);
	}
	process.exitCode = code;
	// Let streams flush; a lingering handle must not keep a finished run alive.
	exitWhenFlushed(code);
}
