/**
 * `runbook plan` with the built CLI (issue 10, item 2): every step in order with
 * its command and values, `when` evaluated where the values are known, what a
 * run without a terminal needs; text and Markdown; nothing runs (no marker, no
 * run folder).
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
  FORMAT:
    default: plain
  PASSWORD:
    secret: true
    default: s3cret-default
steps:
  - id: stop-service
    title: Stop the service
    run: echo stop >> marks
    timeout: 2m
  - id: backup
    run: echo /backups/safety.sql
    capture: SAFETY_BACKUP
  - id: drop
    title: Drop $DB_NAME
    destructive: $DB_NAME
    run: echo "drop $DB_NAME with $PASSWORD" >> marks
  - id: decrypt
    when: {var: FORMAT, equals: encrypted}
    confirm: Decrypt?
    run: echo decrypt >> marks
  - id: check
    when: {var: SAFETY_BACKUP, equals: ''}
    manual: Take a backup by hand.
`;

describe('runbook plan', () => {
	it('prints every step with its command and values, when evaluated, and what a run without a terminal needs; runs nothing', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const text = await ws.cli(['plan', file, '-p', 'DB_NAME=synapse']);
		expect(text.stderr).toBe('');
		expect(text.code).toBe(0);
		const out = text.stdout;
		expect(out).toMatch(/^Plan: Stop, back up, drop\n\nDrops and recreates the database\.\n/);
		expect(out).toContain('Source: 004 Method 1');
		expect(out).toContain('  DB_NAME = synapse');
		expect(out).toContain('  PASSWORD = ***');
		expect(out).not.toContain('s3cret-default');
		expect(out).toContain('5 steps; destructive: drop; need an answer: drop, decrypt, check.');
		expect(out).toContain('Without a terminal it needs: --yes-destructive --yes.');
		expect(out).toMatch(/^1\. Stop the service \(stop-service, run\)\n {6}echo stop >> marks\n {4}timeout 2m$/m);
		expect(out).toMatch(/^3\. Drop synapse \(drop, run\) — DESTRUCTIVE$/m);
		expect(out).toContain('    vars: DB_NAME=synapse  PASSWORD=***');
		expect(out).toContain('    when FORMAT equals "encrypted": skipped');
		expect(out).toContain('    when SAFETY_BACKUP equals "": decided during the run');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		const md = await ws.cli(['plan', file, '-p', 'DB_NAME=synapse', '-p', 'FORMAT=encrypted', '--format', 'markdown']);
		expect(md.code).toBe(0);
		expect(md.stdout).toMatch(/^# Stop, back up, drop\n/);
		expect(md.stdout).toContain('## Steps');
		expect(md.stdout).toContain('### 4. decrypt (decrypt, run) — asks to confirm\n- when FORMAT equals "encrypted": runs\n');
		expect(md.stdout).toContain('```sh\necho "drop $DB_NAME with $PASSWORD" >> marks\n```');

		const missing = await ws.cli(['plan', file]);
		expect(missing.code).toBe(0);
		expect(missing.stdout).toContain('DB_NAME = MISSING (required)');
		expect(missing.stdout).toContain('Without a terminal it needs: -p DB_NAME=VALUE --yes-destructive --yes.');
		expect(ws.lines()).toEqual([]);

		const bad = await ws.cli(['plan', file, '--format', 'html']);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toBe('runbook: unknown format html: use text or markdown\n');
	});

	it("prints a hostile runbook's escape sequences as visible text, never raw", async () => {
		const ws = workspace();
		const file = ws.write('escapes.yaml', 'version: 1\ntitle: "T \\e]2;PLANTITLE\\a"\nsteps:\n  - id: s\n    title: "\\e[2J wipe"\n    run: echo hi\n');
		const plan = await ws.cli(['plan', file]);
		expect(plan.code).toBe(0);
		expect(plan.stdout).not.toContain('\u001b');
		expect(plan.stdout).not.toContain('\u0007');
		expect(plan.stdout).toContain('\\x1b]2;PLANTITLE');
	});
});
