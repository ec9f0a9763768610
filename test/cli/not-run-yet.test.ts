/**
 * Format 1.1 shapes that validate but that this build does not execute yet (checklists):
 * `run` refuses the runbook before any step runs, naming each step and shape, instead of
 * running an executor that would ignore the new key (a checklist's items would not be ticked
 * one by one). The built CLI, a real process.
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

describe('format 1.1 shapes not run yet', () => {
	it('run refuses a runbook with a checklist, and runs nothing', async () => {
		const ws = workspace();
		const file = ws.write(
			'later.yaml',
			`version: 1.1
title: Not yet
steps:
  - id: first
    run: echo first >> marks
  - id: checklist
    manual: { text: Before the upgrade, items: [Backups taken, Window announced] }
`,
		);
		const validated = await ws.cli(['validate', file]);
		expect(validated.code).toBe(0);
		const result = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('does not run these format 1.1 shapes yet');
		expect(result.stderr).toContain('step checklist: a checklist');
		expect(ws.lines()).toEqual([]);
	});
});
