/**
 * The shell executor: runs a `run` step's bash script with zx and streams its
 * output, line by line and redacted, to the screen and the step's log.
 *
 * - The script runs as `bash -c '<BASH_PREFIX><script>'` (shell-env.ts) (zx's own bash prefix,
 *   on the script's first line, so line numbers in bash's messages match the
 *   runbook). The script text is passed to bash as one argument, unquoted and
 *   unchanged; variables reach it only as environment variables (`request.env`
 *   over `process.env`).
 * - A clean shell: bash starts as `bash --norc --noprofile -c`, with a pipe (not a
 *   socket) as stdin, and without `BASH_ENV`, `ENV`, `SHELLOPTS`, `BASHOPTS` and
 *   exported functions (`BASH_FUNC_*`) of our own environment: no rc or profile
 *   file runs, whatever `SHLVL` says (bash reads `~/.bashrc` for a command whose
 *   stdin is a socket when `SHLVL` is below 2: its remote-shell rule). A
 *   `BASH_ENV` the runbook sets in `env:` is sourced after the start gate
 *   ({@link stepEnvironment}, {@link bashPrefix}).
 * - The start gate: bash first reads one line from its stdin, a pipe. The
 *   executor writes that line only after `onStart(pgid, commandId)` has returned, that is
 *   after the run has saved the process group; so no command of the script runs
 *   before a crash of this process could leave it unrecorded. If this process
 *   dies first, bash reads end-of-file and exits 125 having run nothing.
 * - Then stdin is /dev/null: the terminal belongs to the TUI, so a command that
 *   reads stdin gets end-of-file instead of hanging.
 * - bash starts detached, leading its own process group: aborting sends SIGTERM
 *   to the whole group, then SIGKILL after `graceMs` (runbook-format.md). Its
 *   environment has `RUNBOOK_COMMAND_ID=<uuid>`, so processes that left the group
 *   (`setsid`, daemons) are signalled too (process-group.ts).
 * - Who forks: once the spawn helper (spawn-helper.ts) is ready, it starts bash
 *   for us, with the same program, arguments, cwd, environment and descriptors
 *   (forking this process costs in proportion to its memory, more than a trivial
 *   step, issue 14); before that, with Node's pipes, or if it dies, zx here. Its request goes
 *   out before the step log opens, so the two overlap; a log that cannot be opened then
 *   closes that bash's gate unread (exit 125, nothing run).
 * - stdout and stderr are real pipes (FIFOs, fifo.ts), read lazily
 *   (output-reader.ts): a command printing line by line costs a few thousand
 *   reads per million lines. When FIFOs cannot be made, Node's own pipes are used.
 *   The step ends when bash has exited and both pipes are closed by every process
 *   that held them (as with Node's pipes: a background child still holding the
 *   output keeps the step running).
 * - Memory stays bounded: zx is given a store that keeps nothing, the partial
 *   line is bounded, `capture` keeps at most CAPTURE_LIMIT_BYTES, and the child's
 *   pipes are not read while the log file's buffer is full.
 *
 * Over 300 lines on purpose: runScript is one step's process life in order (start
 * gate, launch, output, stop, end); the guarantees above hold across those phases,
 * so they read best in one place. The environment and the start gate are shell-env.ts.
 */
import {type ChildProcess, spawn, type SpawnOptions} from 'node:child_process';
import {writeSync} from 'node:fs';
import {resolve} from 'node:path';
import {stat} from 'node:fs/promises';
import {performance} from 'node:perf_hooks';
import {$, type Options, ProcessOutput, type ProcessPromise} from 'zx/core';
import {CAPTURE_LIMIT_BYTES, type ShellPort, type ShellRequest, type ShellResult, type StepPhases} from '../engine/ports.js';
import {ByteOutput} from './byte-output.js';
import {MaskedOutput} from './masked-output.js';
import {BASH_OPTIONS, bashPrefix, stepEnvironment} from './shell-env.js';
import {CaptureBuffer} from './capture-buffer.js';
import {createOutputSink} from './output-sink.js';
import {closeQuietly, type FifoEnds, openFifos} from './fifo.js';
import {DEFAULT_MAX_PARTIAL_CHARS, LineSplitter} from './line-splitter.js';
import {readFifos, readStream, type OnBytes, type OutputReader} from './output-reader.js';
import {newCommandId, type CommandProcesses, signalCommand, trackCommand, waitCommandGone} from './process-group.js';
import type {StepLogs, StepLogWriter} from '../engine/step-log-port.js';
import {readySpawnHelper, startSpawnHelper} from './spawn-helper.js';

