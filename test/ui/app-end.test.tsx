/**
 * The end of a run in the TUI: the resume command (with `--state-dir` when the
 * session gives it), no step looking current after completion, and the summary
 * handed over to be printed after the TUI is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {KEY, delay, press, startApp, waitForFrame, type AppUnderTest} from './harness.js';
import {readEarlierSessions} from '../../source/store/sessions.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'dump', title: 'Dump the database', run: 'pg_dump'},
	{id: 'copy', title: 'Copy the dump', run: 'cp dump.sql /backup/'},
	{id: 'notify', title: 'Tell the team', when: {var: 'NOTIFY', equals: 'yes'}, run: 'notify'},
];

describe('the resume hint', () => {
	test('says the resume command the session gives (with --state-dir), in the frame and in the summary', async () => {
		app = startApp(steps, {}, {resumeCommand: 'runbook resume 20250101-1200-test --state-dir /srv/runbook-state', runDir: '/srv/runbook-state/runs/20250101-1200-test'});
		const {handle, t, quits} = app;
		handle.start('dump');
		handle.finish('dump', 'failed', {exitCode: 3, error: 'exit code 3'});
		handle.finishRun('failed', 'step dump failed: exit code 3');
		const frame = await waitForFrame(t, 'Run failed');
		expect(frame).toContain('Resume with: runbook resume 20250101-1200-test --state-dir /srv/runbook-state');
		await t.waitUntilExit();
		expect(quits.count).toBe(1);
		expect(quits.summary).toEqual([
			expect.stringMatching(/^✖ Run failed after \S+: step dump failed: exit code 3\.$/),
			'Runbook: Restore the test database',
			'Steps: 0/3 done.',
			'✖ Step dump failed: exit code 3',
			'Run folder: /srv/runbook-state/runs/20250101-1200-test',
			'Resume with: runbook resume 20250101-1200-test --state-dir /srv/runbook-state',
		]);
	});

	test('without a resume command from the session: runbook resume <id>', async () => {
		app = startApp(steps);
		const {handle, t, quits} = app;
		handle.finishRun('aborted', 'operator quit');
		await waitForFrame(t, 'Run paused');
		await t.waitUntilExit();
		expect(quits.summary?.at(-1)).toBe('Resume with: runbook resume 20250101-1200-test');
		expect(quits.summary?.[0]).toMatch(/^⏸ Run paused after \S+, progress kept: operator quit\.$/);
	});
});

describe('after the run completed', () => {
	test('a summary screen stays until a key: every step with its status and duration, the last output, captures (no secret), where the logs, journal and report are', async () => {
		const withCapture = [
			{id: 'dump', title: 'Dump the database', run: 'pg_dump', capture: 'DUMP_PATH'},
			{id: 'copy', title: 'Copy the dump', run: 'cp dump.sql /backup/', capture: 'TOKEN'},
			{id: 'notify', title: 'Tell the team', when: {var: 'NOTIFY', equals: 'yes'}, run: 'notify'},
		];
		app = startApp(withCapture, {}, {resumeCommand: 'runbook resume 20250101-1200-test --state-dir /srv/state', runDir: '/srv/state/runs/20250101-1200-test'});
		const {handle, t, quits} = app;
		handle.start('dump');
		handle.finish('dump', 'succeeded', {exitCode: 0});
		handle.start('copy');
		handle.output(
			'copy',
			'stdout',
			Array.from({length: 20}, (_, i) => `copied table ${i + 1}`),
		);
		handle.finish('copy', 'succeeded', {exitCode: 0});
		handle.finish('notify', 'skipped', {note: 'when NOTIFY equals yes: it is ""'});
		// A completed run is on no step (engine: transitions.ts).
		handle.emit({type: 'run-finished', status: 'completed'}, s => ({...s, status: 'completed', currentStepId: undefined, vars: {DUMP_PATH: '/backup/dump-1.sql', TOKEN: 'hunter2'}, secretVars: ['TOKEN']}));
		const frame = await waitForFrame(t, 'Run completed');
		expect(frame).toMatch(/^✔ Run completed in \S+\.$/m);
		expect(frame).toMatch(/^ {2}✔ 1\. dump: Dump the database · succeeded in \S+$/m);
		expect(frame).toMatch(/^ {2}✔ 2\. copy: Copy the dump · succeeded in \S+$/m);
		expect(frame).toMatch(/^ {2}↷ 3\. notify: Tell the team · skipped · when NOTIFY equals yes/m);
		expect(frame).toContain('Output of copy (last 12 of 20 lines):');
		expect(frame).toContain('  | copied table 20');
		expect(frame).toContain('Captured: DUMP_PATH=/backup/dump-1.sql');
		expect(frame).not.toContain('hunter2');
		expect(frame).toContain('q/Enter/Esc leave');
		// The rest of the summary is below: G shows the end.
		await press(t.stdin, 'G');
		const end = await waitForFrame(t, 'Report: runbook report 20250101-1200-test --state-dir /srv/state');
		expect(end).toContain('Journal: /srv/state/runs/20250101-1200-test/journal.jsonl');
		expect(end).toContain('Logs: /srv/state/runs/20250101-1200-test/logs/');
		// It stays: the app has not handed over its summary nor exited.
		await delay(100);
		expect(quits.count).toBe(0);
		await press(t.stdin, KEY.enter);
		await t.waitUntilExit();
		expect(quits.summary).toEqual([expect.stringMatching(/^✔ Run completed in \S+\.$/), 'Runbook: Restore the test database', 'Steps: 3/3 done (1 skipped).', 'Run folder: /srv/state/runs/20250101-1200-test']);
	});
});

describe('the header clock', () => {
	test('counts the run, earlier sessions included (from its journal), not this process', async () => {
		const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-clock-'));
		try {
			const entries = [
				{at: '2026-12-06T01:00:00.000Z', by: 'op@host', pid: 11, event: 'run-started', runId: 'r', resumed: false},
				{at: '2026-12-06T01:03:20.000Z', by: 'op@host', pid: 11, event: 'run-finished', status: 'aborted'},
			];
			fs.writeFileSync(path.join(runDir, 'journal.jsonl'), entries.map(e => `${JSON.stringify(e)}\n`).join(''));
			// As the CLI does: the earlier sessions read from the run's journal (store/sessions.ts).
			app = startApp(steps, {}, {runDir, earlierSessions: readEarlierSessions(runDir)});
			// 3m20s before this process: the clock starts there.
			expect(await waitForFrame(app.t, ' · 03:2')).toMatch(/run 20250101-1200-test · 03:2\d · step mode/);
		} finally {
			fs.rmSync(runDir, {recursive: true, force: true});
		}
	});
});
