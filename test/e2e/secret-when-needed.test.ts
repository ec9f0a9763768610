/**
 * A secret param is asked only when a step that runs will use it (issue 10, item 5), with
 * the built CLI: in a real terminal (tmux, 80x24) a plain `.sql.gz` backup gets no
 * passphrase question at all; a `.gpg` backup gets it once, right after the check step
 * said the backup is encrypted (before the service is stopped), though two steps use it.
 * Without a terminal, a plain backup needs no passphrase either.
 */
import {describe, expect, it} from 'vitest';
import {runCli, useWorkspaces} from '../cli/helpers.js';
import {startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

// The Synapse restore's shape (runbooks/synapse-db-restore.yaml): the check step captures the
// format, the decrypt steps run only for an encrypted backup and are the only ones naming the passphrase.
const RUNBOOK = `version: 1
title: Restore a backup
params:
  BACKUP_FILE: {required: true, description: The backup}
  BACKUP_PASSPHRASE: {secret: true, description: Passphrase of an encrypted backup}
steps:
  - id: check
    title: Check the backup
    run: case "$BACKUP_FILE" in *.gpg) echo encrypted;; *) echo gzip;; esac
    capture: BACKUP_FORMAT
  - id: stop
    title: Stop the service
    run: echo stop >> marks
  - id: decrypt
    title: Decrypt the backup
    when: {var: BACKUP_FORMAT, equals: encrypted}
    run: echo "decrypt \${#BACKUP_PASSPHRASE}" >> marks
  - id: verify
    title: Verify the decrypted copy
    when: {var: BACKUP_FORMAT, equals: encrypted}
    run: test -n "$BACKUP_PASSPHRASE" && echo verify >> marks
`;

const QUESTION = '? Parameter BACKUP_PASSPHRASE';

describe('the passphrase of a backup', () => {
	it('is not asked for a plain .sql.gz (TUI): the decrypt steps are skipped', async () => {
		const ws = workspace();
		const file = ws.write('restore.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '-p', 'BACKUP_FILE=b.sql.gz'], {width: 80, height: 24});
		await tui.startRun(START_MS);
		await tui.leaveSummary(60_000);
		expect(await tui.exitCode()).toBe(0);
		expect(tui.term.screens.filter(screen => screen.includes(QUESTION))).toEqual([]);
		expect(ws.lines()).toEqual(['stop']);
		expect(tooWide(tui.term.screens, 80)).toEqual([]);
	}, 120_000);

	it('is asked once for a .gpg (TUI), after the check and before the service is stopped; both steps get it', async () => {
		const ws = workspace();
		const file = ws.write('restore.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir, '-p', 'BACKUP_FILE=b.sql.gz.gpg'], {width: 80, height: 24});
		const {term} = tui;
		await tui.startRun(START_MS);
		const gate = await term.waitFor('▶ Run step 1 "Check the backup"?');
		expect(gate).not.toContain(QUESTION);
		term.sendKeys('Enter');
		const asked = await term.waitFor(QUESTION, START_MS);
		expect(asked).toContain('(secret, not shown; Enter leaves it empty)');
		expect(ws.lines()).toEqual([]);
		term.type('s3cret-pass');
		await term.waitFor('*'.repeat('s3cret-pass'.length));
		term.sendKeys('Enter');
		const answeredAt = term.screens.length;
		await term.waitFor('▶ Run step 2 "Stop the service"?');
		term.sendKeys('a');
		await tui.leaveSummary(60_000);
		expect(await tui.exitCode()).toBe(0);
		expect(ws.lines()).toEqual(['stop', `decrypt ${'s3cret-pass'.length}`, 'verify']);
		expect(term.screens.slice(answeredAt + 1).filter(screen => screen.includes(QUESTION))).toEqual([]);
		expect(term.screens.some(screen => screen.includes('s3cret-pass'))).toBe(false);
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 120_000);

	it('is not needed without a terminal for a plain .sql.gz', async () => {
		const ws = workspace();
		const file = ws.write('restore.yaml', RUNBOOK);
		const result = await runCli(['run', file, '--plain', '--state-dir', ws.stateDir, '-p', 'BACKUP_FILE=b.sql.gz'], {cwd: ws.dir, env: {RUNBOOK_SECRET_BACKUP_PASSPHRASE: undefined}});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(ws.lines()).toEqual(['stop']);
	}, 60_000);
});
