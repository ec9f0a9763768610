/**
 * Nothing decision-critical is cut off (issue 10, item 1), on a fake run in a
 * fake terminal: at a destructive prompt the whole command and every variable
 * value are on screen at 80x24 for a script of 8 short lines; a longer one
 * scrolls in place with PgUp/PgDn and says so; `d` opens the details view of a
 * step (description, command, variables and where they come from, timeout,
 * retries) and Esc returns; a failed step's description is shown whole.
 * The real terminal (tmux) is in test/e2e/screen.test.ts.
 */
import stringWidth from 'string-width';
import {afterEach, describe, expect, test} from 'vitest';
import type {Step} from '../../source/runbook/schema.js';
import {KEY, plain, press, startApp, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const PSQL = 'psql "host=db-primary.prod.example.internal port=5432 user=synapse_admin sslmode=verify-full"';
const DROP = [
	'if [ -z "${SAFETY_BACKUP:-}" ]; then',
	'  echo "Warning: no safety backup was taken in this run." >&2',
	'fi',
	'exists=$($PSQL -d "$MAINTENANCE_DB" -X -At -v db="$DB_NAME" -c "SELECT 1")',
	'if [ "$exists" != 1 ]; then echo "nothing to drop"; fi',
	'$PSQL -d "$MAINTENANCE_DB" -X -v ON_ERROR_STOP=1 <<SQL',
	'DROP DATABASE IF EXISTS "$DB_NAME";',
	'SQL',
].join('\n');

function dropStep(run: string): Step {
	return {
		id: 'drop-database',
		title: 'Drop the database synapse',
		description: 'Seed step 5. Drops the database so that the restore starts from an empty one. Safe to re-run.',
		destructive: 'synapse',
		timeout: '5m',
		retries: 1,
		run,
	};
}

const VARS = {DB_NAME: 'synapse', MAINTENANCE_DB: 'postgres', PSQL, SAFETY_BACKUP: '/var/backups/synapse/safety-20261206-0312.sql.gz', PGPASSWORD: '***'};

/** Every frame fits the terminal. */
function expectFits(frames: readonly string[], columns: number, rows: number): void {
	for (const frame of frames) {
		const lines = plain(frame).split('\n');
		expect(lines.length).toBeLessThanOrEqual(rows);
		for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
	}
}

/** The rows of a frame joined with their continuation rows. */
function panelText(frame: string): string {
	return frame.replace(/\n↪ /g, '');
}

describe('at a destructive prompt', () => {
	test.each([
		[80, 24],
		[100, 30],
	])('%ix%i: the whole 8-line script and every variable value are on screen', async (columns, rows) => {
		app = startApp([{id: 'stop', run: 'echo stop'}, dropStep(DROP)], {columns, rows}, {runDir: '/tmp/runbook-tui-decide'});
		const {handle, operator, t} = app;
		handle.vars['drop-database'] = VARS;
		const answer = operator.confirmDestructive(handle.stepView('drop-database'), 'Drop the database synapse? Its current data is lost.', 'synapse');
		const frame = plain(await waitForPrompt(t, 'Type synapse to confirm'));
		const panel = panelText(frame);
		expect(panel).toContain('DESTRUCTIVE');
		for (const line of DROP.split('\n')) expect(panel.replace(/ /g, ''), line).toContain(line.replace(/ /g, ''));
		for (const [name, value] of Object.entries(VARS)) expect(panel.replace(/ /g, ''), name).toContain(`${name}=${value}`.replace(/ /g, ''));
		expect(frame).not.toMatch(/more rows?/);
		expect(frame).not.toContain('…');
		await press(t.stdin, KEY.escape);
		expect(await answer).toBe('no');
		expectFits(t.stdout.frames, columns, rows);
	});

	test('80x24: a longer script scrolls in place with PgDn/PgUp, and the screen says how', async () => {
		const long = [DROP, ...Array.from({length: 12}, (_, i) => `echo "check ${i + 1} of the drop"`)].join('\n');
		app = startApp([dropStep(long)], {columns: 80, rows: 24});
		const {handle, operator, t} = app;
		handle.vars['drop-database'] = VARS;
		const answer = operator.confirmDestructive(handle.stepView('drop-database'), 'Drop the database synapse?', 'synapse');
		const first = plain(await waitForPrompt(t, 'Type synapse to confirm'));
		expect(first).toMatch(/↓ \d+ more rows: PgDn\/PgUp scroll/);
		expect(first).toContain('PgUp/PgDn scroll');
		expect(first).toContain('$ if [ -z');
		expect(first).not.toContain('PGPASSWORD=***');
		await press(t.stdin, KEY.pageDown, KEY.pageDown, KEY.pageDown);
		const end = plain(await waitForFrame(t, 'PGPASSWORD=***'));
		expect(end).toMatch(/↑ \d+ more rows above/);
		expect(end).toContain('check 12 of the drop');
		expect(end).not.toMatch(/↓ \d+ more rows/);
		await press(t.stdin, KEY.pageUp, KEY.pageUp, KEY.pageUp);
		expect(plain(await waitForFrame(t, '$ if [ -z'))).not.toMatch(/more rows above/);
		// The typed word still answers.
		for (const char of 'synapse') await press(t.stdin, char);
		await press(t.stdin, KEY.enter);
		expect(await answer).toBe('yes');
		expectFits(t.stdout.frames, 80, 24);
	});
});

describe('the details view (d)', () => {
	test('shows the whole step with where each variable comes from; Esc returns', async () => {
		const steps: Step[] = [{id: 'pick', ask: {var: 'DB_NAME', prompt: 'Which database?'}}, {id: 'backup', title: 'Safety backup', run: 'echo /var/backups/x.sql.gz', capture: 'SAFETY_BACKUP'}, dropStep(DROP)];
		app = startApp(steps, {columns: 80, rows: 24}, {headerLines: ['context: kind-prod · server: https://127.0.0.1:6443 · namespace: synapse']});
		const {handle, t} = app;
		handle.runbook.params = {PSQL: {description: 'How to reach the server'}, MAINTENANCE_DB: {default: 'postgres'}, PGPASSWORD: {secret: true}};
		handle.vars['drop-database'] = {...VARS, RUN_DIR: '/tmp/run'};
		await waitForFrame(t, '1. pick');
		await press(t.stdin, KEY.down, KEY.down);
		await waitForFrame(t, 'Drop the database synapse [run]');
		await press(t.stdin, 'd');
		const details = plain(await waitForFrame(t, 'Step details'));
		expect(details).toContain('3/3 Drop the database synapse [run] DESTRUCTIVE');
		expect(details).toContain('Seed step 5. Drops the database');
		expect(details).toMatch(/DB_NAME=synapse {2}\(ask \(step pick\)\)/);
		expect(details).toMatch(/MAINTENANCE_DB=postgres {2}\(param\)/);
		await press(t.stdin, 'G');
		const end = plain(await waitForFrame(t, '(end)'));
		expect(end.replace(/\n {2}↪ /g, '')).toContain('SAFETY_BACKUP=/var/backups/synapse/safety-20261206-0312.sql.gz  (capture(step backup))');
		expect(end).toContain('RUN_DIR=/tmp/run  (built-in)');
		expect(end).toContain('PGPASSWORD=***  (param)');
		expect(end).toContain('Kubernetes: context: kind-prod');
		expect(end).toContain('Timeout: 5m · Retries: 1');
		expect(end).toContain('Destructive: the operator types synapse to confirm');
		await press(t.stdin, KEY.escape);
		await waitForFrame(t, frame => !frame.includes('Step details') && frame.includes('d details'));
		expectFits(t.stdout.frames, 80, 24);
	});
});

describe('a failed step', () => {
	test('its description is shown whole, not cut to 2 rows', async () => {
		const description = Array.from({length: 7}, (_, i) => `What to do when it fails, point ${i + 1}.`).join('\n');
		app = startApp([{id: 'restore', title: 'Restore the dump', description, run: 'pg_restore dump'}], {columns: 80, rows: 24});
		const {handle, operator, t} = app;
		handle.start('restore');
		handle.output(
			'restore',
			'stderr',
			Array.from({length: 30}, (_, i) => `error line ${i + 1}`),
		);
		handle.finish('restore', 'failed', {exitCode: 1, error: 'exit code 1'});
		void operator.onFailure(handle.stepView('restore'), {error: 'exit code 1', exitCode: 1, attempt: 1});
		const frame = plain(await waitForPrompt(t, 'r retry'));
		for (let i = 1; i <= 7; i++) expect(frame).toContain(`point ${i}.`);
		expect(frame).toContain('error line 30');
	});
});
