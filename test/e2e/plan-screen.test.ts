/**
 * The plan before the first step (issue 10, item 2) in a real terminal (tmux)
 * at 80x24 and 100x30, with the built CLI: the first screen of a new run is its
 * plan (description, source, params with the secret as ***, how many steps,
 * which are destructive and which need an answer, what a run without a terminal
 * needs), nothing has run, Enter starts the run (step mode:
 * the first gate), and q then y at the plan (or a SIGTERM) leaves a paused run
 * in which no step started.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';
import {START_PROMPT, exitSummary, startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const RUNBOOK = `version: 1
title: Drop and recreate the database
description: |
  Stops the service, drops the database and recreates it from the dump.
  Downtime: about 5 minutes. Data written after the dump was taken is lost.
  Before you start: tell the users, and have the dump at hand.
source: '004, "Method 1: Full Restore (Drop & Recreate)"'
params:
  DB_NAME:
    default: synapse
    description: Name of the database
  DUMP:
    required: true
    description: The dump to restore
  PGPASSWORD:
    secret: true
    description: Password of the database owner
steps:
  - id: stop
    title: Stop the service
    run: echo stop >> marks
  - id: careful
    title: Terminate the connections
    confirm: Terminate every connection to $DB_NAME?
    run: echo careful >> marks
  - id: drop
    title: Drop the database $DB_NAME
    destructive: $DB_NAME
    run: echo drop >> marks
  - id: restore
    title: Restore the dump
    run: echo restore >> marks
  - id: tell
    title: Tell the users
    manual: Post in the status channel that the service is back.
`;

/** Pids of the node processes running `cli.js` with the argument `text` (the CLI of this test's runbook). */
function cliPids(text: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
			const args = cmdline.split('\0');
			// node itself (not tmux nor the shell that started it).
			if (args[0] === process.execPath && args.some(arg => arg.endsWith('cli.js')) && args.includes(text)) pids.push(Number(entry));
		} catch {
			// gone meanwhile
		}
	}
	return pids;
}

/** Step starts in the run's journal (none when it has no journal yet). */
function stepStarts(runDir: string): string[] {
	const file = path.join(runDir, 'journal.jsonl');
	if (!existsSync(file)) return [];
	return readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as {event: string; step?: string})
		.filter(entry => entry.event === 'step-started')
		.map(entry => entry.step ?? '?');
}

describe.each([
	[80, 24],
	[100, 30],
])('the start screen at %ix%i', (width, height) => {
	it('is the plan: what the runbook is, its params (secret ***), its steps and what they need; nothing has run; Enter starts the run', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir, '-p', 'DUMP=/backups/synapse-2026-12-06.sql.gz'], {
			width,
			height,
			env: {RUNBOOK_SECRET_PGPASSWORD: 's3cret-value'},
		});
		const {term} = tui;
		const first = await term.waitFor(START_PROMPT, START_MS);
		// The header: the title; the first rows: the description, then the steps and what they need.
		expect(first.split('\n')[0]).toMatch(/^Drop and recreate the database +/);
		expect(first).toContain('Stops the service, drops the database and recreates it from the dump.');
		expect(first).toContain('5 steps; destructive: drop; need an answer: careful, drop, tell.');
		expect(first).toContain('Without a terminal it needs: --yes --yes-destructive.');
		expect(first).toContain('Enter starts the run in step mode.');
		expect(first).toContain('Enter start · ↑↓ PgUp/PgDn scroll');
		expect(first).not.toContain('s3cret-value');
		// Nothing has run: no marker, no step started; the run exists (its state is saved).
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		expect(ws.lines()).toEqual([]);
		expect(stepStarts(runDir)).toEqual([]);

		// The whole plan fits at both sizes, down to the params and their values. (Scrolling a longer
		// plan is tested in test/ui/app-start.test.tsx: here a G or g that scrolls nothing gives no
		// screen to wait for, and a key sent before the app read the previous one arrives in the same
		// read, which the app drops as it drops a paste.)
		expect(first).toContain('Source: 004, "Method 1: Full Restore (Drop & Recreate)"');
		expect(first).toContain('DB_NAME = synapse');
		expect(first).toContain('DUMP = /backups/synapse-2026-12-06.sql.gz');
		expect(first).toContain('PGPASSWORD = ***');

		// Enter starts the run: step mode, so the gate of step 1 comes next; still nothing ran.
		term.sendKeys('Enter');
		const gate = await term.waitFor('▶ Run step 1 "Stop the service"?');
		expect(gate).not.toContain(START_PROMPT);
		expect(ws.lines()).toEqual([]);
		term.sendKeys('Enter');
		await term.waitFor('▶ Step 2 "Terminate the connections"');
		expect(ws.lines()).toEqual(['stop']);
		expect(stepStarts(runDir)).toEqual(['stop']);
		term.sendKeys('q');
		await term.waitFor('Quit? Progress is kept. (y/N)');
		term.sendKeys('y');
		expect(await tui.exitCode()).toBe(1);
		expect(tooWide(term.screens, width)).toEqual([]);
	}, 120_000);
});

describe('q at the start screen', () => {
	it('asks, and y leaves a paused run in which no step started (exit 1)', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '-p', 'DUMP=/backups/d.sql.gz'], {env: {RUNBOOK_SECRET_PGPASSWORD: 's3cret-value'}});
		const {term} = tui;
		const first = await term.waitFor(START_PROMPT, START_MS);
		expect(first).toContain('Enter starts the run in auto mode.');
		term.sendKeys('q');
		await term.waitFor('Quit? Progress is kept. (y/N)');
		term.sendKeys('y');
		expect(await tui.exitCode()).toBe(1);
		const summary = exitSummary(term.capture({history: true}));
		expect(summary).toMatch(/^⏸ Run paused/);
		const runId = ws.onlyRunId();
		expect(ws.lines()).toEqual([]);
		expect(stepStarts(path.join(ws.stateDir, 'runs', runId))).toEqual([]);
		expect(Object.values(ws.state(runId).steps).map(step => step.status)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
	}, 120_000);
});

describe('a signal at the start screen', () => {
	it('SIGTERM ends the run paused before its first step: exit 130, nothing ran', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir, '-p', 'DUMP=/backups/d.sql.gz'], {env: {RUNBOOK_SECRET_PGPASSWORD: 's3cret-value'}});
		await tui.term.waitFor(START_PROMPT, START_MS);
		const pids = cliPids(file);
		expect(pids).toHaveLength(1);
		process.kill(pids[0], 'SIGTERM');
		expect(await tui.exitCode()).toBe(130);
		const runId = ws.onlyRunId();
		expect(ws.lines()).toEqual([]);
		expect(stepStarts(path.join(ws.stateDir, 'runs', runId))).toEqual([]);
		expect(ws.state(runId).status).toBe('aborted');
		expect(exitSummary(tui.term.capture({history: true}))).toMatch(/^⏸ Run paused/);
	}, 120_000);
});
