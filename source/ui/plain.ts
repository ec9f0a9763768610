/**
 * Output without a terminal (no TTY, or `--plain`): one line per event, output
 * lines prefixed by the step id, and an operator that answers from flags.
 */
import type {Ask, Param} from '../runbook/schema.js';
import {formatCountdown, formatDuration} from '../runbook/duration.js';
import type {RunEvent} from '../engine/events.js';
import type {ChecklistAnswer, ChecklistItem, ConfirmAnswer, FailureAnswer, FailureInfo, GateAnswer, InterruptedAnswer, ManualAnswer, Operator, StepView} from '../engine/ports.js';
import {runStatusWord, type RunState} from '../engine/state.js';
import {visibleControls} from '../security/terminal-text.js';
import type {Runbook} from '../runbook/schema.js';
import {NO_EARLIER_SESSIONS, summaryLines, SUMMARY_OUTPUT_LINES, type EarlierSessions} from '../engine/run-summary.js';

/**
 * `text` on one line: a newline in a value (a param, an answer, a title made from
 * them) is shown as `\n`, so it cannot start a line that looks like another event.
 */
function oneLineValue(text: string): string {
	return text.replace(/\r?\n/g, '\\n');
}

/** Writes text to the output (a `process.stdout.write` in the CLI). */
export type Write = (text: string) => void;

function clock(): string {
	return new Date().toTimeString().slice(0, 8);
}

const MARKS: Record<string, string> = {succeeded: '✔', failed: '✖', skipped: '↷', interrupted: '⚠', running: '▶', pending: '○'};

/**
 * Output lines wait at most this many ms before they are written, so a command
 * that prints line by line (a bash loop of `echo`) costs one write per batch
 * rather than one per line (bench/: a million such lines). Any other event
 * writes the waiting lines first, so the order is kept.
 */
export const PLAIN_FLUSH_MS = 20;

/** Waiting output is written at once when it reaches this many UTF-16 code units. */
const PLAIN_FLUSH_CHARS = 64 * 1024;

/** What the plain reporter needs to print the end-of-run summary (engine/run-summary.ts). */
export interface PlainSummaryOptions {
	runbook: Runbook;
	/** Absolute path of the run's folder. */
	runDir: string;
	/** Time the run was worked on before this process (read by the caller from the journal, store/sessions.ts, before the run starts). */
	earlierSessions: EarlierSessions;
	/** The command that resumes the run (`runbook resume ID [--state-dir DIR]`). */
	resumeCommand: string;
	/** Masks known secret values in the summary (`runner.redactText`). */
	redact?: (text: string) => string;
}

/**
 * A run listener that prints one line per event:
 *
 *     23:15:02 ▶ stop-synapse (attempt 1): Stop Synapse
 *     stop-synapse| output line             (stderr: `stop-synapse!`)
 *     23:15:03 ✔ stop-synapse succeeded in 1.2s (exit 0)
 *
 * Output lines are written in batches, at most {@link PLAIN_FLUSH_MS} late.
 * With `options.summary`, the end of the run is followed by the same summary the
 * TUI shows (engine/run-summary.ts), after an empty line.
 */
