/**
 * A real terminal for end-to-end tests of the TUI: a detached tmux session on its
 * own server (`tmux -L <unique socket>`, so a test never touches a user's tmux),
 * running one command at a given size. Keys go in with `send-keys`; the screen
 * comes out with `capture-pane`. The server is started with no config file
 * (`-f /dev/null`) and `remain-on-exit on`, so the last screen of a command that
 * has ended can still be captured.
 *
 * The command's environment: this process's, without RUNBOOK_* variables (a
 * developer's state dir or secrets must not leak in), without NO_COLOR and
 * FORCE_COLOR (tests set them when they want them), and without CI — Ink treats
 * CI=true as a non-interactive terminal and CI runs with CI=true — plus
 * TERM=xterm-256color and the test's own variables. tmux sets TERM in a pane
 * itself, so the command is wrapped in `env -u CI TERM=xterm-256color NAME=VALUE...`.
 *
 * When the command has ended, tmux (usually) writes `Pane is dead (status N, date)`
 * on the bottom row, which scrolls the screen up one row (and a program that ends
 * with a newline scrolls it too): the top rows of a full-screen frame are then in
 * the history, which `capture({history: true})` includes.
 */
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {rmSync} from 'node:fs';
import path from 'node:path';
import {waitFor} from './wait.js';

/** Options of {@link startTmux}. */
export interface TmuxOptions {
	/** The command and its arguments (run directly, not through a shell). */
	command: readonly string[];
	/** Working directory of the command (default: this process's). */
	cwd?: string;
	/** Added to the command's environment; `undefined` removes a variable. */
	env?: Record<string, string | undefined>;
	/** Terminal columns, default 80. */
	width?: number;
	/** Terminal rows, default 24. */
	height?: number;
	/** When given, every byte the command writes to the terminal is appended to this file (`pipe-pane`). */
	recordTo?: string;
}

/** What {@link TmuxSession.waitFor} looks for: a substring or a regular expression. */
export type ScreenPattern = string | RegExp;

/** Quotes `word` for sh: `'...'` with embedded quotes as `'\''`. */
export function shellQuote(word: string): string {
	return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The environment the tmux server (and so the command) starts with; see the module comment. */
function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (name.startsWith('RUNBOOK_') || name.startsWith('TMUX') || ['CI', 'NO_COLOR', 'FORCE_COLOR'].includes(name)) continue;
		env[name] = value;
	}
	env.TERM = 'xterm-256color';
	for (const [name, value] of Object.entries(extra)) {
		if (value === undefined) delete env[name];
		else env[name] = value;
	}
	return env;
}

let sessions = 0;

/** A running tmux session; see the module comment. Call {@link TmuxSession.kill} when done. */
export class TmuxSession {
	/** The tmux socket name (`tmux -L <socket>`). */
	readonly socket: string;
	/** Every distinct screen {@link TmuxSession.capture} returned without colours, oldest first. */
	readonly screens: string[] = [];
	/** When the session was started (ms since the epoch). */
	readonly startedAt: number;
	private readonly env: NodeJS.ProcessEnv;
	private killed = false;

	/** Use {@link startTmux}. */
	constructor(socket: string, env: NodeJS.ProcessEnv, startedAt: number) {
		this.socket = socket;
		this.env = env;
		this.startedAt = startedAt;
	}

	/** Runs `tmux -L <socket> ...args` and returns its stdout. @throws Error with tmux's stderr. */
	tmux(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', env: this.env, stdio: ['ignore', 'pipe', 'pipe']});
	}

	/**
	 * Sends keys by tmux name (`Enter`, `Escape`, `Up`, `Down`, `C-c`, `q`...), one
	 * `send-keys` per key so that the app reads them as separate key presses.
	 */
	sendKeys(...keys: string[]): void {
		for (const key of keys) this.tmux('send-keys', '-t', 'main', key);
	}

	/** Types `text` literally (`send-keys -l -- text`, so a text that starts with `-` is not an option), as one burst of input. */
	type(text: string): void {
		this.tmux('send-keys', '-t', 'main', '-l', '--', text);
	}

