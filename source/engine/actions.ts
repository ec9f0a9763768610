/**
 * Executes one attempt of a step's action through the ports: `run` and
 * `wait.command` through the shell port, every Kubernetes action and wait
 * through the Kubernetes port.
 */
import type {Step} from '../runbook/schema.js';
import {parseDuration} from '../runbook/duration.js';
import type {RunEvent} from './events.js';
import type {Clock, HttpPort, HttpProbe, ShellPort, StepPhases} from './ports.js';
import type {KubeActionKind, KubernetesPort} from './kubernetes-port.js';
import {interpolate} from '../runbook/variables.js';
import {selectorProblem} from '../runbook/label-selector.js';
import {hasVariable} from '../security/kube-names.js';
import {actionOf, waitKindOf} from './view.js';
import type {LineCut} from '../runbook/variables.js';
import {type AttemptOutcome, describeOutcome} from './outcome.js';

/** A failure of an action that ran no process, or one that did not get to run. */
function failed(message: string, kind: 'failed' | 'not-started' = 'failed'): ActionOutcome {
	return {ok: false, exitCode: null, failure: kind === 'failed' ? {kind, message} : {kind, reason: message}};
}

/** What an action needs to run one attempt. */
export interface ActionContext {
	shell: ShellPort;
	clock: Clock;
	/** Environment for commands (every variable, secrets included, and the step's `env`). */
	env: Record<string, string>;
	/** Working directory (absolute). */
	cwd: string;
	/** Absolute path of this attempt's log file. */
	logPath: string;
	/** Aborted on stop or timeout. */
	signal: AbortSignal;
	/** SIGTERM → SIGKILL grace period, ms. */
	graceMs: number;
	/** Aborted on a second stop request: SIGKILL now, without the rest of the grace period. */
	kill?: AbortSignal;
	redact: (text: string) => string;
	/** True when `redact` changes nothing (no secret values): see ShellRequest.redactsNothing. */
	redactsNothing?: boolean;
	/** True when output bytes hold a secret value: see ShellRequest.holdsSecret. */
	holdsSecret?: (bytes: Buffer) => boolean;
	/** Where to cut an over-long output line: see ShellRequest.cutLine. */
	cutLine?: LineCut;
	emit: (event: RunEvent) => void;
	/** Called with the process group id of each command as it starts. */
	onProcess?: (pgid: number, commandId: string) => void;
	/** Called when each command started through {@link ActionContext.onProcess} has ended. */
	onProcessEnd?: () => void;
	/** The cluster, when the runbook has Kubernetes steps (created lazily by the CLI). */
	kubernetes?: KubernetesPort;
	/** `wait.http` checks. */
	http?: HttpPort;
	/** Whether the step captures exec's stdout. */
	capture?: boolean;
}

/** How an attempt ended; a failure says how as a typed {@link AttemptOutcome} (never `succeeded`). */
export type ActionOutcome = ({ok: true; exitCode?: number | null; stdout?: string} | {ok: false; exitCode?: number | null; signal?: string; failure: AttemptOutcome}) & {
	/** When a shell command passed each phase (ports.ts StepPhases). */
	phases?: StepPhases;
};

/**
 * Runs one attempt of `step`'s action. Never throws for a failing command; an
 * aborted signal ends it early (the caller tells a stop from a timeout).
 */
export async function executeAction(step: Step, ctx: ActionContext): Promise<ActionOutcome> {
	const action = actionOf(step);
	if (action === 'run') return runScript(step, step.run ?? '', ctx, step.okExitCodes ?? [0], Boolean(step.capture));
	if (action === 'wait' && waitKindOf(step) === 'command') return waitCommand(step, ctx);
	if (action === 'wait' && waitKindOf(step) === 'http') return waitHttp(step, ctx);
	const what = action === 'wait' ? `wait.${waitKindOf(step)}` : action;
	if (!ctx.kubernetes) {
		return failed(`${what}: no Kubernetes connection (this is a bug: the CLI connects when a runbook has Kubernetes steps)`, 'not-started');
	}
	const problem = countProblem(step, ctx.env);
	if (problem) return failed(problem, 'not-started');
	return runKubernetes(step, action as KubeActionKind, ctx, ctx.kubernetes);
}

/** `$NAME` or `${NAME}`, a whole count field (format 1.1: `replicas`, `podsReady.count`). */
const COUNT_VARIABLE = /^\$(?:([A-Z_][A-Z0-9_]*)|\{([A-Z_][A-Z0-9_]*)\})$/;

/**
 * Checks a count given as a variable (`scale.replicas: $REPLICAS`, `wait.podsReady.count:
 * $N`) before anything is sent to the cluster: its value must be a whole number >= 0 of at
 * most 10 digits (an int32 for `replicas`). An empty or unset value is refused (never read
 * as 0: scaling to zero by accident is the worst outcome).
 * @returns one line naming the step, the field and the variable, or undefined when fine.
 */
