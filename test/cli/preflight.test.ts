/**
 * The non-interactive preflight (issue 10, item 2), with the built CLI and no
 * terminal: a run that would stop at a confirmation, a destructive step, an ask
 * or a missing param without the flag that answers it is refused before its
 * first step, naming every missing flag and value at once (exit 2). No step
 * ran: no marker written, no step start in the journal.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1
title: Stop, back up, drop
params:
  DB_NAME:
    required: true
  FORMAT:
    default: plain
steps:
  - id: stop-service
    title: Stop the service
    run: echo stop >> marks
  - id: backup
    run: echo /backups/safety.sql
    capture: SAFETY_BACKUP
  - id: careful
    confirm: Terminate the connections?
    run: echo careful >> marks
  - id: pick
    ask:
      var: MODE
      prompt: Which restore mode?
      choices: [full, schema]
  - id: drop
    destructive: $DB_NAME
    run: echo drop >> marks
  - id: decrypt
    when: {var: FORMAT, equals: encrypted}
    confirm: Decrypt with the key?
    run: echo decrypt >> marks
  - id: check-backup
    when: {var: SAFETY_BACKUP, equals: ''}
    manual: No safety backup was taken; take one by hand.
`;

/** Step starts in a run's journal (none when it has no journal). */
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

describe('without a terminal, a run that would stop at a question', () => {
	it('is refused before the first step, naming every missing flag and value at once', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const refused = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		const err = refused.stderr;
		expect(err).toContain('runbook: param DB_NAME is required: pass -p DB_NAME=VALUE');
		expect(err).toMatch(/^ {2}--yes +step careful asks "Terminate the connections\?"$/m);
		expect(err).toMatch(/^ {2}-p MODE=VALUE +step pick asks "Which restore mode\?" \(one of: full, schema\)$/m);
		expect(err).toMatch(/^ {2}--yes-destructive +step drop is destructive/m);
		// FORMAT is plain: the decrypt step will be skipped, so it needs nothing.
		expect(err).not.toContain('decrypt');
		// Behind a `when` on a value captured during the run: it may need --yes.
		expect(err).toMatch(/may be needed[^\n]*\n {2}--yes +step check-backup is a manual step$/m);
		expect(refused.stdout).toBe('');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		// With the param, still refused (the other flags), and still nothing ran.
		const again = await ws.cli(['run', file, '-p', 'DB_NAME=synapse', '--state-dir', ws.stateDir]);
		expect(again.code).toBe(2);
		expect(again.stderr).toMatch(/^ {2}--yes-destructive +step drop is destructive \(confirmation word "synapse"\)$/m);
		expect(again.stderr).not.toContain('DB_NAME is required');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		// Every flag given: the run goes through.
		const run = await ws.cli(['run', file, '-p', 'DB_NAME=synapse', '-p', 'MODE=full', '--yes', '--yes-destructive', '--state-dir', ws.stateDir]);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(ws.lines()).toEqual(['stop', 'careful', 'drop']);
	});

	it('on resume: what the rest of the run needs is checked before anything runs; the journal gets no step start', async () => {
		const ws = workspace();
		const file = ws.write(
			'flaky.yaml',
			`version: 1
title: Fails once
steps:
  - id: stop-service
    run: echo stop >> marks
  - id: flaky
    run: |
      echo flaky >> marks
      if [ ! -f ready ]; then touch ready; exit 3; fi
  - id: tell
    confirm: Tell the team?
    run: echo tell >> marks
`,
		);
		const first = await ws.cli(['run', file, '--yes', '--state-dir', ws.stateDir]);
		expect(first.code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		const starts = stepStarts(runDir);
		expect(starts).toEqual(['stop-service', 'flaky']);

		// Without --yes the resume would re-run flaky, then stop at tell: refused first.
		const refused = await ws.cli(['resume', runId, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/^ {2}--yes +step tell asks "Tell the team\?"$/m);
		expect(stepStarts(runDir)).toEqual(starts);
		expect(ws.lines()).toEqual(['stop', 'flaky']);

		const resumed = await ws.cli(['resume', runId, '--yes', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(0);
		expect(ws.lines()).toEqual(['stop', 'flaky', 'flaky', 'tell']);
	});
	it('a param a capture overwrites is unknown after that step: a later `when` on it may need its flag, so the run is refused before any step', async () => {
		const ws = workspace();
		// MODE is "keep" before the run, so `when MODE equals drop` reads false on the old value; but the
		// pick step captures MODE, and at run time it is "drop": the drop step would stop the run half-way.
		const file = ws.write(
			'captured.yaml',
			`version: 1
title: Captured mode
params:
  MODE:
    default: keep
steps:
  - id: stop-service
    run: echo stop >> marks
  - id: pick
    run: echo drop
    capture: MODE
  - id: drop
    when: {var: MODE, equals: drop}
    destructive: synapse
    run: echo drop >> marks
`,
		);
		const refused = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/may be needed[^\n]*\n {2}--yes-destructive +step drop is destructive \(confirmation word "synapse"\)$/m);
		expect(refused.stdout).toBe('');
		expect(ws.lines()).toEqual([]);
		expect(ws.runIds()).toEqual([]);

		// runbook plan says the same: the when is decided during the run.
		const plan = await ws.cli(['plan', file]);
		expect(plan.code).toBe(0);
		expect(plan.stdout).toContain('when MODE equals "drop": decided during the run');
		expect(plan.stdout).toContain('Without a terminal it needs: --yes-destructive.');

		// With the flag the run goes through, and the drop step does run (MODE was captured as drop).
		const run = await ws.cli(['run', file, '--yes-destructive', '--state-dir', ws.stateDir]);
		expect(run.stderr).toBe('');
		expect(run.code).toBe(0);
		expect(ws.lines()).toEqual(['stop', 'drop']);
		expect(stepStarts(path.join(ws.stateDir, 'runs', ws.onlyRunId()))).toEqual(['stop-service', 'pick', 'drop']);
	});

	it('an ask that overwrites a param makes a later `when` on it "may need" unless the answer is given', async () => {
		const ws = workspace();
		const file = ws.write(
			'asked.yaml',
			`version: 1
title: Asked mode
params:
  MODE:
    default: keep
steps:
  - id: stage
    run: echo go
    capture: STAGE
  - id: pick
    when: {var: STAGE, equals: go}
    ask:
      var: MODE
      prompt: Which mode?
      choices: [keep, drop]
  - id: drop
    when: {var: MODE, equals: drop}
    confirm: Drop it?
    run: echo drop >> marks
`,
		);
		// Without the answer: the ask may run, so MODE is not known after it, and the drop step may need --yes.
		const refused = await ws.cli(['run', file, '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/^ {2}-p MODE=VALUE +step pick asks "Which mode\?"/m);
		expect(refused.stderr).toMatch(/^ {2}--yes +step drop asks "Drop it\?"$/m);
		expect(ws.runIds()).toEqual([]);
		// -p MODE=keep answers the ask with the value MODE already had: the drop step is skipped either way.
		const kept = await ws.cli(['run', file, '-p', 'MODE=keep', '--state-dir', ws.stateDir]);
		expect(kept.stderr).toBe('');
		expect(kept.code).toBe(0);
		expect(ws.lines()).toEqual([]);
	});
	it('a secret ask answered with -p is never printed: the destructive word that uses it shows ***, in the refusal and in plan', async () => {
		const ws = workspace();
		const file = ws.write(
			'secret-word.yaml',
			`version: 1
title: Secret word
steps:
  - id: token
    ask:
      var: TOKEN
      prompt: The token?
      secret: true
  - id: drop
    destructive: $TOKEN
    run: echo drop >> marks
`,
		);
		const refused = await ws.cli(['run', file, '-p', 'TOKEN=supersecret-token', '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(2);
		expect(refused.stderr).toMatch(/step drop is destructive \(confirmation word "\*\*\*"\)/);
		expect(refused.stderr + refused.stdout).not.toContain('supersecret-token');
		const plan = await ws.cli(['plan', file, '-p', 'TOKEN=supersecret-token']);
		expect(plan.code).toBe(0);
		expect(plan.stdout).toContain('drop');
		expect(plan.stdout + plan.stderr).not.toContain('supersecret-token');
		expect(ws.lines()).toEqual([]);
	});
});
