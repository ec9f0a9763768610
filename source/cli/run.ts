/**
 * `runbook run` and `runbook resume`: load the runbook, create or reconcile the
 * run's state, pick the TUI or the plain output, drive the run, and turn its end
 * into an exit code (0 completed, 1 failed or aborted, 2 invalid runbook or
 * usage, or a run refused before anything ran, such as one in use by another
 * process, 130 stopped by a signal with progress saved).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {loadRunbook, RunbookError, type LoadedRunbook} from '../runbook/load.js';
import type {Param} from '../runbook/schema.js';
import {systemClock} from '../engine/clock.js';
import {resolveParams, secretEnvName} from '../engine/params.js';
import type {HttpPort, Operator, ShellPort, StateStore} from '../engine/ports.js';
import {Runner} from '../engine/runner.js';
import type {KubernetesPort} from '../engine/kubernetes-port.js';
import {recordDecision} from '../engine/transitions.js';
import {connectKubernetes, type KubeOptions} from './kubernetes.js';
import {describeTarget, needsKubernetes, recordedTarget, targetChanges} from '../engine/kubernetes-target.js';
import {isStepDone, runStatusWord, type RunState} from '../engine/state.js';
import {newRunState, reconcileForResume} from '../engine/transitions.js';
import {isCommandOfRun, stopLeftoverCommand} from '../executors/process-group.js';
import {createPlainReporter, PlainOperator, type Write} from '../ui/plain.js';
import {isRunId, RunsRepository, StateError, resolveStateDir, type RunSummary} from '../store/runs.js';
import type {StateSaveError} from '../store/state-files.js';
import {makePrivateDir, stateDirWarnings} from '../platform/safe-file.js';
import {secretProblem} from '../security/secrets.js';
import {readStarted, recordStarted} from '../store/started.js';
import {damagedStateMessage, runbookFileProblem, runbookPathProblem, trustedGroups, trustedTicks, trustedVars} from '../store/trust.js';
import {currentOwner, lockRun, ownerName, RunLockedError, type RunLock} from '../store/lock.js';
import {Journal, JournalError, journalListener} from '../store/journal.js';
import {readEarlierSessions} from '../store/sessions.js';
import {stepEstimates} from '../engine/run-summary.js';
import {flushCompileCache} from '../platform/compile-cache.js';
import {countSelfSignals, takeSelfSignal} from '../platform/self-signals.js';
import {allSteps} from '../runbook/groups.js';
import {preflightNeeds, preflightRefusal, type PreflightAnswers} from '../engine/preflight.js';
import {classifySecrets} from '../engine/secret-timing.js';
import {buildPlan, planLines} from '../engine/plan.js';
import {visibleControls} from '../security/terminal-text.js';

/**
 * The zx shell executor, imported when the first shell step runs: zx is not
 * needed to draw the first frame (start-up time, see bench/).
 */
function lazyShellExecutor(): ShellPort {
	let executor: Promise<ShellPort> | undefined;
	return {
		run: async request => {
			executor ??= import('../executors/shell.js').then(shell => shell.createShellExecutor());
			return (await executor).run(request);
		},
	};
}

/** The `wait.http` client, imported on the first check (undici is not needed to start). */
function lazyHttpProbe(): HttpPort {
	let probe: Promise<typeof import('../executors/http-probe.js')> | undefined;
	return {
		probe: async (request, signal) => {
			probe ??= import('../executors/http-probe.js');
			return (await probe).probeHttp(request, signal);
		},
	};
}

/** The TUI's modules, once loaded. */
interface UiModules {
	operator: typeof import('../ui/operator.js');
	render: typeof import('../ui/render.js');
	chooseResume: typeof import('../ui/choose-resume.js');
}

let uiModules: Promise<UiModules> | undefined;

/**
 * Starts loading the TUI's modules (once; later calls share the promise), so
 * they load while the runbook is read and checked. React picks its build from
 * NODE_ENV when first imported and its development build costs several times
 * more per frame (owner stacks, performance-track marks: a step printing a
 * million lines spent most of its time there), so an unset NODE_ENV reads
 * `production` while they load, then is unset again: steps must not inherit it.
 */