/** Settings of {@link createShellExecutor}; every field has a default. */
export interface ShellExecutorOptions {
	/** The bash to run: a path or a name looked up in PATH (default `bash`). */
	bash?: string;
	/** Most stdout kept for `capture`, in bytes (default {@link CAPTURE_LIMIT_BYTES}). */
	captureLimitBytes?: number;
	/** Longest unfinished line held while waiting for `\n`, in UTF-16 code units (default 64 Ki). */
	maxPartialLineChars?: number;
	/**
	 * How the command's output reaches us: `fifo` (default: named pipes, read
	 * lazily; falls back to `socket` when they cannot be made) or `socket`
	 * (Node's own pipes, socket pairs on Linux).
	 */
	pipes?: 'fifo' | 'socket';
	/**
	 * Whether bash is started by the spawn helper (spawn-helper.ts) once it is
	 * ready, with FIFOs only (default true); false: always by this process.
	 */
	spawnHelper?: boolean;
}

/**
 * zx's spawn, made to start `<bash> --norc --noprofile -c <command>` (zx and Node
 * would run `<bash> -c <command>` and allow no options).
 */
const spawnBash: typeof spawn = ((command: string, _args: readonly string[], options: SpawnOptions) => {
	const bash = typeof options.shell === 'string' ? options.shell : 'bash';
	return spawn(bash, [...BASH_OPTIONS, '-c', command], {...options, shell: false});
}) as typeof spawn;

/** ` and N processes it started outside the group` for a log note, or nothing when N is 0. */
function outsideNote(outside: number): string {
	return outside === 0 ? '' : ` and ${outside} process${outside === 1 ? '' : 'es'} it started outside the group`;
}

/** How long to wait for a group's last process after SIGKILL before giving up, in ms. */
const AFTER_KILL_WAIT_MS = 2000;

/**
 * Creates the `ShellPort` that runs steps' scripts (see the file comment for
 * how). `run` never throws: a failing command is a result with its exit code;
 * a command that cannot start (missing cwd, unwritable log, no bash) is a
 * result with a one-line `error` and `exitCode: null`. Each attempt's log is opened through
 * `logs` (the engine's port; store/step-logs.ts in the program).
 */
export function createShellExecutor(logs: StepLogs, options: ShellExecutorOptions = {}): ShellPort {
	const settings = {
		logs,
		bash: options.bash ?? 'bash',
		captureLimitBytes: options.captureLimitBytes ?? CAPTURE_LIMIT_BYTES,
		maxPartial: options.maxPartialLineChars ?? DEFAULT_MAX_PARTIAL_CHARS,
		pipes: options.pipes ?? 'fifo',
		spawnHelper: options.spawnHelper ?? true,
	};
	// Started now, it is ready (or not: bash is then started here) by a later step.
	if (settings.pipes === 'fifo' && settings.spawnHelper) startSpawnHelper();
	return {
		run: async request => {
			try {
				return await runScript(request, settings);
			} catch (error) {
				// A bug here must not pass for a command's failure: say so plainly.
				const message = request.redact(`shell executor failed for step "${request.stepId}": ${(error as Error).message}`);
				return {exitCode: null, durationMs: 0, aborted: false, error: message};
			}
		},
	};
}

type Settings = Required<Pick<ShellExecutorOptions, 'bash' | 'captureLimitBytes' | 'pipes' | 'spawnHelper'>> & {maxPartial: number; logs: StepLogs};

/** How bash ended, from zx or from the spawn helper; `cause`: it could not start (or its end is unknown). */
interface BashExit {
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	cause?: Error;
}

/** A started (or failed) bash: its pid (none when it did not start), its end, and (Node's pipes only) its child process. */
interface Launched {
	pid?: number;
	child?: ChildProcess;
	exited: Promise<BashExit>;
	/** Started by the spawn helper: an end without exit code, signal or our abort means the helper died, not bash. */
	viaHelper?: boolean;
}

/** zx's end of a command as a {@link BashExit}; never rejects. */
async function zxExit(processPromise: ProcessPromise): Promise<BashExit> {
	let output: ProcessOutput;
	try {
		output = await processPromise;
	} catch (error) {
		// nothrow is set, so zx resolves even for a failure; kept for safety.
		output = error instanceof ProcessOutput ? error : ProcessOutput.fromError(error as Error);
	}
	return {exitCode: output.exitCode, signal: output.signal, ...(output.cause ? {cause: output.cause} : {})};
}