export function countProblem(step: Step, values: Record<string, string>): string | undefined {
	const fields: Array<[string, unknown]> = [
		['scale.replicas', step.scale?.replicas],
		['wait.podsReady.count', step.wait?.podsReady?.count],
	];
	for (const [field, written] of fields) {
		if (typeof written !== 'string') continue;
		const match = COUNT_VARIABLE.exec(written);
		if (!match) return `step ${step.id}: ${field} is ${JSON.stringify(written)}, expected a whole number >= 0 or a variable such as $REPLICAS`;
		const name = (match[1] ?? match[2])!;
		const value = values[name];
		if (value === undefined) return `step ${step.id}: ${field} is ${written}, and ${name} has no value; give it with -p ${name}=N or an ask before this step`;
		const max = field === 'scale.replicas' ? 2_147_483_647 : Number.MAX_SAFE_INTEGER;
		if (!/^\d{1,10}$/.test(value) || Number(value) > max) {
			return `step ${step.id}: ${field} is ${written}, whose value ${JSON.stringify(value)} is not a whole number >= 0; give ${name} a count such as 0 or 3`;
		}
	}
	return undefined;
}

/** Replaces variables in every string of a value, deeply (values literal, as in every non-script field). */
export function resolveDeep(value: unknown, values: Record<string, string>): unknown {
	if (typeof value === 'string') return interpolate(value, values);
	if (Array.isArray(value)) return value.map(v => resolveDeep(v, values));
	if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, values)]));
	return value;
}

/**
 * Checks a label selector that held a variable (`app=$APP`) once substituted, before anything
 * is sent to the cluster (a literal one was parsed at `validate`: runbook/label-selector.ts).
 * @param spec the action's fields after substitution (`delete`, `scale`, or the whole `wait`).
 * @returns one line naming the step, the field, the selector as written and the problem, the
 *   substituted value passed through `redact`; undefined when fine or when there is no selector.
 */
export function substitutedSelectorProblem(step: Step, kind: KubeActionKind, spec: Record<string, unknown>, redact: (text: string) => string): string | undefined {
	const holders: Array<[string, unknown, unknown]> = kind === 'wait' ? Object.entries(spec).map(([waitKind, body]) => [`wait.${waitKind}`, body, (step.wait as Record<string, unknown> | undefined)?.[waitKind]]) : [[kind, spec, step[kind]]];
	for (const [field, body, written] of holders) {
		const writtenSelector = written && typeof written === 'object' ? (written as Record<string, unknown>).selector : undefined;
		const selector = body && typeof body === 'object' ? (body as Record<string, unknown>).selector : undefined;
		if (typeof writtenSelector !== 'string' || typeof selector !== 'string' || !hasVariable(writtenSelector)) continue;
		const problem = selectorProblem(selector);
		if (problem) return redact(`step ${step.id}: ${field}.selector ${JSON.stringify(writtenSelector)} is ${JSON.stringify(selector)} once substituted: ${problem}`);
	}
	return undefined;
}

async function runKubernetes(step: Step, kind: KubeActionKind, ctx: ActionContext, kubernetes: KubernetesPort): Promise<ActionOutcome> {
	const spec = resolveDeep(step[kind], ctx.env) as Record<string, unknown>;
	const selector = substitutedSelectorProblem(step, kind, spec, ctx.redact);
	if (selector) return failed(selector, 'not-started');
	const result = await kubernetes.execute({
		stepId: step.id,
		kind,
		spec,
		namespace: kubernetes.target().namespace,
		cwd: ctx.cwd,
		signal: ctx.signal,
		logPath: ctx.logPath,
		onOutput: chunk => ctx.emit({type: 'output', stepId: step.id, ...chunk}),
		onProgress: message => ctx.emit({type: 'progress', stepId: step.id, message}),
		redact: ctx.redact,
		...(ctx.cutLine ? {cutLine: ctx.cutLine} : {}),
		capture: Boolean(ctx.capture),
		...(step.sensitive ? {sensitive: true} : {}),
	});
	if (result.notice) ctx.emit({type: 'notice', level: 'info', stepId: step.id, message: ctx.redact(result.notice)});
	if (result.ok) return {ok: true, ...(result.exitCode !== undefined ? {exitCode: result.exitCode} : {}), ...(result.stdout !== undefined ? {stdout: result.stdout} : {})};
	const message = result.error ?? `${kind} failed`;
	if (typeof result.exitCode === 'number') return {ok: false, exitCode: result.exitCode, failure: {kind: 'exit-code', exitCode: result.exitCode, message}};
	return failed(message);
}

