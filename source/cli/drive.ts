/**
 * Runs a planned session to its end: wires the ports (shell, HTTP, Kubernetes, the state
 * store with the journal, the operator) into a Runner, starts the TUI or the plain output,
 * and turns the end of the run into an exit code (0 completed, 1 failed or aborted, 130
 * stopped by a signal with progress saved). What is run and asked was decided by the plan
 * (run-plan.ts, resume-plan.ts) and the target (kube-target.ts).
 */
import os from 'node:os';
import path from 'node:path';
import {systemClock} from '../engine/clock.js';
import type {Operator, StateStore} from '../engine/ports.js';
import {Runner} from '../engine/runner.js';
import {isStepDone, runStatusWord, type RunStatus} from '../engine/state.js';
import {stepEstimates} from '../engine/run-summary.js';
import {classifySecrets} from '../engine/secret-timing.js';
import {buildPlan, planLines} from '../engine/plan.js';
import {createPlainReporter, PlainOperator} from '../ui/plain.js';
import type {StateSaveError} from '../store/state-files.js';
import {readEarlierSessions} from '../store/sessions.js';
import {stepLogFiles} from '../store/step-logs.js';
import {flushCompileCache} from '../platform/compile-cache.js';
import {visibleControls} from '../security/terminal-text.js';
import {EXIT, type Io} from './exit.js';
import {describeTarget} from '../engine/kubernetes-target.js';
import type {SessionTarget} from './kube-target.js';
import {lazyHttpProbe, lazyShellExecutor, loadUi} from './lazy-modules.js';
import {operatorName, stateDirArg, wantsTui, type RunOptions} from './options.js';
import type {RunPlan} from './run-plan.js';
import {openRunJournal, type RunJournal} from './run-journal.js';
import {listenForStop} from './stop-signals.js';

