/**
 * Runs a command in a real pseudo-terminal, the way an operator's terminal
 * would: `script -qfec "<command>" /dev/null` (util-linux) gives it a pty of
 * 80x24 (`stty` inside the script command), and we read what it draws from
 * `script`'s stdout. Used for the start-up and the big-output benchmarks.
 */
import {spawn} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {killTree} from './proc.ts';

/** What to run and when to stop. */
export interface PtyRun {
	/** Shell command line run inside the pty (by bash, after `stty cols 80 rows 24`). */
	command: string;
	/** Working directory. */
	cwd: string;
	/** Extra environment (added to a copy of ours; CI is removed, TERM is xterm-256color). */
	env?: Record<string, string>;
	/**
	 * Stop as soon as the terminal output (escape sequences removed) contains one of
	 * these strings; without it, wait for the command to exit.
	 */
	markers?: readonly string[];
	/**
	 * Keys to type once the terminal output (escapes removed) contains `marker`, then
	 * wait on for the exit: the TUI keeps a completed run's summary until a key.
	 */
	leave?: {marker: string; keys: string};
	/**
	 * Keys to type on the way, each once the output shows its marker, in order,
	 * before {@link PtyRun.leave}'s: the TUI's start screen waits for Enter (`--auto` too).
	 */
	type?: readonly {marker: string; keys: string}[];
	/** Give up after this many ms (kill the tree); default 120 000. */
	timeoutMs?: number;
}

/** How a pty run went. Times are ms since just before `spawn`. */
export interface PtyResult {
	/** When a marker first appeared (undefined: it never did). */
	markerMs?: number;
	/** When `script` exited (undefined when we stopped it at the marker or the timeout). */
	exitMs?: number;
	/** `script`'s exit code (with -e, the command's). */
	exitCode?: number | null;
	/** True when the timeout ended it. */
	timedOut: boolean;
	/** Bytes the command wrote to the terminal. */
	bytes: number;
	/** The last ~4000 characters of output, escape sequences removed (for error messages). */
	tail: string;
}

// CSI sequences (colours, cursor moves, private modes such as ?2026h), OSC sequences, and lone ESC + one char.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Removes terminal escape sequences from `text`. */
export function stripAnsi(text: string): string {
	return text.replace(ANSI, '');
}

/** Single-quotes a word for the shell: `it's` → `'it'\''s'`. */
export function shellQuote(word: string): string {
	return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The environment of a pty child: ours, minus CI (Ink treats CI=true as non-interactive), TERM set, 80x24. */
export function ptyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {...process.env, TERM: 'xterm-256color', COLUMNS: '80', LINES: '24', SHELL: '/bin/bash', ...extra};
	delete env.CI;
	env.CI = 'false';
	return env;
}

/**
 * Runs `run.command` under `script` and resolves with its timings; never
 * rejects for the command's own failure (see `exitCode`, `timedOut`). The
 * whole process tree is killed when a marker is seen or the time is up.
 */
export function runInPty(run: PtyRun): Promise<PtyResult> {
	const markers = run.markers ?? [];
	const timeoutMs = run.timeoutMs ?? 120_000;
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn('script', ['-qfec', `stty cols 80 rows 24; exec ${run.command}`, '/dev/null'], {
			cwd: run.cwd,
			env: ptyEnv(run.env),
			// stdin stays an open pipe we never write to: an EOF on it could end `script`.
			stdio: ['pipe', 'pipe', 'pipe'],
			detached: true,
		});
		const result: PtyResult = {timedOut: false, bytes: 0, tail: ''};
		let settled = false;
		let raw = '';
		// What to type, in order: `type`, then `leave`.
		const typing = [...(run.type ?? []), ...(run.leave ? [run.leave] : [])];
		// Output since the last keys typed: a marker must show after them, not in what was drawn before.
		let sinceTyped = '';
		const finish = (): void => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			result.tail = stripAnsi(raw).slice(-4000);
			resolve(result);
		};
		const stop = (): void => {
			if (child.pid !== undefined) killTree(child.pid);
		};
		const timer = setTimeout(() => {
			result.timedOut = true;
			stop();
			finish();
		}, timeoutMs);
		child.on('error', error => {
			clearTimeout(timer);
			settled = true;
			reject(new Error(`cannot start script (util-linux): ${error.message}`));
		});
		child.stderr.on('data', (data: Buffer) => {
			raw = (raw + data.toString('utf8')).slice(-8000);
		});
		child.stdout.on('data', (data: Buffer) => {
			result.bytes += data.length;
			if (settled) return;
			raw = (raw + data.toString('utf8')).slice(-8000);
			if (typing.length > 0) sinceTyped = (sinceTyped + data.toString('utf8')).slice(-8000);
			while (typing.length > 0 && stripAnsi(sinceTyped).includes(typing[0]!.marker)) {
				child.stdin.write(typing.shift()!.keys);
				sinceTyped = '';
			}
			if (markers.length > 0 && result.markerMs === undefined) {
				const text = stripAnsi(raw);
				if (markers.some(marker => text.includes(marker))) {
					result.markerMs = performance.now() - started;
					stop();
					finish();
				}
			}
		});
		child.on('exit', code => {
			result.exitMs = performance.now() - started;
			result.exitCode = code;
			// Whatever the command left behind (it should be nothing) goes too.
			if (child.pid !== undefined) killTree(child.pid);
			// Let the last output arrive before resolving.
			setImmediate(finish);
		});
	});
}
