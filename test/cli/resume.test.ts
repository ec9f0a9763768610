/**
 * `runbook resume` and `runbook runs` as real processes without a terminal: a failed
 * run continues where it stopped; a run whose process was killed (SIGKILL) has a
 * valid state file and its interrupted step re-runs only with --rerun-interrupted;
 * a changed runbook is matched by step id; secrets are asked again; an unfinished
 * run blocks `runbook run` unless --new; RUNBOOK_STATE_DIR works like --state-dir.
 * Every step appends a line to the marker file `marks`, which shows what ran.
 */
import {mkdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {filesUnder, marksRunbook, sleeperRunbook, stackLines, stepStatuses, useWorkspaces} from './helpers.js';
import {groupProcesses, killGroup} from '../support/processes.js';
import {waitUntil} from '../support/wait.js';

const workspace = useWorkspaces();

/** Four steps; `two` fails until the file `ready` exists. */
const FOUR_STEPS = marksRunbook('Four steps', ['one', 'two', 'three', 'four'], 'two');

describe('runbook resume', () => {
	it('continues a failed run from the failed step, without re-running the earlier one', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		const first = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(first.code).toBe(1);
		const runId = ws.onlyRunId();
		expect(ws.lines()).toEqual(['one', 'two']);
		expect(stepStatuses(ws.state(runId))).toEqual({one: 'succeeded', two: 'failed', three: 'pending', four: 'pending'});

		ws.write('ready', '');
		// From another directory: the commands still run where the run was started.
		mkdirSync(ws.path('elsewhere'));
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {cwd: ws.path('elsewhere')});
		expect(resumed.stderr).toBe('');
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain(`run ${runId} resumed`);
		expect(resumed.stdout).not.toContain('▶ one');
		expect(resumed.stdout).toContain('▶ two (attempt 2)');
		expect(ws.lines()).toEqual(['one', 'two', 'two', 'three', 'four']);
		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(state.steps.one.attempts).toHaveLength(1);
		expect(state.steps.two.attempts.map(a => a.outcome)).toEqual(['failed', 'succeeded']);
		expect(state.decisions.map(d => d.kind)).toContain('resume');
	});

	it('after SIGKILL: the state is valid JSON, the interrupted step re-runs only with --rerun-interrupted', async () => {
		const ws = workspace();
		// Until stopped: the checks below must find it running however slow the machine is.
		ws.write('seconds', '3600');
		const file = ws.write('killed.yaml', sleeperRunbook('Killed'));
		const cli = ws.start(['run', file, '--plain', '--state-dir', ws.stateDir]);
		await waitUntil('the long step to start', () => /^\d+\n$/.test(ws.read('long.pgid')));
		const pgid = Number(ws.read('long.pgid'));
		let orphans: string[];
		try {
			await waitUntil('the sleep of the long step', () => groupProcesses(pgid).some(line => line.includes('sleep 3600')));
			process.kill(cli.child.pid!, 'SIGKILL');
			const killed = await cli.done;
			expect(killed.signal).toBe('SIGKILL');
			// The step's group is detached: it outlives a SIGKILLed CLI (nothing could stop it).
			orphans = groupProcesses(pgid);
		} finally {
			killGroup(pgid);
		}
		expect(orphans.some(line => line.includes('sleep 3600'))).toBe(true);
		await waitUntil('the orphaned group to be killed', () => groupProcesses(pgid).length === 0);
		const runId = ws.onlyRunId();
		// As loaded (the snapshot plus the records appended after it): state.json alone may lag.
		const saved = ws.state(runId);
		expect(saved.status).toBe('in-progress');
		expect(saved.steps.long.status).toBe('running');
		expect(saved.steps.one.status).toBe('succeeded');

		ws.write('seconds', '0');
		// Refused before anything runs (the preflight); the saved state is left as it was.
		const refused = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/^ {2}--rerun-interrupted +step long was interrupted$/m);
		expect(refused.stderr).toContain('runbook: note: step long was running when the last process ended');
		expect(refused.stdout).not.toContain('▶');
		expect(ws.lines()).toEqual(['one', 'long']);
		expect(stepStatuses(ws.state(runId))).toEqual({one: 'succeeded', long: 'running', last: 'pending'});

		const rerun = await ws.cli(['resume', runId, '--plain', '--rerun-interrupted', '--state-dir', ws.stateDir]);
		expect(rerun.stderr).toBe('');
		expect(rerun.code).toBe(0);
		expect(rerun.stdout).toContain('long: was interrupted; re-running it (--rerun-interrupted)');
		expect(ws.lines()).toEqual(['one', 'long', 'long', 'last']);
		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(state.steps.one.attempts).toHaveLength(1);
		expect(state.steps.long.attempts.map(a => a.outcome)).toEqual(['interrupted', 'succeeded']);
		expect(state.decisions.map(d => d.kind)).toContain('rerun-interrupted');
	});

	it('maps steps by id when the runbook changed: says so, drops the removed step, runs the added one', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();

		// `three` removed, `extra` added before `four`.
		ws.write('four.yaml', FOUR_STEPS.replace('  - id: three\n    run: echo three >> marks\n', '  - id: extra\n    run: echo extra >> marks\n'));
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain('note: the runbook file changed since this run began; steps are matched by id');
		expect(resumed.stdout).toContain('new steps: extra');
		expect(resumed.stdout).toMatch(/no longer in the runbook[^\n]*: three/);
		expect(ws.lines()).toEqual(['one', 'two', 'two', 'extra', 'four']);
		const state = ws.state(runId);
		expect(state.order).toEqual(['one', 'two', 'extra', 'four']);
		expect(Object.keys(state.steps).sort()).toEqual(['extra', 'four', 'one', 'two']);
		expect(state.steps.one.attempts).toHaveLength(1);
		expect(state.status).toBe('completed');
	});

	it('`runbook run` with an unfinished run exits 2 naming `runbook resume <id>` and --new; --new starts another', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();

		// No --plain: without a terminal the CLI cannot offer the choice.
		const again = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(again.code).toBe(2);
		expect(again.stderr).toContain(`runbook resume ${runId} --state-dir ${ws.stateDir}\n`);
		expect(again.stderr).toContain(`runbook run ${file} --new --state-dir ${ws.stateDir}\n`);
		expect(again.stdout).toBe('');
		expect(ws.lines()).toEqual(['one', 'two']);
		expect(ws.runIds()).toEqual([runId]);

		ws.write('ready', '');
		const fresh = await ws.cli(['run', file, '--new', '--state-dir', ws.stateDir]);
		expect(fresh.code).toBe(0);
		const ids = ws.runIds();
		expect(ids).toHaveLength(2);
		const newId = ids.find(id => id !== runId)!;
		expect(fresh.stdout).toContain(`run ${newId} started`);
		expect(ws.state(newId).status).toBe('completed');
		expect(ws.state(runId).status).toBe('failed');
		expect(ws.lines()).toEqual(['one', 'two', 'one', 'two', 'three', 'four']);
	});

	it('asks for secrets again: without RUNBOOK_SECRET_<NAME> resume exits 2 naming it; with it the run goes on', async () => {
		const ws = workspace();
		const canary = 'canary-Zq7uX2-secret';
		const file = ws.write(
			'secret.yaml',
			`version: 1
title: Secret
params:
  TOKEN:
    secret: true
    required: true
steps:
  - id: one
    run: echo one >> marks
  - id: use-token
    run: |
      test -f ready
      test "$TOKEN" = ${canary}
      echo "token is $TOKEN"
      echo use-token >> marks
`,
		);
		const first = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: canary}});
		expect(first.code).toBe(1);
		const runId = ws.onlyRunId();
		expect(ws.state(runId).secretVars).toEqual(['TOKEN']);

		ws.write('ready', '');
		const without = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(without.code).toBe(2);
		expect(without.stderr).toContain('RUNBOOK_SECRET_TOKEN');
		expect(ws.lines()).toEqual(['one']);

		const withSecret = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: canary}});
		expect(withSecret.stderr).toBe('');
		expect(withSecret.code).toBe(0);
		expect(withSecret.stdout).toContain('use-token| token is ***');
		expect(ws.lines()).toEqual(['one', 'use-token']);
		for (const output of [first, without, withSecret]) expect(output.stdout + output.stderr).not.toContain(canary);
		for (const saved of filesUnder(ws.stateDir)) expect(readFileSync(saved, 'utf8'), saved).not.toContain(canary);
	});
});

