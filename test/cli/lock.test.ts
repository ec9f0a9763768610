/**
 * One process per run, with the built CLI as real processes: while `runbook run`
 * is in a sleeping step, `runbook resume` of the same run is refused (exit 2) with
 * a message naming the holder's pid, user@host and start time, and changes
 * nothing; after the holder is killed with SIGKILL, `resume` takes the lock over,
 * says so, and finishes the run; the lock is released at the end.
 */
import {existsSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {sleeperRunbook, stackLines, stepStatuses, useWorkspaces} from './helpers.js';
import {groupProcesses, killGroup} from '../support/processes.js';
import {waitUntil} from '../support/wait.js';

const workspace = useWorkspaces();

const SLEEPER = sleeperRunbook('Sleeper');

describe('one process per run', () => {
	it('refuses a second process on a running run, names the holder; takes over after the holder is SIGKILLed', async () => {
		const ws = workspace();
		// Until stopped: the checks below must find it running however slow the machine is.
		ws.write('seconds', '3600');
		const file = ws.write('sleeper.yaml', SLEEPER);
		const first = ws.start(['run', file, '--plain', '--state-dir', ws.stateDir]);
		let pgid = 0;
		try {
			await waitUntil('the long step to start', () => /^\d+\n$/.test(ws.read('long.pgid')));
			pgid = Number(ws.read('long.pgid'));
			const runId = ws.onlyRunId();
			await waitUntil("the long step's process group to be saved", () => ws.state(runId).steps.long.attempts[0]?.pgid === pgid);
			const before = ws.state(runId);

			const second = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
			expect(second.code).toBe(2);
			expect(stackLines(second.stderr)).toEqual([]);
			const user = os.userInfo().username;
			expect(second.stderr).toMatch(new RegExp(`^runbook: run ${runId} is in use by pid ${first.child.pid} \\(${user}@${os.hostname()}\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; wait for it to finish, or stop that process\\n$`));
			expect(second.stdout).toBe('');
			// Nothing was reconciled or run by the refused process.
			expect(ws.state(runId)).toEqual(before);
			expect(ws.state(runId).steps.long.status).toBe('running');
			expect(ws.lines()).toEqual(['one', 'long']);
			expect(first.child.exitCode).toBeNull();

			process.kill(first.child.pid!, 'SIGKILL');
			expect((await first.done).signal).toBe('SIGKILL');
			// The dead holder's lock is still there: the next process judges its pid gone.
			expect(existsSync(path.join(ws.stateDir, 'runs', runId, 'lock'))).toBe(true);

			ws.write('seconds', '0');
			const resumed = await ws.cli(['resume', runId, '--plain', '--rerun-interrupted', '--state-dir', ws.stateDir]);
			expect(resumed.stderr).toBe('');
			expect(resumed.code).toBe(0);
			expect(resumed.stdout).toContain(`note: took over the lock from pid ${first.child.pid} (${user}@${os.hostname()}), which is no longer running\n`);
			expect(ws.lines()).toEqual(['one', 'long', 'long', 'last']);
			expect(stepStatuses(ws.state(runId))).toEqual({one: 'succeeded', long: 'succeeded', last: 'succeeded'});
			// Released at the end: no lock, no owner record, and the next resume says nothing about a takeover.
			expect(existsSync(path.join(ws.stateDir, 'runs', runId, 'lock'))).toBe(false);
			expect(existsSync(path.join(ws.stateDir, 'runs', runId, 'lock-owner.json'))).toBe(false);
			// The left-over sleep of the killed run was stopped by the resume.
			expect(groupProcesses(pgid).filter(line => line.includes('sleep 3600'))).toEqual([]);
		} finally {
			first.child.kill('SIGKILL');
			if (pgid) killGroup(pgid);
		}
	});

	it('releases the lock when a run ends, so the next resume takes it without a notice', async () => {
		const ws = workspace();
		const file = ws.write(
			'fails.yaml',
			`version: 1
title: Fails once
steps:
  - id: one
    run: test -f ready
`,
		);
		const failed = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(ws.runIds(), failed.stderr).toHaveLength(1);
		expect(failed.code).toBe(1);
		const runId = ws.onlyRunId();
		expect(existsSync(path.join(ws.stateDir, 'runs', runId, 'lock'))).toBe(false);
		expect(existsSync(path.join(ws.stateDir, 'runs', runId, 'lock-owner.json'))).toBe(false);
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).not.toContain('took over');
	});
});
