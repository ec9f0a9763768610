/**
 * `runbook report` as a real process: one operator (RUNBOOK_OPERATOR=alice@ops1)
 * runs a runbook until a step fails, another (bob@ops2) resumes it to the end;
 * the report names both and what each did, has the timeline and the downtime,
 * and holds no secret. Unknown runs exit 2; `--output` writes a file.
 */
import {readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stackLines, stepStatuses, useWorkspaces, type Workspace} from './helpers.js';
import {readJournal} from '../../source/store/journal.js';

const workspace = useWorkspaces();
const SECRET = 'tok-S3CRET-value-9';

/** `restore` fails until the file `ready` exists; `prepare` prints the secret token. */
const DRILL = `version: 1
title: Handover drill
params:
  TOKEN: {secret: true}
steps:
  - id: prepare
    title: Prepare with token $TOKEN
    run: |
      echo prepare >> marks
      echo "using $TOKEN"
  - id: announce
    title: Announce the maintenance
    manual: Tell the users the service is down.
  - id: restore
    title: Restore the database
    run: |
      echo restore >> marks
      test -f ready
  - id: finish
    title: Start the service
    run: echo finish >> marks
`;

/** Runs the drill as alice (fails at restore), then resumes it as bob; returns the run id. */
async function handover(ws: Workspace): Promise<string> {
	const file = ws.write('drill.yaml', DRILL);
	const first = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_OPERATOR: 'alice@ops1', RUNBOOK_SECRET_TOKEN: SECRET}});
	expect(first.code, first.stderr).toBe(1);
	const runId = ws.onlyRunId();
	expect(stepStatuses(ws.state(runId))).toEqual({prepare: 'succeeded', announce: 'succeeded', restore: 'failed', finish: 'pending'});
	ws.write('ready', '');
	const second = await ws.cli(['resume', runId, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_OPERATOR: 'bob@ops2', RUNBOOK_SECRET_TOKEN: SECRET}});
	expect(second.code, second.stderr).toBe(0);
	expect(ws.lines()).toEqual(['prepare', 'restore', 'restore', 'finish']);
	return runId;
}

/** The lines of one `## heading` section. */
function section(report: string, heading: string): string {
	const start = report.indexOf(`## ${heading}\n`);
	expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
	const end = report.indexOf('\n## ', start + 1);
	return report.slice(start, end < 0 ? undefined : end);
}

