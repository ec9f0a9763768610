/**
 * The end-of-run summary both the TUI (a screen that stays until a key) and
 * plain mode (printed after the last event) show: how the run ended, its time
 * across every process that worked on it, each step's status and duration,
 * the last output of the last step that ran, the captured values that are not
 * secret, where the logs and the journal are, and how to get the report.
 * Pure functions of the state, the earlier sessions (store/sessions.ts reads
 * them from the journal) and what the caller saw: the TUI and plain mode both
 * use them, so they live here, below both.
 */
import path from 'node:path';
import type {RunStatus, RunState} from './state.js';
import type {Runbook} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import {formatDuration as duration} from '../runbook/duration.js';
import {describeOutcome} from './outcome.js';
import {allSteps, findStep} from '../runbook/groups.js';

/** Lines of the last step's output the summary shows. */
export const SUMMARY_OUTPUT_LINES = 12;

/** Time the run was worked on before this process, from its journal. */
export interface EarlierSessions {
	/** Sum of the earlier processes' spans (first to last entry of each), ms. */
	ms: number;
	/** How many earlier processes worked on the run. */
	count: number;
}

/** A run no process worked on before this one. */
export const NO_EARLIER_SESSIONS: EarlierSessions = {ms: 0, count: 0};

/**
 * How long each step took in earlier completed runs of the same runbook, ms: the
 * median of the durations of the attempt each run finished the step with
 * (`succeeded`). Steps no earlier run ran to success are absent; no earlier
 * run gives `{}` (no estimate).
 */
export type StepEstimates = Readonly<Record<string, number>>;

/**
 * {@link StepEstimates} from the states of earlier completed runs (store/runs.ts
 * reads them). The state dir is hostile input: an attempt without valid times,
 * or with a negative or non-finite duration, is left out.
 */
export function stepEstimates(runs: readonly RunState[]): StepEstimates {
	const durations = new Map<string, number[]>();
	for (const run of runs) {
		for (const [id, step] of Object.entries(run.steps ?? {})) {
			const attempt = step?.attempts?.findLast(a => a.outcome === 'succeeded');
			if (!attempt?.finishedAt) continue;
			const ms = Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt);
			if (!Number.isFinite(ms) || ms < 0) continue;
			durations.set(id, [...(durations.get(id) ?? []), ms]);
		}
	}
	const estimates: Record<string, number> = {};
	for (const [id, list] of durations) {
		const sorted = list.sort((a, b) => a - b);
		const mid = Math.floor(sorted.length / 2);
		estimates[id] = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
	}
	return estimates;
}

/**
 * Estimated time left of a run, ms, at `now` (ms since the epoch): the
 * {@link StepEstimates} of every step not yet succeeded or skipped, less the
 * time the running attempt has already taken (never below 0 for a step).
 * Undefined ("no estimate") when the run has ended or no step left has an
 * estimate.
 */
export function timeLeftMs(estimates: StepEstimates, state: RunState, now: number): number | undefined {
	if (state.status !== 'in-progress') return undefined;
	let left = 0;
	let known = false;
	for (const id of state.order) {
		const step = state.steps[id];
		if (step?.status === 'succeeded' || step?.status === 'skipped') continue;
		const estimate = estimates[id];
		if (estimate === undefined) continue;
		known = true;
		const attempt = step?.status === 'running' ? step.attempts.at(-1) : undefined;
		const spent = attempt ? now - Date.parse(attempt.startedAt) : 0;
		left += Math.max(0, estimate - (Number.isFinite(spent) ? spent : 0));
	}
	return known ? left : undefined;
}

/** What {@link summaryLines} reads. */
export interface RunSummaryInput {
	state: RunState;
	runbook: Runbook;
	/** How the run ended in this process. */
	status: RunStatus;
	reason?: string;
	/** Time across every session of the run, this one included, ms. */
	totalMs: number;
	/** Sessions (processes) that worked on the run, this one included. */
	sessions: number;
	/** Absolute path of the run's folder. */
	runDir: string;
	/** The last step that ran in this process and its last output lines (already redacted), if any. */
	lastOutput?: {stepId: string; lines: readonly string[]; totalLines: number};
	/** The command that resumes the run (`runbook resume ID [--state-dir DIR]`). */
	resumeCommand: string;
	/** Masks known secret values (`runner.redactText`): a title may hold one written literally. */
	redact?: (text: string) => string;
}

const MARKS: Record<string, string> = {succeeded: '✔', failed: '✖', skipped: '↷', interrupted: '⚠', running: '▶', pending: '○'};

