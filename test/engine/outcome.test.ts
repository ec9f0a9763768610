/**
 * Typed attempt outcomes (engine/outcome.ts): their words, the step status they leave,
 * and how a state saved before they existed gets them on load (store/state-schema.ts).
 */
import {describe, expect, it} from 'vitest';
import {describeOutcome, legacyDecisionReason, legacyOutcome, outcomeStatus, outcomeWord, type AttemptOutcome} from '../../source/engine/outcome.js';
import {checkRunState} from '../../source/store/state-schema.js';

describe('describeOutcome', () => {
	it.each<[AttemptOutcome, string]>([
		[{kind: 'exit-code', exitCode: 3}, 'exit code 3'],
		[{kind: 'exit-code', exitCode: 127}, 'exit code 127 (command not found)'],
		[{kind: 'exit-code', exitCode: 126}, 'exit code 126 (the command is not executable)'],
		[{kind: 'exit-code', exitCode: 1, message: 'copy to db-0:/tmp/x failed: exit code 1'}, 'copy to db-0:/tmp/x failed: exit code 1'],
		[{kind: 'signal', signal: 'SIGKILL'}, 'killed by SIGKILL'],
		[{kind: 'timeout', after: '5m'}, 'timed out after 5m'],
		[{kind: 'stopped', reason: 'q pressed'}, 'stopped: q pressed'],
		[{kind: 'lost'}, 'the process ended while it ran'],
		[{kind: 'not-started', reason: 'spawn bash ENOENT'}, 'spawn bash ENOENT'],
		[{kind: 'failed', message: 'pod db-0 not found in namespace prod'}, 'pod db-0 not found in namespace prod'],
		[{kind: 'succeeded', exitCode: 0}, 'exit code 0'],
	])('%j reads %s', (outcome, words) => {
		expect(describeOutcome(outcome)).toBe(words);
	});

	it('sets the step status and the saved word from the kind', () => {
		expect(outcomeStatus({kind: 'stopped', reason: 'SIGTERM'})).toBe('interrupted');
		expect(outcomeStatus({kind: 'lost'})).toBe('interrupted');
		expect(outcomeStatus({kind: 'timeout', after: '1s'})).toBe('failed');
		expect(outcomeWord({kind: 'timeout', after: '1s'})).toBe('timed-out');
		expect(outcomeWord({kind: 'not-started', reason: 'x'})).toBe('failed');
		expect(outcomeStatus({kind: 'succeeded'})).toBe('succeeded');
	});
});

describe('states saved before typed outcomes', () => {
	it('attempts get the outcome their fields say; a line that is not the plain one is kept as the words', () => {
		expect(legacyOutcome({outcome: 'failed', exitCode: 2, error: 'exit code 2'})).toEqual({kind: 'exit-code', exitCode: 2});
		expect(legacyOutcome({outcome: 'failed', exitCode: null, signal: 'SIGTERM', error: 'killed by SIGTERM'})).toEqual({kind: 'signal', signal: 'SIGTERM'});
		expect(legacyOutcome({outcome: 'timed-out', exitCode: null, signal: 'SIGTERM', error: 'timed out after 1s'})).toEqual({kind: 'timeout', after: '1s'});
		expect(legacyOutcome({outcome: 'timed-out', error: 'something else'})).toEqual({kind: 'failed', message: 'something else'});
		expect(legacyOutcome({outcome: 'failed', exitCode: 1, error: 'copy to p:/x failed: exit code 1'})).toEqual({kind: 'failed', message: 'copy to p:/x failed: exit code 1'});
		expect(legacyOutcome({outcome: 'succeeded'})).toEqual({kind: 'succeeded'});
		expect(legacyOutcome({outcome: 'interrupted', error: 'the process ended while it ran'})).toEqual({kind: 'lost'});
		expect(legacyOutcome({outcome: 'interrupted', error: 'stopped: q pressed'})).toEqual({kind: 'stopped', reason: 'q pressed'});
		// The kind follows the saved word: a stop stays an interruption, a timeout a timeout, and the words read as before.
		for (const old of [
			{outcome: 'interrupted' as const, error: 'stopped: q pressed'},
			{outcome: 'timed-out' as const, error: 'timed out after 5m'},
		]) {
			const result = legacyOutcome(old)!;
			expect(outcomeWord(result)).toBe(old.outcome);
			expect(describeOutcome(result)).toBe(old.error);
		}
		expect(legacyOutcome({outcome: 'failed', error: 'stopped: not the old runner'})).toEqual({kind: 'failed', message: 'stopped: not the old runner'});
		expect(legacyOutcome({})).toBeUndefined();
	});

	it('decisions get the reason their detail meant', () => {
		expect(legacyDecisionReason('mark-done', 'manual step done')).toBe('manual-step');
		expect(legacyDecisionReason('skip', 'failed step skipped')).toBe('step-failed');
		expect(legacyDecisionReason('skip', 'interrupted step skipped')).toBe('step-interrupted');
		expect(legacyDecisionReason('tick', 'item 1 of 2: x')).toBe('checklist');
		expect(legacyDecisionReason('skip', undefined)).toBeUndefined();
	});

	it('an old state file loads with both, the words it recorded unchanged', () => {
		const old = {
			stateVersion: 1,
			runId: 'r-1',
			runbookPath: '/rb.yaml',
			runbookHash: 'h',
			title: 't',
			status: 'failed',
			createdAt: '2026-11-20T22:00:00Z',
			updatedAt: '2026-11-20T22:05:00Z',
			startedBy: 'a@h',
			cwd: '/',
			vars: {},
			secretVars: [],
			order: ['a', 'b'],
			steps: {
				a: {id: 'a', status: 'succeeded', attempts: [], note: 'done by the operator'},
				b: {id: 'b', status: 'failed', attempts: [{n: 1, startedAt: '2026-11-20T22:01:00Z', finishedAt: '2026-11-20T22:02:00Z', outcome: 'failed', exitCode: 127, error: 'exit code 127'}]},
			},
			decisions: [{at: '2026-11-20T22:00:30Z', by: 'a@h', kind: 'mark-done', stepId: 'a', detail: 'manual step done'}],
		};
		const checked = checkRunState(old);
		expect(checked.ok).toBe(true);
		if (!checked.ok) return;
		const attempt = checked.state.steps.b!.attempts[0]!;
		expect(attempt.result).toEqual({kind: 'exit-code', exitCode: 127});
		expect(attempt.error).toBe('exit code 127');
		expect(describeOutcome(attempt.result!)).toBe('exit code 127 (command not found)');
		expect(checked.state.decisions[0]).toMatchObject({reason: 'manual-step', detail: 'manual step done'});
	});

	it('a typed outcome of an unknown kind is refused plainly', () => {
		const bad = checkRunState({
			stateVersion: 1,
			runId: 'r',
			runbookPath: '/r',
			runbookHash: '',
			title: '',
			status: 'failed',
			createdAt: '',
			updatedAt: '',
			startedBy: '',
			cwd: '/',
			vars: {},
			secretVars: [],
			order: ['b'],
			decisions: [],
			steps: {b: {id: 'b', status: 'failed', attempts: [{n: 1, startedAt: '', result: {kind: 'exploded'}}]}},
		});
		expect(bad.ok).toBe(false);
		if (!bad.ok) expect(bad.problem).toContain('steps.b.attempts.0.result');
	});
});