	/**
	 * The visible screen, one string with `\n` between rows and trailing spaces cut.
	 * `colors`: keep the escape sequences of colours and attributes (`capture-pane -e`).
	 * `joined` (default true): join rows the terminal wrapped (`-J`), so a row written
	 * wider than the terminal comes back as one long line; false gives the rows as shown.
	 * `history`: start at the top of the scrollback (`-S -`), so rows that scrolled off
	 * (a full-screen frame pushed up by a final newline) are included.
	 * Plain captures of the screen (no colours, no history) are also appended to
	 * {@link TmuxSession.screens} when they differ from the previous one.
	 */
	capture(options: {colors?: boolean; joined?: boolean; history?: boolean} = {}): string {
		const args = ['capture-pane', '-p', '-t', 'main'];
		if (options.colors) args.push('-e');
		if (options.history) args.push('-S', '-');
		if (options.joined ?? true) args.push('-J');
		const screen = this.tmux(...args)
			.split('\n')
			.map(line => line.trimEnd())
			.join('\n')
			.replace(/\n+$/, '');
		if (!options.colors && !options.history && this.screens.at(-1) !== screen) this.screens.push(screen);
		return screen;
	}

	/**
	 * Polls the screen every 50 ms until it contains `pattern`; returns that screen.
	 * @throws Error after `timeoutMs` (default 15,000) naming the pattern and showing the last screen.
	 */
	async waitFor(pattern: ScreenPattern, timeoutMs = 15_000): Promise<string> {
		let screen = '';
		await waitFor(
			`${String(pattern)} on the screen`,
			() => {
				screen = this.capture();
				return typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen);
			},
			{timeoutMs, intervalMs: 50, detail: () => `the last screen:\n${screen}`},
		);
		return screen;
	}

	/**
	 * Polls every 50 ms until `check()` is true, capturing the screen meanwhile.
	 * @throws Error after `timeoutMs` (default 15,000) naming `what` and showing the last screen.
	 */
	async waitUntil(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
		let screen = '';
		await waitFor(
			what,
			() => {
				screen = this.capture();
				return check();
			},
			{timeoutMs, intervalMs: 50, detail: () => `the last screen:\n${screen}`},
		);
	}

	/**
	 * True once the command has ended and tmux has read all it wrote to the terminal
	 * (`#{pane_dead}`: tmux closes the pane's terminal at the end of its output), so a
	 * capture after this shows everything. tmux's `Pane is dead (status N, date)` row
	 * and `#{pane_dead_status}` come only once tmux has also reaped the command, which
	 * tmux 3.3a sometimes never does under load: tests read exit codes from a file
	 * instead (test/e2e/tui.ts).
	 */
	ended(): boolean {
		return this.tmux('display-message', '-p', '-t', 'main', '#{pane_dead}').trim() === '1';
	}

	/** Stops the tmux server (its commands get SIGHUP) and removes the socket; safe to call twice. */
	kill(): void {
		if (this.killed) return;
		this.killed = true;
		try {
			this.tmux('kill-server');
		} catch {
			// already gone
		}
		const uid = process.getuid?.() ?? 0;
		rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, this.socket), {force: true});
	}
}

/**
 * Starts `options.command` in a new detached tmux session of `width`x`height`
 * (default 80x24) on a server of its own.
 * @throws Error when tmux cannot start (not installed: its message says so).
 */
export function startTmux(options: TmuxOptions): TmuxSession {
	const socket = `runbook-test-${process.pid}-${++sessions}-${randomBytes(3).toString('hex')}`;
	const env = baseEnv(options.env ?? {});
	const explicit = Object.entries(options.env ?? {})
		.filter((entry): entry is [string, string] => entry[1] !== undefined)
		.map(([name, value]) => `${name}=${value}`);
	const unset = Object.entries(options.env ?? {})
		.filter(([, value]) => value === undefined)
		.flatMap(([name]) => ['-u', name]);
	const command = ['env', '-u', 'CI', '-u', 'NO_COLOR', '-u', 'FORCE_COLOR', ...unset, 'TERM=xterm-256color', ...explicit, ...options.command];
	const args = ['-f', '/dev/null', '-L', socket, 'set-option', '-g', 'remain-on-exit', 'on', ';'];
	args.push('new-session', '-d', '-s', 'main', '-x', String(options.width ?? 80), '-y', String(options.height ?? 24));
	if (options.cwd) args.push('-c', options.cwd);
	args.push('--', ...command);
	if (options.recordTo) args.push(';', 'pipe-pane', '-t', 'main', `cat >> ${shellQuote(options.recordTo)}`);
	const startedAt = Date.now();
	try {
		execFileSync('tmux', args, {encoding: 'utf8', env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']});
	} catch (error) {
		const stderr = (error as {stderr?: string}).stderr ?? '';
		throw new Error(`could not start tmux (is it installed?): ${(error as Error).message}\n${stderr}`);
	}
	return new TmuxSession(socket, env, startedAt);
}