function loadUi(): Promise<UiModules> {
	if (uiModules) return uiModules;
	const setEnv = process.env.NODE_ENV === undefined;
	if (setEnv) process.env.NODE_ENV = 'production';
	uiModules = Promise.all([import('../ui/operator.js'), import('../ui/render.js'), import('../ui/choose-resume.js')])
		.then(([operator, render, chooseResume]) => ({operator, render, chooseResume}))
		.finally(() => {
			if (setEnv) delete process.env.NODE_ENV;
		});
	return uiModules;
}

/** {@link loadUi} ahead of need; a failure surfaces where the modules are awaited. */
function preloadUi(options: Pick<SessionOptions, 'plain'>): void {
	if (wantsTui(options)) loadUi().catch(() => {});
}

/** ` --state-dir DIR` for a command line the operator is told to run, when the run's state dir was given; else ''. */
function stateDirArg(stateDir: string | undefined): string {
	return stateDir ? ` --state-dir ${stateDir}` : '';
}

/** Exit codes of `runbook run` and `runbook resume`. */
export const EXIT = {completed: 0, failed: 1, usage: 2, interrupted: 130} as const;

/** Options shared by `run` and `resume` (from the command line). */
export interface SessionOptions {
	/** `-p NAME=VALUE` values. */
	params: Record<string, string>;
	auto: boolean;
	plain: boolean;
	yes: boolean;
	yesDestructive: boolean;
	rerunInterrupted: boolean;
	/** `--no-rescue`: without a terminal, a failure inside a group stops the run instead of running the group's rescue. */
	noRescue?: boolean;
	/** `--new`: start a new run even when an unfinished one exists. */
	fresh: boolean;
	stateDir?: string;
	/** SIGTERM → SIGKILL grace period for stopped commands, ms. */
	graceMs?: number;
	/**
	 * `--confirm-runbook FILE` (resume without a terminal): go on with the runbook the state
	 * names although its content is not the one recorded and this account has no record of
	 * the run (store/started.ts); FILE must be that runbook's path.
	 */
	confirmRunbook?: string;
	/** For tests: a shell port instead of the zx executor. */
	shell?: ShellPort;
}

/** `run`/`resume` options, Kubernetes ones included (`--kubeconfig`, `--context`, `-n`, `--confirm-context`). */
export type RunOptions = SessionOptions & KubeOptions;

/**
 * Who is operating: `RUNBOOK_OPERATOR` when set (a name for the journal and the
 * report, e.g. when several people share one account), else `user@host`.
 */
export function operatorName(): string {
	const named = process.env.RUNBOOK_OPERATOR?.trim();
	if (named) return named;
	let user = process.env.USER ?? '';
	try {
		user = os.userInfo().username;
	} catch {
		// keep $USER
	}
	return `${user || 'unknown'}@${os.hostname()}`;
}

/** Output streams of a session. */
interface Io {
	out: Write;
	err: Write;
}

const stdio: Io = {
	out: text => void process.stdout.write(text),
	err: text => void process.stderr.write(text),
};

/** Whether to use the TUI: both ends are terminals and `--plain` was not given. */
export function wantsTui(options: Pick<SessionOptions, 'plain'>): boolean {
	return !options.plain && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
}

async function load(file: string, io: Io): Promise<LoadedRunbook | undefined> {
	try {
		const loaded = await loadRunbook(file);
		return loaded;
	} catch (error) {
		if (error instanceof RunbookError) {
			io.err(error.format() + '\n');
			return undefined;
		}
		throw error;
	}
}

function describeRun(run: RunSummary): string {
	return `${run.runId} (${runStatusWord(run.status)}, ${run.done}/${run.total} steps done${run.currentStepId ? `, at ${run.currentStepId}` : ''}, last active ${run.updatedAt}, started by ${run.startedBy})`;
}

