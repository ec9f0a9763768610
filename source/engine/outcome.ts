/**
 * How an attempt of a step ended, as a typed value: readers (the TUI's status row, the
 * report, the plain output) switch on its `kind` and call {@link describeOutcome} for
 * words; none compares or parses the line written for people.
 */

/**
 * How one attempt ended.
 * - `succeeded`: the action did what it should (`exitCode` when a process ran).
 * - `exit-code`: a process exited with a code the step does not accept; `message` is the
 *   executor's own line when it has one, which names the code (`copy to db-0:/x failed: exit code 3`).
 * - `signal`: a signal ended the process (`SIGTERM`, `SIGKILL`).
 * - `timeout`: the step's `timeout` ran out (`after` as the runbook writes it, `5m`).
 * - `stopped`: the operator or a signal to runbook stopped it (`reason`: `q pressed`, `SIGTERM`).
 * - `lost`: the runbook process ended while the attempt ran (found on resume).
 * - `not-started`: nothing ran (bash could not be spawned, no cluster connection, a bad count).
 * - `failed`: an action without an exit code failed (a Kubernetes call, a wait whose
 *   condition did not hold); `message` says how.
 */
export type AttemptOutcome =
	| {kind: 'succeeded'; exitCode?: number}
	| {kind: 'exit-code'; exitCode: number; message?: string}
	| {kind: 'signal'; signal: string}
	| {kind: 'timeout'; after: string}
	| {kind: 'stopped'; reason: string}
	| {kind: 'lost'}
	| {kind: 'not-started'; reason: string}
	| {kind: 'failed'; message: string};

/** The kinds of {@link AttemptOutcome}, for the state file's schema. */
export const OUTCOME_KINDS = ['succeeded', 'exit-code', 'signal', 'timeout', 'stopped', 'lost', 'not-started', 'failed'] as const;

/**
 * What some exit codes mean, as zx's `src/error.ts` (EXIT_CODES) explains them: the shell's
 * own codes (126, 127) and 128 + n for a process that a signal n ended inside the script.
 */
const EXIT_CODE_MEANINGS: Readonly<Record<number, string>> = {
	126: 'the command is not executable',
	127: 'command not found',
	130: 'interrupted, SIGINT',
	137: 'killed, SIGKILL',
	143: 'terminated, SIGTERM',
};

/** What an exit code means (`command not found` for 127), or undefined for a code with no fixed meaning. */
export function exitCodeMeaning(exitCode: number): string | undefined {
	return EXIT_CODE_MEANINGS[exitCode];
}

/**
 * One line for people: `exit code 127 (command not found)`, `killed by SIGTERM`, `timed out
 * after 5m`, `stopped: q pressed`. The only place an outcome becomes words.
 */
export function describeOutcome(outcome: AttemptOutcome): string {
	switch (outcome.kind) {
		case 'succeeded':
			return outcome.exitCode === undefined ? 'succeeded' : `exit code ${outcome.exitCode}`;
		case 'exit-code': {
			if (outcome.message !== undefined) return outcome.message;
			const meaning = exitCodeMeaning(outcome.exitCode);
			return `exit code ${outcome.exitCode}${meaning ? ` (${meaning})` : ''}`;
		}
		case 'signal':
			return `killed by ${outcome.signal}`;
		case 'timeout':
			return `timed out after ${outcome.after}`;
		case 'stopped':
			return `stopped: ${outcome.reason}`;
		case 'lost':
			return 'the process ended while it ran';
		case 'not-started':
			return outcome.reason;
		case 'failed':
			return outcome.message;
	}
}

/** The step status an attempt's outcome leaves: `succeeded`, `interrupted` (stopped or lost) or `failed`. */
export function outcomeStatus(outcome: AttemptOutcome): 'succeeded' | 'interrupted' | 'failed' {
	if (outcome.kind === 'succeeded') return 'succeeded';
	return outcome.kind === 'stopped' || outcome.kind === 'lost' ? 'interrupted' : 'failed';
}

