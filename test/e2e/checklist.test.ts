/**
 * A checklist in a real terminal (tmux, the built CLI): after Enter at the plan, Space and Enter
 * tick the items one by one, q quits with the ticks kept (saved in the state, journalled with who ticked them), and
 * a resume without a terminal (`--yes`) ticks only the item left, by the operator who resumed.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';
import {START_MS, startTui, useTerminals} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const RUNBOOK = `version: 1.1
title: Kleidia pre-upgrade
steps:
  - id: pre-upgrade
    title: Pre-Upgrade Checklist
    manual:
      text: Before upgrading Kleidia
      items: [Backups taken, Release notes read, Maintenance window announced]
  - id: upgrade
    run: echo upgrade >> marks
`;

describe('a checklist in the TUI', () => {
	it('Space and Enter tick items; after q a resume asks only the item left; the journal names who ticked each', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir], {env: {RUNBOOK_OPERATOR: 'alice@ops'}});
		const {term} = tui;
		await tui.startRun();
		const first = await term.waitFor('☐ 1/3 (0 ticked) Backups taken', START_MS);
		expect(first).toContain('Space/Enter tick');
		expect(first).toContain('- Maintenance window announced');
		term.sendKeys('Space');
		await term.waitFor('☐ 2/3 (1 ticked) Release notes read');
		term.sendKeys('Enter');
		await term.waitFor('☐ 3/3 (2 ticked) Maintenance window');
		term.sendKeys('q');
		await term.waitFor('Quit? Progress is kept. (y/N)');
		term.sendKeys('y');
		expect(await tui.exitCode()).toBe(1);
		const id = ws.onlyRunId();
		expect(ws.state(id).steps['pre-upgrade']).toMatchObject({status: 'pending', ticked: ['Backups taken', 'Release notes read']});
		expect(ws.lines()).toEqual([]);

		const resumed = await ws.cli(['resume', id, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_OPERATOR: 'bob@ops'}});
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(
			resumed.stdout
				.split('\n')
				.filter(line => line.includes('☑'))
				.map(line => line.replace(/^\S+ /, '')),
		).toEqual(['☑ pre-upgrade item 3/3: Maintenance window announced (--yes)']);
		expect(ws.lines()).toEqual(['upgrade']);
		const journal = readFileSync(join(ws.stateDir, 'runs', id, 'journal.jsonl'), 'utf8')
			.split('\n')
			.filter(Boolean)
			.map(line => JSON.parse(line));
		const ticks = journal.filter(e => e.event === 'decision' && e.kind === 'tick').map(e => [e.by, e.detail]);
		expect(ticks).toEqual([
			['alice@ops', 'item 1 of 3: Backups taken'],
			['alice@ops', 'item 2 of 3: Release notes read'],
			['bob@ops', 'item 3 of 3: Maintenance window announced'],
		]);
	});
});
