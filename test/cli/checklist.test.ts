/**
 * Checklists (format 1.1: `manual: {text?, items}`) without a terminal, with the built CLI as
 * a real process: `--yes` ticks every item, each tick journalled with who made it; without
 * `--yes` the preflight refuses before anything runs; a resume asks only the items not ticked,
 * and ticks saved in the state count only when they are items of the runbook (the state is
 * untrusted input). The TUI's Space/Enter are tested in test/ui/app-prompts.test.tsx.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1.1
title: Kleidia pre-upgrade
steps:
  - id: pre-upgrade
    manual:
      text: Pre-Upgrade Checklist
      items: [Backups taken, Release notes read, Maintenance window announced]
  - id: upgrade
    run: test -e ok && echo upgrade >> marks
`;

/** The journal's entries of a run. */
function journal(stateDir: string, runId: string): Array<Record<string, unknown>> {
	return fs
		.readFileSync(path.join(stateDir, 'runs', runId, 'journal.jsonl'), 'utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => JSON.parse(line));
}

const env = {RUNBOOK_OPERATOR: 'alice@ops'};

describe('checklists without a terminal', () => {
	it('--yes ticks every item in order; the journal records each tick and who made it', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		ws.write('ok', '');
		const result = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir], {env});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('☐ pre-upgrade (checklist): Pre-Upgrade Checklist');
		const ticks = result.stdout.split('\n').filter(line => line.includes('☑'));
		expect(ticks.map(line => line.replace(/^\S+ /, ''))).toEqual(['☑ pre-upgrade item 1/3: Backups taken (--yes)', '☑ pre-upgrade item 2/3: Release notes read (--yes)', '☑ pre-upgrade item 3/3: Maintenance window announced (--yes)']);
		const id = ws.onlyRunId();
		const entries = journal(ws.stateDir, id).filter(e => e.event === 'decision' && e.kind === 'tick');
		expect(entries.map(e => [e.by, e.step, e.detail])).toEqual([
			['alice@ops', 'pre-upgrade', 'item 1 of 3: Backups taken'],
			['alice@ops', 'pre-upgrade', 'item 2 of 3: Release notes read'],
			['alice@ops', 'pre-upgrade', 'item 3 of 3: Maintenance window announced'],
		]);
		expect(ws.state(id).steps['pre-upgrade']).toMatchObject({status: 'succeeded', ticked: ['Backups taken', 'Release notes read', 'Maintenance window announced']});
		expect(ws.lines()).toEqual(['upgrade']);
	});

	it('without --yes the preflight refuses before anything runs, naming the checklist', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		ws.write('ok', '');
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env});
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/--yes +step pre-upgrade is a checklist \(--yes ticks every item\)/);
		expect(ws.runIds()).toEqual([]);
		expect(ws.lines()).toEqual([]);
	});

	it('a resume asks only the items not ticked; saved ticks that are not items of the runbook are dropped', async () => {
		const ws = workspace();
		const file = ws.write('upgrade.yaml', RUNBOOK);
		const first = await ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir], {env});
		expect(first.code).toBe(1);
		const id = ws.onlyRunId();
		// As if the first session had quit after one tick; the state is edited to claim more.
		const state = ws.state(id);
		const step = state.steps['pre-upgrade']!;
		fs.writeFileSync(ws.statePath(id), JSON.stringify({...state, steps: {...state.steps, 'pre-upgrade': {...step, status: 'pending', finishedAt: undefined, note: undefined, ticked: ['Release notes read', 'Skip the backups', 'Release notes read']}}}));
		ws.write('ok', '');
		const resumed = await ws.cli(['resume', id, '--plain', '--yes', '--state-dir', ws.stateDir], {env: {RUNBOOK_OPERATOR: 'bob@ops'}});
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.stdout + resumed.stderr).toContain("saved checklist ticks that do not match the runbook's items were not restored: pre-upgrade");
		const ticks = resumed.stdout.split('\n').filter(line => line.includes('☑'));
		expect(ticks.map(line => line.replace(/^\S+ /, ''))).toEqual(['☑ pre-upgrade item 1/3: Backups taken (--yes)', '☑ pre-upgrade item 3/3: Maintenance window announced (--yes)']);
		const bob = journal(ws.stateDir, id).filter(e => e.event === 'decision' && e.kind === 'tick' && e.by === 'bob@ops');
		expect(bob.map(e => e.detail)).toEqual(['item 1 of 3: Backups taken', 'item 3 of 3: Maintenance window announced']);
		expect(ws.state(id).steps['pre-upgrade']!.ticked).toEqual(['Release notes read', 'Backups taken', 'Maintenance window announced']);
		expect(ws.lines()).toEqual(['upgrade']);
	});
});
