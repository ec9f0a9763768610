/**
 * The end-of-run summary (engine/run-summary.ts, store/sessions.ts): the time of earlier sessions from
 * the journal, and the lines both the TUI and plain mode show.
 */
import {describe, expect, test} from 'vitest';
import type {RunState} from '../../source/engine/state.js';
import {reportCommand, summaryLines} from '../../source/engine/run-summary.js';
import {earlierSessions} from '../../source/store/sessions.js';
import type {JournalEntry} from '../../source/engine/journal-entry.js';

function entry(at: string, pid: number, event: Partial<JournalEntry> & {event: JournalEntry['event']}): JournalEntry {
	return {at: `2026-12-06T${at}Z`, by: 'op@host', pid, ...event} as JournalEntry;
}

describe('earlierSessions', () => {
	test('sums each process from its run-started to its own last entry; gaps and other processes do not count', () => {
		const entries = [
			entry('01:00:00', 10, {event: 'run-started', runId: 'r', resumed: false}),
			entry('01:02:00', 10, {event: 'step-started', attempt: 1, command: 'x'}),
			entry('01:05:00', 10, {event: 'run-finished', status: 'aborted'}),
			// Two hours later a resume writes its notices before its run-started.
			entry('03:05:00', 20, {event: 'notice', level: 'warn', message: 'step x was interrupted'}),
			entry('03:05:01', 20, {event: 'run-started', runId: 'r', resumed: true}),
			// This process was killed: it counts to its last entry.
			entry('03:06:01', 20, {event: 'step-started', attempt: 2, command: 'x'}),
		];
		expect(earlierSessions(entries)).toEqual({ms: 5 * 60_000 + 60_000, count: 2});
		expect(earlierSessions([])).toEqual({ms: 0, count: 0});
	});
});

describe('summaryLines', () => {
	const state: RunState = {
		stateVersion: 1,
		runId: 'r-1',
		runbookPath: '/rb.yaml',
		runbookHash: 'x',
		title: 'Restore',
		status: 'completed',
		createdAt: '2026-12-06T01:00:00Z',
		updatedAt: '2026-12-06T01:10:00Z',
		startedBy: 'op@host',
		cwd: '/',
		vars: {BACKUP: '/var/backups/safety.sql.gz', TOKEN: 'hunter2'},
		secretVars: ['TOKEN'],
		order: ['backup', 'token'],
		steps: {
			backup: {id: 'backup', status: 'succeeded', attempts: [{n: 1, startedAt: '2026-12-06T01:00:00Z', finishedAt: '2026-12-06T01:01:05Z', outcome: 'succeeded'}]},
			token: {id: 'token', status: 'failed', attempts: [{n: 1, startedAt: '2026-12-06T01:02:00Z', finishedAt: '2026-12-06T01:02:03Z', outcome: 'failed', result: {kind: 'exit-code', exitCode: 3}, error: 'exit code 3'}]},
		},
		decisions: [],
	};
	const runbook = {
		version: 1 as const,
		title: 'Restore',
		steps: [
			{id: 'backup', title: 'Safety backup', run: 'x', capture: 'BACKUP'},
			{id: 'token', run: 'y', capture: 'TOKEN'},
		],
	};

	test('outcome with the time of every session, each step, the last output, non-secret captures, paths and the report command', () => {
		const lines = summaryLines({
			state,
			runbook,
			status: 'failed',
			reason: 'step token failed',
			totalMs: 125_000,
			sessions: 2,
			runDir: '/state/runs/r-1',
			lastOutput: {stepId: 'token', lines: ['a', 'b'], totalLines: 40},
			resumeCommand: 'runbook resume r-1 --state-dir /state',
		});
		expect(lines).toEqual([
			'✖ Run failed after 2m05s (2 sessions): step token failed.',
			'Runbook: Restore',
			'Steps: 1/2 done.',
			'  ✔ 1. backup: Safety backup · succeeded in 1m05s',
			'  ✖ 2. token · failed in 3s · exit code 3',
			'Output of token (last 2 of 40 lines):',
			'  | a',
			'  | b',
			'Captured: BACKUP=/var/backups/safety.sql.gz',
			'Logs: /state/runs/r-1/logs/',
			'Journal: /state/runs/r-1/journal.jsonl',
			'Report: runbook report r-1 --state-dir /state',
			'Resume with: runbook resume r-1 --state-dir /state',
		]);
		expect(lines.join('\n')).not.toContain('hunter2');
		expect(reportCommand('runbook resume r-1')).toBe('runbook report r-1');
	});
});
