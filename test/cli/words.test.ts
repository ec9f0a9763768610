/**
 * Words that are true (issue 10, item 6), with the built CLI and no terminal:
 * a run whose step would meet a question without its flag only once a capture
 * has run is refused before it starts (the preflight knows what a capture
 * overwrites), so no run is left paused half-way; "already completed" suggests `--new` only when an unfinished run of the
 * runbook makes it needed. The refusal words of a question met during a run are
 * tested on the runner (test/engine/runner.test.ts): the CLI's preflight leaves
 * no way to reach one.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

// MODE is `keep` before the run, but the capture sets it to `drop` during the run: the preflight
// treats MODE as unknown after the capture, so --yes-destructive is asked for before anything runs.
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

// Fails while the file stop-here exists in the working directory: a run left unfinished (exit 1).
const STOPS = `version: 1
title: Stops while stop-here exists
steps:
  - id: look
    run: test ! -f stop-here
  - id: after
    run: echo after >> marks
`;

/** The journal's entries of a run. */
function journal(stateDir: string, runId: string): {event: string; status?: string; reason?: string}[] {
	return readFileSync(path.join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line) as {event: string; status?: string; reason?: string});
}

describe('a question a capture makes necessary, without a terminal', () => {
	it('is refused before the run starts, naming the flag: no run is left paused half-way', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const refused = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/^ {2}--yes-destructive +step drop is destructive/m);
		expect(refused.stderr + refused.stdout).not.toContain('operator quit');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		// The flag given: the run completes, the drop step ran; its journal says completed.
		const done = await ws.cli(['run', file, '--yes-destructive', '--state-dir', ws.stateDir]);
		expect(done.code).toBe(0);
		expect(ws.lines()).toEqual(['drop']);
		const finished = journal(ws.stateDir, ws.onlyRunId()).filter(entry => entry.event === 'run-finished');
		expect(finished.map(entry => entry.status)).toEqual(['completed']);
	});
});

describe('resuming a completed run', () => {
	it('suggests `runbook run FILE`, with --new only when an unfinished run of the runbook exists', async () => {
		const ws = workspace();
		const file = ws.write('stops.yaml', STOPS);
		const done = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(done.code).toBe(0);
		const runId = ws.onlyRunId();

		const again = await ws.cli(['resume', runId, '--state-dir', ws.stateDir]);
		expect(again.code).toBe(2);
		expect(again.stderr).toBe(`runbook: run ${runId} is already completed; start a new one with \`runbook run ${file} --state-dir ${ws.stateDir}\`\n`);

		// An unfinished run of the same runbook: now `runbook run` would offer it, so --new is needed.
		ws.write('stop-here', '');
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
		const file = ws.write('stops.yaml', STOPS);
		ws.write('stop-here', '');
		const refused = await ws.cli(['run', file], {env});
		expect(refused.stderr).toContain(`Continue with: runbook resume ${ws.onlyRunId()}\n`);
		expect(refused.code).toBe(1);
	});
});
