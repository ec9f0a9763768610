/**
 * The demo restore through the TUI in a real terminal (tmux, 80x24): a throwaway
 * PostgreSQL holding a damaged Synapse-shaped database and an encrypted backup
 * (demo/setup.ts); `runbook run runbooks/synapse-db-restore.yaml` WITHOUT
 * RUNBOOK_SECRET_BACKUP_PASSPHRASE, so the TUI asks for the passphrase (masked) once the
 * check step found the backup encrypted. The operator switches to auto mode with `a`, types
 * the passphrase, and types the database's
 * name at the destructive drop-database step. The restored database must equal
 * the backup; the passphrase (a random canary) must appear on no screen, in no
 * byte written to the terminal and in no file under the state dir; no screen
 * line may be wider than 80 columns.
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {compareCounts, prepareDemo, restoredCounts, DATABASE, PASSPHRASE_ENV, RUNBOOK_PATH, type DemoEnvironment} from '../../demo/setup.ts';
import {filesUnder, stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {exitSummary, shownRunId, startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

let demo: DemoEnvironment;

beforeAll(async () => {
	// Smaller than the demo's default size: the same flow, less time on 2 cores.
	demo = await prepareDemo({size: {users: 60, rooms: 100, events: 3000}});
}, 120_000);

afterAll(async () => {
	await demo?.cleanup();
});

describe('the demo restore in the TUI', () => {
	it('asks the secret passphrase masked, runs in auto mode, confirms the drop by name, restores the backup', async () => {
		expect(compareCounts(demo.before, demo.damaged).match).toBe(false);
		const passphrase = demo.passphrase;
		expect(passphrase.length).toBeGreaterThanOrEqual(12);

		const ws = workspace();
		const recording = ws.path('terminal.raw');
		const args = ['run', RUNBOOK_PATH];
		for (const [name, value] of Object.entries(demo.params)) args.push('-p', `${name}=${value}`);
		args.push('--state-dir', demo.stateDir);
		const env: Record<string, string | undefined> = {...demo.env, [PASSPHRASE_ENV]: undefined};
		const tui = startTui(ws, args, {cwd: demo.work, env, recordTo: recording});
		const {term} = tui;

		// The plan first (nothing has run); the passphrase is not asked yet: only the decrypt
		// step names it, and it runs only for an encrypted backup (engine/secret-timing.ts).
		const plan = await tui.startRun();
		expect(plan).toContain('destructive: drop-database');

		// Step mode first: a switches to auto mode and the gate of step 1 goes by itself.
		const gate = await term.waitFor('▶ Run step 1 "Check the backup file"?', START_MS);
		expect(gate).not.toContain('? Parameter BACKUP_PASSPHRASE');
		// The long title keeps the first row whole; the run id has the second row.
		const [titleRow, runRow] = gate.split('\n');
		expect(titleRow).toMatch(/^Restore the Synapse database from a backup \(drop & recreate\) +\d\d:\d\d · step mode$/);
		expect(runRow).toMatch(/^run synapse-db-restore-\d{8}-\d{6}-[0-9a-f]+$/);
		term.sendKeys('a');
		await term.waitFor(/ · auto mode$/m);

		// The check step said the backup is encrypted: the passphrase is asked now, masked,
		// before Synapse is stopped (not at the decrypt step, with the service already down).
		const asked = await term.waitFor('? Parameter BACKUP_PASSPHRASE', 60_000);
		expect(asked).toContain('(secret, not shown; Enter leaves it empty)');
		term.type(passphrase);
		await term.waitFor('*'.repeat(passphrase.length));
		term.sendKeys('Enter');

		// The destructive step stops auto mode: its confirm question, answered by typing
		// the database's name (one question: runner.ts confirmations).
		const question = `? Drop the database ${DATABASE}? Its current data is lost`;
		const drop = await term.waitFor(`Type ${DATABASE} to confirm (Esc cancels):`, 60_000);
		expect(drop).toContain(question);
		// The panel takes the whole width at the prompt: the tag is whole, the script scrolls in place.
		expect(drop).toMatch(/^8\/19 Drop the database synapse \[run\] DESTRUCTIVE$/m);
		expect(drop).toMatch(/^↓ \d+ more rows: PgDn\/PgUp scroll/m);
		// PgDn scrolls to the values: which server is about to be dropped (the PSQL value), whole.
		const squeeze = (screen: string) => screen.replace(/\n *↪ /g, '').replace(/ /g, '');
		const psql = squeeze(`PSQL=${demo.params.PSQL}`);
		for (let page = 0; page < 6 && !squeeze(term.capture()).includes(psql); page++) {
			const before = term.capture();
			term.sendKeys('NPage');
			await term.waitUntil('the script to scroll', () => term.capture() !== before);
		}
		expect(squeeze(term.capture())).toContain(psql);
		term.sendKeys('PPage');
		await term.waitUntil('the script to scroll back', () => !/more rows? above/.test(term.capture()));
		expect(drop).not.toContain('Confirm: y/N');
		// The question wraps at a space: its second row starts with a word.
		const lines = drop.split('\n');
		const questionRow = lines.findIndex(line => line.startsWith(question));
		expect(questionRow).toBeGreaterThan(0);
		expect(lines[questionRow + 1]).toMatch(/^\S/);
		expect(await restoredCounts(demo.server)).toEqual(demo.damaged);
		term.type(DATABASE);
		await term.waitFor(`(Esc cancels): ${DATABASE}`);
		term.sendKeys('Enter');

		await tui.leaveSummary(60_000);
		expect(await tui.exitCode(60_000)).toBe(0);
		expect(exitSummary(term.capture({history: true}))).toMatch(/^✔ Run completed in \S+\.\nRunbook: Restore the Synapse database from a backup \(drop & recreate\)\nSteps: 19\/19 done/);

		// The database equals the backup again.
		const restored = await restoredCounts(demo.server);
		expect(restored).toEqual(demo.before);
		expect(compareCounts(demo.before, restored).match).toBe(true);

		const stateFiles = filesUnder(path.join(demo.stateDir, 'runs')).filter(file => file.endsWith('state.json'));
		expect(stateFiles).toHaveLength(1);
		const state = JSON.parse(readFileSync(stateFiles[0], 'utf8')) as import('../../source/engine/state.js').RunState;
		expect(state.status).toBe('completed');
		expect(term.screens.some(screen => shownRunId(screen) === state.runId)).toBe(true);
		const statuses = stepStatuses(state);
		expect(
			Object.values(statuses).every(status => status === 'succeeded' || status === 'skipped'),
			JSON.stringify(statuses),
		).toBe(true);
		expect(statuses.decrypt).toBe('succeeded');
		expect(state.vars.USER_COUNT).toBe(String(demo.before.users));
		expect(state.vars.ROOM_COUNT).toBe(String(demo.before.rooms));
		expect(state.vars).not.toHaveProperty('BACKUP_PASSPHRASE');
		expect(state.decisions).toContainEqual(expect.objectContaining({kind: 'confirm', stepId: 'drop-database'}));

		// The passphrase is nowhere: not on a screen, not in the terminal's byte stream
		// (so not even for a moment between two captures), not under the state dir.
		expect(term.screens.length).toBeGreaterThan(10);
		for (const screen of [...term.screens, term.capture({history: true})]) expect(screen.includes(passphrase)).toBe(false);
		expect(existsSync(recording)).toBe(true);
		const bytes = readFileSync(recording);
		expect(bytes.includes('Check the backup file')).toBe(true);
		expect(bytes.includes(passphrase)).toBe(false);
		const saved = filesUnder(demo.stateDir);
		expect(saved.length).toBeGreaterThan(10);
		for (const file of saved) expect(readFileSync(file).includes(passphrase), file).toBe(false);

		// Every screen fits 80 columns.
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 180_000);
});