/** `runbook run FILE`: starts a run, or offers to resume an unfinished run of the same runbook. */
export async function runCommand(file: string, options: RunOptions, io: Io = stdio): Promise<number> {
	preloadUi(options);
	const loaded = await load(file, io);
	if (!loaded) return EXIT.usage;
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	const tui = wantsTui(options);

	if (!options.fresh) {
		const unfinished = repo.unfinished(loaded.path);
		if (unfinished.length > 0) {
			if (!tui) {
				const stateDirFlag = stateDirArg(options.stateDir);
				io.err(
					`runbook: an unfinished run of ${loaded.path} exists: ${describeRun(unfinished[0])}\n` +
						`  continue it:   runbook resume ${unfinished[0].runId}${stateDirFlag}\n` +
						`  or start anew: runbook run ${file} --new${stateDirFlag}\n`,
				);
				return EXIT.usage;
			}
			const {chooseResume} = (await loadUi()).chooseResume;
			const choice = await chooseResume(loaded.runbook.title, unfinished);
			if (choice === 'quit') return EXIT.failed;
			if (choice !== 'new') return resumeCommand(choice, options, io);
		}
	}

	const resolution = resolveParams(loaded.runbook, options.params, process.env);
	if (resolution.problems.length > 0) {
		for (const problem of resolution.problems) io.err(`runbook: ${problem}\n`);
		return EXIT.usage;
	}
	if (!tui && resolution.missing.length > 0) {
		for (const name of resolution.missing) {
			const param = loaded.runbook.params![name];
			io.err(
				param.secret
					? `runbook: secret param ${name} is required: set ${secretEnvName(name)} in the environment (or pass -p ${name}=VALUE)\n`
					: `runbook: param ${name} is required: pass -p ${name}=VALUE${param.description ? ` (${param.description})` : ''}\n`,
			);
		}
		// Every flag the run needs is named at once: the missing params above, the steps' questions here.
		io.err(preflightRefusal(preflightNeeds(loaded.runbook, {}, {...resolution.vars, ...resolution.secrets}, plainAnswers(options), new Set(Object.keys(resolution.secrets)))).map(line => `${line}\n`).join(''));
		return EXIT.usage;
	}
	if (!tui) {
		// Refused before the run's folder is made: nothing of it is left behind (engine/preflight.ts).
		const refusal = preflightRefusal(preflightNeeds(loaded.runbook, {}, {...resolution.vars, ...resolution.secrets}, plainAnswers(options), new Set(Object.keys(resolution.secrets))));
		if (refusal.length > 0) {
			io.err(refusal.map(line => `${line}\n`).join(''));
			return EXIT.usage;
		}
	}
	const secrets = {...resolution.secrets};
	const askFirst: Array<{name: string; param: Param}> = [];
	for (const name of resolution.missing) askFirst.push({name, param: loaded.runbook.params![name]});
	for (const name of resolution.optionalSecrets) {
		if (tui) askFirst.push({name, param: loaded.runbook.params![name]});
		else secrets[name] = '';
	}

	const at = systemClock.now();
	const runId = repo.newRunId(loaded.path, at);
	const state = newRunState({
		runId,
		runbookPath: loaded.path,
		runbookHash: loaded.hash,
		title: loaded.runbook.title,
		stepIds: allSteps(loaded.runbook).map(s => s.id),
		by: operatorName(),
		at,
		cwd: process.cwd(),
		vars: resolution.vars,
		secretVars: Object.keys(loaded.runbook.params ?? {}).filter(name => loaded.runbook.params![name].secret),
	});
	// One process per run: the new run's folder is locked before its state is first saved.
	makePrivateDir(repo.runDir(runId));
	const runLock = await takeRunLock(repo, runId, io);
	if (!runLock) return EXIT.usage;
	// Which runbook this run runs, where a shared state directory cannot change it (store/started.ts).
	const unrecorded = recordStarted(repo.stateDir, runId, loaded.path);
	if (unrecorded) io.err(`runbook: warning: ${unrecorded}\n`);
	try {
		return await drive({loaded, state, repo, secrets, askFirst, resumed: false, notices: []}, options, io);
	} finally {
		await runLock.release();
	}
}

/**
 * Takes the lock of run `runId` (see store/lock.ts). When the run is in use by a
 * live process, says so (pid, user@host, since when) on stderr and returns
 * undefined: the caller exits 2, as for the other refusals before anything ran.
 */
async function takeRunLock(repo: RunsRepository, runId: string, io: Io): Promise<RunLock | undefined> {
	for (const warning of stateDirWarnings(repo.stateDir)) io.err(`runbook: warning: ${warning}\n`);
	try {
		return await lockRun(repo.runDir(runId), currentOwner());
	} catch (error) {
		if (!(error instanceof RunLockedError)) throw error;
		io.err(`runbook: ${error.message}\n`);
		return undefined;
	}
}