/** Runs `plan` against `target` to the end with the TUI or the plain output; returns the exit code. */
export async function drive(plan: RunPlan, target: SessionTarget, options: RunOptions, io: Io): Promise<number> {
	const {loaded, repo} = plan;
	const {state, kubernetes} = target;
	const runDir = repo.runDir(state.runId);
	const tui = wantsTui(options);
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
		plainOperator = new PlainOperator({yes: options.yes, yesDestructive: options.yesDestructive, rerunInterrupted: options.rerunInterrupted, values: options.params, ...(options.noRescue ? {noRescue: true} : {})}, io.out);
		operator = plainOperator;
	}

	let runJournal: RunJournal | undefined;
	// The runner's flush before a command starts also starts the journal's fsync (off the main
	// thread), once the flushing task is done: for a shell step, after its start gate opened. The
	// fsync is not waited for either way; waking a pool thread just before the gate could take
	// this thread's core on a loaded machine and delay the gate (issue 14).
	const runStore: StateStore = {
		save: (next, saveOptions) => store.save(next, saveOptions),
		flush: () => {
			store.flush();
			queueMicrotask(() => runJournal?.journal?.syncNow());
		},
	};
	// A secret named only by steps that may not run (the passphrase of an encrypted backup) is asked before the first of them that runs, not up front (engine/secret-timing.ts).
	const done = new Set(Object.entries(state.steps).flatMap(([id, saved]) => (saved && isStepDone(saved.status) ? [id] : [])));
	const deferred = classifySecrets(
		loaded.runbook,
		plan.askFirst.filter(ask => ask.param.secret).map(ask => ask.name),
		state.vars,
		done,
	).deferred;
	const runner = new Runner({
		runbook: loaded.runbook,
		runbookDir: path.dirname(loaded.path),
		state,
		runDir,
		ports: {shell: options.shell ?? lazyShellExecutor(), http: lazyHttpProbe(), store: runStore, stepLogs: stepLogFiles, clock: systemClock, operator, ...(kubernetes ? {kubernetes} : {})},
		secrets: plan.secrets,
		by: operatorName(),
		host: os.hostname(),
		resumed: plan.resumed,
		askFirst: plan.askFirst.filter(ask => !deferred.has(ask.name)),
		askWhenNeeded: plan.askFirst.filter(ask => deferred.has(ask.name)),
		...(target.acceptedChange ? {acceptedTargetChange: target.acceptedChange} : {}),
		...(options.graceMs !== undefined ? {graceMs: options.graceMs} : {}),
	});
	runJournal = openRunJournal(runDir, runner, operatorName(), plan.notices, state, io);
	const stops = listenForStop(runner);

	// The plan, before the first step of a new run (engine/plan.ts): the TUI's start screen, the head of the plain output.
	// A missing param is asked in the TUI after it; without a terminal the run was refused before (run-plan.ts).
	const missing = plan.askFirst.filter(ask => ask.param.required && !deferred.has(ask.name)).map(ask => ask.name);
	const startPlan = plan.resumed ? undefined : buildPlan(loaded.runbook, loaded.path, {vars: state.vars, secrets: plan.secrets, missing}, options.params, [...deferred]);
	const resumeHint = `runbook resume ${state.runId}${stateDirArg(options.stateDir)}`;
	let unsynced: StateSaveError | undefined;
	let status: RunStatus;
	try {
		if (tui) {
			const {startTui} = (await loadUi()).render;
			// The modules of the first frame are compiled: their code goes to the compile cache
			// now, not only at exit, in case this process does not end normally (compile-cache.ts).
			flushCompileCache();
			const app = startTui(runner, tuiOperator!, {
				notices: plan.notices,
				resumeCommand: resumeHint,
				earlierSessions: readEarlierSessions(runDir),
				stepEstimates: stepEstimates(repo.completedRuns(state.runbookPath, state.runId)),
				...(kubernetes ? {headerLines: [describeTarget(kubernetes.target())]} : {}),
			});
			try {
				store.save(state);
			} catch (error) {
				app.unmount(); // the terminal back to normal before the error is reported
				throw error;
			}
			if (startPlan) {
				// The first frame is the plan; Enter starts the run. A quit there ends the run paused before its first step, as q at the first gate does.
				stops.leave = () => tuiOperator!.requestQuit();
				const go = await tuiOperator!.awaitStart(planLines(startPlan, {short: true, noTitle: true, missing: 'MISSING: asked before the first step'}));
				stops.leave = undefined;
				if (go === 'quit') tuiOperator!.requestQuit();
			}
			status = await runner.start();
			stops.leave = () => app.unmount();
			// The TUI leaves the alternate screen and prints the run's summary, ending with a newline.
			await app.waitUntilExit();
		} else {
			// Runbook text (title, description, params): control characters made visible, known secrets masked.
			if (startPlan) io.out(runner.redactText(visibleControls(`${planLines(startPlan).join('\n')}\n\n`)));
			runner.subscribe(createPlainReporter(io.out, {summary: {runbook: loaded.runbook, runDir, resumeCommand: resumeHint, redact: text => runner.redactText(text), earlierSessions: readEarlierSessions(runDir)}}));
			if (kubernetes) io.out(`kubernetes: ${describeTarget(kubernetes.target())}\n`);
			for (const notice of plan.notices) io.out(`note: ${notice}\n`);
			status = await runner.start();
		}
	} finally {
		stops.release();
		runJournal.journal?.close();
		unsynced = store.close();
	}
	const journalFailure = runJournal.failure();
	if (journalFailure) io.err(`runbook: warning: ${journalFailure} (the state file and the step logs are complete)\n`);
	// A failed fsync at the end: what the screen said was saved may not be on disk.
	if (unsynced) {
		io.err(`runbook: ${unsynced.message}\n`);
		return stops.signalled() ? EXIT.interrupted : EXIT.failed;
	}

	const final = runner.getState();
	if (plainOperator?.stopMessage) io.err(`runbook: ${plainOperator.refusal ? 'refused: ' : ''}${plainOperator.stopMessage}\n`);
	// The TUI prints its own summary with the resume command after it ends.
	if (status !== 'completed' && !tui) io.err(`runbook: run ${final.runId} ${runStatusWord(status)}; progress is saved. Continue with: ${resumeHint}\n`);
	if (stops.signalled()) return EXIT.interrupted;
	return status === 'completed' ? EXIT.completed : EXIT.failed;
}
