/**
 * The operator port for the TUI: every engine question becomes a pending
 * {@link Prompt} (prompt.ts) that the Ink app renders and answers. Pure
 * TypeScript (no React), so the engine side can be tested without a terminal.
 */
import type {Ask, Param} from '../runbook/schema.js';
import type {ConfirmAnswer, FailureAnswer, FailureInfo, GateAnswer, InterruptedAnswer, ManualAnswer, ChecklistAnswer, ChecklistItem, Operator, StepView} from '../engine/ports.js';
import {isValidAnswer, type AskAnswer, type Prompt, type PromptAnswer} from './prompt.js';

export * from './prompt.js';

/** Called whenever the current prompt or the auto flag changes. */
export type OperatorListener = () => void;

/** A prompt without its id, as the Operator methods build it. */
type PromptInput = Prompt extends infer P ? (P extends Prompt ? Omit<P, 'id'> : never) : never;

interface Pending {
	prompt: Prompt;
	resolve: (answer: PromptAnswer) => void;
}

/**
 * {@link Operator} for the TUI. Each method queues a {@link Prompt} and returns a
 * promise that {@link TuiOperator.answer} resolves; prompts are answered in the
 * order they were asked (`current()` is the oldest unanswered one).
 *
 * Auto mode (`setAuto(true)`) answers the step-mode gate with `run` at once (and
 * a gate already waiting); confirmations, asks, params, manual steps, failures
 * and interrupted steps always wait for the operator. Declining a confirmation
 * (`no`) in auto mode stops auto mode, so that the engine's next gate for that
 * step waits instead of asking the same question again at once; {@link
 * TuiOperator.notice} then says why and which keys go on.
 */
export class TuiOperator implements Operator {
	private readonly queue: Pending[] = [];
	private readonly listeners = new Set<OperatorListener>();
	private nextId = 1;
	private auto: boolean;
	private quitRequested = false;
	private disposed = false;
	private stopNotice: string | undefined;
	private readonly presets: Readonly<Record<string, string>>;

	/**
	 * `options.auto`: start in auto mode (default false: step mode). `options.presets`:
	 * the `-p NAME=VALUE` values; an `ask` of one of these names is asked with that value
	 * as its answer, ready for Enter (README: `-p` "also presets the answer of an ask
	 * step"; plain mode takes it without asking).
	 */
	constructor(options: {auto?: boolean; presets?: Readonly<Record<string, string>>} = {}) {
		this.auto = options.auto ?? false;
		this.presets = options.presets ?? {};
	}

	/** Follows changes of the current prompt and of the auto flag; returns the unsubscribe function. */
	subscribe(listener: OperatorListener): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/** The prompt waiting for an answer (the oldest), or undefined. */
	current(): Prompt | undefined {
		return this.queue[0]?.prompt;
	}

	/** True in auto mode. */
	isAuto(): boolean {
		return this.auto;
	}

	/**
	 * Why auto mode stopped by itself (a declined confirmation), until the next
	 * answer or auto mode is switched again; undefined otherwise.
	 */
	notice(): string | undefined {
		return this.stopNotice;
	}

	/** Switches auto mode; turning it on answers a waiting gate with `run`. */
	setAuto(auto: boolean): void {
		if (this.auto === auto) return;
		this.auto = auto;
		this.stopNotice = undefined;
		const head = this.queue[0];
		if (auto && head?.prompt.kind === 'gate') this.settle('run');
		else this.notify();
	}

	/**
	 * Answers the current prompt. Throws an Error when there is no prompt or when
	 * `value` is not an answer to its kind (a programming error, not an operator's).
	 */
	answer(value: PromptAnswer): void {
		const head = this.queue[0];
		if (!head) throw new Error('no prompt is waiting for an answer');
		if (!isValidAnswer(head.prompt.kind, value)) {
			throw new Error(`not an answer to a ${head.prompt.kind} prompt: ${JSON.stringify(value)}`);
		}
		const {prompt} = head;
		this.stopNotice = undefined;
		if (this.auto && value === 'no' && (prompt.kind === 'confirm' || prompt.kind === 'destructive')) {
			// The engine sends a declined step back to its gate; in auto mode that gate would run it and ask again at once.
			this.auto = false;
			// The keys first: a long title is cut at the row's end, they are not.
			this.stopNotice = `Auto mode stopped (s skips it · a resumes auto mode): step "${prompt.step.title}" was not confirmed and waits.`;
		}
		this.settle(value);
	}

