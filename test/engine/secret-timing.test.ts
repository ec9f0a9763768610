/**
 * A secret param is asked only when a step that runs will use it (issue 10, item 5): the
 * passphrase of an encrypted backup is not asked for a plain `.sql.gz`, and for a `.gpg`
 * it is asked once, as soon as the check step's capture says the backup is encrypted.
 * The engine with fake ports (a scripted operator and shell); the real runbook for the
 * classification.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {loadRunbook} from '../../source/runbook/load.js';
import {runbookSchema, type Param} from '../../source/runbook/schema.js';
import {Runner} from '../../source/engine/runner.js';
import {classifySecrets, stepReferences} from '../../source/engine/secret-timing.js';
import {newRunState} from '../../source/engine/transitions.js';
import {FakeClock, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';
import {ROOT} from '../cli/helpers.js';

describe('classifySecrets', () => {
	it('on the Synapse restore runbook: the passphrase waits for the decrypt step, then is due once the backup is known to be encrypted', async () => {
		const {runbook} = await loadRunbook(path.join(ROOT, 'runbooks', 'synapse-db-restore.yaml'));
		const start = classifySecrets(runbook, ['BACKUP_PASSPHRASE'], {BACKUP_FILE: 'backups/x.sql.gz'});
		expect([...start.deferred]).toEqual(['BACKUP_PASSPHRASE']);
		expect(start.due.size).toBe(0);
		const checked = new Set(['check-backup']);
		expect([...classifySecrets(runbook, ['BACKUP_PASSPHRASE'], {BACKUP_FILE: 'x.sql.gz.gpg', BACKUP_FORMAT: 'encrypted'}, checked).due]).toEqual(['BACKUP_PASSPHRASE']);
		expect([...classifySecrets(runbook, ['BACKUP_PASSPHRASE'], {BACKUP_FILE: 'x.sql.gz', BACKUP_FORMAT: 'plain'}, checked).deferred]).toEqual(['BACKUP_PASSPHRASE']);
		// Once the decrypt step is done, no step still to run names it.
		const decrypted = new Set(['check-backup', 'decrypt']);
		expect([...classifySecrets(runbook, ['BACKUP_PASSPHRASE'], {BACKUP_FORMAT: 'encrypted'}, decrypted).unnamed]).toEqual(['BACKUP_PASSPHRASE']);
	});

	it('asks up front what a step that surely runs names, what a `when` reads, and what no step names (a command may read it from the environment)', () => {
		const runbook = runbookSchema.parse(
			parse(`
version: 1
title: T
params:
  A: {secret: true}
  B: {secret: true}
  C: {secret: true}
  D: {secret: true}
steps:
  - id: one
    run: echo "\${A:-}"
  - id: two
    when: {var: B, equals: x}
    run: echo two
  - id: three
    when: {var: MODE, equals: fast}
    env: {TOKEN: $D}
    run: curl -H "X-Token-$$TOKEN" example.invalid
`),
		);
		const timing = classifySecrets(runbook, ['A', 'B', 'C', 'D'], {});
		expect([...timing.due].sort()).toEqual(['A', 'B']);
		expect([...timing.unnamed]).toEqual(['C']);
		expect([...timing.deferred]).toEqual(['D']);
		expect([...stepReferences(runbook.steps[2]!)]).toContain('D');
	});
});

const RESTORE = runbookSchema.parse(
	parse(`
version: 1
title: Restore
params:
  BACKUP_FILE: {required: true}
  PASS: {secret: true}
steps:
  - id: check
    run: case "$BACKUP_FILE" in *.gpg) echo encrypted;; *) echo plain;; esac
    capture: FORMAT
  - id: stop
    run: echo stop
  - id: decrypt
    when: {var: FORMAT, equals: encrypted}
    run: gpg --passphrase-fd 3 3<<<"$PASS"
  - id: verify
    when: {var: FORMAT, equals: encrypted}
    run: test -n "$PASS"
`),
);

function restoreWith(format: string) {
	const shell = new FakeShell().on('check', {exitCode: 0, stdout: [format]});
	const operator = new ScriptedOperator();
	const clock = new FakeClock();
	const vars = {BACKUP_FILE: format === 'encrypted' ? 'b.sql.gz.gpg' : 'b.sql.gz'};
	const runner = new Runner({
		runbook: RESTORE,
		runbookDir: '/rb',
		state: newRunState({runId: 'r', runbookPath: '/rb/x.yaml', runbookHash: 'h', title: 't', stepIds: RESTORE.steps.map(s => s.id), by: 'a@h', at: clock.now(), cwd: '/tmp', vars, secretVars: ['PASS']}),
		runDir: '/tmp/r',
		ports: {shell, store: new MemoryStore(), clock, operator},
		secrets: {},
		by: 'a@h',
		resumed: false,
		askWhenNeeded: [{name: 'PASS', param: RESTORE.params!.PASS as Param}],
	});
	return {shell, operator, runner};
}

describe('Runner: a secret asked when needed', () => {
	it('a plain backup: the passphrase is never asked, the decrypt steps are skipped', async () => {
		const {operator, runner, shell} = restoreWith('plain');
		expect(await runner.start()).toBe('completed');
		expect(operator.asked.filter(q => q.startsWith('param:'))).toEqual([]);
		expect(shell.requests.map(r => r.stepId)).toEqual(['check', 'stop']);
	});

	it('an encrypted backup: asked once, right after the check said so (before the service is stopped), and both steps get it', async () => {
		const {operator, runner, shell} = restoreWith('encrypted');
		operator.answers.param.push('correct horse battery');
		expect(await runner.start()).toBe('completed');
		expect(operator.asked).toEqual(['gate:check', 'param:PASS', 'gate:stop', 'gate:decrypt', 'gate:verify']);
		expect(shell.requests.map(r => r.stepId)).toEqual(['check', 'stop', 'decrypt', 'verify']);
		expect(shell.requests.slice(2).map(r => r.env.PASS)).toEqual(['correct horse battery', 'correct horse battery']);
		expect(runner.getState().secretVars).toContain('PASS');
		expect(JSON.stringify(runner.getState())).not.toContain('correct horse battery');
	});

	it('quitting at the question pauses the run before the next step', async () => {
		const {operator, runner, shell} = restoreWith('encrypted');
		operator.answers.param.push('quit');
		expect(await runner.start()).toBe('aborted');
		expect(shell.requests.map(r => r.stepId)).toEqual(['check']);
	});
});
