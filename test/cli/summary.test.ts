/**
 * Plain mode prints the end-of-run summary the TUI shows (issue 10, item 3),
 * with the built CLI and no terminal: each step's status and duration, the last
 * step's output, the non-secret captures, the logs, journal and report; after
 * a resume the time counts both sessions.
 */
import {describe, expect, it} from 'vitest';
import {runCli, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1
title: Backup then verify
params:
  TOKEN:
    secret: true
steps:
  - id: backup
    title: Take the safety backup
    run: echo /var/backups/safety-1.sql.gz
    capture: SAFETY_BACKUP
  - id: gate
    title: Stops the first time
    run: |
      if [ ! -f ready ]; then touch ready; exit 4; fi
      echo "gate open"
  - id: verify
    title: Count the rows
    run: |
      for i in $(seq 1 20); do echo "table_$i rows=$i"; done
      echo "token is $TOKEN"
`;

describe('plain mode: the summary at the end', () => {
	it('is printed after a failed run and after the completed resume, counting both sessions', async () => {
		const ws = workspace();
		const file = ws.write('verify.yaml', RUNBOOK);
		const env = {RUNBOOK_SECRET_TOKEN: 'hunter2-secret'};
		const first = await runCli(['run', file, '--plain', '--state-dir', ws.stateDir], {cwd: ws.dir, env});
		expect(first.code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = `${ws.stateDir}/runs/${runId}`;
		expect(first.stdout).toMatch(/\n✖ Run failed after \S+: step gate failed\.\nRunbook: Backup then verify\nSteps: 1\/3 done\.\n/);
		expect(first.stdout).toMatch(/^ {2}✔ 1\. backup: Take the safety backup · succeeded in \S+$/m);
		expect(first.stdout).toMatch(/^ {2}✖ 2\. gate: Stops the first time · failed in \S+ · exit code 4$/m);
		expect(first.stdout).toContain(`Resume with: runbook resume ${runId} --state-dir ${ws.stateDir}\n`);

		const second = await runCli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {cwd: ws.dir, env});
		expect(second.code).toBe(0);
		const summary = second.stdout.slice(second.stdout.indexOf('\n✔ Run completed'));
		expect(summary).toMatch(/^\n✔ Run completed in \S+ \(2 sessions\)\.\n/);
		expect(summary).toMatch(/^ {2}✔ 3\. verify: Count the rows · succeeded in \S+$/m);
		expect(summary).toContain('Output of verify (last 12 of 21 lines):\n');
		expect(summary).toContain('  | table_20 rows=20\n  | token is ***\n');
		expect(summary).not.toContain('table_9 ');
		expect(summary).toContain('Captured: SAFETY_BACKUP=/var/backups/safety-1.sql.gz\n');
		expect(summary).toContain(`Logs: ${runDir}/logs/\n`);
		expect(summary).toContain(`Journal: ${runDir}/journal.jsonl\n`);
		expect(summary).toContain(`Report: runbook report ${runId} --state-dir ${ws.stateDir}\n`);
		expect(summary).not.toContain('Resume with');
		expect(first.stdout + second.stdout).not.toContain('hunter2-secret');
	}, 60_000);
});