async function runScript(step: Step, script: string, ctx: ActionContext, okExitCodes: number[], capture: boolean): Promise<ActionOutcome> {
	const result = await ctx.shell
		.run({
			stepId: step.id,
			...(ctx.env.RUN_ID ? {runId: ctx.env.RUN_ID} : {}),
			script,
			env: ctx.env,
			cwd: ctx.cwd,
			logPath: ctx.logPath,
			signal: ctx.signal,
			graceMs: ctx.graceMs,
			...(ctx.kill ? {kill: ctx.kill} : {}),
			capture,
			...(step.sensitive ? {sensitive: true} : {}),
			onOutput: chunk => ctx.emit({type: 'output', stepId: step.id, ...chunk}),
			redact: ctx.redact,
			...(ctx.redactsNothing ? {redactsNothing: true} : {}),
			...(ctx.holdsSecret ? {holdsSecret: ctx.holdsSecret} : {}),
			...(ctx.cutLine ? {cutLine: ctx.cutLine} : {}),
			...(ctx.onProcess ? {onStart: ctx.onProcess} : {}),
		})
		.finally(() => ctx.onProcessEnd?.());
	const phases = result.phases ? {phases: result.phases} : {};
	if (result.error) return {ok: false, exitCode: null, failure: {kind: 'not-started', reason: result.error}, ...phases};
	if (result.exitCode !== null && okExitCodes.includes(result.exitCode)) return {ok: true, exitCode: result.exitCode, stdout: result.stdout, ...phases};
	const failure: AttemptOutcome = result.signal ? {kind: 'signal', signal: result.signal} : result.exitCode === null ? {kind: 'failed', message: 'the command ended without an exit code'} : {kind: 'exit-code', exitCode: result.exitCode};
	return {ok: false, exitCode: result.exitCode, ...(result.signal ? {signal: result.signal} : {}), failure, ...phases};
}

/** The abort reason of an attempt whose step timeout passed (engine/attempt.ts). */
export class StepTimedOut extends Error {
	constructor() {
		super('timeout');
	}
}

/** A signal that follows `signal` except for a step timeout ({@link StepTimedOut}). */
function unlessTimedOut(signal: AbortSignal): AbortSignal {
	const followed = new AbortController();
	const follow = () => {
		if (!(signal.reason instanceof StepTimedOut)) followed.abort(signal.reason);
	};
	if (signal.aborted) follow();
	else signal.addEventListener('abort', follow, {once: true});
	return followed.signal;
}

/** `wait.command`: runs the check until it exits 0, every `interval` (default 2s). */
async function waitCommand(step: Step, ctx: ActionContext): Promise<ActionOutcome> {
	const spec = step.wait!.command!;
	const intervalMs = parseDuration(spec.interval ?? '2s');
	for (let check = 1; ; check++) {
		const outcome = await runScript(step, spec.run, ctx, [0], false);
		if (outcome.ok) {
			ctx.emit({type: 'progress', stepId: step.id, message: `check ${check}: condition holds`});
			return outcome;
		}
		if (ctx.signal.aborted) return outcome;
		const last = describeOutcome(outcome.failure);
		ctx.emit({type: 'progress', stepId: step.id, message: `check ${check}: ${last}; next check in ${spec.interval ?? '2s'}`});
		await ctx.clock.sleep(intervalMs, ctx.signal);
		if (ctx.signal.aborted) return {ok: false, exitCode: outcome.exitCode, failure: {kind: 'failed', message: `condition did not hold (last check: ${last})`}};
	}
}

/**
 * `wait.http` (format 1.1): checks the URL until the answer matches, every `interval`
 * (default 2s). Each check's progress line carries the status and a body excerpt (and says
 * when TLS is not verified); values are redacted, header values never appear.
 */
async function waitHttp(step: Step, ctx: ActionContext): Promise<ActionOutcome> {
	const written = step.wait!.http!;
	const interval = step.wait!.interval ?? '2s';
	const intervalMs = parseDuration(interval);
	if (!ctx.http) return failed('wait.http: no HTTP client (this is a bug: the CLI provides one)', 'not-started');
	const probe = resolveDeep(written, ctx.env) as HttpProbe;
	const tls = written.insecure ? ' (insecure: TLS not verified)' : '';
	for (let check = 1; ; check++) {
		// The first check is not cut by the step's timeout (a stop still cuts it): a wait that
		// timed out says what it saw, however slow the machine (the probe has its own request limit).
		const result = await ctx.http.probe(probe, check === 1 ? unlessTimedOut(ctx.signal) : ctx.signal);
		const body = result.excerpt ? ` — ${JSON.stringify(result.excerpt)}` : '';
		const seen = ctx.redact(`${result.message}${body}`);
		if (result.holds) {
			ctx.emit({type: 'progress', stepId: step.id, message: `check ${check}: ${seen}${tls}: condition holds`});
			return {ok: true};
		}
		if (result.final) return failed(ctx.redact(`wait.http: ${result.message}`));
		ctx.emit({type: 'progress', stepId: step.id, message: `check ${check}: ${seen}${tls}; next check in ${interval}`});
		if (ctx.signal.aborted) return failed(`condition did not hold (last check: ${seen})`);
		await ctx.clock.sleep(intervalMs, ctx.signal);
		if (ctx.signal.aborted) return failed(`condition did not hold (last check: ${seen})`);
	}
}
