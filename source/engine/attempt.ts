/**
 * Attempts of a step's action: one attempt with its `timeout`, and the `retries` after a
 * failure (`retryDelay` apart). Each attempt is saved as it starts, as its command's process
 * group becomes known, and as it ends, with a typed outcome (engine/outcome.ts).
 */
import path from 'node:path';
import type {Step} from '../runbook/schema.js';
import {parseDuration} from '../runbook/duration.js';
import {interpolate, secretFinder, secretSafeCut} from '../runbook/variables.js';
import {captureProblem} from '../security/secrets.js';
import {type ActionOutcome, executeAction, StepTimedOut} from './actions.js';
import {type AttemptOutcome, describeOutcome, outcomeStatus} from './outcome.js';
import type {FailureInfo} from './ports.js';
import {stepLogRel} from './step-log-port.js';
import type {RunCore} from './run-core.js';
import * as t from './transitions.js';
import {actionOf, allValues, waitKindOf} from './view.js';

/** How a step's attempts ended: `interrupted` when a stop was requested. */
export type AttemptsEnd = {kind: 'succeeded'} | {kind: 'interrupted'} | {kind: 'failed'; failure: FailureInfo};

/**
 * Runs attempts of `step` until one succeeds, it is interrupted, or its `retries` (default 0)
 * are spent; between two, a notice and the `retryDelay` (default 2s), cut short by a stop.
 */
export async function runAttempts(run: RunCore, step: Step): Promise<AttemptsEnd> {
	const retries = step.retries ?? 0;
	const delayMs = parseDuration(step.retryDelay ?? '2s');
	for (let i = 0; ; i++) {
		const result = await runAttempt(run, step);
		if (result.kind !== 'failed' || i >= retries) return result;
		run.emit({type: 'notice', level: 'warn', stepId: step.id, message: `${result.failure.error}; retry ${i + 1} of ${retries} in ${step.retryDelay ?? '2s'}`});
		const controller = new AbortController();
		run.current = controller;
		await run.ports.clock.sleep(delayMs, controller.signal);
		run.current = undefined;
		if (run.stopping) return {kind: 'interrupted'};
	}
}

