/**
 * The questions the TUI puts to the operator, as data: one {@link Prompt} kind
 * per engine question (plus the start screen), and the answers each kind takes.
 * The TUI operator (operator.ts) queues them; the app renders and answers them
 * through the key table (keymap.ts).
 */
import type {Ask, Param} from '../runbook/schema.js';
import type {ConfirmAnswer, FailureAnswer, FailureInfo, GateAnswer, InterruptedAnswer, ManualAnswer, ChecklistAnswer, ChecklistItem, StepView} from '../engine/ports.js';

/** What an `ask` or a param prompt resolves to. */
export type AskAnswer = {value: string} | 'quit';

/**
 * The plan of a new run, before its first step (engine/plan.ts): the start
 * screen. Enter starts the run (then step mode or auto mode as set), q quits.
 */
export interface StartPrompt {
	kind: 'start';
	id: number;
	/** The plan's lines (`planLines`), unwrapped. */
	plan: readonly string[];
}

/** Step mode: shown before each step that runs something (Enter run, s skip, q quit). */
export interface GatePrompt {
	kind: 'gate';
	id: number;
	step: StepView;
}

/** A `confirm` question, answered y/N (default No). */
export interface ConfirmPrompt {
	kind: 'confirm';
	id: number;
	step: StepView;
	question: string;
}

/** A destructive step: the operator must type `word` exactly. */
export interface DestructivePrompt {
	kind: 'destructive';
	id: number;
	step: StepView;
	question: string;
	word: string;
}

/** An `ask` action (prompt and default already resolved by the engine). */
export interface AskPrompt {
	kind: 'ask';
	id: number;
	step: StepView;
	ask: Ask;
	/** True when `ask.default` is the value given with `-p VAR=VALUE` (shown as preset; Enter takes it). */
	preset?: true;
}

/** A required param without a value, asked before the first step (no step yet). */
export interface ParamPrompt {
	kind: 'param';
	id: number;
	name: string;
	param: Param;
}

/** A `manual` step: instructions the operator carries out elsewhere. */
export interface ManualPrompt {
	kind: 'manual';
	id: number;
	step: StepView;
	instructions: string;
}

/** One item of a checklist (format 1.1): Space/Enter ticks it, s skips the step, q quits. */
export interface ChecklistPrompt {
	kind: 'checklist';
	id: number;
	step: StepView;
	item: ChecklistItem;
}

/** A step failed after its retries: retry, skip, mark done, roll back (inside a group with a rescue) or quit. */
export interface FailurePrompt {
	kind: 'failure';
	id: number;
	step: StepView;
	failure: FailureInfo;
}

/** A step was running when the last process ended: re-run, mark done, skip or quit. */
export interface InterruptedPrompt {
	kind: 'interrupted';
	id: number;
	step: StepView;
}

/** A pending question to the operator; `id` grows by one for every prompt created. */
export type Prompt = StartPrompt | GatePrompt | ConfirmPrompt | DestructivePrompt | AskPrompt | ParamPrompt | ManualPrompt | ChecklistPrompt | FailurePrompt | InterruptedPrompt;

/** The kinds of {@link Prompt}. */
export type PromptKind = Prompt['kind'];

/** The answer each prompt kind takes. */
export interface PromptAnswers {
	start: 'run' | 'quit';
	gate: GateAnswer;
	confirm: ConfirmAnswer;
	destructive: ConfirmAnswer;
	ask: AskAnswer;
	param: AskAnswer;
	manual: ManualAnswer;
	checklist: ChecklistAnswer;
	failure: FailureAnswer;
	interrupted: InterruptedAnswer;
}

/** Any answer to any prompt. */
export type PromptAnswer = PromptAnswers[PromptKind];

/** Answers accepted per kind, besides `{value}` for ask and param. */
const VALID: Record<PromptKind, readonly string[]> = {
	start: ['run', 'quit'],
	gate: ['run', 'skip', 'quit'],
	confirm: ['yes', 'no', 'quit'],
	destructive: ['yes', 'no', 'quit'],
	ask: ['quit'],
	param: ['quit'],
	manual: ['done', 'skip', 'quit'],
	checklist: ['tick', 'skip', 'quit'],
	failure: ['retry', 'wait-longer', 'skip', 'mark-done', 'roll-back', 'quit'],
	interrupted: ['rerun', 'mark-done', 'skip', 'quit'],
};

/** True when `value` is a valid answer to a prompt of `kind`. */
export function isValidAnswer(kind: PromptKind, value: unknown): boolean {
	if (typeof value === 'string') return VALID[kind].includes(value);
	if (kind !== 'ask' && kind !== 'param') return false;
	return typeof value === 'object' && value !== null && typeof (value as {value?: unknown}).value === 'string';
}
