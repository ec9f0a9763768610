/**
 * The plan before the first step in plain mode (issue 10, item 2), with the
 * built CLI and no terminal: a new run's output starts with its plan (title,
 * description, source, params with secrets as ***, how many steps, which are
 * destructive and need an answer, what a run without a terminal needs), the
 * same head `runbook plan` prints, before the first step's line. A resume does
 * not print it again.
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1
title: Stop, back up, drop
description: |
  Drops and recreates the database.
source: 004 Method 1
params:
  DB_NAME:
    required: true
  PASSWORD:
    secret: true
    description: The owner's password
steps:
  - id: stop-service
    title: Stop the service
    run: echo stop >> marks
  - id: drop
    title: Drop $DB_NAME
    destructive: $DB_NAME
    run: echo drop >> marks
  - id: gate
    run: test -f ready
`;

describe('a plain run', () => {
	it('prints the plan before its first step; a resume does not print it again', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const args = ['run', file, '--plain', '-p', 'DB_NAME=synapse', '--yes-destructive', '--state-dir', ws.stateDir];
		const run = await ws.cli(args, {env: {RUNBOOK_SECRET_PASSWORD: 'hunter2-secret'}});
		expect(run.code).toBe(1);
		const out = run.stdout;
		const plan = await ws.cli(['plan', file, '-p', 'DB_NAME=synapse'], {env: {RUNBOOK_SECRET_PASSWORD: 'hunter2-secret'}});
		// The same head as `runbook plan`, up to its list of steps.
		const head = plan.stdout.slice(0, plan.stdout.indexOf('\nSteps:\n'));
		expect(head).toContain('3 steps; destructive: drop; need an answer: drop.');
		expect(out.startsWith(`${head}\n`)).toBe(true);
		expect(out).toMatch(/^Plan: Stop, back up, drop\n\nDrops and recreates the database\.\n\nSource: 004 Method 1\n/);
		expect(out).toContain('  DB_NAME = synapse\n');
		expect(out).toContain("  PASSWORD = *** — The owner's password\n");
		expect(out).toContain('Without a terminal it needs: --yes-destructive.');
		expect(out).not.toContain('hunter2-secret');
		// Before the first step.
		expect(out.indexOf('need an answer: drop.')).toBeLessThan(out.search(/^\d\d:\d\d:\d\d ▶ stop-service/m));
		expect(ws.lines()).toEqual(['stop', 'drop']);

		ws.write('ready', '');
		const resumed = await ws.cli(['resume', ws.onlyRunId(), '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_PASSWORD: 'hunter2-secret'}});
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).not.toContain('Plan: ');
		expect(resumed.stdout).toMatch(/^\d\d:\d\d:\d\d run \S+ resumed: Stop, back up, drop$/m);
	});
});