describe('runbook resume: runs it cannot continue', () => {
	it('exits 2 for an unknown, a completed or a damaged run, with no stack trace; runs lists the damaged one', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		ws.write('ready', '');
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(0);
		const runId = ws.onlyRunId();

		const unknown = await ws.cli(['resume', 'no-such-run', '--plain', '--state-dir', ws.stateDir]);
		expect(unknown.code).toBe(2);
		expect(unknown.stderr).toContain(`no run no-such-run in ${ws.stateDir}`);

		const completed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(completed.code).toBe(2);
		expect(completed.stderr).toContain(`run ${runId} is already completed`);
		expect(ws.lines()).toEqual(['one', 'two', 'three', 'four']);

		// Damaged beyond the last good copy (state.prev.json, see test/cli/damaged-state.test.ts).
		ws.write(`state/runs/${runId}/state.json`, '{"stateVersion": 1, "runId": ');
		ws.write(`state/runs/${runId}/state.prev.json`, '');
		const damaged = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(damaged.code).toBe(2);
		expect(damaged.stderr).toContain(`the state of run ${runId} cannot be read: state.json is damaged`);
		expect(damaged.stderr).toContain(`${ws.stateDir}/runs/${runId}`);
		const listed = JSON.parse((await ws.cli(['runs', '--json', '--state-dir', ws.stateDir])).stdout) as Array<{runId: string; status: string}>;
		expect(listed).toEqual([expect.objectContaining({runId, status: 'damaged'})]);
		for (const result of [unknown, completed, damaged]) expect(stackLines(result.stderr)).toEqual([]);
	});
});

