/**
 * The engine's ports: everything a run needs from the world, as interfaces.
 * Adapters implement them (executors/, store/, ui/, report/); tests use fakes.
 * Nothing here imports React, zx, the file system or the Kubernetes client.
 *
 * Over 300 lines on purpose: every port with its contract (units, errors, who calls
 * what when) in one file, so that an adapter's author reads one place.
 */
import type {Ask, Param, Step} from '../runbook/schema.js';
import type {KubernetesPort} from './kubernetes-port.js';
import type {OutputChunk} from './output.js';
import type {RunState} from './state.js';
import type {AttemptOutcome} from './outcome.js';
import type {LineCut} from '../runbook/variables.js';
import type {StepLogs} from './step-log-port.js';

/** What the shell executor is asked to run: a bash script under `bash -euo pipefail`. */
export interface ShellRequest {
	/** Step id, for messages. */
	stepId: string;
	/**
	 * The run's id: the command's id (`RUNBOOK_COMMAND_ID`) starts with it, so a
	 * resume signals only commands of its own run, whatever a state file names.
	 */
	runId?: string;
	/** The script text exactly as the runbook has it: values are never spliced in. */
	script: string;
	/** Variables the script reads, as environment variables (added to the process environment). */
	env: Record<string, string>;
	/** Working directory (absolute). */
	cwd: string;
	/** Absolute path of the log file; the full output (redacted) is appended to it. */
	logPath: string;
	/** Aborting stops the process group: SIGTERM, then SIGKILL after `graceMs`. */
	signal: AbortSignal;
	/** Grace period between SIGTERM and SIGKILL, in ms. */
	graceMs: number;
	/**
	 * Aborting it sends SIGKILL to the process group at once, without waiting out
	 * the grace period (a second stop request: the operator will not wait). It is
	 * only aborted after `signal`.
	 */
	kill?: AbortSignal;
	/** Keep stdout for `capture` (bounded: at most {@link CAPTURE_LIMIT_BYTES}). */
	capture: boolean;
	/** The step is `sensitive: true`: its output is neither shown nor logged, only its size in bytes. */
	sensitive?: boolean;
	/** Called with batches of complete lines as they arrive (already redacted). */
	onOutput: (chunk: OutputChunk) => void;
	/**
	 * Replaces secret values with `***`; applied to every line the executor decodes before it
	 * is logged or shown (output logged as bytes holds none: see `redactsNothing`, `holdsSecret`).
	 */
	redact: (text: string) => string;
	/**
	 * True when `redact` changes nothing (the run has no secret values): the executor
	 * may then log the output's bytes as they are and sample what it shows
	 * (executors/byte-output.ts).
	 */
	redactsNothing?: boolean;
	/**
	 * With secret values in the run: true when raw output bytes hold a value `redact` hides
	 * (runbook/variables.ts secretFinder). The executor may then log whole lines of printable
	 * ASCII that hold none as bytes and sample what it shows, as with nothing to redact
	 * (executors/masked-output.ts); every other piece is redacted line by line.
	 */
	holdsSecret?: (bytes: Buffer) => boolean;
	/**
	 * Where to cut a line longer than the executor's limit (64 Ki UTF-16 units), so
	 * that no secret spans the cut (runbook/variables.ts secretSafeCut): each piece is
	 * redacted on its own. Default: at the limit.
	 */
	cutLine?: LineCut;
	/**
	 * Called once the process started, with its process group id (the command runs
	 * in a group of its own) and the id its processes carry in their environment
	 * (`RUNBOOK_COMMAND_ID`), so the run can record them: after a crash, resume stops
	 * what is still running of the command before anything else. The command runs
	 * nothing until this has returned (the start gate, executors/shell.ts).
	 */
	onStart?: (pgid: number, commandId: string) => void;
}

/** The most stdout a `capture` keeps, in bytes (1 MiB). */
export const CAPTURE_LIMIT_BYTES = 1024 * 1024;

/**
 * When a command passed each phase (issue 15: a stall between two of them must be
 * visible): `startedAt` is the wall clock (ms since the epoch) when the executor
 * took the request; every other field is ms after it, present once reached.
 */
export interface StepPhases {
	startedAt: number;
	/** The step log is open. */
	logOpen?: number;
	/** bash is spawned. */
	spawned?: number;
	/** The start gate opened (the process group was recorded). */
	gateOpen?: number;
	/** The first byte of output arrived. */
	firstOutput?: number;
	/** bash exited. */
	exited?: number;
	/** Every process holding the output closed it (the step is over). */
	drained?: number;
}