export function createPlainReporter(rawWrite: Write, options: {summary?: PlainSummaryOptions} = {}): (event: RunEvent, state: RunState) => void {
	// Titles, notices and errors may come from a hostile runbook or state: no raw escapes.
	const write: Write = text => rawWrite(visibleControls(text));
	const titles = new Map<string, number>();
	const startedAt = Date.now();
	const earlier = options.summary?.earlierSessions ?? NO_EARLIER_SESSIONS;
	// The last output lines of the latest step started, for the summary.
	let last: {stepId: string; lines: string[]; totalLines: number} | undefined;
	let pending = '';
	let timer: ReturnType<typeof setTimeout> | undefined;
	const flush = (): void => {
		clearTimeout(timer);
		timer = undefined;
		if (pending === '') return;
		const text = pending;
		pending = '';
		write(text);
	};
	return (event, state) => {
		if (event.type !== 'output') flush();
		switch (event.type) {
			case 'run-started':
				write(`${clock()} run ${event.runId} ${event.resumed ? 'resumed' : 'started'}: ${oneLineValue(state.title)}\n`);
				break;
			case 'step-started': {
				titles.set(event.stepId, Date.now());
				last = {stepId: event.stepId, lines: [], totalLines: 0};
				const firstLine = event.command.split('\n').find(l => l.trim() !== '') ?? '';
				write(`${clock()} ▶ ${event.stepId} (attempt ${event.attempt}): ${firstLine.trim()}${event.command.trim().includes('\n') ? ' …' : ''}\n`);
				break;
			}
			case 'output': {
				const prefix = event.stream === 'stderr' ? `${event.stepId}! ` : `${event.stepId}| `;
				pending += prefix + event.lines.join(`\n${prefix}`) + '\n';
				if (last?.stepId === event.stepId) {
					last.lines.push(...event.lines.slice(-SUMMARY_OUTPUT_LINES));
					if (last.lines.length > SUMMARY_OUTPUT_LINES) last.lines.splice(0, last.lines.length - SUMMARY_OUTPUT_LINES);
					last.totalLines += event.lines.length;
				}
				if (pending.length >= PLAIN_FLUSH_CHARS) flush();
				else timer ??= setTimeout(flush, PLAIN_FLUSH_MS);
				break;
			}
			case 'progress':
				write(`${clock()} … ${event.stepId}: ${event.message}${event.leftMs !== undefined && event.timeout ? ` (${formatCountdown(event.leftMs, event.timeout)})` : ''}\n`);
				break;
			case 'step-status': {
				if (event.status === 'running' || event.status === 'pending') break;
				const parts = [`${clock()} ${MARKS[event.status] ?? '-'} ${event.stepId} ${event.status}`];
				if (event.durationMs !== undefined) parts.push(`in ${formatDuration(event.durationMs)}`);
				if (event.exitCode !== undefined && event.exitCode !== null) parts.push(`(exit ${event.exitCode})`);
				const why = event.error ?? event.note;
				write(parts.join(' ') + (why ? `: ${oneLineValue(why)}` : '') + '\n');
				break;
			}
			case 'notice':
				write(`${clock()} ${event.level === 'info' ? 'note' : event.level}: ${event.message}\n`);
				break;
			case 'run-finished':
				write(`${clock()} run ${state.runId} ${runStatusWord(event.status)}${event.reason ? `: ${event.reason}` : ''}\n`);
				if (options.summary) {
					const lines = summaryLines({
						state,
						runbook: options.summary.runbook,
						status: event.status,
						reason: event.reason,
						totalMs: earlier.ms + Date.now() - startedAt,
						sessions: earlier.count + 1,
						runDir: options.summary.runDir,
						lastOutput: last,
						resumeCommand: options.summary.resumeCommand,
						...(options.summary.redact ? {redact: options.summary.redact} : {}),
					});
					write(`\n${lines.join('\n')}\n`);
				}
				break;
		}
	};
}

/** Flags that answer the operator's questions without a terminal. */
export interface PlainAnswers {
	/** `--yes`: `confirm` questions and manual steps pass. */
	yes: boolean;
	/** `--yes-destructive`: destructive steps pass without typing their word. */
	yesDestructive: boolean;
	/** `--rerun-interrupted`: a step found interrupted is re-run. */
	rerunInterrupted: boolean;
	/** `--no-rescue`: a failure inside a group with a rescue stops the run instead of rolling the group back. */
	noRescue?: boolean;
	/** `-p NAME=VALUE` values, also used to answer `ask` steps. */
	values: Record<string, string>;
}

/**
 * The operator without a terminal: answers from flags; where a flag or value is
 * missing, it stops the run (quit) and keeps a message saying what to pass.
 */
export class PlainOperator implements Operator {
	private readonly answers: PlainAnswers;
	private readonly write: Write;
	/** Why the operator stopped the run, when it did: the flag or `-p` value that was missing, or the failure. */
	stopMessage: string | undefined;
	/** The missing flag or `-p` value, when the run stopped for one (see `Operator.refusal`). */
	refusal: string | undefined;
	/** Checklist steps whose instructions were printed already. */
	private readonly announced = new Set<string>();

	constructor(answers: PlainAnswers, write: Write) {
		this.answers = answers;
		this.write = text => write(visibleControls(text));
	}

	private stop(message: string): 'quit' {
		this.stopMessage = message;
		this.refusal = message;
		return 'quit';
	}

	/** Runs every step (step mode needs a terminal). */
	async beforeStep(): Promise<GateAnswer> {
		return 'run';
	}

	/** Passes with `--yes`. */
	async confirm(step: StepView, question: string): Promise<ConfirmAnswer> {
		if (!this.answers.yes) return this.stop(`step ${step.id} asks "${question}": pass --yes to confirm without a terminal`);
		this.write(`${clock()} ? ${step.id}: ${oneLineValue(question)} yes (--yes)\n`);
		return 'yes';
	}

