/**
 * The entries of a run's audit journal (`<run dir>/journal.jsonl`, one JSON object
 * per line): the model the store writes (store/journal.ts) and the reports read
 * (report/markdown.ts, report/stalls.ts), so readers need not import store/.
 */
import type {DecisionKind, RunStatus, StepStatus} from './state.js';
import type {StepPhases} from './ports.js';

/** Fields every journal entry has. */
export interface JournalEntryBase {
	/** When it happened, ISO-8601 (UTC). */
	at: string;
	/** Who, `user@host` (or `RUNBOOK_OPERATOR`). */
	by: string;
	/** Process id of the `runbook` process that wrote the entry. */
	pid: number;
	/** The step it concerns, when there is one. */
	step?: string;
}

/** The run began (`resumed: false`) or a later process took it up (`resumed: true`). */
export interface JournalRunStarted {
	event: 'run-started';
	runId: string;
	resumed: boolean;
}

/** An attempt of a step's action started: what it ran and where its output went. */
export interface JournalStepStarted {
	event: 'step-started';
	attempt: number;
	/** The command text as the runbook has it (values are never spliced in), redacted. */
	command: string;
	/** The attempt's log, relative to the run's folder (`logs/restore.1.log`). */
	log?: string;
}

/** A step reached a final status (`running` and `pending` are not journalled). */
export interface JournalStepStatus {
	event: 'step-status';
	status: StepStatus;
	attempt?: number;
	exitCode?: number | null;
	/** Wall time of the attempt, ms. */
	durationMs?: number;
	/** Why it failed, one line. */
	error?: string;
	/** Why it was skipped or marked done. */
	note?: string;
	/** When the attempt's shell command passed each phase (engine/ports.ts StepPhases; report/stalls.ts reads them). */
	phases?: StepPhases;
}

/** An operator decision (confirm, decline, skip, retry, mark-done, resume...). */
export interface JournalDecision {
	event: 'decision';
	kind: DecisionKind;
	detail?: string;
}

/** Something the operator was told (retry in 2s, continueOnError, the runbook changed). */
export interface JournalNotice {
	event: 'notice';
	level: 'info' | 'warn' | 'error';
	message: string;
}

/** The run (this process's part of it) ended. */
export interface JournalRunFinished {
	event: 'run-finished';
	status: RunStatus;
	reason?: string;
}

/** One line of the journal. */
export type JournalEntry = JournalEntryBase & (JournalRunStarted | JournalStepStarted | JournalStepStatus | JournalDecision | JournalNotice | JournalRunFinished);