/** How a shell command ended: a value, never an exception (after zx's ProcessOutput). */
export interface ShellResult {
	/** When it passed each phase (absent when it did not get to start). */
	phases?: StepPhases;
	/** Exit code; null when the process was killed by a signal or could not start. */
	exitCode: number | null;
	/** Signal that ended it, such as `SIGTERM`. */
	signal?: string;
	/** Wall time, ms. */
	durationMs: number;
	/** Whole stdout (trimmed by the caller) when `capture` was asked. */
	stdout?: string;
	/** True when the request's signal aborted it. */
	aborted: boolean;
	/** Set when the process could not be started at all (spawn failure). */
	error?: string;
}

/** Runs bash scripts. Implemented with zx in executors/shell.ts. */
export interface ShellPort {
	/** Runs one script to the end (or until aborted). Never throws for a failing command. */
	run(request: ShellRequest): Promise<ShellResult>;
}

/** How a save is made durable: see {@link StateStore.save}. */
export interface SaveOptions {
	/**
	 * Write the change now (a killed process keeps it: it is in the file) but fsync it
	 * later: at the next {@link StateStore.flush}, save without `later`, or within a
	 * fraction of a second. The runner uses it for every transition and flushes before
	 * anything outside the process happens (a command starts, an action runs), so one
	 * fsync covers a step's transitions (issue 14: each fsync costs ms).
	 */
	later?: boolean;
}

/** Persists the run state. Implemented in store/state-store.ts (FileStateStore). */
export interface StateStore {
	/** Saves the state: written before it returns, and fsynced too unless `options.later`. Throws only on I/O failure. */
	save(state: RunState, options?: SaveOptions): void;
	/**
	 * Makes every save so far durable (fsync), and whatever the process keeps beside the
	 * state (the journal). Throws only on I/O failure. Optional: a store without it
	 * makes every save durable at once.
	 */
	flush?(): void;
}

