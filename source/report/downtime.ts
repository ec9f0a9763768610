/**
 * The downtime of a run, which seed 004 (Database Restore Guide, "Document restore time:
 * Record start time, Record completion time, Update RTO") asks operators to record; the
 * report (markdown.ts) states it.
 */
import type {RunState} from '../engine/state.js';

/** The time span that counts as downtime; ISO-8601 ends and length in ms. */
export interface Downtime {
	startAt: string;
	endAt: string;
	ms: number;
}

/**
 * Total downtime of a run: from the first step's start to the last step's end.
 * A step counts when something was done to it: it has attempts, or an operator
 * decided on it (a manual step done, a skip); steps skipped by `when` do not. A
 * step with attempts starts when its first attempt started; one without starts
 * when it was done (a manual step's start is not recorded). The end is the
 * latest end of a counted step or attempt. Gaps between operators (a quit, then
 * a resume) are inside the span: the service was down meanwhile.
 * @returns undefined when no step was acted on.
 */
export function runDowntime(state: RunState): Downtime | undefined {
	const decided = new Set(state.decisions.map(d => d.stepId).filter(Boolean));
	const starts: number[] = [];
	const ends: number[] = [];
	for (const id of state.order) {
		const step = state.steps[id];
		if (!step || (step.attempts.length === 0 && !decided.has(id))) continue;
		for (const attempt of step.attempts) {
			starts.push(Date.parse(attempt.startedAt));
			if (attempt.finishedAt) ends.push(Date.parse(attempt.finishedAt));
		}
		if (step.finishedAt) {
			if (step.attempts.length === 0) starts.push(Date.parse(step.finishedAt));
			ends.push(Date.parse(step.finishedAt));
		}
	}
	if (starts.length === 0) return undefined;
	const start = Math.min(...starts);
	const end = Math.max(start, ...ends);
	return {startAt: new Date(start).toISOString(), endAt: new Date(end).toISOString(), ms: end - start};
}