/** `runbook report ID [--state-dir DIR]` from the resume command (the same run and state dir). */
export function reportCommand(resumeCommand: string): string {
	return `${resumeCommand.replace(/^runbook resume /, 'runbook report ')}`;
}

/**
 * The summary as lines (not wrapped: the TUI wraps them to its width, plain mode
 * prints them as they are):
 *
 *     ✔ Run completed in 14m02s (2 sessions).
 *     Runbook: Restore the Synapse database
 *     Steps: 9/9 done.
 *       ✔ 1. stop-synapse: Stop Synapse · succeeded in 2s
 *     Output of verify (last 12 of 40 lines):
 *       | synapse=# SELECT count(*) …
 *     Captured: SAFETY_BACKUP=/var/backups/…
 *     Logs: /…/runs/ID/logs/
 *     Journal: /…/runs/ID/journal.jsonl
 *     Report: runbook report ID
 *
 * A secret variable never appears (captures of secret names are left out).
 */
export function summaryLines(input: RunSummaryInput): string[] {
	const {state, runbook} = input;
	const took = `${duration(input.totalMs)}${input.sessions > 1 ? ` (${input.sessions} sessions)` : ''}`;
	const reason = input.reason ? `: ${input.reason}` : '';
	const lines: string[] = [];
	if (input.status === 'completed') lines.push(`✔ Run completed in ${took}.`);
	else if (input.status === 'failed') lines.push(`✖ Run failed after ${took}${reason}.`);
	else lines.push(`⏸ Run paused after ${took}, progress kept${reason}.`);
	lines.push(`Runbook: ${runbook.title}`);
	const statuses = state.order.map(id => state.steps[id]?.status ?? 'pending');
	const skipped = statuses.filter(s => s === 'skipped').length;
	const done = statuses.filter(s => s === 'succeeded').length + skipped;
	lines.push(`Steps: ${done}/${state.order.length} done${skipped ? ` (${skipped} skipped)` : ''}.`);
	state.order.forEach((id, i) => {
		const step = state.steps[id];
		const status = step?.status ?? 'pending';
		const last = step?.attempts.at(-1);
		const took = last?.finishedAt ? ` in ${duration(Date.parse(last.finishedAt) - Date.parse(last.startedAt))}` : '';
		// Titles with the run's values in (secret ones are not in `state.vars`: they stay `$NAME`).
		const raw = allSteps(runbook).find(s => s.id === id)?.title;
		const title = raw === undefined ? undefined : interpolate(raw, state.vars);
		const failure = last?.result && last.result.kind !== 'succeeded' && status !== 'succeeded' ? describeOutcome(last.result) : undefined;
		const why = failure ? ` · ${failure}` : step?.note ? ` · ${step.note}` : '';
		// Steps inside a group (format 1.1) are indented two spaces per level.
		const depth = '  '.repeat(findStep(runbook, id)?.depth ?? 0);
		lines.push(`  ${depth}${MARKS[status] ?? '-'} ${i + 1}. ${id}${title && title !== id ? `: ${title}` : ''} · ${status}${took}${why}`);
	});
	if (input.lastOutput && input.lastOutput.lines.length > 0) {
		const {stepId, lines: output, totalLines} = input.lastOutput;
		const shown = output.slice(-SUMMARY_OUTPUT_LINES);
		lines.push(`Output of ${stepId} (${totalLines > shown.length ? `last ${shown.length} of ${totalLines} lines` : `${totalLines} line${totalLines === 1 ? '' : 's'}`}):`);
		for (const line of shown) lines.push(`  | ${line}`);
	}
	const secret = new Set(state.secretVars);
	const captures = allSteps(runbook)
		.map(step => step.capture)
		.filter((name): name is string => name !== undefined && !secret.has(name) && state.vars[name] !== undefined);
	for (const name of [...new Set(captures)]) lines.push(`Captured: ${name}=${state.vars[name]}`);
	lines.push(`Logs: ${path.join(input.runDir, 'logs')}${path.sep}`);
	lines.push(`Journal: ${path.join(input.runDir, 'journal.jsonl')}`);
	lines.push(`Report: ${reportCommand(input.resumeCommand)}`);
	if (input.status !== 'completed') lines.push(`Resume with: ${input.resumeCommand}`);
	// One entry, one line: a value with a newline in it (an answer, a capture, a note) must not
	// start a line that reads as another step's or as output (as the plain reporter shows it, `\n`).
	const redact = input.redact ?? (text => text);
	return lines.map(line => redact(line).replace(/\r?\n/g, '\\n'));
}