/** The word saved in `Attempt.outcome` (the state format before typed outcomes, still written). */
export function outcomeWord(outcome: AttemptOutcome): 'succeeded' | 'failed' | 'interrupted' | 'timed-out' {
	return outcome.kind === 'timeout' ? 'timed-out' : outcomeStatus(outcome);
}

/**
 * Why the operator decided what they did, beyond its kind: `step-failed` and
 * `step-interrupted` (a skip, mark done or retry answering a failure or an interruption),
 * `gate` (skipped at the step's gate), `manual-step` (a manual step done or skipped),
 * `checklist` (a checklist item ticked, the list skipped or done).
 */
export type DecisionReason = 'step-failed' | 'step-interrupted' | 'gate' | 'manual-step' | 'checklist';

/** The values of {@link DecisionReason}, for the state file's schema. */
export const DECISION_REASONS = ['step-failed', 'step-interrupted', 'gate', 'manual-step', 'checklist'] as const;

/** An attempt as saved before typed outcomes (state files written by earlier versions). */
export interface LegacyAttemptFields {
	outcome?: 'succeeded' | 'failed' | 'interrupted' | 'timed-out';
	exitCode?: number | null;
	signal?: string;
	error?: string;
}

/**
 * The typed outcome of an attempt saved before typed outcomes existed, from its structured
 * fields; the recorded line is kept as the words of a `failed` outcome wherever the kind is
 * not certain, so the report reads as it did. The one place an old line is looked at: the
 * old runner wrote exactly `exit code N`, `killed by SIGNAL`, `the process ended while it
 * ran`, `timed out after D` (saved as `timed-out`) and `stopped: REASON` (saved as
 * `interrupted`) for those cases.
 * @returns undefined for an attempt that did not finish.
 */
export function legacyOutcome(attempt: LegacyAttemptFields): AttemptOutcome | undefined {
	const {outcome, exitCode, signal, error} = attempt;
	if (outcome === undefined) return undefined;
	if (outcome === 'succeeded') return {kind: 'succeeded', ...(typeof exitCode === 'number' ? {exitCode} : {})};
	if (outcome === 'failed' && signal !== undefined && (error === undefined || error === `killed by ${signal}`)) return {kind: 'signal', signal};
	if (outcome === 'failed' && typeof exitCode === 'number' && (error === undefined || error === `exit code ${exitCode}`)) return {kind: 'exit-code', exitCode};
	if (outcome === 'interrupted' && error === describeOutcome({kind: 'lost'})) return {kind: 'lost'};
	// The old runner wrote these two texts for a timeout and a stop (runner.ts at e91209a):
	// the saved word makes the kind certain, the text gives its detail.
	const timedOut = outcome === 'timed-out' ? /^timed out after (.+)$/.exec(error ?? '') : null;
	if (timedOut) return {kind: 'timeout', after: timedOut[1]!};
	const stopped = outcome === 'interrupted' ? /^stopped: (.*)$/s.exec(error ?? '') : null;
	if (stopped) return {kind: 'stopped', reason: stopped[1]!};
	return {kind: 'failed', message: error ?? (outcome === 'interrupted' ? 'interrupted' : outcome === 'timed-out' ? 'timed out' : 'failed')};
}

/** Decision details the runner wrote before decisions had a reason, and the reason each meant. */
const LEGACY_DECISION_REASONS: ReadonlyArray<[kind: string, detail: string, reason: DecisionReason]> = [
	['mark-done', 'interrupted step marked done', 'step-interrupted'],
	['skip', 'interrupted step skipped', 'step-interrupted'],
	['skip', 'failed step skipped', 'step-failed'],
	['mark-done', 'failed step marked done', 'step-failed'],
	['mark-done', 'manual step done', 'manual-step'],
];

/** The reason of a decision saved before decisions had one (undefined when its detail says none). */
export function legacyDecisionReason(kind: string, detail: string | undefined): DecisionReason | undefined {
	if (kind === 'tick') return 'checklist';
	return LEGACY_DECISION_REASONS.find(([k, d]) => k === kind && d === detail)?.[2];
}
