/**
 * Format 1.1 shapes that validate but that this build does not execute yet (all but
 * `wait.http`): `run` refuses the runbook before any step runs, naming each step and shape,
 * instead of running an executor that would ignore the new key (a `copy` with
 * `direction: fromPod` would copy the other way). The built CLI, a real process.
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

describe('format 1.1 shapes not run yet', () => {
	it('run refuses a runbook that copies out of a pod or writes exec output to a file, and runs nothing', async () => {
		const ws = workspace();
		const file = ws.write(
			'later.yaml',
			`version: 1.1
title: Not yet
steps:
  - id: first
    run: echo first >> marks
  - id: snapshot
    copy: { pod: vault-0, from: /tmp/vault-backup.snap, to: ./vault.snap, direction: fromPod }
  - id: dump
    exec: { pod: db-0, command: [pg_dumpall, -U, postgres], stdout: dump.sql }
`,
		);
		const validated = await ws.cli(['validate', file]);
		expect(validated.code).toBe(0);
		const result = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('does not run these format 1.1 shapes yet');
		expect(result.stderr).toContain('step snapshot: copy.direction');
		expect(result.stderr).toContain('step dump: exec.stdout');
		expect(ws.lines()).toEqual([]);
	});
});