/** Time, for timeouts, retry delays and timestamps; a fake in tests. */
export interface Clock {
	/** Current time. */
	now(): Date;
	/** Resolves after `ms` milliseconds, or early (without rejecting) when `signal` aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A step as shown to the operator: ids, titles and strings with variables resolved. */
export interface StepView {
	id: string;
	index: number;
	title: string;
	description?: string;
	/** The action kind (`run`, `manual`, `ask`, `wait`, `scale`...). */
	action: string;
	/** What will run, for display: the script, the instructions, or a one-line summary. */
	command: string;
	/** Variables the command reads, with values (secrets as `***`), for display. */
	vars: Record<string, string>;
	destructive: boolean;
	step: Step;
}

/** Why a step failed, for the failure prompt. */
export interface FailureInfo {
	/** How the attempt ended (engine/outcome.ts; the runner always sets it), and describeOutcome of it. */
	outcome?: AttemptOutcome;
	error: string;
	exitCode?: number | null;
	/** Absolute path of the attempt's log, when there is one. */
	logPath?: string;
	attempt: number;
	/**
	 * Set when a `wait` step ran out of its `timeout` (`5m`): the operator may then
	 * also answer `wait-longer`, another wait of that length (issue 3: "wait longer /
	 * retry / skip / quit").
	 */
	waitLonger?: string;
	/**
	 * Set when the step is inside the `steps` of a group with a `rescue` (runbook format
	 * 1.1; the innermost such group): the operator may also answer `roll-back`, which runs
	 * that group's rescue steps and ends the group as failed ("failed, rolled back").
	 */
	rollBack?: {groupId: string; title: string; steps: string[]};
}

/** Answer to the step-mode gate shown before each step. */
export type GateAnswer = 'run' | 'skip' | 'quit';
/** Answer to a y/N confirmation or a typed-word confirmation. */
export type ConfirmAnswer = 'yes' | 'no' | 'quit';
/** Answer after a failure; `wait-longer` only when {@link FailureInfo.waitLonger} is set, `roll-back` only when {@link FailureInfo.rollBack} is. */
export type FailureAnswer = 'retry' | 'wait-longer' | 'skip' | 'mark-done' | 'roll-back' | 'quit';
/** Answer for a step found `interrupted` on resume. */
export type InterruptedAnswer = 'rerun' | 'mark-done' | 'skip' | 'quit';
/** Answer to a manual step. */
export type ManualAnswer = 'done' | 'skip' | 'quit';
/** Answer to one item of a checklist (`manual: {items}`, format 1.1): tick it, skip the whole step, or quit. */
export type ChecklistAnswer = 'tick' | 'skip' | 'quit';

/** One item of a checklist, as the operator is asked to tick it. */
export interface ChecklistItem {
	/** 0-based position of the item in the checklist. */
	index: number;
	/** Number of items in the checklist. */
	total: number;
	/** The item's text, variables resolved (secrets as `***`). */
	text: string;
	/** Every item's text (resolved), and whether each is ticked already, in checklist order. */
	items: ReadonlyArray<{text: string; ticked: boolean}>;
}

/**
 * The operator, as the engine sees them. The TUI (ui/) and the plain reporter
 * (report/) implement it. Every method may answer `quit`, which stops the run
 * with progress kept.
 */
export interface Operator {
	/** Step mode: before each step; answers at once in auto mode. */
	beforeStep(step: StepView): Promise<GateAnswer>;
	/** A `confirm` question, y/N. */
	confirm(step: StepView, question: string): Promise<ConfirmAnswer>;
	/** A `destructive` step: the operator must type `word` exactly. */
	confirmDestructive(step: StepView, question: string, word: string): Promise<ConfirmAnswer>;
	/** An `ask` action (strings resolved). Returns the answer, or `quit`. */
	ask(step: StepView, ask: Ask): Promise<{value: string} | 'quit'>;
	/** A required param with no value, before the first step. */
	askParam(name: string, param: Param): Promise<{value: string} | 'quit'>;
	/** A `manual` step: the operator does it elsewhere, then marks it done. */
	manual(step: StepView, instructions: string): Promise<ManualAnswer>;
	/**
	 * One item of a checklist (`manual: {text?, items}`, format 1.1): the operator ticks it
	 * (`tick`), skips the whole step, or quits. Asked for each item not ticked yet, in order.
	 */
	checkItem(step: StepView, item: ChecklistItem): Promise<ChecklistAnswer>;
	/** A step failed (after its retries). */
	onFailure(step: StepView, failure: FailureInfo): Promise<FailureAnswer>;
	/** A step was running when the last process ended; never re-run without this answer. */
	onInterrupted(step: StepView): Promise<InterruptedAnswer>;
	/**
	 * Set when the last `quit` answer was a refusal rather than the operator
	 * leaving: without a terminal, the flag that answers the question was not
	 * given. The message names the flag (`... pass --yes-destructive ...`); the
	 * run ends with it as its reason, in the journal and the report.
	 */
	readonly refusal?: string;
}

/** Everything a run needs from outside. */
/** One check of `wait.http`, with variables resolved (header values may hold secrets). */
export interface HttpProbe {
	url: string;
	/** Expected status; undefined: any 2xx. */
	status?: number;
	contains?: string;
	jsonpath?: string;
	/** Required with `jsonpath`: the value as kubectl prints it (a string). */
	equals?: string;
	insecure?: boolean;
	headers?: Record<string, string>;
}

/** How one check of `wait.http` went. */
export interface HttpProbeResult {
	/** The answer matched. */
	holds: boolean;
	/** True when the check can never hold (an unusable URL or jsonpath): no point waiting. */
	final?: boolean;
	/** The answer's status code, when there was an answer. */
	status?: number;
	/** The start of the body, one line, terminal-safe, bounded (executors/http-probe.ts). */
	excerpt?: string;
	/** One line: `status 503, expected any 2xx`, `connection refused`. Never holds header values. */
	message: string;
}

/** Makes `wait.http` checks (executors/http-probe.ts). */
export interface HttpPort {
	/** One check; never throws. */
	probe(probe: HttpProbe, signal: AbortSignal): Promise<HttpProbeResult>;
}

/**
 * Everything the Runner reaches the world through, wired by `cli/` (the real adapters) or by
 * tests (doubles): it imports no I/O itself, so the engine stays testable without processes.
 */
export interface Ports {
	shell: ShellPort;
	/** `wait.http` checks; absent in tests that need none (such a wait then fails with a clear error). */
	http?: HttpPort;
	/** The cluster; present only when the runbook has Kubernetes steps. */
	kubernetes?: KubernetesPort;
	store: StateStore;
	clock: Clock;
	operator: Operator;
	/** Step log files, read back for the UI (`RunHandle.readLog`); absent in tests that read none. */
	stepLogs?: StepLogs;
}