async function runScript(request: ShellRequest, settings: Settings): Promise<ShellResult> {
	const {stepId, signal} = request;
	if (signal.aborted) return {exitCode: null, durationMs: 0, aborted: true};
	const entered = performance.now();
	const phases: StepPhases = {startedAt: Date.now()};
	const mark = (phase: Exclude<keyof StepPhases, 'startedAt'>): void => {
		phases[phase] ??= Math.round(performance.now() - entered);
	};

	// The start gate's pipe, then stdout and stderr.
	const fifos = settings.pipes === 'fifo' ? await openFifos(3, 1) : undefined;
	const gate = fifos?.[0];
	const outputs = fifos?.slice(1);

	const commandId = newCommandId(request.runId);
	const started = performance.now();
	const elapsed = (): number => Math.round(performance.now() - started);
	const pieces = Object.assign([request.script], {raw: [request.script]}) as unknown as TemplateStringsArray;
	const env = stepEnvironment(process.env, request.env, commandId);
	const prefix = bashPrefix(env);
	const zxOptions: Partial<Options> = {
		shell: settings.bash,
		spawn: spawnBash,
		prefix,
		postfix: '',
		cwd: request.cwd,
		env,
		stdio: gate && outputs ? [gate.readFd, outputs[0].writeFd, outputs[1].writeFd] : ['pipe', 'pipe', 'pipe'],
		detached: true,
		nothrow: true,
		quiet: true,
		verbose: false,
		preferLocal: false,
		timeout: 0,
		store: discardingStore(),
	};
	// The helper (spawn-helper.ts) forks for us when it is ready, else zx here (below). Its request
	// goes first, and the step log opens while the helper forks (on the other core): one step's
	// start waits for the two one after the other no more (issue 14). Nothing of the script runs
	// before the gate opens, which is after the log is open and the process group recorded.
	const helper = gate && outputs && settings.spawnHelper && !signal.aborted ? readySpawnHelper() : undefined;
	const starting =
		helper && gate && outputs
			? helper.start({
					file: settings.bash,
					args: [...BASH_OPTIONS, '-c', `${prefix}${request.script}`],
					// Resolved here as zx would (against this process's folder): the helper runs in /.
					cwd: resolve(request.cwd),
					env,
					stdio: [gate.readFd, outputs[0].writeFd, outputs[1].writeFd],
				})
			: undefined;
	/**
	 * Gives up this step before its start gate: a bash the helper started waits at the
	 * gate, closed unread here, so it exits 125 having run nothing; the FIFOs close.
	 */
	const dropStart = async (): Promise<void> => {
		const start = await starting;
		for (const ends of fifos ?? []) closeFifo(ends);
		if (start?.pid !== undefined) await start.exited;
	};

	let log: StepLogWriter;
	try {
		log = await settings.logs.open(request.logPath);
	} catch (error) {
		await dropStart();
		return notStarted(`step "${stepId}": ${(error as Error).message}; check that its folder is writable`);
	}
	mark('logOpen');
	// The cwd may hold a variable's value (`cwd: $DIR`): notes and errors are redacted like output.
	log.note(request.redact(`step "${stepId}" started ${new Date().toISOString()} in ${request.cwd}`));
	// Looked at only when bash could not start (a missing cwd fails its start): a stat before
	// every start, through the thread pool, cost every step a wake-up (issue 14).
	/** Why bash could not start: the cwd's problem when it has one (clearer than spawn's ENOENT), else `fallback`. */
	const whyNotStarted = async (fallback: string): Promise<string> => request.redact((await checkCwd(request.cwd, stepId)) ?? fallback);
	if (signal.aborted && !starting) {
		for (const ends of fifos ?? []) closeFifo(ends);
		return finishAbortedBeforeStart(log, stepId);
	}

	let launched: Launched | undefined;
	if (starting) {
		const start = await starting;
		// Never a second bash here when the helper failed: one it started before dying (its pid
		// message unread) holds this gate, which is closed unread below, so it exits 125 having
		// run nothing, and this step reads as not started. The next step starts bash itself.
		// Except when it says it could not open our descriptors: then it started nothing.
		if (!start.startHere) launched = {...(start.pid !== undefined ? {pid: start.pid} : {}), exited: start.exited, viaHelper: true};
	}
	if (!launched) {
		let processPromise: ProcessPromise;
		try {
			processPromise = $(zxOptions)(pieces);
		} catch (error) {
			for (const ends of fifos ?? []) closeFifo(ends);
			return finishNotStarted(log, stepId, await whyNotStarted(`could not start ${settings.bash} for step "${stepId}": ${oneLine((error as Error).message)}`));
		}
		const zxChild = processPromise.child;
		launched = {...(zxChild?.pid !== undefined ? {pid: zxChild.pid} : {}), ...(zxChild ? {child: zxChild} : {}), exited: zxExit(processPromise)};
	}
	// bash has been spawned (or failed to) by now: our copies of the child's ends go,
	// so the pipes end when bash and its children have closed theirs.
	if (gate) closeQuietly(gate.readFd);
	for (const ends of outputs ?? []) closeQuietly(ends.writeFd);
	const {child, exited} = launched;
	if (launched.pid !== undefined) mark('spawned');
	/** Opens the start gate (`open`) or closes it unread (bash reads end-of-file and exits 125). */
	const endGate = (open: boolean): void => {
		if (!gate) {
			if (open) child?.stdin?.end('\n');
			else child?.stdin?.destroy();
			return;
		}
		try {
			if (open) writeSync(gate.writeFd, '\n');
		} catch {
			// EPIPE: bash has died meanwhile; its exit is the result
		}
		closeQuietly(gate.writeFd);
	};
	const pgid = launched.pid;
	if (pgid === undefined) endGate(false);
	const command: CommandProcesses | undefined = pgid === undefined ? undefined : {pgid, commandId};
	// A bash that has died meanwhile makes a write to its stdin fail (EPIPE): not an error here.
	child?.stdin?.on('error', () => {});
	if (pgid !== undefined && request.onStart) {
		try {
			request.onStart(pgid, commandId);
		} catch (error) {
			// The command could not be recorded (saving the state failed): it must not run.
			// Closing the gate's pipe unread: bash reads end-of-file and exits 125, having run nothing.
			endGate(false);
			await exited;
			for (const ends of outputs ?? []) closeQuietly(ends.readFd);
			return finishNotStarted(log, stepId, request.redact(`recording the command's process failed, so it was not run: ${oneLine((error as Error).message)}`));
		}
	}
	// A stop that came while the helper was starting bash (an await zx's spawn does not have):
	// the gate stays shut, so no command of the script runs.
	if (pgid !== undefined && signal.aborted) {
		endGate(false);
		await exited;
		for (const ends of outputs ?? []) closeQuietly(ends.readFd);
		return finishAbortedBeforeStart(log, stepId);
	}
	// The start gate opens now that the group is recorded (onStart saves it).
	if (pgid !== undefined) {
		endGate(true);
		mark('gateOpen');
	}

	const capture = request.capture ? new CaptureBuffer(settings.captureLimitBytes) : undefined;
	const splitters = {stdout: new LineSplitter(settings.maxPartial, request.cutLine, {stripEscapes: true}), stderr: new LineSplitter(settings.maxPartial, request.cutLine, {stripEscapes: true})};
	// Assigned below, before any output can arrive (reads start in a later tick).
	let readers: OutputReader[] = [];
	// Assigned below: with secret values, the line path's lines are shown through the byte
	// path's sampler (masked-output.ts).
	let byteOutput: ByteOutput | undefined;
	let masked: MaskedOutput | undefined;
	const sink = createOutputSink({
		redact: request.redact,
		capture,
		captureNote: `capture truncated: stdout beyond ${settings.captureLimitBytes} bytes is not kept for the variable`,
		log,
		hold: () => readers.forEach(reader => reader.hold()),
		release: () => readers.forEach(reader => reader.release()),
		show: chunk => (masked && byteOutput ? byteOutput.showLines(chunk.stream, chunk.lines) : request.onOutput(chunk)),
		...(request.sensitive ? {sensitive: true} : {}),
	});
	const deliver = sink.deliver;
	log.onFailure(message => request.onOutput({stream: 'stderr', lines: [`runbook: ${message}`]}));
	// Nothing to redact and nothing to capture: the byte path (byte-output.ts); with secret
	// values, for the pieces that hold none (masked-output.ts). A sensitive step's output goes
	// through the sink, which counts it and shows none of it.
	let bytesHeld = false;
	const redactsNothing = request.redactsNothing === true;
	byteOutput =
		!capture && request.sensitive !== true && (redactsNothing || request.holdsSecret)
			? new ByteOutput({
					writeLog: (bytes, keep) => log.writeBytes(bytes, keep),
					onLogFull: () => {
						if (bytesHeld) return;
						bytesHeld = true;
						readers.forEach(reader => reader.hold());
						log.onDrain(() => {
							bytesHeld = false;
							readers.forEach(reader => reader.release());
						});
					},
					show: request.onOutput,
					maxPartialBytes: settings.maxPartial,
				})
			: undefined;
	const lineStdout = (data: Buffer): void => deliver('stdout', splitters.stdout.push(data), false);
	const lineStderr = (data: Buffer): void => deliver('stderr', splitters.stderr.push(data), false);
	if (byteOutput && !redactsNothing && request.holdsSecret) masked = new MaskedOutput(byteOutput, {stdout: lineStdout, stderr: lineStderr}, request.holdsSecret);
	// The byte path may have the log write a direct read's buffer as it is (`keep`, output-reader.ts).
	const split = masked ?? byteOutput;
	const toStdout: OnBytes = split ? (data, keep) => split.push('stdout', data, keep) : lineStdout;
	const toStderr: OnBytes = split ? (data, keep) => split.push('stderr', data, keep) : lineStderr;
	const onStdout: OnBytes = (data, keep) => {
		if (phases.firstOutput === undefined) mark('firstOutput');
		toStdout(data, keep);
	};
	const onStderr: OnBytes = (data, keep) => {
		if (phases.firstOutput === undefined) mark('firstOutput');
		toStderr(data, keep);
	};
	readers = outputs
		? readFifos([
				{fd: outputs[0].readFd, onBytes: onStdout},
				{fd: outputs[1].readFd, onBytes: onStderr},
			])
		: [readStream(child?.stdout, onStdout), readStream(child?.stderr, onStderr)];

	// Abort: SIGTERM to the group now, SIGKILL after the grace period.
	let aborted = false;
	let sentSignal: NodeJS.Signals | undefined;
	let killTimer: NodeJS.Timeout | undefined;
	let killAt = 0;
	let giveUpTimer: NodeJS.Timeout | undefined;
	const kill = (why = `still running after ${request.graceMs} ms`): void => {
		killTimer = undefined;
		if (command === undefined) return;
		sentSignal = 'SIGKILL';
		const outside = signalCommand(command, 'SIGKILL');
		log.note(`${why}: SIGKILL sent to process group ${pgid}${outsideNote(outside)}`);
		// A process that survives SIGKILL (stuck in the kernel, or another user's, as
		// under sudo) may hold the output open for good: stop reading it, so the step ends.
		giveUpTimer = setTimeout(() => {
			if (readers.length === 0) return;
			log.note(`output still open ${AFTER_KILL_WAIT_MS} ms after SIGKILL: no longer read`);
			for (const reader of readers) reader.destroy();
		}, AFTER_KILL_WAIT_MS);
	};
	const onAbort = (): void => {
		if (aborted || command === undefined) return;
		aborted = true;
		sentSignal = 'SIGTERM';
		const outside = signalCommand(command, 'SIGTERM');
		log.note(`aborted: SIGTERM sent to process group ${pgid}${outsideNote(outside)}`);
		killAt = Date.now() + request.graceMs;
		killTimer = setTimeout(kill, request.graceMs);
	};
	// A second stop request: SIGKILL now instead of at the end of the grace period.
	const onKill = (): void => {
		onAbort();
		if (!killTimer) return;
		clearTimeout(killTimer);
		kill('stopped again');
	};
	const untrack = command === undefined ? undefined : trackCommand(command);
	signal.addEventListener('abort', onAbort, {once: true});
	if (signal.aborted) onAbort();
	request.kill?.addEventListener('abort', onKill, {once: true});
	if (request.kill?.aborted) onKill();

	let output: BashExit;
	try {
		output = await exited;
		mark('exited');
		await Promise.all(readers.map(reader => reader.done));
		mark('drained');
		if (helperLost(launched, output, aborted) && command !== undefined) {
			// bash's end is unknown, and it may still run (a script that closed its output):
			// the step lasts until its processes are gone, as it would have with its exit known.
			log.note(`the spawn helper ended while the command ran: its exit status is unknown; waiting for process group ${pgid} to end`);
			await waitCommandGone(command, Number.POSITIVE_INFINITY, 100, signal);
		}
	} finally {
		signal.removeEventListener('abort', onAbort);
		request.kill?.removeEventListener('abort', onKill);
		for (const reader of readers) reader.destroy();
	}
	if (aborted && command !== undefined) {
		// bash has ended and its pipes closed, but children that closed their output may live on.
		if (killTimer) {
			const gone = await waitCommandGone(command, killAt, 25, request.kill);
			if (killTimer) {
				clearTimeout(killTimer);
				killTimer = undefined;
				if (!gone) kill(request.kill?.aborted ? 'stopped again' : undefined);
			}
		}
		if (sentSignal === 'SIGKILL') await waitCommandGone(command, Date.now() + AFTER_KILL_WAIT_MS);
	}
	clearTimeout(giveUpTimer);
	untrack?.();
	sink.releaseIfHeld();
	if (byteOutput) {
		if (bytesHeld) readers.forEach(reader => reader.release());
		byteOutput.end('stdout');
		byteOutput.end('stderr');
	}
	if (!byteOutput || masked) {
		deliver('stdout', splitters.stdout.end(), true);
		deliver('stderr', splitters.stderr.end(), true);
	}
	byteOutput?.finish();
	sink.summarizeSensitive();

	const durationMs = elapsed();
	const cause = output.cause ?? undefined;
	if (pgid === undefined || (cause && output.exitCode === null && output.signal === null && !aborted && !launched.viaHelper)) {
		const reason = cause ? oneLine(cause.message) : 'no process id';
		return finishNotStarted(log, stepId, await whyNotStarted(`could not start ${settings.bash} for step "${stepId}": ${reason}`), durationMs);
	}
	const result: ShellResult = aborted ? {exitCode: null, signal: output.signal ?? sentSignal, durationMs, aborted: true} : {exitCode: output.exitCode, durationMs, aborted: false, ...(output.signal ? {signal: output.signal} : {})};
	if (capture) result.stdout = capture.text();
	result.phases = phases;
	log.note(`step "${stepId}" ${describeShellResult(result)} after ${durationMs} ms`);
	await log.close();
	return result;
}

