/**
 * Helpers for the TUI's end-to-end tests: the built CLI (`node dist/cli.js`, built by
 * test/support/build.ts) runs in a real terminal (tmux, test/support/tmux.ts) as
 * `sh -c 'node dist/cli.js ARGS; echo $? > exitfile'`, so the test can read the exit
 * code once the CLI has ended while the last screen stays capturable.
 */
import {existsSync, readFileSync} from 'node:fs';
import {afterEach} from 'vitest';
import stringWidth from 'string-width';
import {shellQuote, startTmux, type TmuxOptions, type TmuxSession} from '../support/tmux.js';
import {CLI, type Workspace} from '../cli/helpers.js';

/** The CLI in a terminal. */
export interface TuiRun {
	/** The terminal. */
	term: TmuxSession;
	/** The file the exit code is written to. */
	exitFile: string;
	/**
	 * Resolves with the CLI's exit code once it has ended and tmux has read all its output.
	 * @throws Error after `timeoutMs` (default 10,000) with the last screen.
	 */
	exitCode(timeoutMs?: number): Promise<number>;
	/**
	 * Waits for the summary screen a completed run shows until a key, returns it
	 * and presses Enter to leave it (the CLI then ends).
	 * @throws Error after `timeoutMs` (default 10,000) with the last screen.
	 */
	leaveSummary(timeoutMs?: number): Promise<string>;
	/**
	 * Waits for the start screen a new run shows first (its plan), returns it and
	 * presses Enter to start the run.
	 * @throws Error after `timeoutMs` (default {@link START_MS}) with the last screen.
	 */
	startRun(timeoutMs?: number): Promise<string>;
}

/** The start screen's prompt row: the plan of a new run is shown, nothing has run yet. */
export const START_PROMPT = 'Nothing has run yet. Enter starts the run';

/** The key help of the summary screen that stays after a completed run. */
export const SUMMARY_KEYS = 'q/Enter/Esc leave';

/** Options of {@link startTui}: tmux options without the command. */
export type TuiOptions = Omit<TmuxOptions, 'command'> & {
	/** Name of the exit-code file in the workspace (default `exitfile`). */
	exitFile?: string;
};

/**
 * How long a test waits for the CLI's first screen, ms. About 1 s on an idle 2-core
 * machine, but several seconds when other tests load it (node start-up, imports).
 */
export const START_MS = 30_000;

const started: TmuxSession[] = [];

/** Registers an `afterEach` that stops every terminal started during the test. */
export function useTerminals(): void {
	afterEach(() => {
		for (const term of started.splice(0)) term.kill();
	});
}

/**
 * Starts `node dist/cli.js ...args` in a terminal in `ws` (cwd; XDG_STATE_HOME inside
 * it, so nothing reaches the real home), 80x24 unless given.
 */
export function startTui(ws: Workspace, args: readonly string[], options: TuiOptions = {}): TuiRun {
	const exitFile = ws.path(options.exitFile ?? 'exitfile');
	const line = [process.execPath, CLI, ...args].map(shellQuote).join(' ');
	const term = startTmux({
		...options,
		cwd: options.cwd ?? ws.dir,
		env: {XDG_STATE_HOME: ws.path('xdg-state'), ...options.env},
		command: ['sh', '-c', `${line}; echo $? > ${shellQuote(exitFile)}`],
	});
	started.push(term);
	return {
		term,
		exitFile,
		async exitCode(timeoutMs = 60_000) {
			// The exit file is written once the CLI has ended, but tmux may not have read
			// the CLI's last output from the terminal yet: wait for the pane to be dead too
			// (tmux marks it at the end of the output), so a capture after this has it all.
			await term.waitUntil(`the CLI to end (${exitFile}) and tmux to read all its output`, () => existsSync(exitFile) && readFileSync(exitFile, 'utf8').endsWith('\n') && term.ended(), timeoutMs);
			return Number(readFileSync(exitFile, 'utf8').trim());
		},
		async startRun(timeoutMs = START_MS) {
			const screen = await term.waitFor(START_PROMPT, timeoutMs);
			term.sendKeys('Enter');
			return screen;
		},
		async leaveSummary(timeoutMs = 60_000) {
			const screen = await term.waitFor(SUMMARY_KEYS, timeoutMs);
			term.sendKeys('Enter');
			return screen;
		},
	};
}

/**
 * Lines printed after the TUI has ended, which the terminal wraps like any output
 * (a command or a path must not be cut): the CLI's plain messages on stderr
 * (`runbook: `), and the summary's run folder and resume command. In a TUI frame
 * these rows are cut to the width, so they can never be too wide there.
 */
const AFTER_EXIT = ['runbook: ', 'Run folder: ', 'Resume with: '];

/**
 * Lines of `screens` wider than `columns` (display width), each `width: line`; empty
 * when all fit. Lines printed after the TUI has ended are left out (see AFTER_EXIT).
 */
export function tooWide(screens: readonly string[], columns: number): string[] {
	const wide = new Set<string>();
	for (const screen of screens) {
		for (const line of screen.split('\n')) {
			const width = stringWidth(line);
			if (AFTER_EXIT.some(prefix => line.startsWith(prefix))) continue;
			if (width > columns) wide.add(`${width}: ${line}`);
		}
	}
	return [...wide];
}

/** SGR sequences (`ESC [ ... m`) of `text` that set a foreground or background colour. */
export function colourCodes(text: string): string[] {
	const found: string[] = [];
	// eslint-disable-next-line no-control-regex
	for (const match of text.matchAll(/\u001B\[([0-9;:]*)m/g)) {
		const params = match[1].split(/[;:]/).map(Number);
		const colour = params.some(p => (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107));
		if (colour) found.push(JSON.stringify(match[0]));
	}
	return found;
}

/**
 * The run id shown in the header, or undefined: `run <id> · 00:03 · step mode` on
 * the title's row, or `run <id>` alone on the second row when the title needs the room.
 */
export function shownRunId(screen: string): string | undefined {
	return /\brun (\S+)(?: ·|$)/m.exec(screen)?.[1];
}

/**
 * The summary the CLI prints after the TUI has left the alternate screen, from its
 * first line (`✔ Run completed`, `✖ Run failed`, `⏸ Run paused`) to the end of the
 * screen, each line ending in `\n`; or undefined when it is not (yet) there. tmux's
 * `Pane is dead (...)` row is left out: tmux 3.3 writes it only once it has reaped
 * the command, which it sometimes never does (the pane is dead all the same).
 */
export function exitSummary(screen: string): string | undefined {
	const at = screen.search(/^(?:✔ Run completed|✖ Run failed|⏸ Run paused)/m);
	if (at < 0) return undefined;
	return `${screen
		.slice(at)
		.replace(/^Pane is dead \(.*\)$/gm, '')
		.trimEnd()}\n`;
}
