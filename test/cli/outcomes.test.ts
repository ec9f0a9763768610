/**
 * Typed outcomes as an operator meets them, through the real CLI and bash: a command that
 * is not found reads `exit code 127 (command not found)` in the stop message, the saved
 * state (typed, with its line) and the report.
 */
import {expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

it('a missing command reads as command not found, in the stop message, the state and the report', async () => {
	const ws = workspace();
	const file = ws.write(
		'missing.yaml',
		`version: 1
title: Missing command
steps:
  - id: missing
    run: no-such-command-for-runbook-tests
`,
	);
	const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
	expect(result.code).toBe(1);
	expect(result.stderr).toContain('step missing failed: exit code 127 (command not found)');
	const runId = ws.onlyRunId();
	const attempt = ws.state(runId).steps.missing!.attempts[0]!;
	expect(attempt).toMatchObject({outcome: 'failed', exitCode: 127, result: {kind: 'exit-code', exitCode: 127}, error: 'exit code 127 (command not found)'});
	const report = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
	expect(report.code).toBe(0);
	expect(report.stdout).toContain('- `missing` attempt 1 failed at ');
	expect(report.stdout).toMatch(/\(.+\): exit code 127 \(command not found\); log `logs\/missing\.1\.log`/);
});
