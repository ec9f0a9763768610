/**
 * Which steps started in which CLI process ("session"), and whether each start was
 * allowed. Every step start appends `<step id> <session>` to a marks file: the
 * synthetic runbook's steps do it themselves; for the demo runbook, whose scripts
 * stay as they are, a `bash` first in the CLI's PATH (a wrapper that execs the
 * real bash) finds the step from the script bash is given (the argument after
 * `-c`) and appends it. (A BASH_ENV hook did this once; a step's bash no longer
 * reads BASH_ENV from the CLI's environment: issue 15.)
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {RunState} from '../../source/engine/state.ts';

/** One line of the marks file. */
export interface Mark {
	stepId: string;
	/** The session (1-based) whose CLI process started the step. */
	session: number;
}

/** Reads the marks file; a missing file is no marks. Lines that do not parse are ignored (never written). */
export function readMarks(file: string): Mark[] {
	if (!existsSync(file)) return [];
	const marks: Mark[] = [];
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		const match = /^(\S+) (\d+)$/.exec(line);
		if (match) marks.push({stepId: match[1], session: Number(match[2])});
	}
	return marks;
}

/** How many starts each step has among `marks` (optionally only those of `session`). */
export function startCounts(marks: Mark[], filter: (mark: Mark) => boolean = () => true): Map<string, number> {
	const counts = new Map<string, number>();
	for (const mark of marks) if (filter(mark)) counts.set(mark.stepId, (counts.get(mark.stepId) ?? 0) + 1);
	return counts;
}

/**
 * Writes `dir/bash`, the marking wrapper for a runbook whose scripts do not mark
 * themselves; put `dir` first in the CLI's PATH. `scripts` maps each step's script
 * text (a `run` or a `wait.command.run`) to its step id; bash receives
 * `prefix + script` after `-c` (the shell executor's BASH_PREFIX, as zx composes
 * the command), so the wrapper compares sha256 digests of that. A bash whose script
 * is none of these (one started by a step) marks nothing. It writes to
 * $CRASH_MARKS, with the session from $CRASH_SESSION, then execs `realBash` (same
 * pid: the process group the CLI records is unchanged). It reads no stdin (the
 * start gate's pipe is the real bash's). Returns `dir`.
 */
export function writeMarkWrapper(dir: string, scripts: Map<string, string>, prefix: string, realBash: string): string {
	mkdirSync(dir, {recursive: true});
	const cases = [...scripts].map(
		([script, stepId]) =>
			`    ${createHash('sha256')
				.update(prefix + script)
				.digest('hex')}) crash_step=${stepId} ;;`,
	);
	const wrapper = [
		`#!${realBash} --norc`,
		"# Crash harness (test/crash/marks.ts): the bash first in the CLI's PATH; marks a step start, then runs the real bash.",
		'if [ -n "${CRASH_MARKS:-}" ]; then',
		'  crash_prev= crash_script=',
		'  for crash_arg in "$@"; do',
		'    if [ "$crash_prev" = -c ]; then crash_script=$crash_arg; break; fi',
		'    crash_prev=$crash_arg',
		'  done',
		'  if [ -n "$crash_script" ]; then',
		'    crash_sum=$(printf \'%s\' "$crash_script" | sha256sum)',
		'    crash_step=',
		'    case "${crash_sum%% *}" in',
		...cases,
		'    esac',
		'    if [ -n "$crash_step" ]; then echo "$crash_step ${CRASH_SESSION:-0}" >> "$CRASH_MARKS"; fi',
		'  fi',
		'fi',
		`exec ${realBash} "$@"`,
		'',
	];
	writeFileSync(path.join(dir, 'bash'), wrapper.join('\n'), {mode: 0o755});
	return dir;
}

/** What {@link checkStarts} found wrong, one line per problem. */
export interface StartProblems {
	/** A start of a step the state before the session did not allow to start again. */
	illegal: string[];
	/** A start the state after the session does not record (a later resume would run it again unasked). */
	unrecorded: string[];
}

/** One session's starts and the states around it. */
export interface StartsInput {
	session: number;
	/** Whether this session was a resume with --rerun-interrupted (the operator's choice). */
	rerunInterrupted: boolean;
	/** Starts in this session, per step. */
	starts: Map<string, number>;
	/** Starts in the sessions before, per step. */
	earlier: Map<string, number>;
	/** The saved state before the session (what it resumed from); undefined when there was none. */
	before: RunState | undefined;
	/** The saved state after the session ended; undefined when there is none. */
	after: RunState | undefined;
	/** Steps whose action is a `wait` (one attempt runs its check many times). */
	waitSteps: Set<string>;
}

/**
 * Checks one session's step starts against the rule "no step re-run without the
 * operator's choice":
 * - a step recorded `succeeded` or `skipped` before the session never starts again;
 * - a step recorded `running` or `interrupted` (it was running when a process died)
 *   starts again only in a resume with --rerun-interrupted;
 * - a step recorded `pending` starts only if it never started before (else an
 *   earlier start went unrecorded); a `failed` one may start again (resuming a
 *   failed run retries its failed step: the operator's choice to resume);
 * and that every start is recorded in the state after the session: one attempt
 * per start of a `run` step (retries included), at least one for a `wait` step.
 */
export function checkStarts(input: StartsInput): StartProblems {
	const illegal: string[] = [];
	const unrecorded: string[] = [];
	for (const [stepId, count] of input.starts) {
		const before = input.before?.steps[stepId];
		const status = before?.status ?? 'pending';
		const where = `session ${input.session}: step ${stepId}`;
		if (status === 'succeeded' || status === 'skipped') illegal.push(`${where} started although recorded ${status}`);
		else if ((status === 'running' || status === 'interrupted') && !input.rerunInterrupted) {
			illegal.push(`${where} started although recorded ${status} and the resume had no --rerun-interrupted`);
		} else if (status === 'pending' && (input.earlier.get(stepId) ?? 0) > 0) {
			illegal.push(`${where} started again although recorded pending (it had started ${input.earlier.get(stepId)} time(s) before)`);
		}
		const after = input.after?.steps[stepId];
		const added = (after?.attempts.length ?? 0) - (before?.attempts.length ?? 0);
		const needed = input.waitSteps.has(stepId) ? 1 : count;
		if (!after || after.status === 'pending' || added < needed) {
			unrecorded.push(`${where} started ${count} time(s) but the state after it records ${Math.max(0, added)} new attempt(s) (status ${after?.status ?? 'none'})`);
		}
	}
	return {illegal, unrecorded};
}