describe('runbook runs', () => {
	it('lists runs with status and steps done; --json parses', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const failedId = ws.onlyRunId();
		ws.write('ready', '');
		expect((await ws.cli(['run', file, '--new', '--plain', '--state-dir', ws.stateDir])).code).toBe(0);
		const completedId = ws.runIds().find(id => id !== failedId)!;

		const table = await ws.cli(['runs', '--state-dir', ws.stateDir]);
		expect(table.code).toBe(0);
		const rows = table.stdout.trimEnd().split('\n');
		expect(rows[0]).toMatch(/^RUN ID\s+STATUS\s+DONE/);
		expect(rows).toHaveLength(3);
		expect(rows.find(row => row.startsWith(failedId))).toMatch(new RegExp(`^${failedId}\\s+failed\\s+1/4\\s+two\\s`));
		// A completed run is at no step: its AT STEP cell is empty.
		expect(rows.find(row => row.startsWith(completedId))).toMatch(new RegExp(`^${completedId}\\s+completed\\s+4/4\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:`));

		const json = await ws.cli(['runs', '--json', '--state-dir', ws.stateDir]);
		expect(json.code).toBe(0);
		const runs = JSON.parse(json.stdout) as Array<{runId: string; status: string; done: number; total: number; title: string; currentStepId?: string}>;
		// Newest first.
		expect(runs.map(run => [run.runId, run.status, run.done, run.total, run.title, run.currentStepId])).toEqual([
			[completedId, 'completed', 4, 4, 'Four steps', undefined],
			[failedId, 'failed', 1, 4, 'Four steps', 'two'],
		]);
		expect(runs[1]).toMatchObject({runbookPath: file, startedBy: expect.stringMatching(/.@./)});
	});

	it('RUNBOOK_STATE_DIR works like --state-dir for run, runs and resume', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_STEPS);
		const env = {RUNBOOK_STATE_DIR: ws.path('env-state')};
		expect((await ws.cli(['run', file, '--plain'], {env})).code).toBe(1);
		const runId = ws.onlyRunId(ws.path('env-state'));
		expect(ws.runIds()).toEqual([]);

		const listed = JSON.parse((await ws.cli(['runs', '--json'], {env})).stdout) as Array<{runId: string}>;
		expect(listed.map(run => run.runId)).toEqual([runId]);
		// --state-dir wins over the environment.
		expect(JSON.parse((await ws.cli(['runs', '--json', '--state-dir', ws.stateDir], {env})).stdout)).toEqual([]);

		ws.write('ready', '');
		const resumed = await ws.cli(['resume', '--plain'], {env});
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain(`run ${runId} resumed`);
		expect(ws.state(runId, ws.path('env-state')).status).toBe('completed');
		expect(ws.lines()).toEqual(['one', 'two', 'two', 'three', 'four']);
	});
});
