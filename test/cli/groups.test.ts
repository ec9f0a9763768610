/**
 * Groups with a rescue path (runbook format 1.1) through the built CLI without a terminal:
 * the rescue runs by itself when a step of the group fails, `--no-rescue` stops instead,
 * a failing rescue stops the run (exit 1) and says so, resume continues inside the rescue,
 * the journal and the report know what happened, and `runbook plan` (text and Markdown)
 * shows the groups. Steps are real bash scripts appending to a marker file.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1.1
title: Upgrade with a rollback
steps:
  - id: backup
    run: echo backup >> marks
  - id: services
    title: Upgrade the services layer
    steps:
      - id: upgrade
        run: echo upgrade >> marks; test -e ok
    rescue:
      - id: rollback
        title: Roll the services back
        run: echo rollback >> marks; test ! -e rescue-fails
    always:
      - id: cleanup
        run: echo cleanup >> marks
  - id: done
    run: echo done >> marks
`;

describe('groups without a terminal', () => {
	it('a failing step inside a group: the rescue runs by itself, then always; exit 1 and the run says failed, rolled back', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const run = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(run.code).toBe(1);
		expect(ws.lines()).toEqual(['backup', 'upgrade', 'rollback', 'cleanup']);
		expect(run.stdout).toContain('upgrade: failed (exit code 1); rolling back group services: running its rescue (rollback)');
		expect(run.stdout).toContain('Run failed after');
		expect(run.stdout).toContain('group services failed, rolled back (step upgrade failed; its rescue ran)');
		const id = ws.onlyRunId();
		const state = ws.state(id);
		expect(stepStatuses(state)).toEqual({backup: 'succeeded', services: 'failed', upgrade: 'failed', rollback: 'succeeded', cleanup: 'succeeded', done: 'pending'});
		expect(state.groups?.services).toEqual({phase: 'done', outcome: 'rolled-back', failedStep: 'upgrade'});
		const journal = fs.readFileSync(path.join(ws.stateDir, 'runs', id, 'journal.jsonl'), 'utf8');
		expect(journal).toContain('"kind":"roll-back"');
		expect(journal).toContain('group services failed, rolled back');
		const report = await ws.cli(['report', id, '--state-dir', ws.stateDir]);
		expect(report.code).toBe(0);
		expect(report.stdout).toContain('| Rolled back | group `services`: failed, rolled back (step `upgrade` failed) |');
		expect(report.stdout).toContain('| failed (group: failed, rolled back) |');
		expect(report.stdout).toContain('## Groups');
	});

	it('--no-rescue stops at the failure without rolling back (exit 1, says so); a resume after the fix finishes the group', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const run = await ws.cli(['run', file, '--plain', '--no-rescue', '--state-dir', ws.stateDir]);
		expect(run.code).toBe(1);
		expect(ws.lines()).toEqual(['backup', 'upgrade']);
		expect(run.stderr).toContain('group services was not rolled back (--no-rescue)');
		ws.write('ok', '');
		const resumed = await ws.cli(['resume', ws.onlyRunId(), '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(0);
		expect(ws.lines()).toEqual(['backup', 'upgrade', 'upgrade', 'cleanup', 'done']);
	});

	it('a failing rescue stops the run (exit 1) and says the rollback did not finish; resume continues inside the rescue', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		ws.write('rescue-fails', '');
		const run = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(run.code).toBe(1);
		expect(ws.lines()).toEqual(['backup', 'upgrade', 'rollback']);
		expect(run.stdout).toContain('the rescue of group services failed at step rollback: the rollback did not finish');
		const id = ws.onlyRunId();
		expect(ws.state(id).groups?.services).toMatchObject({phase: 'rescue'});
		fs.rmSync(ws.path('rescue-fails'));
		const resumed = await ws.cli(['resume', id, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(1);
		expect(ws.lines()).toEqual(['backup', 'upgrade', 'rollback', 'rollback', 'cleanup']);
		expect(resumed.stdout).toContain('group services failed, rolled back');
	});

	it('a saved rescue phase for a group the runbook gives no rescue is not trusted: the group goes on from its body', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		await ws.cli(['run', file, '--plain', '--no-rescue', '--state-dir', ws.stateDir]);
		const id = ws.onlyRunId();
		// The runbook now has no rescue; the state is edited to say the group was rolling back.
		ws.write('upgrade.yaml', RUNBOOK.replace(/ {4}rescue:\n(?: {6}.*\n| {8}.*\n)+/, ''));
		const state = ws.state(id);
		fs.writeFileSync(ws.statePath(id), JSON.stringify({...state, groups: {services: {phase: 'rescue', outcome: 'rolled-back'}}}));
		ws.write('ok', '');
		const resumed = await ws.cli(['resume', id, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.stdout + resumed.stderr).toContain('saved group progress that does not fit the runbook was not restored: services');
		expect(resumed.code).toBe(0);
		expect(ws.lines()).toEqual(['backup', 'upgrade', 'upgrade', 'cleanup', 'done']);
	});
});

describe('preflight without a terminal', () => {
	const DESTRUCTIVE_RESCUE = RUNBOOK.replace('        run: echo rollback >> marks; test ! -e rescue-fails', '        destructive: true\n        run: echo rollback >> marks');

	it('a destructive rescue step needs --yes-destructive before anything runs (a rollback must not stop half-way); --no-rescue does not need it', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', DESTRUCTIVE_RESCUE);
		const refused = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(refused.code).not.toBe(0);
		expect(refused.stderr).toContain('--yes-destructive');
		expect(refused.stderr).toContain('step rollback is destructive');
		expect(ws.lines()).toEqual([]);
		const noRescue = await ws.cli(['run', file, '--plain', '--no-rescue', '--state-dir', ws.stateDir]);
		expect(noRescue.code).toBe(1);
		expect(ws.lines()).toEqual(['backup', 'upgrade']);
	});

	it('a group whose when does not hold needs nothing for the steps inside it', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', DESTRUCTIVE_RESCUE.replace('    title: Upgrade the services layer\n', '    title: Upgrade the services layer\n    when: {var: MODE, equals: upgrade}\n').replace('steps:\n  - id: backup', 'params: {MODE: {default: skip}}\nsteps:\n  - id: backup'));
		const run = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(ws.lines()).toEqual(['backup', 'done']);
	});
});

describe('runbook plan with groups', () => {
	it('text: the steps of a group indented under it, rescue and always named, what a failure does', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const plan = await ws.cli(['plan', file]);
		expect(plan.code).toBe(0);
		expect(plan.stdout).toContain('5 steps (and 1 group); destructive: none');
		expect(plan.stdout).toContain('\n2. Upgrade the services layer (services, group)\n    group: runs upgrade in order\n');
		expect(plan.stdout).toContain('    when one of them fails: rescue rollback (b in the TUI; by itself without a terminal unless --no-rescue), then the group ends failed, rolled back, and the run stops');
		expect(plan.stdout).toContain('\n  3. upgrade (upgrade, run)\n        echo upgrade >> marks; test -e ok\n');
		expect(plan.stdout).toContain('\n  4. rescue of services: Roll the services back (rollback, run)\n');
		expect(plan.stdout).toContain('\n  5. always after services: cleanup (cleanup, run)\n');
		expect(plan.stdout).toContain('\n6. done (done, run)\n');
		expect(ws.runIds()).toEqual([]);
	});

	it('Markdown: a group is a heading, its steps one level deeper', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const plan = await ws.cli(['plan', file, '--format', 'markdown']);
		expect(plan.code).toBe(0);
		expect(plan.stdout).toContain('### 2. Upgrade the services layer (services, group)\n- group: runs upgrade in order\n');
		expect(plan.stdout).toContain('#### 3. upgrade (upgrade, run)');
		expect(plan.stdout).toContain('#### 4. rescue of services: Roll the services back (rollback, run)');
		expect(plan.stdout).toContain('### 6. done (done, run)');
	});

	it('validate: a group in a version 1 runbook says it needs version 1.1 (exit 2)', async () => {
		const ws = workspace();
		const file = ws.write('old.yaml', RUNBOOK.replace('version: 1.1', 'version: 1'));
		const result = await ws.cli(['validate', file]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('old.yaml:8:5: steps[1].steps: a group (a step with steps:) needs format version 1.1, and this runbook says version: 1');
	});
});