/**
 * The notice for a lock taken over from a holder that was gone. Without the run id
 * (the session is about that run) and the holder first: the TUI shows a notice on
 * one 80-column row and cuts the rest.
 */
function takeoverNotice(lock: RunLock): string[] {
	const gone = lock.tookOver;
	if (!gone) return [];
	const why = gone.host === os.hostname() ? 'which is no longer running' : 'which stopped keeping it fresh (presumed gone)';
	return [`took over the lock from pid ${gone.pid} (${ownerName(gone)}), ${why}`];
}

/** `runbook resume [RUN_ID]`: continues the named run, or the latest unfinished one. */
export async function resumeCommand(runId: string | undefined, options: RunOptions, io: Io = stdio): Promise<number> {
	preloadUi(options);
	const repo = new RunsRepository(resolveStateDir(options.stateDir));
	let id = runId;
	if (!id) {
		const latest = repo.unfinished()[0];
		if (!latest) {
			io.err(`runbook: no unfinished run in ${repo.stateDir} (see \`runbook runs\`)\n`);
			return EXIT.usage;
		}
		id = latest.runId;
	}
	// A run id names a folder under runs/: nothing else (no `..`, no `/`).
	if (!isRunId(id) || !fs.existsSync(repo.runDir(id))) {
		io.err(`runbook: no run ${id} in ${repo.stateDir} (see \`runbook runs\`)\n`);
		return EXIT.usage;
	}
	// One process per run: locked before the state is read, so two resumes cannot both reconcile it.
	const runLock = await takeRunLock(repo, id, io);
	if (!runLock) return EXIT.usage;
	try {
		return await resumeLocked(repo, id, takeoverNotice(runLock), options, io);
	} finally {
		await runLock.release();
	}
}

