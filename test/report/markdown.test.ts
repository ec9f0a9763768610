/**
 * The Markdown report: Given a run driven by the engine with fake ports (a
 * failure and a retry, a skip, a manual step, a quit, then a resume by a second
 * operator) and its real journal, When the report is rendered, Then it names
 * both operators with the steps each ran and decided, lists failures and skips
 * with reasons, has the timeline, computes the downtime from the first step's
 * start to the last step's end, and never holds the secret.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema, type Runbook} from '../../source/runbook/schema.js';
import {Runner} from '../../source/engine/runner.js';
import {newRunState, reconcileForResume} from '../../source/engine/transitions.js';
import type {Clock, ShellRequest, ShellResult, StepView} from '../../source/engine/ports.js';
import type {RunState} from '../../source/engine/state.js';
import type {JournalEntry} from '../../source/engine/journal-entry.js';
import {Journal, journalListener, readJournal} from '../../source/store/journal.js';
import {renderReport} from '../../source/report/markdown.js';
import {runDowntime} from '../../source/report/downtime.js';
import {FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';

const MINUTE = 60_000;
const SECRET = 'pw-hunter2-secret';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

/** A clock that stands still unless the test moves it: step durations are exactly what the test says. */
class ManualClock implements Clock {
	t = Date.parse('2026-11-20T22:00:00Z');
	now(): Date {
		return new Date(this.t);
	}
	advance(ms: number): void {
		this.t += ms;
	}
	async sleep(ms: number): Promise<void> {
		this.t += ms;
	}
}

const runbook: Runbook = runbookSchema.parse(
	parse(`
version: 1
title: Restore the database
params:
  DB_PASSWORD: {secret: true}
steps:
  - id: stop-app
    title: Stop the app
    run: systemctl stop app
  - id: notify
    title: Tell the users
    manual: Post the maintenance notice.
  - id: restore
    title: Restore the dump
    run: PGPASSWORD="$DB_PASSWORD" pg_restore dump
  - id: reindex
    title: Rebuild the indexes
    run: reindexdb
  - id: verify
    title: Count the users
    run: psql -c 'select count(*) from users'
  - id: cleanup
    title: Remove temporary files
    run: rm -rf /tmp/restore
  - id: start-app
    title: Start the app
    run: systemctl start app
`),
);

const titles = Object.fromEntries(runbook.steps.map(s => [s.id, s.title ?? s.id]));

/** A fake command that takes `minutes` on the clock, prints the secret (redacted by the runner) and exits with `exitCode`. */
function takes(clock: ManualClock, minutes: number, exitCode: number) {
	return (request: ShellRequest): ShellResult => {
		clock.advance(minutes * MINUTE);
		request.onOutput({stream: 'stdout', lines: [request.redact(`connecting with ${SECRET}`)]});
		return {exitCode, durationMs: minutes * MINUTE, aborted: false, ...(exitCode !== 0 ? {error: undefined} : {})};
	};
}

/** One operator's session: a runner over the shared store, clock and journal file. */
function session(input: {state: RunState; runDir: string; by: string; pid: number; resumed: boolean; shell: FakeShell; clock: ManualClock; store: MemoryStore; operator: ScriptedOperator}) {
	const runner = new Runner({
		runbook,
		runbookDir: '/rb',
		state: input.state,
		runDir: input.runDir,
		ports: {shell: input.shell, store: input.store, clock: input.clock, operator: input.operator},
		secrets: {DB_PASSWORD: SECRET},
		by: input.by,
		resumed: input.resumed,
	});
	const journal = new Journal(input.runDir);
	runner.subscribe(journalListener(journal, input.by, text => runner.redactText(text), {now: () => input.clock.now(), pid: input.pid}));
	return {runner, journal};
}

/**
 * alice: stop-app (2 min), notify done by hand (5 min), restore fails (10 min, exit 3), retry
 * succeeds (12 min), reindex skipped at its gate, quits at verify. Half an hour later bob
 * resumes: verify (1 min), cleanup fails (1 min, exit 1) and is skipped, start-app (2 min).
 */
