/**
 * The end of a run in the TUI: the resume command (with `--state-dir` when the
 * session gives it), no step looking current after completion, and the summary
 * handed over to be printed after the TUI is gone.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {startApp, waitForFrame, type AppUnderTest} from './harness.js';

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
		await waitForFrame(t, 'Run stopped');
		await t.waitUntilExit();
		expect(quits.summary?.at(-1)).toBe('Resume with: runbook resume 20250101-1200-test');
		expect(quits.summary?.[0]).toMatch(/^⚠ Run stopped after \S+, progress kept: operator quit\.$/);
	});
});

describe('after the run completed', () => {
	test('the marker is on the last step, not on the last one that ran a command', async () => {
		app = startApp(steps);
		const {handle, t, quits} = app;
		handle.start('dump');
		handle.finish('dump', 'succeeded', {exitCode: 0});
		handle.start('copy');
		handle.finish('copy', 'succeeded', {exitCode: 0});
		handle.finish('notify', 'skipped', {note: 'when NOTIFY equals yes: it is ""'});
		// A completed run is on no step (engine: transitions.ts).
		handle.emit({type: 'run-finished', status: 'completed'}, s => ({...s, status: 'completed', currentStepId: undefined}));
		const frame = await waitForFrame(t, 'Run completed');
		expect(frame).toMatch(/^ {2}✔ 1\. Dump the/m);
		expect(frame).toMatch(/^ {2}✔ 2\. Copy the dump/m);
		expect(frame).toMatch(/^› ↷ 3\. Tell the team/m);
		expect(frame).not.toMatch(/^[›•] ✔ 2\./m);
		await t.waitUntilExit();
		expect(quits.summary).toEqual([expect.stringMatching(/^✔ Run completed in \S+\.$/), 'Runbook: Restore the test database', 'Steps: 3/3 done (1 skipped).', 'Run folder: /tmp/runbook-tui-test-run']);
	});
});
