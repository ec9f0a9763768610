/**
 * Test support for the TUI: a terminal of a chosen size for Ink (the streams
 * ink-testing-library uses, with `rows` too: its stdout is 100 columns and has
 * no rows, so `useWindowSize` would fall back to the real terminal), key codes,
 * and waiting for a frame.
 */
import {EventEmitter} from 'node:events';
import {render as inkRender} from 'ink';
import type {ReactElement} from 'react';
import {vi} from 'vitest';
import type {Step} from '../../source/runbook/schema.js';
import type {EarlierSessions, StepEstimates} from '../../source/engine/run-summary.js';
import {App} from '../../source/ui/app.js';
import {TuiOperator} from '../../source/ui/operator.js';
import {FakeHandle} from './fake-handle.js';
import {waitFor} from '../support/wait.js';

export class Stdout extends EventEmitter {
	readonly frames: string[] = [];
	columns: number;
	rows: number;
	isTTY = true;
	constructor(columns: number, rows: number) {
		super();
		this.columns = columns;
		this.rows = rows;
	}
	// Ink waits for the callback of an empty write before its exit promise resolves.
	write = (frame: string, ...rest: unknown[]): boolean => {
		if (frame !== '') this.frames.push(frame);
		const callback = rest.at(-1);
		if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
		return true;
	};
}

export class Stdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write = (data: string): void => {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	};
	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};
	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

/** A rendered tree in a fake terminal. */
export interface Terminal {
	stdin: Stdin;
	stdout: Stdout;
	/** The latest frame with visible text (debug mode writes whole frames; unmounting writes only a cursor escape). */
	lastFrame(): string;
	unmount(): void;
	waitUntilExit(): Promise<unknown>;
}

/** Renders `tree` in a `columns` x `rows` terminal (default 80x24), as ink-testing-library does. */
export function renderIn(tree: ReactElement, size: {columns?: number; rows?: number} = {}): Terminal {
	const stdout = new Stdout(size.columns ?? 80, size.rows ?? 24);
	const stderr = new Stdout(size.columns ?? 80, size.rows ?? 24);
	const stdin = new Stdin();
	const instance = inkRender(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: stderr as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {
		stdin,
		stdout,
		lastFrame: () => stdout.frames.findLast(frame => plain(frame).trim() !== '') ?? '',
		unmount: () => instance.unmount(),
		waitUntilExit: () => instance.waitUntilExit(),
	};
}

/** Key codes as a terminal sends them. */
export const KEY = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
	ctrlC: '\u0003',
	backspace: '\u007F',
} as const;

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Writes `keys` one by one, waiting after each (a lone Esc is only taken as a
 * key after Ink's 20 ms flush delay).
 */
export async function press(stdin: {write(data: string): void}, ...keys: string[]): Promise<void> {
	for (const key of keys) {
		stdin.write(key);
		await delay(key === KEY.escape ? 40 : 15);
	}
}

/** Waits until `lastFrame()` satisfies `check` (a substring or a predicate); throws with the frame after `timeoutMs`. */
export async function waitForFrame(terminal: {lastFrame(): string | undefined}, check: string | ((frame: string) => boolean), timeoutMs = 10_000): Promise<string> {
	const test = typeof check === 'string' ? (frame: string) => frame.includes(check) : check;
	return vi.waitFor(
		() => {
			const frame = terminal.lastFrame() ?? '';
			if (test(frame)) return frame;
			throw new Error(`frame never matched ${typeof check === 'string' ? JSON.stringify(check) : 'the predicate'}:\n${frame}`);
		},
		{timeout: timeoutMs, interval: 10},
	);
}

/** Text of a frame without ANSI escape sequences. */
export function plain(frame: string): string {
	// eslint-disable-next-line no-control-regex
	return frame.replace(/\u001B\[[0-?]*[ -/]*[@-~]/g, '');
}

/** Writes `text` one character at a time, as typing does. */
export async function type(stdin: {write(data: string): void}, text: string): Promise<void> {
	for (const char of text) {
		stdin.write(char);
		await delay(5);
	}
	await delay(15);
}

/**
 * Waits until the frame shows `text` (a prompt): its keys are taken from that
 * frame on (the app's one key handler owns them; app-keys-at-once.test.tsx).
 */
export async function waitForPrompt(terminal: {lastFrame(): string | undefined}, text: string): Promise<string> {
	return waitForFrame(terminal, text);
}

/** Whether a promise has settled within `ms` milliseconds (default 50). */
export async function settled(promise: Promise<unknown>, ms = 50): Promise<boolean> {
	let done = false;
	void promise.then(() => {
		done = true;
	});
	await delay(ms);
	return done;
}

/** A TUI on a fake run: the handle, a real operator, the terminal, how often onQuit was called and the summary it was given last. */
export interface AppUnderTest {
	handle: FakeHandle;
	operator: TuiOperator;
	t: Terminal;
	quits: {count: number; summary?: readonly string[]};
}

/** Starts the {@link App} on a {@link FakeHandle} of `steps` in a `size` terminal (default 80x24). */
export function startApp(
	steps: Step[],
	size: {columns?: number; rows?: number} = {},
	options: {runDir?: string; notices?: string[]; resumeCommand?: string; headerLines?: string[]; title?: string; runId?: string; earlierSessions?: EarlierSessions; stepEstimates?: StepEstimates; presets?: Record<string, string>} = {},
): AppUnderTest {
	const handle = new FakeHandle(steps, {runDir: options.runDir, title: options.title, runId: options.runId});
	const operator = new TuiOperator({presets: options.presets});
	const quits: AppUnderTest['quits'] = {count: 0};
	const onQuit = (summary: readonly string[]) => {
		quits.count++;
		quits.summary = summary;
	};
	const t = renderIn(<App handle={handle} operator={operator} notices={options.notices} resumeCommand={options.resumeCommand} headerLines={options.headerLines} earlierSessions={options.earlierSessions} stepEstimates={options.stepEstimates} onQuit={onQuit} />, size);
	return {handle, operator, t, quits};
}

/**
 * Waits, polling every 10 ms of real time (at most 10 s), until the latest frame
 * without escapes satisfies `check`; returns it. For tests that fake `Date`:
 * vi.waitFor would advance the faked clock, test/support/wait.ts does not.
 * @throws Error with the last frame when it never matches.
 */
export async function frameWith(t: Terminal, check: string | ((frame: string) => boolean)): Promise<string> {
	const matches = typeof check === 'string' ? (frame: string) => frame.includes(check) : check;
	let frame = '';
	await waitFor(`a frame matching ${String(check)}`, () => matches((frame = plain(t.lastFrame()))), {intervalMs: 10, detail: () => `the last frame:\n${frame}`});
	return frame;
}
