/**
 * The crash harness's long synthetic runbook: 40 steps mixing quick `run` steps
 * (`echo`, `sleep 0.0X`), captures used by later steps, a `wait.command`, a `when`
 * that skips a step and one that holds, a step with retries, a step printing 30,000
 * lines, a half-second sleep (so a kill often lands while a command runs and the
 * resume must stop its process group) and a step with its own `env`.
 *
 * Every step first appends `<step id> $CRASH_SESSION` to `$OUT/marks` (the harness
 * sets CRASH_SESSION per CLI process), then writes `$OUT/done/<step id>`. Every step
 * is safe to re-run after an interruption by construction: files are overwritten,
 * never appended to (but the marks), and the counters of the wait and the retried
 * step only move towards success.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import type {RunState} from '../../source/engine/state.ts';

/** The id of the step whose `when` never holds: it must be skipped, and never start. */
export const SKIPPED_STEP = 'when-skipped';

/** One generated step: its YAML lines (indented for the `steps:` list) and what it must leave. */
interface SyntheticStep {
	id: string;
	yaml: string[];
	/** Content of `$OUT/done/<id>` after the run; undefined for the skipped step. */
	done?: string;
}

/** The marker line every step's script starts with. */
function mark(id: string): string {
	return `echo "${id} \${CRASH_SESSION:-none}" >> "$OUT/marks"`;
}

/** A `run` step: the marker, then `body` (bash lines). */
function runStep(id: string, body: string[], extra: string[] = [], done?: string): SyntheticStep {
	return {
		id,
		yaml: [`  - id: ${id}`, ...extra.map(line => `    ${line}`), '    run: |', `      ${mark(id)}`, ...body.map(line => `      ${line}`)],
		done,
	};
}

/** A quick step that writes `$OUT/done/<id>` (after a short sleep when `sleep` is given, seconds). */
function quick(id: string, sleep?: string): SyntheticStep {
	const body = [...(sleep ? [`sleep ${sleep}`] : []), `echo "${id} ok" > "$OUT/done/${id}"`];
	return runStep(id, body, [], `${id} ok`);
}

/**
 * The steps in order. `e01`..`e20` are quick echo steps, `s01`..`s06` sleep
 * 0.02..0.07 s; the others exercise captures, `when`, a wait, retries, much output,
 * a longer command and a step `env`. DONE_COUNT, captured by `cap-count`, is the
 * number of steps before it that wrote their done file: every one of them.
 */
function steps(): SyntheticStep[] {
	const list: SyntheticStep[] = [runStep('prepare', ['mkdir -p "$OUT/done"', 'echo ready > "$OUT/done/prepare"'], [], 'ready')];
	const echo = (n: number) => quick(`e${String(n).padStart(2, '0')}`);
	const sleepy = (n: number) => quick(`s0${n}`, `0.0${n + 1}`);
	list.push(echo(1), echo(2), sleepy(1), echo(3));
	list.push(runStep('cap-alpha', ['echo "capturing alpha" >&2', 'echo alpha', 'echo alpha > "$OUT/done/cap-alpha"'], ['capture: ALPHA'], 'alpha'));
	list.push(echo(4), sleepy(2), echo(5));
	list.push(runStep(SKIPPED_STEP, ['echo "this step must never run" > "$OUT/done/when-skipped"'], ['when: { var: MODE, equals: never }']), runStep('when-taken', ['echo "mode $MODE" > "$OUT/done/when-taken"'], ['when: { var: MODE, equals: normal }'], 'mode normal'));
	list.push(echo(6), echo(7), sleepy(3));
	list.push({
		id: 'wait-counter',
		yaml: [
			'  - id: wait-counter',
			'    timeout: 30s',
			'    wait:',
			'      command:',
			'        interval: 50ms',
			'        run: |',
			`          ${mark('wait-counter')}`,
			'          n=$(cat "$OUT/wait-count" 2>/dev/null || echo 0)',
			'          n=$((n + 1))',
			'          echo "$n" > "$OUT/wait-count"',
			'          [ "$n" -ge 3 ] && echo "held" > "$OUT/done/wait-counter"',
		],
		done: 'held',
	});
	list.push(echo(8), echo(9));
	list.push(runStep('retry-flaky', ['n=$(cat "$OUT/flaky-count" 2>/dev/null || echo 0)', 'n=$((n + 1))', 'echo "$n" > "$OUT/flaky-count"', 'if [ "$n" -lt 3 ]; then echo "flaky: attempt $n fails" >&2; exit 1; fi', 'echo ok > "$OUT/done/retry-flaky"'], ['retries: 3', 'retryDelay: 100ms'], 'ok'));
	list.push(sleepy(4), echo(10), echo(11));
	list.push(runStep('big-output', ['seq 1 30000', 'seq 1 2000 >&2', 'echo "30000 lines" > "$OUT/done/big-output"'], [], '30000 lines'));
	list.push(echo(12), echo(13));
	list.push(runStep('long-sleep', ['sleep 0.5', 'echo slept > "$OUT/done/long-sleep"'], [], 'slept'));
	list.push(echo(14), sleepy(5));
	// Every step so far wrote its done file, but the skipped one: the count is known. The
	// step leaves its own file out: a re-run after an interruption may find it written.
	const before = list.filter(step => step.done !== undefined).length;
	list.push(runStep('cap-count', ['ls "$OUT/done" | grep -cvx cap-count', `echo "${before}" > "$OUT/done/cap-count"`], ['capture: DONE_COUNT'], String(before)));
	list.push(runStep('use-alpha', ['[ "$ALPHA" = alpha ]', 'echo "$ALPHA-$DONE_COUNT" > "$OUT/done/use-alpha"'], [], `alpha-${before}`));
	list.push(echo(15), echo(16));
	list.push(runStep('env-step', ['echo "$GREETING" > "$OUT/done/env-step"'], ['env:', '  GREETING: hello-$ALPHA'], 'hello-alpha'));
	list.push(echo(17), sleepy(6), echo(18));
	// The echo steps so far wrote `eNN ok\n` (7 bytes) each.
	const sum = list.filter(step => /^e\d\d$/.test(step.id)).length * 7;
	list.push(runStep('cap-sum', ['cat "$OUT"/done/e[0-9]* | wc -c', 'echo summed > "$OUT/done/cap-sum"'], ['capture: SUM'], 'summed'), runStep('use-sum', ['[ "$SUM" -gt 0 ]', 'echo "sum $SUM" > "$OUT/done/use-sum"'], [], `sum ${sum}`));
	list.push(echo(19), echo(20));
	list.push(runStep('final-check', ['for id in $EXPECTED; do [ -f "$OUT/done/$id" ] || { echo "missing $id" >&2; exit 1; }; done', 'echo complete > "$OUT/done/final-check"'], [], 'complete'));
	return list;
}

