/**
 * Helpers for the CLI's end-to-end tests: the built CLI (`node dist/cli.js`, built by
 * test/support/build.ts) runs as a real process without a terminal (stdin ignored,
 * stdout and stderr piped), in a temporary workspace with its own state directory.
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach} from 'vitest';
import type {RunState} from '../../source/engine/state.js';
import {cliEnv} from '../support/cli-env.js';
import {RunsRepository} from '../../source/store/runs.js';

/** The project root. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The built CLI. */
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/** How a CLI process ended, with everything it wrote. */
export interface CliResult {
	/** Exit code; null when a signal ended the process. */
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/** A CLI process that is still running. */
export interface CliProcess {
	child: ChildProcess;
	/** What it wrote to stdout so far. */
	stdout(): string;
	/** Resolves when it has ended and its pipes are closed. */
	done: Promise<CliResult>;
}

/** Options of {@link startCli}. */
export interface CliOptions {
	/** Working directory (default: the project root). */
	cwd?: string;
	/** Added to the environment; `undefined` removes a variable. */
	env?: Record<string, string | undefined>;
	/** Kills the process (SIGKILL) after this many ms; default 60,000. */
	timeoutMs?: number;
}

/** Starts `node dist/cli.js ...args` without a terminal. */
export function startCli(args: string[], options: CliOptions = {}): CliProcess {
	const child = spawn(process.execPath, [CLI, ...args], {
		cwd: options.cwd ?? ROOT,
		env: cliEnv(options.env),
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
	const done = new Promise<CliResult>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
	});
	return {child, stdout: () => stdout, done};
}

/** Runs `node dist/cli.js ...args` to its end without a terminal. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
	return startCli(args, options).done;
}

/** Lines that look like a JavaScript stack trace (`    at fn (file:1:2)`). */
export function stackLines(text: string): string[] {
	return text.split('\n').filter(line => /^\s+at\s/.test(line));
}

/**
 * A runbook of steps `ids`, each appending its id to the file `marks` (so a test reads
 * which steps ran, in order); the step `failUntilReady` fails until the file `ready` exists.
 */
export function marksRunbook(title: string, ids: readonly string[], failUntilReady?: string): string {
	const steps = ids.map(id => (id === failUntilReady ? `  - id: ${id}\n    run: |\n      echo ${id} >> marks\n      test -f ready\n` : `  - id: ${id}\n    run: echo ${id} >> marks\n`));
	return `version: 1\ntitle: ${title}\nsteps:\n${steps.join('')}`;
}

/**
 * Three steps marking themselves (see {@link marksRunbook}); `long` also writes its
 * process group to `long.pgid` and sleeps for the seconds in the file `seconds`.
 */
export function sleeperRunbook(title: string): string {
	return `version: 1
title: ${title}
steps:
  - id: one
    run: echo one >> marks
  - id: long
    run: |
      echo long >> marks
      echo $$ > long.pgid
      sleep "$(cat seconds)"
  - id: last
    run: echo last >> marks
`;
}

/** Every file under `dir` (recursive), absolute paths. */
export function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, {recursive: true, withFileTypes: true})
		.filter(entry => entry.isFile())
		.map(entry => path.join(entry.parentPath, entry.name));
}

/**
 * A temporary directory for one test: runbooks, marker files, and the state
 * directory (`stateDir`). XDG_STATE_HOME points inside it too, so a CLI started
 * without --state-dir never writes to the real home.
 */
export class Workspace {
	/** The temporary directory (absolute). */
	readonly dir: string;
	/** `--state-dir` for the CLI. */
	readonly stateDir: string;

	constructor() {
		this.dir = mkdtempSync(path.join(tmpdir(), 'runbook-cli-test-'));
		this.stateDir = path.join(this.dir, 'state');
	}

	/** Absolute path of `name` in the workspace. */
	path(name: string): string {
		return path.join(this.dir, name);
	}

	/** Writes `text` to `name` in the workspace; returns its absolute path. */
	write(name: string, text: string): string {
		writeFileSync(this.path(name), text);
		return this.path(name);
	}

	/** The text of `name`, or '' when it does not exist. */
	read(name: string): string {
		return existsSync(this.path(name)) ? readFileSync(this.path(name), 'utf8') : '';
	}

	/** Lines of the marker file `name` (steps append one line each time they run). */
	lines(name = 'marks'): string[] {
		return this.read(name).split('\n').filter(Boolean);
	}

	/** Runs the CLI in the workspace (cwd), with XDG_STATE_HOME inside it. */
	cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
		return runCli(args, this.options(options));
	}

	/** Starts the CLI in the workspace without waiting for its end. */
	start(args: string[], options: CliOptions = {}): CliProcess {
		return startCli(args, this.options(options));
	}

	private options(options: CliOptions): CliOptions {
		return {...options, cwd: options.cwd ?? this.dir, env: {XDG_STATE_HOME: this.path('xdg-state'), ...options.env}};
	}

	/** Run ids saved in `stateDir` (default: this workspace's). */
	runIds(stateDir = this.stateDir): string[] {
		const runs = path.join(stateDir, 'runs');
		return existsSync(runs) ? readdirSync(runs).sort() : [];
	}

	/** The only run in `stateDir`; throws when there is not exactly one. */
	onlyRunId(stateDir = this.stateDir): string {
		const ids = this.runIds(stateDir);
		if (ids.length !== 1) throw new Error(`expected one run in ${stateDir}, found ${ids.length}: ${ids.join(', ')}`);
		return ids[0];
	}

	/** Path of a run's state file. */
	statePath(runId: string, stateDir = this.stateDir): string {
		return path.join(stateDir, 'runs', runId, 'state.json');
	}

	/**
	 * A run's saved state as the program loads it: state.json and the state log
	 * after it (store/runs.ts); throws StateError when it cannot be read.
	 */
	state(runId: string, stateDir = this.stateDir): RunState {
		return new RunsRepository(stateDir).load(runId, {onWarning: () => {}});
	}

	/** Removes the workspace. */
	remove(): void {
		rmSync(this.dir, {recursive: true, force: true});
	}
}

/** Step statuses of a run in runbook order: `{one: 'succeeded', two: 'failed', ...}`. */
export function stepStatuses(state: RunState): Record<string, string> {
	return Object.fromEntries(state.order.map(id => [id, state.steps[id]?.status ?? 'missing']));
}

/**
 * Registers an `afterEach` that removes the workspaces made during each test;
 * returns the function that makes one.
 */
export function useWorkspaces(): () => Workspace {
	const made: Workspace[] = [];
	afterEach(() => {
		for (const workspace of made.splice(0)) workspace.remove();
	});
	return () => {
		const workspace = new Workspace();
		made.push(workspace);
		return workspace;
	};
}