/**
 * How a command ended, in a few words for the screen and the log:
 * `exit code 3`, `killed by SIGKILL (aborted)`, `could not start: <error>`.
 */
export function describeShellResult(result: ShellResult): string {
	if (result.error) return `could not start: ${result.error}`;
	const how = result.exitCode !== null ? `exit code ${result.exitCode}` : `killed by ${result.signal ?? 'a signal'}`;
	return result.aborted ? `${how} (aborted)` : how;
}

/** True when a command the spawn helper started ended without exit code or signal and unaborted: the helper died, bash may have run. */
function helperLost(launched: Launched, output: BashExit, aborted: boolean): boolean {
	return launched.viaHelper === true && launched.pid !== undefined && output.cause !== undefined && output.exitCode === null && output.signal === null && !aborted;
}

/** A zx output store that keeps nothing: zx would otherwise hold all output in memory. */
function discardingStore(): NonNullable<Options['store']> {
	const nothing = {
		length: 0,
		push: () => 0,
		join: () => '',
		reduce: <U>(_fn: unknown, init: U): U => init,
		*[Symbol.iterator](): Iterator<string> {},
	};
	return {stdout: nothing, stderr: nothing, stdall: nothing} as unknown as NonNullable<Options['store']>;
}

async function checkCwd(cwd: string, stepId: string): Promise<string | undefined> {
	try {
		if (!(await stat(cwd)).isDirectory()) return `the working directory ${cwd} of step "${stepId}" is not a directory; fix the step's cwd`;
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') return `the working directory ${cwd} of step "${stepId}" does not exist; create it or fix the step's cwd`;
		return `the working directory ${cwd} of step "${stepId}" cannot be used: ${(error as Error).message}`;
	}
	return undefined;
}

/** Closes both ends of a FIFO that will not be used. */
function closeFifo(ends: FifoEnds): void {
	closeQuietly(ends.readFd);
	closeQuietly(ends.writeFd);
}

function notStarted(error: string, durationMs = 0): ShellResult {
	return {exitCode: null, durationMs, aborted: false, error};
}

async function finishAbortedBeforeStart(log: StepLogWriter, stepId: string): Promise<ShellResult> {
	log.note(`step "${stepId}" aborted before it started`);
	await log.close();
	return {exitCode: null, durationMs: 0, aborted: true};
}

async function finishNotStarted(log: StepLogWriter, stepId: string, error: string, durationMs = 0): Promise<ShellResult> {
	log.note(`step "${stepId}" did not run: ${error}`);
	await log.close();
	return notStarted(error, durationMs);
}

function oneLine(text: string): string {
	return text.split('\n')[0].trim();
}
