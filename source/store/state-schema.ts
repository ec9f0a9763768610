/**
 * The saved run state's schema, checked whenever a state file is read, so that
 * a damaged or hand-edited file is reported plainly instead of crashing a run.
 */
import * as z from 'zod';
import type {RunState} from '../engine/state.js';
import {DECISION_REASONS, legacyDecisionReason, legacyOutcome} from '../engine/outcome.js';

const stepStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'interrupted']);

/** Zod schema of a typed attempt outcome (engine/outcome.ts AttemptOutcome). */
const attemptOutcome = z.discriminatedUnion('kind', [
	z.object({kind: z.literal('succeeded'), exitCode: z.number().int().optional()}),
	z.object({kind: z.literal('exit-code'), exitCode: z.number().int(), message: z.string().optional()}),
	z.object({kind: z.literal('signal'), signal: z.string()}),
	z.object({kind: z.literal('timeout'), after: z.string()}),
	z.object({kind: z.literal('stopped'), reason: z.string()}),
	z.object({kind: z.literal('lost')}),
	z.object({kind: z.literal('not-started'), reason: z.string()}),
	z.object({kind: z.literal('failed'), message: z.string()}),
]);

const attemptFields = z.object({
	n: z.number().int().min(1),
	startedAt: z.string(),
	finishedAt: z.string().optional(),
	exitCode: z.number().int().nullable().optional(),
	signal: z.string().optional(),
	outcome: z.enum(['succeeded', 'failed', 'interrupted', 'timed-out']).optional(),
	result: attemptOutcome.optional(),
	error: z.string().optional(),
	log: z.string().optional(),
	by: z.string().optional(),
	pgid: z.number().int().optional(),
	host: z.string().optional(),
	commandId: z.string().optional(),
});

/**
 * An attempt; one saved before typed outcomes (no `result`) gets its outcome from its
 * other fields on load (engine/outcome.ts legacyOutcome), so readers need only `result`.
 */
const attempt = attemptFields.transform(a => {
	if (a.result !== undefined) return a;
	const result = legacyOutcome(a);
	return result === undefined ? a : {...a, result};
});

/** A decision; one saved before decisions had a reason gets the reason its detail meant (engine/outcome.ts legacyDecisionReason). */
const decision = z
	.object({
		at: z.string(),
		by: z.string(),
		kind: z.string(),
		stepId: z.string().optional(),
		detail: z.string().optional(),
		reason: z.enum(DECISION_REASONS).optional(),
	})
	.transform(d => {
		if (d.reason !== undefined) return d;
		const reason = legacyDecisionReason(d.kind, d.detail);
		return reason === undefined ? d : {...d, reason};
	});

/** Zod schema of one step's {@link StepState} (a value of `steps`; also what a state-log record holds). */
export const stepStateSchema = z.object({
	id: z.string(),
	status: stepStatus,
	attempts: z.array(attempt),
	finishedAt: z.string().optional(),
	note: z.string().optional(),
	ticked: z.array(z.string()).optional(),
});

/** Zod schema of {@link RunState} (state format version 1). */
export const runStateSchema = z.object({
	stateVersion: z.literal(1),
	runId: z.string().min(1),
	runbookPath: z.string().min(1),
	runbookHash: z.string(),
	title: z.string(),
	status: z.enum(['in-progress', 'completed', 'failed', 'aborted']),
	createdAt: z.string(),
	updatedAt: z.string(),
	startedBy: z.string(),
	cwd: z.string(),
	vars: z.record(z.string(), z.string()),
	secretVars: z.array(z.string()),
	order: z.array(z.string()),
	steps: z.record(z.string(), stepStateSchema),
	decisions: z.array(decision),
	currentStepId: z.string().optional(),
	groups: z
		.record(
			z.string(),
			z.object({
				phase: z.enum(['body', 'rescue', 'always', 'done']),
				outcome: z.enum(['succeeded', 'rolled-back', 'failed']).optional(),
				rollBackTo: z.string().optional(),
				failedStep: z.string().optional(),
			}),
		)
		.optional(),
	kube: z.object({context: z.string(), cluster: z.string(), server: z.string(), namespace: z.string()}).optional(),
});

/**
 * Checks parsed JSON against the state schema.
 * @returns the state, or a one-line description of the first problems found.
 */
export function checkRunState(data: unknown): {ok: true; state: RunState} | {ok: false; problem: string} {
	const result = runStateSchema.safeParse(data);
	if (result.success) return {ok: true, state: result.data as RunState};
	const problem = result.error.issues
		.slice(0, 3)
		.map(issue => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
		.join('; ');
	return {ok: false, problem};
}
