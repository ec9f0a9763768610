/**
 * The operator's screen in a real terminal (tmux) at 80x24 and 100x30, with the
 * built CLI (issue 10, item 1): at a destructive prompt the whole 8-line script
 * and every variable value it uses (the long PSQL connection among them, the
 * secret as ***) are on screen and the DESTRUCTIVE tag is whole; `d` at the gate
 * opens the details view with where each value comes from and Esc returns.
 */
import {describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const PSQL = 'psql "host=db-primary.prod.example.internal port=5432 user=synapse_admin sslmode=verify-full"';

const DROP_SCRIPT = [
	'if [ -z "$SAFETY_BACKUP" ]; then',
	'  echo "Warning: no safety backup was taken in this run." >&2',
	'fi',
	'echo "would run: $PSQL -d $MAINTENANCE_DB" > /dev/null',
	'test -n "$PGPASSWORD" && echo "password is set" > /dev/null',
	'# DROP DATABASE IF EXISTS "$DB_NAME";',
	'echo "dropped $DB_NAME"',
	'echo drop >> marks',
];

const RUNBOOK = `version: 1
title: Drop and recreate
params:
  PSQL:
    description: How to reach the server
    required: true
  DB_NAME:
    default: synapse
  MAINTENANCE_DB:
    default: postgres
  PGPASSWORD:
    secret: true
  SAFETY_BACKUP:
    default: /var/backups/synapse/safety-20261206-0312.sql.gz
steps:
  - id: drop-database
    title: Drop the database $DB_NAME
    description: Seed step 5. Drops the database so that the restore starts from an empty one.
    destructive: $DB_NAME
    timeout: 5m
    run: |
${DROP_SCRIPT.map(line => `      ${line}`).join('\n')}
`;

/** The screen's rows joined with the rows that continue them (`↪ `), spaces left out (a row broken at a space ends with it, which the terminal does not show). */
function squeezed(screen: string): string {
	return screen.replace(/\n *↪ /g, '').replace(/ /g, '');
}

describe.each([
	[80, 24],
	[100, 30],
])('the screen at %ix%i', (width, height) => {
	it('shows the whole destructive command and every value it uses; d shows the details, Esc returns', async () => {
		const ws = workspace();
		const file = ws.write('drop.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir, '-p', `PSQL=${PSQL}`], {width, height, env: {RUNBOOK_SECRET_PGPASSWORD: 's3cret-value'}});
		const {term} = tui;

		await tui.startRun();
		// A destructive step's gate asks nothing: Enter shows the word to type (asked once).
		const gate = await term.waitFor('Enter ask · s skip · q quit', START_MS);
		expect(gate).toContain('▶ Step 1 "Drop the database synapse"');
		expect(gate).not.toContain('Run step 1');
		term.sendKeys('d');
		const details = await term.waitFor('Step details');
		expect(details).toContain('Drop the database synapse [run] DESTRUCTIVE');
		expect(details).toContain('Seed step 5. Drops the database');
		term.sendKeys('G');
		const end = await term.waitFor('Timeout: 5m');
		expect(squeezed(end)).toContain(squeezed(`PSQL=${PSQL}  (param)`));
		expect(end).toContain('PGPASSWORD=***  (param)');
		expect(end).toContain('Destructive: the operator types synapse to confirm');
		expect(end).not.toContain('s3cret-value');
		term.sendKeys('Escape');
		await term.waitUntil('the details view to close', () => !term.capture().includes('Step details'));

		term.sendKeys('Enter');
		const prompt = await term.waitFor('Type synapse to confirm');
		expect(prompt).toContain('DESTRUCTIVE');
		for (const line of DROP_SCRIPT) expect(squeezed(prompt), line).toContain(squeezed(line));
		for (const value of [`PSQL=${PSQL}`, 'DB_NAME=synapse', 'MAINTENANCE_DB=postgres', 'PGPASSWORD=***', 'SAFETY_BACKUP=/var/backups/synapse/safety-20261206-0312.sql.gz']) {
			expect(squeezed(prompt), value).toContain(squeezed(value));
		}
		expect(prompt).not.toMatch(/more rows?/);
		expect(prompt).not.toContain('s3cret-value');
		expect(ws.lines()).toEqual([]);

		// Typed as soon as the prompt is drawn: the app takes the keys from that frame on.
		term.type('synapse');
		await term.waitFor('(Esc cancels): synapse');
		term.sendKeys('Enter');
		await term.waitUntil('the drop step to run', () => ws.lines().includes('drop'), START_MS);
		await tui.leaveSummary(START_MS);
		expect(await tui.exitCode(START_MS)).toBe(0);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toEqual({'drop-database': 'succeeded'});
		expect(tooWide(term.screens, width)).toEqual([]);
	}, 120_000);
});
