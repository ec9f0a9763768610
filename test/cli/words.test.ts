/**
 * Words that are true (issue 10, item 6), with the built CLI and no terminal:
 * a refusal during a run (a flag missing for a step the preflight could not
 * foresee) is journalled and reported as a refusal naming the flag, not as the
 * operator quitting; a run stopped with progress kept reads "paused" (the saved
 * status stays `aborted`, so older state files load); "already completed"
 * suggests `--new` only when an unfinished run of the runbook makes it needed.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

// MODE is `keep` before the run, so the preflight sees `drop` skipped; the
// capture sets it to `drop` during the run: only then is --yes-destructive needed.
const RUNBOOK = `version: 1
title: Drop when the check says so
params:
  MODE:
    default: keep
steps:
  - id: look
    run: echo drop
    capture: MODE
  - id: drop
    when: {var: MODE, equals: drop}
    destructive: synapse
    run: echo drop >> marks
`;

/** The journal's entries of a run. */
function journal(stateDir: string, runId: string): {event: string; status?: string; reason?: string}[] {
	return readFileSync(path.join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as {event: string; status?: string; reason?: string});
}

describe('a refusal during a run without a terminal', () => {
	it('is journalled, printed and reported as a refusal naming the flag; the run reads "paused" everywhere people read it', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const refused = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(1);
		expect(ws.lines()).toEqual([]);
		const runId = ws.onlyRunId();
		// The saved value is unchanged: state files old and new load alike.
		expect(ws.state(runId).status).toBe('aborted');

		const finished = journal(ws.stateDir, runId).filter(entry => entry.event === 'run-finished');
		expect(finished).toHaveLength(1);
		expect(finished[0].reason).toMatch(/^refused: step drop is destructive .*pass --yes-destructive/);
		for (const text of [refused.stdout, refused.stderr]) {
			expect(text).not.toContain('operator quit');
			expect(text).not.toContain('aborted');
		}
		expect(refused.stdout).toMatch(new RegExp(`^\\S+ run ${runId} paused: refused: step drop is destructive .*--yes-destructive`, 'm'));
		expect(refused.stdout).toMatch(/^⏸ Run paused after \S+, progress kept: refused: step drop .*--yes-destructive/m);
		expect(refused.stderr).toMatch(/^runbook: refused: step drop is destructive .*pass --yes-destructive/m);
		expect(refused.stderr).toContain(`runbook: run ${runId} paused; progress is saved. Continue with: runbook resume ${runId}`);

		const runs = await ws.cli(['runs', '--state-dir', ws.stateDir]);
		expect(runs.stdout).toMatch(new RegExp(`^${runId} +paused +1/2 +drop `, 'm'));
		expect(runs.stdout).not.toContain('aborted');

		const report = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(report.code).toBe(0);
		expect(report.stdout).toMatch(/\| Status \| \*\*paused\*\* \(refused: step drop is destructive .*--yes-destructive/);
		expect(report.stdout).toMatch(/\| run paused \| refused: step drop/);
		expect(report.stdout).not.toMatch(/aborted|operator quit/);

		// The flag given: the paused run resumes and completes.
		const resumed = await ws.cli(['resume', runId, '--yes-destructive', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(0);
		expect(ws.lines()).toEqual(['drop']);
	});
});

describe('resuming a completed run', () => {
	it('suggests `runbook run FILE`, with --new only when an unfinished run of the runbook exists', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const done = await ws.cli(['run', file, '--yes-destructive', '--state-dir', ws.stateDir]);
		expect(done.code).toBe(0);
		const runId = ws.onlyRunId();

		const again = await ws.cli(['resume', runId, '--state-dir', ws.stateDir]);
		expect(again.code).toBe(2);
		expect(again.stderr).toBe(`runbook: run ${runId} is already completed; start a new one with \`runbook run ${file} --state-dir ${ws.stateDir}\`\n`);

		// An unfinished run of the same runbook: now `runbook run` would offer it, so --new is needed.
		expect((await ws.cli(['run', file, '--state-dir', ws.stateDir])).code).toBe(1);
		const withOther = await ws.cli(['resume', runId, '--state-dir', ws.stateDir]);
		expect(withOther.stderr).toBe(`runbook: run ${runId} is already completed; start a new one with \`runbook run ${file} --new --state-dir ${ws.stateDir}\`\n`);
	});
});

describe('--help', () => {
	it('shows the real defaults: the state directory as found here, the grace period, no "{}" for -p', async () => {
		const ws = workspace();
		const env = {RUNBOOK_STATE_DIR: ws.stateDir};
		for (const command of ['run', 'resume', 'runs', 'report']) {
			const help = (await ws.cli([command, '--help'], {env})).stdout.replace(/\s+/g, ' ');
			expect(help).toContain(`(default: $RUNBOOK_STATE_DIR, else $XDG_STATE_HOME/runbook-tui, else ~/.local/state/runbook-tui; here ${ws.stateDir})`);
		}
		const run = (await ws.cli(['run', '--help'], {env})).stdout.replace(/\s+/g, ' ');
		expect(run).toContain('SIGKILL (0 to 3600) (default: 10 seconds)');
		expect(run).not.toContain('(default: {})');
		expect(run).not.toContain('(default: "');
		const plan = (await ws.cli(['plan', '--help'], {env})).stdout.replace(/\s+/g, ' ');
		expect(plan).not.toContain('(default: {})');

		// The default is not a given flag: hints name --state-dir only when it was passed.
		const file = ws.write('drop.yaml', RUNBOOK);
		const refused = await ws.cli(['run', file, '-p', 'MODE=drop', '-p', 'MODE=keep'], {env});
		expect(refused.stderr).toContain(`Continue with: runbook resume ${ws.onlyRunId()}\n`);
		expect(refused.code).toBe(1);
	});
});
