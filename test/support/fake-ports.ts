/**
 * Fake ports for engine tests: a scripted shell, an in-memory store that keeps
 * every saved state, a clock that never waits, and an operator whose answers
 * are queued by the test.
 */
import type {Ask, Param} from '../../source/runbook/schema.js';
import type {Clock, ConfirmAnswer, FailureAnswer, FailureInfo, GateAnswer, InterruptedAnswer, ManualAnswer, ChecklistAnswer, ChecklistItem, Operator, ShellPort, ShellRequest, ShellResult, StateStore, StepView} from '../../source/engine/ports.js';
import type {RunState} from '../../source/engine/state.js';
import type {KubeRequest, KubeResult, KubeTarget, KubernetesPort} from '../../source/engine/kubernetes-port.js';

/** A scripted result: exit code and output lines, or a function of the request. */
export type FakeScript = {exitCode: number; stdout?: string[]; stderr?: string[]} | ((request: ShellRequest) => Promise<ShellResult> | ShellResult);

/** A shell that answers from a script per step id (default: exit 0), and records every request. */
export class FakeShell implements ShellPort {
	readonly requests: ShellRequest[] = [];
	private readonly scripts = new Map<string, FakeScript[]>();

	/** Queues results for a step's next runs (the last one repeats). */
	on(stepId: string, ...results: FakeScript[]): this {
		this.scripts.set(stepId, results);
		return this;
	}

	async run(request: ShellRequest): Promise<ShellResult> {
		this.requests.push(request);
		const queue = this.scripts.get(request.stepId) ?? [{exitCode: 0}];
		const script = queue.length > 1 ? queue.shift()! : queue[0];
		if (typeof script === 'function') return script(request);
		if (script.stdout?.length) request.onOutput({stream: 'stdout', lines: script.stdout.map(request.redact)});
		if (script.stderr?.length) request.onOutput({stream: 'stderr', lines: script.stderr.map(request.redact)});
		return {exitCode: script.exitCode, durationMs: 5, aborted: false, ...(request.capture ? {stdout: (script.stdout ?? []).join('\n')} : {})};
	}

	/** Step ids in the order they ran. */
	ran(): string[] {
		return this.requests.map(r => r.stepId);
	}
}

/** Keeps every saved state (deep copies), to check that each transition was saved. */
export class MemoryStore implements StateStore {
	readonly saved: RunState[] = [];
	save(state: RunState): void {
		this.saved.push(structuredClone(state));
	}
	get last(): RunState {
		return this.saved.at(-1)!;
	}
}

/** A clock that starts at a fixed time, advances 1 s per call to now(), and never waits. */
export class FakeClock implements Clock {
	private t = Date.parse('2026-11-20T10:00:00Z');
	readonly sleeps: number[] = [];
	now(): Date {
		this.t += 1000;
		return new Date(this.t);
	}
	async sleep(ms: number): Promise<void> {
		this.sleeps.push(ms);
		this.t += ms;
	}
}

type Answers = {
	gate: GateAnswer[];
	confirm: ConfirmAnswer[];
	destructive: ConfirmAnswer[];
	ask: Array<string | 'quit'>;
	param: Array<string | 'quit'>;
	manual: ManualAnswer[];
	checklist: ChecklistAnswer[];
	failure: FailureAnswer[];
	interrupted: InterruptedAnswer[];
};

/**
 * An operator answering from queues; an empty queue gives the default
 * (gate run, confirm yes, manual done, checklist item tick, failure quit,
 * interrupted quit), and every question is recorded as `kind:stepId` (a checklist
 * item as `checklist:stepId:N`, N its 1-based number).
 */
export class ScriptedOperator implements Operator {
	readonly asked: string[] = [];
	readonly words: string[] = [];
	readonly failures: FailureInfo[] = [];
	/** The checklist items asked, in order. */
	readonly items: ChecklistItem[] = [];
	readonly answers: Answers = {gate: [], confirm: [], destructive: [], ask: [], param: [], manual: [], checklist: [], failure: [], interrupted: []};

	async beforeStep(step: StepView): Promise<GateAnswer> {
		this.asked.push(`gate:${step.id}`);
		return this.answers.gate.shift() ?? 'run';
	}
	async confirm(step: StepView): Promise<ConfirmAnswer> {
		this.asked.push(`confirm:${step.id}`);
		return this.answers.confirm.shift() ?? 'yes';
	}
	async confirmDestructive(step: StepView, _question: string, word: string): Promise<ConfirmAnswer> {
		this.asked.push(`destructive:${step.id}`);
		this.words.push(word);
		return this.answers.destructive.shift() ?? 'yes';
	}
	async ask(step: StepView, ask: Ask): Promise<{value: string} | 'quit'> {
		this.asked.push(`ask:${step.id}`);
		const value = this.answers.ask.shift() ?? ask.default ?? 'quit';
		return value === 'quit' ? 'quit' : {value};
	}
	async askParam(name: string, _param: Param): Promise<{value: string} | 'quit'> {
		this.asked.push(`param:${name}`);
		const value = this.answers.param.shift() ?? 'quit';
		return value === 'quit' ? 'quit' : {value};
	}
	async manual(step: StepView): Promise<ManualAnswer> {
		this.asked.push(`manual:${step.id}`);
		return this.answers.manual.shift() ?? 'done';
	}
	async checkItem(step: StepView, item: ChecklistItem): Promise<ChecklistAnswer> {
		this.asked.push(`checklist:${step.id}:${item.index + 1}`);
		this.items.push(item);
		return this.answers.checklist.shift() ?? 'tick';
	}
	async onFailure(step: StepView, failure: FailureInfo): Promise<FailureAnswer> {
		this.asked.push(`failure:${step.id}`);
		this.failures.push(failure);
		return this.answers.failure.shift() ?? 'quit';
	}
	async onInterrupted(step: StepView): Promise<InterruptedAnswer> {
		this.asked.push(`interrupted:${step.id}`);
		return this.answers.interrupted.shift() ?? 'quit';
	}
}

/** A Kubernetes port that records requests and answers from a queue (default ok). */
export class FakeKubernetes implements KubernetesPort {
	readonly requests: KubeRequest[] = [];
	readonly results: KubeResult[] = [];
	target(): KubeTarget {
		return {context: 'test', cluster: 'test-cluster', server: 'http://127.0.0.1:1', namespace: 'default-ns'};
	}
	async execute(request: KubeRequest): Promise<KubeResult> {
		this.requests.push(request);
		request.onProgress('1 pod left: x-0');
		return this.results.shift() ?? {ok: true};
	}
}