	/** Passes only with `--yes-destructive` (typing the word needs a terminal). */
	async confirmDestructive(step: StepView, question: string, word: string): Promise<ConfirmAnswer> {
		if (!this.answers.yesDestructive) return this.stop(`step ${step.id} is destructive (${question} confirmation word "${word}"): pass --yes-destructive to run it without a terminal`);
		this.write(`${clock()} ? ${step.id}: destructive, confirmed by --yes-destructive (word "${oneLineValue(word)}")\n`);
		return 'yes';
	}

	/** Answers from `-p VAR=VALUE`, else the ask's default. */
	async ask(step: StepView, ask: Ask): Promise<{value: string} | 'quit'> {
		const value = this.answers.values[ask.var] ?? ask.default;
		if (value === undefined) return this.stop(`step ${step.id} asks "${ask.prompt}": pass -p ${ask.var}=VALUE${ask.choices ? ` (one of: ${ask.choices.join(', ')})` : ''}`);
		this.write(`${clock()} ? ${step.id}: ${oneLineValue(ask.prompt)} ${ask.secret ? '***' : oneLineValue(value)}\n`);
		return {value};
	}

	/** Params are resolved before the run without a terminal; a missing one stops it. */
	async askParam(name: string, param: Param): Promise<{value: string} | 'quit'> {
		return this.stop(param.secret ? `secret param ${name} is needed: set RUNBOOK_SECRET_${name} in the environment (or pass -p ${name}=VALUE)` : `param ${name} is needed: pass -p ${name}=VALUE`);
	}

	/** Passes with `--yes` (the instructions are printed); otherwise stops. */
	async manual(step: StepView, instructions: string): Promise<ManualAnswer> {
		this.write(`${clock()} ☐ ${step.id} (manual): ${instructions.trim().replace(/\n/g, `\n${step.id}: `)}\n`);
		if (!this.answers.yes) return this.stop(`step ${step.id} is a manual step: do it, then pass --yes (or resume in a terminal and mark it done)`);
		this.write(`${clock()} ${step.id}: taken as done (--yes)\n`);
		return 'done';
	}

	/**
	 * A checklist item: ticked with `--yes` (printed `☑`, journalled as a tick by the
	 * operator `--yes` stands for); otherwise stops (preflight refuses such a run first).
	 */
	async checkItem(step: StepView, item: ChecklistItem): Promise<ChecklistAnswer> {
		const where = `${step.id} item ${item.index + 1}/${item.total}`;
		if (!this.announced.has(step.id)) {
			this.announced.add(step.id);
			this.write(`${clock()} ☐ ${step.id} (checklist): ${step.command.trim().replace(/\n/g, `\n${step.id}: `)}\n`);
		}
		if (!this.answers.yes) return this.stop(`step ${step.id} is a checklist: tick its items in a terminal, or pass --yes to tick them all`);
		this.write(`${clock()} ☑ ${where}: ${oneLineValue(item.text)} (--yes)\n`);
		return 'tick';
	}

	/**
	 * A failure inside a group with a rescue rolls the group back by itself (unless
	 * `--no-rescue`); any other failure stops the run (exit 1); retry, skip and mark done
	 * need a terminal.
	 */
	async onFailure(step: StepView, failure: FailureInfo): Promise<FailureAnswer> {
		if (failure.rollBack && !this.answers.noRescue) {
			this.write(`${clock()} ${step.id}: failed (${failure.error}); rolling back group ${failure.rollBack.groupId}: running its rescue (${failure.rollBack.steps.join(', ')})\n`);
			return 'roll-back';
		}
		const noRescue = failure.rollBack ? `; group ${failure.rollBack.groupId} was not rolled back (--no-rescue)` : '';
		this.stopMessage = `step ${step.id} failed: ${failure.error}${failure.logPath ? ` (log: ${failure.logPath})` : ''}${noRescue}`;
		return 'quit';
	}

	/** Re-runs only with `--rerun-interrupted`. */
	async onInterrupted(step: StepView): Promise<InterruptedAnswer> {
		if (this.answers.rerunInterrupted) {
			this.write(`${clock()} ${step.id}: was interrupted; re-running it (--rerun-interrupted)\n`);
			return 'rerun';
		}
		return this.stop(`step ${step.id} was interrupted (it was running when the last process ended): pass --rerun-interrupted to run it again, or resume in a terminal to mark it done or skip it`);
	}
}
