/**
 * The resume chooser: one row per unfinished run that fits 80 columns (local
 * time, short run id, status and step, steps done, who), the highlighted run's
 * details below the list, and the choice returned.
 */
import {afterEach, describe, expect, test} from 'vitest';
import {ResumeChooser, resumeDetails, resumeLabel, type ResumeCandidate} from '../../source/ui/choose-resume.js';
import {KEY, plain, press, renderIn, waitForFrame, type Terminal} from './harness.js';

let t: Terminal | undefined;
afterEach(() => {
	t?.unmount();
	t = undefined;
});

// Local times, so the expected labels hold in any time zone.
const now = new Date(2026, 10, 20, 23, 50, 0);
const failed: ResumeCandidate = {
	runId: 'synapse-db-restore-20261120-234606-e49b',
	status: 'failed',
	done: 0,
	total: 1,
	currentStepId: 'one',
	startedBy: 'root@vm',
	createdAt: new Date(2026, 10, 20, 23, 40, 2).toISOString(),
	updatedAt: new Date(2026, 10, 20, 23, 41, 19).toISOString(),
};
const older: ResumeCandidate = {
	runId: 'synapse-db-restore-20261118-101500-a1b2',
	status: 'aborted',
	done: 7,
	total: 19,
	currentStepId: 'drop-database-and-a-step-id-that-goes-on-and-on-for-a-long-while',
	startedBy: 'operator-with-a-long-name@a-host.example.internal',
	createdAt: new Date(2026, 10, 18, 10, 15, 0).toISOString(),
	updatedAt: new Date(2026, 10, 18, 10, 32, 5).toISOString(),
};

describe('resumeLabel', () => {
	test('today: the local time; another day: the date too; status words for aborted and a dead process', () => {
		expect(resumeLabel(failed, 78, now)).toBe('Resume 23:41 run …e49b · failed at "one" · 0/1 done · root@vm');
		expect(resumeLabel({...failed, status: 'in-progress'}, 78, now)).toContain('· interrupted at "one" ·');
		const label = resumeLabel(older, 78, now);
		// The step id gives way first (to 8 columns), then who started it: the counts stay.
		expect(label).toMatch(/^Resume Nov 18 10:32 run …a1b2 · paused at "drop-da…" · 7\/19 done · operator-w…$/);
		expect([...label]).toHaveLength(78);
		// With a little less to say, only the step id is cut.
		expect(resumeLabel({...older, startedBy: 'root@vm'}, 78, now)).toBe('Resume Nov 18 10:32 run …a1b2 · paused at "drop-databa…" · 7/19 done · root@vm');
		// Another year: the whole date.
		expect(resumeLabel({...failed, updatedAt: new Date(2025, 0, 2, 3, 4).toISOString()}, 78, now)).toMatch(/^Resume 2025-01-02 03:04 run …e49b · /);
	});

	test('the details hold what the label leaves out: the whole run id, start and last activity with seconds', () => {
		expect(resumeDetails(failed, now)).toBe('run synapse-db-restore-20261120-234606-e49b: failed at step "one", 0 of 1 steps done; started 23:40:02 by root@vm, last active 23:41:19');
	});
});

describe('ResumeChooser at 80x24', () => {
	test('one row per option (the pointer keeps its space), the highlighted run’s details below, ↓ Enter chooses', async () => {
		const choices: string[] = [];
		t = renderIn(<ResumeChooser title="Restore the Synapse database from a backup (drop & recreate)" runs={[failed, older]} onChoice={c => choices.push(c)} now={now} />);
		const frame = plain(await waitForFrame(t, 'Start a new run'));
		const lines = frame.split('\n');
		for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
		expect(lines).toContain('❯ Resume 23:41 run …e49b · failed at "one" · 0/1 done · root@vm');
		expect(lines.filter(line => /^ {2}Resume Nov 18 10:32 run …a1b2 · paused at "drop-da…" · 7\/19 done/.test(line))).toHaveLength(1);
		expect(lines).toContain('  Start a new run');
		expect(lines).toContain('  Quit');
		expect(frame).toContain('run synapse-db-restore-20261120-234606-e49b: failed at step "one"');
		// No ISO timestamps anywhere.
		expect(frame).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);

		await press(t.stdin, KEY.down);
		const second = plain(await waitForFrame(t, 'run synapse-db-restore-20261118-101500-a1b2'));
		expect(second).not.toContain('run synapse-db-restore-20261120-234606-e49b:');
		await press(t.stdin, KEY.down);
		await waitForFrame(t, 'Starts a new run; the unfinished runs stay');
		await press(t.stdin, KEY.down, KEY.down);
		await waitForFrame(t, 'Leaves without running anything.');
		await press(t.stdin, KEY.up, KEY.up, KEY.enter);
		expect(choices).toEqual([older.runId]);
	});
});