async function handoverRun(): Promise<{state: RunState; journal: JournalEntry[]; runDir: string}> {
	const runDir = mkdtempSync(path.join(tmpdir(), 'runbook-report-test-'));
	dirs.push(runDir);
	const clock = new ManualClock();
	const store = new MemoryStore();
	const shell = new FakeShell();
	shell.on('stop-app', takes(clock, 2, 0));
	shell.on('restore', takes(clock, 10, 3), takes(clock, 12, 0));
	shell.on('verify', takes(clock, 1, 0));
	shell.on('cleanup', takes(clock, 1, 1));
	shell.on('start-app', takes(clock, 2, 0));

	const alice = new ScriptedOperator();
	alice.answers.gate.push('run', 'run', 'skip', 'quit');
	alice.answers.failure.push('retry');
	alice.manual = async (step: StepView) => {
		alice.asked.push(`manual:${step.id}`);
		clock.advance(5 * MINUTE);
		return 'done';
	};
	const first = newRunState({
		runId: 'restore-20261120-220000-ab12',
		runbookPath: '/rb/restore.yaml',
		runbookHash: 'h1',
		title: runbook.title,
		stepIds: runbook.steps.map(s => s.id),
		by: 'alice@db1',
		at: clock.now(),
		cwd: '/tmp',
		vars: {},
		secretVars: ['DB_PASSWORD'],
	});
	const one = session({state: first, runDir, by: 'alice@db1', pid: 100, resumed: false, shell, clock, store, operator: alice});
	expect(await one.runner.start()).toBe('aborted');
	one.journal.close();

	clock.advance(30 * MINUTE);
	const bob = new ScriptedOperator();
	bob.answers.failure.push('skip');
	const resumed = reconcileForResume(
		store.last,
		runbook.steps.map(s => s.id),
		'h1',
		clock.now(),
	);
	const two = session({state: resumed.state, runDir, by: 'bob@db2', pid: 200, resumed: true, shell, clock, store, operator: bob});
	expect(await two.runner.start()).toBe('completed');
	two.journal.close();
	return {state: store.last, journal: readJournal(runDir), runDir};
}

/** The lines of one `## heading` section. */
function section(report: string, heading: string): string {
	const start = report.indexOf(`## ${heading}\n`);
	expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
	const end = report.indexOf('\n## ', start + 1);
	return report.slice(start, end < 0 ? undefined : end);
}

/** The block of one operator in the Operators section: its bullet and sub-bullets. */
function operatorBlock(report: string, who: string): string {
	const lines = section(report, 'Operators').split('\n');
	const start = lines.indexOf(`- **${who}**`);
	expect(start, `operator ${who}`).toBeGreaterThanOrEqual(0);
	const block = [lines[start]];
	for (const line of lines.slice(start + 1)) {
		if (!line.startsWith('  ')) break;
		block.push(line);
	}
	return block.join('\n');
}

/** The cells of the table row whose second cell is `` `id` `` (the Steps table). */
function stepRow(report: string, id: string): string[] {
	const row = section(report, 'Steps')
		.split('\n')
		.find(line => line.split(' | ')[1] === `\`${id}\``);
	expect(row, `row of ${id}`).toBeDefined();
	return row!.replace(/^\| | \|$/g, '').split(' | ');
}