/** One operator's bullet with its sub-bullets. */
function operatorBlock(report: string, who: string): string {
	const lines = section(report, 'Operators').split('\n');
	const start = lines.indexOf(`- **${who}**`);
	expect(start, `operator ${who}`).toBeGreaterThanOrEqual(0);
	const end = lines.findIndex((line, i) => i > start && !line.startsWith('  '));
	return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

describe('runbook report', () => {
	it('after a handover: both operators and their steps, the timeline, the downtime, no secret', async () => {
		const ws = workspace();
		const runId = await handover(ws);
		const result = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const report = result.stdout;

		expect(report).toContain('# Run report: Handover drill');
		expect(report).toContain(`| Run id | \`${runId}\` |`);
		expect(report).toContain('| Status | **completed** |');
		expect(section(report, 'Operators')).toContain('Started by **alice@ops1**.');
		const alice = operatorBlock(report, 'alice@ops1');
		expect(alice).toContain('started the run at');
		expect(alice).toContain('ran: `prepare` (attempt 1), `restore` (attempt 1)');
		expect(alice).toContain('decided: `announce` mark-done');
		const bob = operatorBlock(report, 'bob@ops2');
		expect(bob).toContain('resumed the run at');
		expect(bob).toContain('ran: `restore` (attempt 2), `finish` (attempt 1)');
		expect(bob).not.toContain('prepare');

		// Titles come from the runbook file, with the secret as ***.
		expect(section(report, 'Steps')).toContain('| 1 | `prepare` | Prepare with token *** | succeeded | 1 | 0 |');
		expect(section(report, 'Steps')).toMatch(/\| 3 \| `restore` \| Restore the database \| succeeded \| 2 \| 0 \| [^|]+ \| alice@ops1, bob@ops2 \|/);
		expect(section(report, 'Failures and skips')).toMatch(/- `restore` attempt 1 failed at [\d-]+ [\d:]+ \(alice@ops1\): exit code 1; log `logs\/restore\.1\.log`/);

		const timeline = section(report, 'Timeline');
		expect(timeline).toMatch(/\| alice@ops1 \| {2}\| run started \|/);
		expect(timeline).toMatch(/\| alice@ops1 \| `restore` \| failed \| exit code 1; after /);
		expect(timeline).toMatch(/\| alice@ops1 \| {2}\| run failed \| step restore failed \|/);
		expect(timeline).toMatch(/\| bob@ops2 \| {2}\| run resumed \|/);
		expect(timeline).toMatch(/\| bob@ops2 \| `restore` \| attempt 2 started \| `echo restore >> marks …` → logs\/restore\.2\.log \|/);
		expect(timeline).toMatch(/\| bob@ops2 \| {2}\| run completed \|/);

		// Downtime: from prepare's first start to finish's end, as the state recorded them.
		const state = ws.state(runId);
		const startedAt = state.steps.prepare.attempts[0].startedAt;
		const endedAt = state.steps.finish.finishedAt!;
		const match = /from the first step's start \((.+) UTC\) to the last step's end \((.+) UTC\): \*\*.+ \(([\d.]+) s\)\*\*/.exec(section(report, 'Downtime'));
		expect(match).not.toBeNull();
		expect(match![1]).toBe(startedAt.replace('T', ' ').slice(0, 19));
		expect(match![2]).toBe(endedAt.replace('T', ' ').slice(0, 19));
		expect(Number(match![3])).toBeCloseTo((Date.parse(endedAt) - Date.parse(startedAt)) / 1000, 3);
		expect(Number(match![3])).toBeGreaterThan(0);

		// The journal: each process wrote its own entries, and no secret anywhere.
		const journal = readJournal(path.join(ws.stateDir, 'runs', runId));
		const pids = new Map<string, Set<number>>();
		for (const entry of journal) pids.set(entry.by, (pids.get(entry.by) ?? new Set()).add(entry.pid));
		expect([...pids.keys()]).toEqual(['alice@ops1', 'bob@ops2']);
		expect([...pids.get('alice@ops1')!].some(pid => pids.get('bob@ops2')!.has(pid))).toBe(false);
		expect(journal.some(e => e.event === ('output' as string))).toBe(false);
		expect(readFileSync(path.join(ws.stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')).not.toContain(SECRET);
		expect(readFileSync(path.join(ws.stateDir, 'runs', runId, 'logs', 'prepare.1.log'), 'utf8')).toContain('using ***');
		expect(report).not.toContain(SECRET);
	});

	it('writes the report with --output; names the operator user@host by default; works without the runbook file', async () => {
		const ws = workspace();
		const file = ws.write('drill.yaml', DRILL);
		ws.write('ready', '');
		const run = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: SECRET}});
		expect(run.code, run.stderr).toBe(0);
		const runId = ws.onlyRunId();
		const me = `${os.userInfo().username}@${os.hostname()}`;

		const printed = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(printed.code).toBe(0);
		expect(printed.stdout).toContain(`Started by **${me}**.`);

		const written = await ws.cli(['report', runId, '--state-dir', ws.stateDir, '--output', 'report.md']);
		expect(written.code).toBe(0);
		expect(written.stdout).toBe('');
		expect(written.stderr).toContain(`written to ${ws.path('report.md')}`);
		expect(ws.read('report.md')).toBe(printed.stdout);

		rmSync(file);
		const withoutRunbook = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(withoutRunbook.code).toBe(0);
		expect(withoutRunbook.stdout).toContain('| 3 | `restore` |  | succeeded |');
	});

	it('an unknown run, or an output file it cannot write, exits 2 with a message and no stack trace', async () => {
		const ws = workspace();
		const unknown = await ws.cli(['report', 'no-such-run', '--state-dir', ws.stateDir]);
		expect(unknown.code).toBe(2);
		expect(unknown.stdout).toBe('');
		expect(unknown.stderr).toBe(`runbook: no run no-such-run in ${ws.stateDir} (see \`runbook runs\`)\n`);

		const file = ws.write('drill.yaml', DRILL);
		ws.write('ready', '');
		await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: SECRET}});
		const badOutput = await ws.cli(['report', ws.onlyRunId(), '--state-dir', ws.stateDir, '--output', ws.path('missing-dir/report.md')]);
		expect(badOutput.code).toBe(2);
		expect(badOutput.stderr).toMatch(/^runbook: cannot write the report to .*missing-dir\/report\.md: .*check that its folder exists/);
		expect(stackLines(unknown.stderr + badOutput.stderr)).toEqual([]);
	});
});
