/**
 * Exit codes of `runbook run` as a real process without a terminal: 0 completed,
 * 1 a failed step or a run stopped for a missing answer (resumable), 2 an invalid
 * runbook or a usage mistake (no stack trace), 130 a signal during a step (progress
 * saved, the step's process group gone).
 */
import {existsSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {stackLines, stepStatuses, useWorkspaces} from './helpers.js';
import {groupProcesses, killGroup} from '../support/processes.js';
import {waitUntil} from '../support/wait.js';

const workspace = useWorkspaces();

const TWO_STEPS = `version: 1
title: Two steps
steps:
  - id: one
    run: echo one >> marks
  - id: two
    run: |
      echo two >> marks
      echo "two says hello"
`;

describe('runbook run: exit codes', () => {
	it('0 when every step succeeds', async () => {
		const ws = workspace();
		const file = ws.write('two.yaml', TWO_STEPS);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(ws.lines()).toEqual(['one', 'two']);
		expect(result.stdout).toContain('two| two says hello\n');
		const state = ws.state(ws.onlyRunId());
		expect(state.status).toBe('completed');
		expect(stepStatuses(state)).toEqual({one: 'succeeded', two: 'succeeded'});
	});

	it('1 when a step fails: names the step, its log and how to resume', async () => {
		const ws = workspace();
		const file = ws.write(
			'fails.yaml',
			`version: 1
title: Fails at check
steps:
  - id: one
    run: echo one >> marks
  - id: check
    run: |
      echo "looking for the ready file"
      echo "no ready file here" >&2
      exit 3
  - id: three
    run: echo three >> marks
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(1);
		const runId = ws.onlyRunId();
		const failure = /step check failed: exit code 3 \(log: (\S+)\)/.exec(result.stderr);
		expect(failure, result.stderr).not.toBeNull();
		const log = failure![1];
		expect(log).toBe(`${ws.stateDir}/runs/${runId}/logs/check.1.log`);
		expect(readFileSync(log, 'utf8')).toContain('no ready file here');
		expect(result.stderr).toContain(`runbook resume ${runId}`);
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stdout).toMatch(/✖ check failed in \S+ \(exit 3\)/);
		expect(result.stdout).toContain('check! no ready file here\n');
		expect(ws.lines()).toEqual(['one']);
		const state = ws.state(runId);
		expect(state.status).toBe('failed');
		expect(stepStatuses(state)).toEqual({one: 'succeeded', check: 'failed', three: 'pending'});
	});

	it('2 for an invalid runbook: every problem with file:line:col, no stack trace', async () => {
		const ws = workspace();
		const file = ws.write(
			'broken.yaml',
			`version: 1
title: Broken
steps:
  - id: one
    run: echo one
    timeout: soon
  - id: two
    run: echo $NOWHERE_SET
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(new RegExp(`^${file}:6:14: steps\\[0\\]\\.timeout: `, 'm'));
		expect(result.stderr).toMatch(new RegExp(`^${file}:8:\\d+: steps\\[1\\]\\.run: .*NOWHERE_SET`, 'm'));
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stdout).toBe('');
		expect(ws.runIds()).toEqual([]);
	});

	it('2 for an unknown option, with no stack trace', async () => {
		const ws = workspace();
		const file = ws.write('two.yaml', TWO_STEPS);
		const result = await ws.cli(['run', file, '--plain', '--bogus', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("unknown option '--bogus'");
		expect(stackLines(result.stderr)).toEqual([]);
		expect(ws.lines()).toEqual([]);
	});

	it('2 for a -p value without =', async () => {
		const ws = workspace();
		const file = ws.write('two.yaml', TWO_STEPS);
		const result = await ws.cli(['run', file, '--plain', '-p', 'NOEQUALS', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('expected NAME=VALUE, got "NOEQUALS"');
		expect(stackLines(result.stderr)).toEqual([]);
	});

	const WITH_PARAMS = `version: 1
title: With params
params:
  TARGET:
    description: Where to write
    required: true
  MODE:
    default: fast
steps:
  - id: one
    run: echo "$TARGET $MODE" >> marks
`;

	it('2 for a missing required param: names -p NAME=VALUE', async () => {
		const ws = workspace();
		const file = ws.write('params.yaml', WITH_PARAMS);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('param TARGET is required: pass -p TARGET=VALUE (Where to write)');
		expect(stackLines(result.stderr)).toEqual([]);
		expect(ws.runIds()).toEqual([]);
		expect(ws.lines()).toEqual([]);

		const given = await ws.cli(['run', file, '--plain', '-p', 'TARGET=disk', '--state-dir', ws.stateDir]);
		expect(given.code).toBe(0);
		expect(ws.lines()).toEqual(['disk fast']);
	});

	it('2 for an unknown -p name: names it and the known ones', async () => {
		const ws = workspace();
		const file = ws.write('params.yaml', WITH_PARAMS);
		const result = await ws.cli(['run', file, '--plain', '-p', 'TARGET=disk', '-p', 'TAGRET=disk', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('-p TAGRET: this runbook has no param or ask named TAGRET (it has: TARGET, MODE)');
		expect(stackLines(result.stderr)).toEqual([]);
		expect(ws.lines()).toEqual([]);
	});

	it('2 when a confirm step has no --yes: refused before the first step (nothing runs), then --yes runs it', async () => {
		const ws = workspace();
		const file = ws.write(
			'confirm.yaml',
			`version: 1
title: Confirm
steps:
  - id: one
    run: echo one >> marks
  - id: two
    confirm: Really go on?
    run: echo two >> marks
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^ {2}--yes +step two asks "Really go on\?"$/m);
		expect(result.stderr).toContain('nothing was run');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		const again = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir]);
		expect(again.stderr).toBe('');
		expect(again.code).toBe(0);
		expect(again.stdout).toContain('two: Really go on? yes (--yes)');
		expect(ws.lines()).toEqual(['one', 'two']);
		expect(ws.state(ws.onlyRunId()).status).toBe('completed');
	});

	it('2 when a destructive step has no --yes-destructive: names the flag and the word, runs nothing', async () => {
		const ws = workspace();
		const file = ws.write(
			'destructive.yaml',
			`version: 1
title: Destructive
params:
  DB:
    default: payroll
steps:
  - id: one
    run: echo one >> marks
  - id: drop
    destructive: $DB
    run: echo drop >> marks
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/^ {2}--yes-destructive +step drop is destructive \(confirmation word "payroll"\)$/m);
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);
	});

	it('130 on SIGTERM during a long step: progress saved, step interrupted, its process group gone', async () => {
		const ws = workspace();
		const file = ws.write(
			'long.yaml',
			`version: 1
title: Long step
steps:
  - id: first
    run: echo first >> marks
  - id: long
    run: |
      echo long >> marks
      echo $$ > long.pgid
      sleep 30
      echo after-sleep >> marks
  - id: last
    run: echo last >> marks
`,
		);
		const cli = ws.start(['run', file, '--plain', '--grace', '2', '--state-dir', ws.stateDir]);
		await waitUntil('the long step to start', () => /^\d+\n$/.test(ws.read('long.pgid')));
		const pgid = Number(ws.read('long.pgid'));
		try {
			await waitUntil('the sleep of the long step', () => groupProcesses(pgid).some(line => line.includes('sleep 30')));
			cli.child.kill('SIGTERM');
			const result = await cli.done;
			expect(result.code).toBe(130);
			// The CLI waited for the step's group: nothing of it is left once it exited.
			expect(groupProcesses(pgid)).toEqual([]);
			const runId = ws.onlyRunId();
			expect(result.stdout).toMatch(/⚠ long interrupted in \S+: stopped: received SIGTERM/);
			expect(result.stderr).toContain(`runbook resume ${runId}`);
			expect(ws.lines()).toEqual(['first', 'long']);
			const state = ws.state(runId);
			expect(state.status).toBe('aborted');
			expect(state.currentStepId).toBe('long');
			expect(stepStatuses(state)).toEqual({first: 'succeeded', long: 'interrupted', last: 'pending'});
			expect(state.steps.long.attempts).toHaveLength(1);
			expect(state.steps.long.attempts[0]).toMatchObject({outcome: 'interrupted', finishedAt: expect.any(String)});
			expect(existsSync(`${ws.stateDir}/runs/${runId}/logs/long.1.log`)).toBe(true);
		} finally {
			killGroup(pgid);
		}
	});
});