/** One attempt of a step's action, with its timeout. */
async function runAttempt(run: RunCore, step: Step): Promise<AttemptsEnd> {
	if (run.stopping) return {kind: 'interrupted'};
	const n = run.state.steps[step.id]!.attempts.length + 1;
	const logRel = stepLogRel(step.id, n);
	const logPath = run.logPath(step.id, n);
	const view = run.stepView(step.id);
	run.apply((s, at) => t.startAttempt(s, step.id, at, run.options.by, logRel), {type: 'step-started', stepId: step.id, attempt: n, command: view.command, logPath}, {type: 'step-status', stepId: step.id, status: 'running', attempt: n});

	const started = run.now().getTime();
	const controller = new AbortController();
	run.current = controller;
	const timeoutMs = step.timeout ? parseDuration(step.timeout) : undefined;
	// A shell command waits at its start gate until onProcess has flushed (below);
	// any other action acts at once, so its attempt must be durable first.
	if (actionOf(step) !== 'run') run.flush();
	const timer = new AbortController();
	let timedOut = false;
	if (timeoutMs !== undefined) {
		void run.ports.clock.sleep(timeoutMs, timer.signal).then(() => {
			if (timer.signal.aborted) return;
			timedOut = true;
			controller.abort(new StepTimedOut());
		});
	}
	const secrets = Object.values(run.secrets);
	let outcome: ActionOutcome;
	try {
		outcome = redactOutcome(
			await executeAction(step, {
				shell: run.ports.shell,
				clock: run.ports.clock,
				env: commandEnv(run, step),
				cwd: commandCwd(run, step),
				logPath,
				signal: controller.signal,
				graceMs: run.options.graceMs ?? 10_000,
				kill: run.kill.signal,
				redact: text => run.redactText(text),
				redactsNothing: secrets.every(value => value === ''),
				// Per attempt, as redactsNothing and cutLine are: secret values change only between
				// steps (an ask's answer), never while a command runs.
				holdsSecret: secretFinder(secrets),
				cutLine: secretSafeCut(secrets),
				// A progress line of a step with a timeout says how long is left (issue 10 item 4).
				emit: event => run.emit(event.type === 'progress' && timeoutMs !== undefined && step.timeout ? {...event, leftMs: timeoutMs - (run.now().getTime() - started), timeout: step.timeout} : event),
				onProcess: (pgid, commandId) => {
					run.commandRunning = true;
					run.apply((s, at) => t.setAttemptProcess(s, step.id, at, pgid, run.options.host, commandId));
					run.flush();
				},
				onProcessEnd: () => {
					run.commandRunning = false;
				},
				...(run.ports.kubernetes ? {kubernetes: run.ports.kubernetes} : {}),
				...(run.ports.http ? {http: run.ports.http} : {}),
				capture: Boolean(step.capture),
			}),
			text => run.redactText(text),
		);
	} finally {
		// Only a timeout's sleep listens; an abort without a reason builds a DOMException (a
		// stack trace) per step (issue 14).
		if (timeoutMs !== undefined) timer.abort();
		run.current = undefined;
		run.commandRunning = false;
	}
	const durationMs = run.now().getTime() - started;
	const phases = outcome.phases ? {phases: outcome.phases} : {};

	const leaked = outcome.ok && step.capture && outcome.stdout !== undefined ? captureProblem(outcome.stdout, step.capture, secrets) : undefined;
	if (leaked) outcome = {ok: false, exitCode: outcome.exitCode, failure: {kind: 'failed', message: leaked}};
	if (outcome.ok && step.capture && outcome.stdout !== undefined) {
		const value = outcome.stdout.trim();
		const name = step.capture;
		run.apply((s, at) => t.setVar(s, at, name, value));
	}
	const ended: AttemptOutcome = outcome.ok
		? {kind: 'succeeded', ...(typeof outcome.exitCode === 'number' ? {exitCode: outcome.exitCode} : {})}
		: timedOut
			? {kind: 'timeout', after: step.timeout ?? '?'}
			: controller.signal.aborted || run.stopping
				? {kind: 'stopped', reason: run.stopReason ?? 'stop requested'}
				: outcome.failure;
	const status = outcomeStatus(ended);
	const error = ended.kind === 'succeeded' ? undefined : describeOutcome(ended);
	const {exitCode} = outcome;
	run.apply((s, at) => t.finishAttempt(s, step.id, at, {outcome: ended, exitCode, ...(outcome.ok ? {} : {signal: outcome.signal})}), {
		type: 'step-status',
		stepId: step.id,
		status,
		attempt: n,
		exitCode,
		outcome: ended,
		...(error ? {error} : {}),
		durationMs,
		...phases,
	});
	if (status === 'succeeded') return {kind: 'succeeded'};
	if (status === 'interrupted') return {kind: 'interrupted'};
	const waitLonger = ended.kind === 'timeout' && actionOf(step) === 'wait' ? {waitLonger: ended.after} : {};
	return {kind: 'failed', failure: {outcome: ended, error: error ?? '', exitCode, logPath, attempt: n, ...waitLonger}};
}

/** The environment a step's commands get: every variable (secrets included) and the step's `env`. */
function commandEnv(run: RunCore, step: Step): Record<string, string> {
	const values = allValues(run.scope());
	const env: Record<string, string> = {...values};
	for (const [name, value] of Object.entries(step.env ?? {})) env[name] = interpolate(value, values);
	return env;
}

/** A step's working directory: its `cwd` (relative to the run's) or the run's. */
function commandCwd(run: RunCore, step: Step): string {
	const cwd = step.cwd ?? (waitKindOf(step) === 'command' ? step.wait?.command?.cwd : undefined);
	if (!cwd) return run.state.cwd;
	return path.resolve(run.state.cwd, interpolate(cwd, allValues(run.scope())));
}

/** An outcome whose words (saved in the state, shown) have secret values replaced by `***`. */
function redactOutcome(outcome: ActionOutcome, redact: (text: string) => string): ActionOutcome {
	if (outcome.ok) return outcome;
	const f = outcome.failure;
	const failure: AttemptOutcome = f.kind === 'failed' ? {...f, message: redact(f.message)} : f.kind === 'not-started' ? {...f, reason: redact(f.reason)} : f.kind === 'exit-code' && f.message !== undefined ? {...f, message: redact(f.message)} : f;
	return {...outcome, failure};
}