/** The synthetic runbook: its YAML text and what a completed run must leave. */
export interface SyntheticRunbook {
	yaml: string;
	/** Step ids in order. */
	stepIds: string[];
	/** Content of `$OUT/done/<id>` for each step that writes one. */
	done: Record<string, string>;
}

/**
 * Generates the synthetic runbook (40 steps). Params: OUT (required: the trial's
 * output folder), MODE (default `normal`), EXPECTED (default: the done files
 * `final-check` requires).
 */
export function syntheticRunbook(): SyntheticRunbook {
	const list = steps();
	const done: Record<string, string> = {};
	for (const step of list) if (step.done !== undefined) done[step.id] = step.done;
	const expected = list.filter(step => step.id !== SKIPPED_STEP && step.id !== 'final-check').map(step => step.id);
	const yaml = [
		'version: 1',
		'title: Crash harness synthetic runbook',
		'description: Forty short steps, each safe to re-run after an interruption (test/crash/synthetic.ts).',
		'params:',
		'  OUT:',
		'    description: Folder for the marks and the done files',
		'    required: true',
		'  MODE:',
		'    default: normal',
		'  EXPECTED:',
		`    default: ${expected.join(' ')}`,
		'steps:',
		...list.flatMap(step => step.yaml),
		'',
	].join('\n');
	return {yaml, stepIds: list.map(step => step.id), done};
}

/**
 * What is wrong with a finished synthetic run, in short lines (empty when it is right):
 * the run completed, every step succeeded but {@link SKIPPED_STEP} (skipped), every
 * done file holds what it should (and the skipped step left none), and the captures
 * hold their values.
 * @param out the trial's OUT folder; `state` the run's final state.
 */
export function checkSynthetic(runbook: SyntheticRunbook, out: string, state: RunState): string[] {
	const problems: string[] = [];
	if (state.status !== 'completed') problems.push(`run status ${state.status}`);
	for (const id of runbook.stepIds) {
		const want = id === SKIPPED_STEP ? 'skipped' : 'succeeded';
		if (state.steps[id]?.status !== want) problems.push(`step ${id} is ${state.steps[id]?.status ?? 'missing'}, not ${want}`);
	}
	for (const [id, content] of Object.entries(runbook.done)) {
		const file = path.join(out, 'done', id);
		const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
		if (text !== content) problems.push(`done/${id} holds ${JSON.stringify(text)}, not ${JSON.stringify(content)}`);
	}
	if (existsSync(path.join(out, 'done', SKIPPED_STEP))) problems.push(`the skipped step ${SKIPPED_STEP} ran`);
	if (state.vars.ALPHA !== 'alpha') problems.push(`ALPHA is ${JSON.stringify(state.vars.ALPHA)}`);
	if (state.vars.DONE_COUNT !== runbook.done['cap-count']) problems.push(`DONE_COUNT is ${JSON.stringify(state.vars.DONE_COUNT)}, not ${runbook.done['cap-count']}`);
	if (`sum ${state.vars.SUM}` !== runbook.done['use-sum']) problems.push(`SUM is ${JSON.stringify(state.vars.SUM)}`);
	return problems;
}