/** `runbook resume` once the run's lock is held; `early` are notices so far (a lock takeover). */
async function resumeLocked(repo: RunsRepository, id: string, early: string[], options: RunOptions, io: Io): Promise<number> {
	let saved: RunState;
	try {
		saved = repo.load(id, {setAside: true, onWarning: warning => early.push(warning)});
	} catch (error) {
		if (error instanceof StateError) {
			io.err(`runbook: ${error.message}\n`);
			return EXIT.usage;
		}
		throw error;
	}
	if (saved.status === 'completed') {
		// `--new` only when `runbook run` would otherwise offer to resume an unfinished run of the same runbook.
		const others = repo.unfinished(saved.runbookPath).filter(run => run.runId !== id);
		const again = `runbook run ${saved.runbookPath}${others.length > 0 ? ' --new' : ''}${stateDirArg(options.stateDir)}`;
		io.err(`runbook: run ${id} is already completed; start a new one with \`${again}\`\n`);
		return EXIT.usage;
	}
	const wrongRunbook = runbookPathProblem(saved, id);
	if (wrongRunbook) {
		io.err(`runbook: ${damagedStateMessage(id, repo.runDir(id), wrongRunbook)}\n`);
		return EXIT.usage;
	}
	// The runbook this account started (or last resumed) the run with; the state may not name another.
	const started = readStarted(repo.stateDir, id);
	if (started !== undefined && started !== saved.runbookPath) {
		io.err(
			`runbook: run ${id} was started on this account with the runbook ${started}, but its state now names ${saved.runbookPath}: ` +
				`the state was changed by someone who can write the state directory. Nothing was run; check ${repo.runDir(id)}\n`,
		);
		return EXIT.usage;
	}
	if (!fs.existsSync(saved.runbookPath)) {
		io.err(`runbook: the runbook of run ${id} is gone: ${saved.runbookPath}; put it back at that path to resume\n`);
		return EXIT.usage;
	}
	const unsafeRunbook = runbookFileProblem(saved.runbookPath);
	if (unsafeRunbook) {
		io.err(`runbook: run ${id} names a runbook others can change: ${unsafeRunbook}. Nothing was run; a shared state directory must not pick a file someone else can edit. Fix its owner or mode, then resume\n`);
		return EXIT.usage;
	}
	const loaded = await load(saved.runbookPath, io);
	if (!loaded) return EXIT.usage;

	const at = systemClock.now();
	// Saved variables are values of the runbook's own names only (store/trust.ts).
	const trusted = trustedVars(saved, loaded.runbook);
	// Group phases only where the runbook has such a group (store/trust.ts).
	const groups = trustedGroups(saved, loaded.runbook);
	// Ticked checklist items only as the runbook's checklists still have them (store/trust.ts).
	const ticks = trustedTicks(saved, loaded.runbook);
	const steps = Object.fromEntries(
		Object.entries(saved.steps).map(([id, step]) => {
			const {ticked: _saved, ...rest} = step;
			return [id, ticks.ticked[id] ? {...rest, ticked: ticks.ticked[id]} : rest];
		}),
	);
	const reconciled = reconcileForResume(
		{...saved, steps, vars: trusted.vars, secretVars: trusted.secretVars, ...(saved.groups ? {groups: groups.groups} : {})},
		allSteps(loaded.runbook).map(s => s.id),
		loaded.hash,
		at,
	);
	const notices: string[] = early;
	if (trusted.dropped.length > 0) notices.push(`saved variables the runbook does not define were not restored: ${trusted.dropped.join(', ').slice(0, 200)}`);
	if (ticks.dropped.length > 0) notices.push(`saved checklist ticks that do not match the runbook's items were not restored: ${ticks.dropped.join(', ').slice(0, 200)}`);
	if (groups.dropped.length > 0) notices.push(`saved group progress that does not fit the runbook was not restored: ${groups.dropped.join(', ').slice(0, 200)}`);
	// Without a record of this account's (a handover, or a record lost), the state alone names the
	// runbook, and whoever shares the state directory can change both its path and its recorded hash:
	// the operator confirms the runbook once, by naming it; the record then exists for this account.
	if (started === undefined) {
		const changed = loaded.hash !== saved.runbookHash;
		const why = changed ? 'its content (or a fragment\'s) is not the one this run recorded' : 'the shared state names it: check it is the runbook this run was started with';
		let accepted: boolean;
		if (wantsTui(options)) {
			const {confirmTargetChange} = await import('../ui/confirm-target.js');
			accepted = await confirmTargetChange([`runbook ${saved.runbookPath}`, why], path.basename(saved.runbookPath), {
				heading: changed ? 'This run was not started on this account, and its runbook changed since:' : 'This run was not started on this account:',
				consequence: 'Its steps would run as this file says.',
			});
		} else {
			accepted = options.confirmRunbook !== undefined && path.resolve(options.confirmRunbook) === saved.runbookPath;
			if (!accepted) {
				io.err(
					`runbook: run ${id} was not started on this account (no record of it here) and names the runbook ${saved.runbookPath}` +
						`${changed ? ', whose content (or a fragment\'s) is not the one the run recorded' : ''}. Nothing was run.\n` +
						`  if that is the runbook to go on with, pass --confirm-runbook ${saved.runbookPath}\n`,
				);
			}
		}
		if (!accepted) return EXIT.usage;
	}
	const unrecorded = recordStarted(repo.stateDir, id, saved.runbookPath);
	if (unrecorded) notices.push(unrecorded);
	if (reconciled.changed) {
		notices.push(
			`the runbook file changed since this run began; steps are matched by id` +
				(reconciled.added.length ? `; new steps: ${reconciled.added.join(', ')}` : '') +
				(reconciled.removed.length ? `; steps no longer in the runbook (their records dropped): ${reconciled.removed.join(', ')}` : ''),
		);
	}
	for (const stepId of reconciled.interrupted) {
		notices.push(`step ${stepId} was running when the last process ended: it is interrupted and will not re-run unless you choose to`);
		// Its command may outlive the process that ran it (a SIGKILL does not reach the
		// command's own process group): stop it before anything else runs.
		const last = reconciled.state.steps[stepId].attempts.at(-1);
		// Only an id made for this run (the folder's name, checked against runId): another run's
		// live command id copied into this state is not ours to stop.
		const ownId = last?.commandId && isCommandOfRun(last.commandId, reconciled.state.runId) ? last.commandId : undefined;
		const leftover = last?.pgid ? {pgid: last.pgid, startedAfter: Date.parse(last.startedAt) || Date.now(), ...(ownId ? {commandId: ownId} : {})} : undefined;
		if (leftover && last?.host === os.hostname() && (await stopLeftoverCommand(leftover, options.graceMs ?? 10_000))) {
			// Short, the verb first: the TUI shows a notice on one row (80 columns) and cuts the rest.
			notices.push(`step ${stepId}: its leftover command was stopped (process group ${last.pgid})`);
		}
	}

	// Secrets are never stored: take them from -p or the environment, else ask again.
	const tui = wantsTui(options);
	const secrets: Record<string, string> = {};
	const askFirst: Array<{name: string; param: Param}> = [];
	const missing: string[] = [];
	for (const name of reconciled.state.secretVars) {
		const value = options.params[name] ?? process.env[secretEnvName(name)];
		const tooShort = value === undefined ? undefined : secretProblem(value);
		if (tooShort) {
			io.err(`runbook: secret ${name}: ${tooShort}\n`);
			return EXIT.usage;
		}
		if (value !== undefined) {
			secrets[name] = value;
			continue;
		}
		const ask = allSteps(loaded.runbook).find(s => s.ask?.var === name)?.ask;
		const param: Param = loaded.runbook.params?.[name] ?? {description: ask?.prompt ?? name, secret: true, required: true};
		if (tui) askFirst.push({name, param});
		else if (param.required || ask) missing.push(name);
		else secrets[name] = '';
	}
	if (missing.length > 0) {
		for (const name of missing) io.err(`runbook: secret ${name} is needed again (secrets are never saved): set ${secretEnvName(name)} in the environment (or pass -p ${name}=VALUE)\n`);
		return EXIT.usage;
	}
	return drive({loaded, state: reconciled.state, repo, secrets, askFirst, resumed: true, notices}, options, io);
}