	/**
	 * The operator wants to quit: answers the current prompt with `quit`, or, when
	 * none is waiting, the next one (the engine is between two questions).
	 */
	requestQuit(): void {
		if (this.queue.length > 0) this.settle('quit');
		else this.quitRequested = true;
	}

	/** Answers every waiting prompt, and every later one at once, with `quit` (the UI is gone). */
	dispose(): void {
		this.disposed = true;
		while (this.queue.length > 0) this.settle('quit');
	}

	/**
	 * Shows `plan` (engine/plan.ts `planLines`) as the start screen of a new run and
	 * resolves when the operator starts the run (`run`) or quits (`quit`; also
	 * after {@link requestQuit} or {@link dispose}). Not part of the engine's
	 * Operator: the caller awaits it before starting the runner.
	 */
	awaitStart(plan: readonly string[]): Promise<'run' | 'quit'> {
		return this.enqueue({kind: 'start', plan}) as Promise<'run' | 'quit'>;
	}

	/** @inheritdoc */
	beforeStep(step: StepView): Promise<GateAnswer> {
		if (this.auto && !this.quitRequested && !this.disposed) return Promise.resolve('run');
		return this.enqueue({kind: 'gate', step}) as Promise<GateAnswer>;
	}

	/** @inheritdoc */
	confirm(step: StepView, question: string): Promise<ConfirmAnswer> {
		return this.enqueue({kind: 'confirm', step, question}) as Promise<ConfirmAnswer>;
	}

	/** @inheritdoc */
	confirmDestructive(step: StepView, question: string, word: string): Promise<ConfirmAnswer> {
		return this.enqueue({kind: 'destructive', step, question, word}) as Promise<ConfirmAnswer>;
	}

	/** @inheritdoc */
	ask(step: StepView, ask: Ask): Promise<AskAnswer> {
		const preset = Object.hasOwn(this.presets, ask.var) ? this.presets[ask.var] : undefined;
		if (preset !== undefined) return this.enqueue({kind: 'ask', step, ask: {...ask, default: preset}, preset: true}) as Promise<AskAnswer>;
		return this.enqueue({kind: 'ask', step, ask}) as Promise<AskAnswer>;
	}

	/** @inheritdoc */
	askParam(name: string, param: Param): Promise<AskAnswer> {
		return this.enqueue({kind: 'param', name, param}) as Promise<AskAnswer>;
	}

	/** @inheritdoc */
	manual(step: StepView, instructions: string): Promise<ManualAnswer> {
		return this.enqueue({kind: 'manual', step, instructions}) as Promise<ManualAnswer>;
	}

	/** @inheritdoc */
	checkItem(step: StepView, item: ChecklistItem): Promise<ChecklistAnswer> {
		return this.enqueue({kind: 'checklist', step, item}) as Promise<ChecklistAnswer>;
	}

	/** @inheritdoc */
	onFailure(step: StepView, failure: FailureInfo): Promise<FailureAnswer> {
		return this.enqueue({kind: 'failure', step, failure}) as Promise<FailureAnswer>;
	}

	/** @inheritdoc */
	onInterrupted(step: StepView): Promise<InterruptedAnswer> {
		return this.enqueue({kind: 'interrupted', step}) as Promise<InterruptedAnswer>;
	}

	private enqueue(input: PromptInput): Promise<PromptAnswer> {
		if (this.disposed || this.quitRequested) {
			this.quitRequested = false;
			return Promise.resolve('quit');
		}
		const prompt = {...input, id: this.nextId++} as Prompt;
		return new Promise<PromptAnswer>(resolve => {
			this.queue.push({prompt, resolve});
			if (this.queue.length === 1) this.notify();
		});
	}

	private settle(value: PromptAnswer): void {
		const head = this.queue.shift();
		head?.resolve(value);
		this.notify();
	}

	private notify(): void {
		for (const listener of [...this.listeners]) listener();
	}
}
