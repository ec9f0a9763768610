/**
 * A fake {@link RunHandle} for TUI tests: a runbook of given steps, a run state
 * the test changes, and helpers that emit the events a real run would.
 */
import path from 'node:path';
import type {RunEvent, RunListener} from '../../source/engine/events.js';
import type {RunHandle} from '../../source/engine/handle.js';
import type {StepView} from '../../source/engine/ports.js';
import {stepLogRel, type StepLogText} from '../../source/engine/step-log-port.js';
import {stepLogFiles} from '../../source/store/step-logs.js';
import type {RunState, RunStatus, StepStatus} from '../../source/engine/state.js';
import {ACTION_KEYS, type Runbook, type Step} from '../../source/runbook/schema.js';
import {manualText} from '../../source/engine/view.js';
import {legacyOutcome} from '../../source/engine/outcome.js';

/** A fake run; `stopped` records every `stopCommand` reason. */
export class FakeHandle implements RunHandle {
	readonly runbook: Runbook;
	readonly runDir: string;
	readonly stopped: string[] = [];
	busy = false;
	/** What {@link RunHandle.canKill} says (a test sets it). */
	canKill = false;
	/** Variables shown per step (`StepView.vars`), secrets as `***`. */
	vars: Record<string, Record<string, string>> = {};
	private state: RunState;
	private readonly listeners = new Set<RunListener>();

	constructor(steps: Step[], options: {title?: string; runDir?: string; runId?: string} = {}) {
		this.runbook = {version: 1, title: options.title ?? 'Restore the test database', steps};
		this.runDir = options.runDir ?? '/tmp/runbook-tui-test-run';
		const now = new Date().toISOString();
		this.state = {
			stateVersion: 1,
			runId: options.runId ?? '20250101-1200-test',
			runbookPath: '/tmp/test.yaml',
			runbookHash: 'x',
			title: this.runbook.title,
			status: 'in-progress',
			createdAt: now,
			updatedAt: now,
			startedBy: 'tester@host',
			cwd: '/tmp',
			vars: {},
			secretVars: [],
			order: steps.map(s => s.id),
			steps: Object.fromEntries(steps.map(s => [s.id, {id: s.id, status: 'pending' as StepStatus, attempts: []}])),
			decisions: [],
			currentStepId: steps[0]?.id,
		};
	}

	getState(): RunState {
		return this.state;
	}

	subscribe(listener: RunListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	stepView(stepId: string): StepView {
		const index = this.runbook.steps.findIndex(s => s.id === stepId);
		if (index < 0) throw new Error(`unknown step ${stepId}`);
		const step = this.runbook.steps[index];
		const action = ACTION_KEYS.find(k => step[k] !== undefined) ?? 'run';
		const command = step.run ?? (step.manual === undefined ? undefined : manualText(step.manual)) ?? step.ask?.prompt ?? step.wait?.command?.run ?? `${action} …`;
		return {
			id: step.id,
			index,
			title: step.title ?? step.id,
			description: step.description,
			action,
			command,
			vars: this.vars[stepId] ?? {},
			destructive: Boolean(step.destructive),
			step,
		};
	}

	logPath(stepId: string, attempt: number): string {
		return path.join(this.runDir, stepLogRel(stepId, attempt));
	}

	/** Reads the real file under `runDir`, as the Runner does through the store's port. */
	readLog(stepId: string, attempt: number, limitBytes: number): StepLogText {
		return stepLogFiles.read(this.logPath(stepId, attempt), limitBytes);
	}

	redactText(text: string): string {
		return text;
	}

	isBusy(): boolean {
		return this.busy;
	}

	stopCommand(reason: string): void {
		this.stopped.push(reason);
	}

	/** Replaces the state (a fresh object, as the engine does) and emits `event`. */
	emit(event: RunEvent, change: (state: RunState) => RunState = s => s): void {
		this.state = {...change(this.state), updatedAt: new Date().toISOString()};
		for (const listener of [...this.listeners]) listener(event, this.state);
	}

	private setStep(stepId: string, change: (step: RunState['steps'][string]) => RunState['steps'][string]): (s: RunState) => RunState {
		return s => ({...s, currentStepId: stepId, steps: {...s.steps, [stepId]: change(s.steps[stepId])}});
	}

	/** An attempt starts: the step is running and the handle busy. Returns the attempt number. */
	start(stepId: string): number {
		const n = this.state.steps[stepId].attempts.length + 1;
		const startedAt = new Date().toISOString();
		this.busy = true;
		this.emit(
			{type: 'step-started', stepId, attempt: n, command: this.stepView(stepId).command, logPath: this.logPath(stepId, n)},
			this.setStep(stepId, st => ({...st, status: 'running', attempts: [...st.attempts, {n, startedAt, log: `logs/${stepId}.${n}.log`}]})),
		);
		this.emit({type: 'step-status', stepId, status: 'running', attempt: n});
		return n;
	}

	/** Output lines of the running step; the state stays the same object, as the engine's does (output is not a transition). */
	output(stepId: string, stream: 'stdout' | 'stderr', lines: string[]): void {
		const event: RunEvent = {type: 'output', stepId, stream, lines};
		for (const listener of [...this.listeners]) listener(event, this.state);
	}

	/**
	 * The attempt ends with `status` (`exitCode`, `error` as the engine reports them); its typed
	 * outcome is the one those fields say (engine/outcome.ts legacyOutcome), as a loaded state gets.
	 */
	finish(stepId: string, status: StepStatus, details: {exitCode?: number | null; error?: string; note?: string} = {}): void {
		this.busy = false;
		const finishedAt = new Date().toISOString();
		const outcome = status === 'succeeded' || status === 'failed' || status === 'interrupted' ? status : undefined;
		const result = legacyOutcome({outcome, exitCode: details.exitCode, error: details.error});
		this.emit(
			{type: 'step-status', stepId, status, ...details, ...(result ? {outcome: result} : {})},
			this.setStep(stepId, st => {
				const attempts = [...st.attempts];
				const last = attempts.at(-1);
				if (last && !last.finishedAt) attempts[attempts.length - 1] = {...last, finishedAt, outcome, exitCode: details.exitCode, error: details.error, ...(result ? {result} : {})};
				return {...st, status, attempts, note: details.note};
			}),
		);
	}

	/** The run ends. */
	finishRun(status: RunStatus, reason?: string): void {
		this.busy = false;
		this.emit({type: 'run-finished', status, reason}, s => ({...s, status}));
	}
}

/** `n` run steps `step-1` … `step-n` titled `Step number n`. */
export function manySteps(n: number): Step[] {
	return Array.from({length: n}, (_, i) => ({id: `step-${i + 1}`, title: `Step number ${i + 1}`, run: `echo ${i + 1}`}));
}