interface DriveInput {
	loaded: LoadedRunbook;
	state: RunState;
	repo: RunsRepository;
	secrets: Record<string, string>;
	askFirst: Array<{name: string; param: Param}>;
	resumed: boolean;
	notices: string[];
}

/** What the flags answer without a terminal (the plain operator's answers). */
function plainAnswers(options: RunOptions): PreflightAnswers {
	return {yes: options.yes, yesDestructive: options.yesDestructive, rerunInterrupted: options.rerunInterrupted, values: options.params, ...(options.noRescue ? {noRescue: true} : {})};
}

/** Runs to the end with the TUI or the plain output; returns the exit code. */
async function drive(input: DriveInput, options: RunOptions, io: Io): Promise<number> {
	const {loaded, repo} = input;
	let state = input.state;
	const runDir = repo.runDir(state.runId);
	const tui = wantsTui(options);
	// Without a terminal, a run that would stop at a question the flags do not answer is refused before its first step (engine/preflight.ts).
	if (!tui) {
		const refusal = preflightRefusal(preflightNeeds(loaded.runbook, state.steps, {...state.vars, ...input.secrets}, plainAnswers(options), new Set(Object.keys(input.secrets))));
		if (refusal.length > 0) {
			// What the resume found (an interrupted step, a leftover command stopped) is said too; the saved state is left as it was.
			io.err([...input.notices.map(notice => `runbook: note: ${notice}`), ...refusal].map(line => `${line}\n`).join(''));
			return EXIT.usage;
		}
	}

	// Kubernetes: connect only when the runbook needs it; the run records its target,
	// and a resume against another target needs the operator's typed confirmation.
	let kubernetes: KubernetesPort | undefined;
	if (needsKubernetes(loaded.runbook)) {
		try {
			kubernetes = await connectKubernetes(loaded.runbook, options, state.vars);
		} catch (error) {
			io.err(`runbook: cannot connect to Kubernetes: ${(error as Error).message}\n`);
			return EXIT.usage;
		}
		const target = kubernetes.target();
		const changes = targetChanges(state.kube, target);
		if (changes.length > 0) {
			let accepted: boolean;
			if (tui) {
				const {confirmTargetChange} = await import('../ui/confirm-target.js');
				accepted = await confirmTargetChange(changes, target.context);
			} else {
				accepted = options.confirmContext === target.context;
				if (!accepted) {
					io.err(
						`runbook: run ${state.runId} was started against another Kubernetes target (${changes.join('; ')}).\n` +
							`  to continue against ${target.context}, pass --confirm-context ${target.context}; or choose the recorded one with --context ${state.kube?.context}\n`,
					);
				}
			}
			if (!accepted) return EXIT.usage;
			state = recordDecision(state, systemClock.now(), {by: operatorName(), kind: 'context-change-accepted', detail: changes.join('; ')});
		}
		state = {...state, kube: recordedTarget(target)};
	}
	const store = repo.open(state.runId);
	// The TUI saves just after its first frame is drawn (below): the save waits for the
	// disk (fsync), the operator need not. Either way it comes before any step runs.
	if (!tui) store.save(state);

	let operator: Operator;
	let plainOperator: PlainOperator | undefined;
	let tuiOperator: import('../ui/operator.js').TuiOperator | undefined;
	if (tui) {
		const {TuiOperator} = (await loadUi()).operator;
		tuiOperator = new TuiOperator({presets: options.params});
		tuiOperator.setAuto(options.auto);
		operator = tuiOperator;
	} else {
		plainOperator = new PlainOperator(
			{yes: options.yes, yesDestructive: options.yesDestructive, rerunInterrupted: options.rerunInterrupted, values: options.params, ...(options.noRescue ? {noRescue: true} : {})},
			io.out,
		);
		operator = plainOperator;
	}

	let journal: Journal | undefined;
	// The runner's flush before a command starts also starts the journal's fsync (off the main thread).
	const runStore: StateStore = {
		save: (next, saveOptions) => store.save(next, saveOptions),
		flush: () => {
			store.flush();
			journal?.syncNow();
		},
	};
	// A secret named only by steps that may not run (the passphrase of an encrypted backup) is asked before the first of them that runs, not up front (engine/secret-timing.ts).
	const done = new Set(Object.entries(state.steps).flatMap(([id, saved]) => (saved && isStepDone(saved.status) ? [id] : [])));
	const deferred = classifySecrets(loaded.runbook, input.askFirst.filter(ask => ask.param.secret).map(ask => ask.name), state.vars, done).deferred;
	const runner = new Runner({
		runbook: loaded.runbook,
		runbookDir: path.dirname(loaded.path),
		state,
		runDir,
		ports: {shell: options.shell ?? lazyShellExecutor(), http: lazyHttpProbe(), store: runStore, clock: systemClock, operator, ...(kubernetes ? {kubernetes} : {})},
		secrets: input.secrets,
		by: operatorName(),
		host: os.hostname(),
		resumed: input.resumed,
		askFirst: input.askFirst.filter(ask => !deferred.has(ask.name)),
		askWhenNeeded: input.askFirst.filter(ask => deferred.has(ask.name)),
		...(options.graceMs !== undefined ? {graceMs: options.graceMs} : {}),
	});

	// The audit journal: every event but output, redacted with the secrets known at each
	// write. One that cannot be opened or written (another Unix user's file) never stops
	// a run: the state file and the step logs still record it; the operator is told.
	let journalFailure: string | undefined;
	try {
		journal = new Journal(runDir);
	} catch (error) {
		if (!(error instanceof JournalError)) throw error;
		journalFailure = `${error.message}; this session is not journalled`;
		io.err(`runbook: warning: ${journalFailure}\n`);
	}
	if (journal) {
		const journalEvents = journalListener(journal, operatorName(), text => runner.redactText(text), {
			onError: error => void (journalFailure ??= `${error.message}; later entries may be missing`),
		});
		runner.subscribe(journalEvents);
		for (const message of input.notices) journalEvents({type: 'notice', level: 'warn', message}, state);
	}

	let signalled: NodeJS.Signals | undefined;
	// Set while the TUI's end-of-run summary waits for a key: a signal then leaves it.
	let leaveSummary: (() => void) | undefined;
	// Set while the TUI's start screen (the plan) waits for Enter: a signal then leaves it, and the run ends paused before its first step.
	let leaveStart: (() => void) | undefined;
	// A second signal while the command is stopping kills it at once (runner.requestStop);
	// the echo when-exit sends of the first one is not a second signal (self-signals.ts).
	countSelfSignals();
	const onSignal = (signal: NodeJS.Signals) => {
		if (takeSelfSignal(signal)) return;
		signalled ??= signal;
		runner.requestStop(`received ${signal}`);
		leaveStart?.();
		leaveSummary?.();
	};
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const signal of signals) process.on(signal, onSignal);

	// The plan, before the first step of a new run (engine/plan.ts): the TUI's start screen, the head of the plain output.
	// A missing param is asked in the TUI after it; without a terminal the run was refused above.
	const missing = input.askFirst.filter(ask => ask.param.required && !deferred.has(ask.name)).map(ask => ask.name);
	const plan = input.resumed ? undefined : buildPlan(loaded.runbook, loaded.path, {vars: state.vars, secrets: input.secrets, missing}, options.params, [...deferred]);
	let unsynced: StateSaveError | undefined;
	let status;
	try {
		if (tui) {
			const {startTui} = (await loadUi()).render;
			// The modules of the first frame are compiled: their code goes to the compile cache
			// now, not only at exit, in case this process does not end normally (compile-cache.ts).
			flushCompileCache();
			const resumeHint = `runbook resume ${state.runId}${stateDirArg(options.stateDir)}`;
			const app = startTui(runner, tuiOperator!, {notices: input.notices, resumeCommand: resumeHint, earlierSessions: readEarlierSessions(runDir), stepEstimates: stepEstimates(repo.completedRuns(state.runbookPath, state.runId)), ...(kubernetes ? {headerLines: [describeTarget(kubernetes.target())]} : {})});
			try {
				store.save(state);
			} catch (error) {
				app.unmount(); // the terminal back to normal before the error is reported
				throw error;
			}
			if (plan) {
				// The first frame is the plan; Enter starts the run. A quit there ends the run paused before its first step, as q at the first gate does.
				leaveStart = () => tuiOperator!.requestQuit();
				const go = await tuiOperator!.awaitStart(planLines(plan, {short: true, noTitle: true, missing: 'MISSING: asked before the first step'}));
				leaveStart = undefined;
				if (go === 'quit') tuiOperator!.requestQuit();
			}
			status = await runner.start();
			leaveSummary = () => app.unmount();
			// The TUI leaves the alternate screen and prints the run's summary, ending with a newline.
			await app.waitUntilExit();
		} else {
			// Runbook text (title, description, params): control characters made visible, known secrets masked.
			if (plan) io.out(runner.redactText(visibleControls(`${planLines(plan).join('\n')}\n\n`)));
			runner.subscribe(createPlainReporter(io.out, {summary: {runbook: loaded.runbook, runDir, earlierSessions: readEarlierSessions(runDir), resumeCommand: `runbook resume ${state.runId}${stateDirArg(options.stateDir)}`, redact: text => runner.redactText(text)}}));
			if (kubernetes) io.out(`kubernetes: ${describeTarget(kubernetes.target())}\n`);
			for (const notice of input.notices) io.out(`note: ${notice}\n`);
			status = await runner.start();
		}
	} finally {
		// The handlers stay until the process exits: libraries we depend on
		// (proper-lockfile's signal-exit) re-send a signal to the process,
		// which must not kill it now that the run has ended (the exit code is ours: 130).
		for (const signal of signals) {
			process.off(signal, onSignal);
			process.on(signal, () => {
				signalled ??= signal;
			});
		}
		journal?.close();
		unsynced = store.close();
	}
	if (journalFailure) io.err(`runbook: warning: ${journalFailure} (the state file and the step logs are complete)\n`);
	// A failed fsync at the end: what the screen said was saved may not be on disk.
	if (unsynced) {
		io.err(`runbook: ${unsynced.message}\n`);
		return signalled ? EXIT.interrupted : EXIT.failed;
	}

	const final = runner.getState();
	if (plainOperator?.stopMessage) io.err(`runbook: ${plainOperator.refusal ? 'refused: ' : ''}${plainOperator.stopMessage}\n`);
	// The TUI prints its own summary with the resume command after it ends.
	if (status !== 'completed' && !tui) {
		io.err(`runbook: run ${final.runId} ${runStatusWord(status)}; progress is saved. Continue with: runbook resume ${final.runId}${stateDirArg(options.stateDir)}\n`);
	}
	if (signalled) return EXIT.interrupted;
	return status === 'completed' ? EXIT.completed : EXIT.failed;
}