describe('renderReport after a handover', () => {
	it('names both operators with the steps each ran and decided', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, journal, titles);
		expect(section(report, 'Operators')).toContain('Started by **alice@db1**.');

		const alice = operatorBlock(report, 'alice@db1');
		expect(alice).toContain('started the run at 2026-11-20 22:00:00');
		expect(alice).toContain('ran: `stop-app` (attempt 1), `restore` (attempts 1, 2)');
		expect(alice).toMatch(/decided: .*`notify` mark-done.*`restore` retry.*`reindex` skip/);
		expect(alice).not.toMatch(/verify|cleanup|start-app/);

		const bob = operatorBlock(report, 'bob@db2');
		// 22:00 + 2 + 5 + 10 + 12 minutes = 22:29, quit; resumed 30 minutes later.
		expect(bob).toContain('resumed the run at 2026-11-20 22:59:00');
		expect(bob).toContain('ran: `verify` (attempt 1), `cleanup` (attempt 1), `start-app` (attempt 1)');
		expect(bob).toContain('decided: `cleanup` skip');
		expect(bob).not.toMatch(/restore|reindex|notify/);
	});

	it('computes the downtime from the first step’s start to the last step’s end, the gap included', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, journal, titles);
		// 2 + 5 + 10 + 12 (alice) + 30 (nobody) + 1 + 1 + 2 (bob) = 63 minutes = 3780 s.
		expect(runDowntime(state)).toEqual({startAt: '2026-11-20T22:00:00.000Z', endAt: '2026-11-20T23:03:00.000Z', ms: 63 * MINUTE});
		expect(section(report, 'Downtime')).toContain("from the first step's start (2026-11-20 22:00:00 UTC) to the last step's end (2026-11-20 23:03:00 UTC): **1h03m (3780 s)**.");
		expect(section(report, 'Downtime')).not.toContain('so far');
	});

	it('has a row per step with title, status, attempts, exit code, duration and who', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, journal, titles);
		expect(stepRow(report, 'restore')).toEqual(['3', '`restore`', 'Restore the dump', 'succeeded', '2', '0', '12m00s', 'alice@db1']);
		expect(stepRow(report, 'notify')).toEqual(['2', '`notify`', 'Tell the users', 'succeeded', '0', '', '', 'alice@db1 (mark-done)']);
		expect(stepRow(report, 'reindex')).toEqual(['4', '`reindex`', 'Rebuild the indexes', 'skipped', '0', '', '', 'alice@db1 (skip)']);
		expect(stepRow(report, 'cleanup')).toEqual(['6', '`cleanup`', 'Remove temporary files', 'skipped', '1', '1', '1m00s', 'bob@db2']);
		expect(stepRow(report, 'start-app')).toEqual(['7', '`start-app`', 'Start the app', 'succeeded', '1', '0', '2m00s', 'bob@db2']);
		// Without titles the column stays empty and ids remain.
		expect(stepRow(renderReport(state, journal), 'restore')[2]).toBe('');
	});

	it('lists failures and skips with their reasons, and every decision', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, journal, titles);
		const problems = section(report, 'Failures and skips');
		expect(problems).toContain('- `restore` attempt 1 failed at 2026-11-20 22:17:00 (alice@db1): exit code 3; log `logs/restore.1.log`');
		expect(problems).toContain('- `reindex` skipped by alice@db1 at 2026-11-20 22:29:00: skipped by the operator');
		expect(problems).toContain('- `cleanup` attempt 1 failed at 2026-11-20 23:01:00 (bob@db2): exit code 1');
		expect(problems).toContain('- `cleanup` skipped by bob@db2 at 2026-11-20 23:01:00: skipped by the operator after a failure');
		expect(problems).not.toContain('`restore` attempt 2');

		const decisions = section(report, 'Decisions');
		for (const d of state.decisions) expect(decisions).toContain(`| ${d.by} | ${d.stepId ? `\`${d.stepId}\`` : ''} | ${d.kind} |`);
		expect(decisions).toContain('| 2026-11-20 22:59:00 | bob@db2 |  | resume | by bob@db2 |');
	});

	it('has the journal as a timeline: both sessions, each attempt, each outcome', async () => {
		const {state, journal, runDir} = await handoverRun();
		const timeline = section(renderReport(state, journal, titles), 'Timeline');
		const rows = timeline.split('\n').filter(line => line.startsWith('| 2026'));
		expect(rows).toHaveLength(journal.length);
		expect(rows[0]).toBe('| 2026-11-20 22:00:00 | alice@db1 |  | run started | pid 100 |');
		expect(timeline).toContain('| 2026-11-20 22:07:00 | alice@db1 | `restore` | attempt 1 started | `PGPASSWORD="$DB_PASSWORD" pg_restore dump` → logs/restore.1.log |');
		expect(timeline).toContain('| 2026-11-20 22:17:00 | alice@db1 | `restore` | failed | exit code 3; after 10m00s |');
		expect(timeline).toContain('| 2026-11-20 22:29:00 | alice@db1 |  | run paused | the operator quit at step verify |');
		expect(timeline).toContain('| 2026-11-20 22:59:00 | bob@db2 |  | run resumed | pid 200 |');
		expect(timeline).toContain('| 2026-11-20 23:03:00 | bob@db2 |  | run completed |  |');
		expect(readJournal(runDir)).toEqual(journal);
	});

	it('never holds a secret value', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, journal, titles);
		expect(JSON.stringify(journal)).not.toContain(SECRET);
		expect(JSON.stringify(state)).not.toContain(SECRET);
		expect(report).not.toContain(SECRET);
		expect(report).not.toContain('hunter2');
	});
});

describe('renderReport edge cases', () => {
	it('without a journal rebuilds the timeline from the state and still names both operators', async () => {
		const {state, journal} = await handoverRun();
		const report = renderReport(state, []);
		const timeline = section(report, 'Timeline');
		expect(timeline).toContain('This run has no journal');
		expect(timeline).toContain('| 2026-11-20 22:07:00 | alice@db1 | `restore` | attempt 1 started | logs/restore.1.log |');
		expect(timeline).toContain('| 2026-11-20 23:01:00 | bob@db2 | `cleanup` | decision: skip | failed step skipped |');
		expect(operatorBlock(report, 'bob@db2')).toContain('resumed the run at 2026-11-20 22:59:00');

		// A journal that begins with the resume (the run began before journals existed).
		const later = renderReport(
			state,
			journal.filter(e => e.by === 'bob@db2'),
		);
		expect(operatorBlock(later, 'alice@db1')).toContain('sessions: started the run at 2026-11-20 22:00:00');
		expect(operatorBlock(later, 'bob@db2')).toContain('sessions: resumed the run at 2026-11-20 22:59:00');
	});

	it('a run where nothing ran has no downtime; an unfinished one says the time is so far', async () => {
		const {state, journal} = await handoverRun();
		const fresh = newRunState({runId: 'r0', runbookPath: '/rb/x.yaml', runbookHash: 'h', title: 'Nothing yet', stepIds: ['a'], by: 'alice@db1', at: new Date('2026-11-20T10:00:00Z'), cwd: '/', vars: {}, secretVars: []});
		expect(runDowntime(fresh)).toBeUndefined();
		expect(section(renderReport(fresh, []), 'Downtime')).toContain('No step was run.');
		const unfinished: RunState = {...state, status: 'failed'};
		expect(section(renderReport(unfinished, journal), 'Downtime')).toContain('The run is failed: this is the time so far.');
	});
});
