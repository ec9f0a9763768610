/**
 * NO_COLOR (https://no-color.org) in a real terminal (tmux, 80x24): the same screens
 * — a succeeded step, a failed step and the failure prompt; the resume chooser —
 * have colour codes in `capture-pane -e` without NO_COLOR and none with NO_COLOR=1
 * (bold and dim stay).
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';
import {colourCodes, startTui, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const RUNBOOK = `version: 1
title: Colours
steps:
  - id: fine
    title: Succeeds
    run: echo fine
  - id: broken
    title: Fails
    run: |
      echo "to stderr" >&2
      exit 4
  - id: never
    title: Never reached
    run: echo never
`;

/**
 * Coloured captures (`capture-pane -e`) of two screens: the failure screen of a run
 * (then q, y: the CLI exits 1), and the resume chooser that `runbook run` shows next
 * for that unfinished run (then q: exit 1).
 */
async function colouredScreens(env: Record<string, string | undefined>): Promise<{failure: string; chooser: string}> {
	const ws = workspace();
	const file = ws.write('colours.yaml', RUNBOOK);
	const run = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir], {env, exitFile: 'exit1'});
	await run.startRun();
	await run.term.waitFor('✖ Step "Fails" failed (attempt 1): exit code 4', START_MS);
	// The spinner of step 1 has made way for its ✔ mark.
	await run.term.waitFor(/^ {2}✔ 1\. Succeeds/m);
	const failure = run.term.capture({colors: true});
	run.term.sendKeys('q');
	await run.term.waitFor('Quit? Progress is kept. (y/N)');
	run.term.sendKeys('y');
	expect(await run.exitCode()).toBe(1);

	const again = startTui(ws, ['run', file, '--state-dir', ws.stateDir], {env, exitFile: 'exit2'});
	await again.term.waitFor('Start a new run', START_MS);
	const chooser = again.term.capture({colors: true});
	again.term.sendKeys('q');
	expect(await again.exitCode()).toBe(1);
	return {failure, chooser};
}

describe('NO_COLOR in a real terminal', () => {
	it('without NO_COLOR the screens have colours (so the check below can fail)', async () => {
		const {failure, chooser} = await colouredScreens({});
		expect(colourCodes(failure).length).toBeGreaterThan(0);
		expect(colourCodes(chooser).length).toBeGreaterThan(0);
	}, 90_000);

	it('with NO_COLOR=1 the screens have no colour codes, only attributes', async () => {
		const {failure, chooser} = await colouredScreens({NO_COLOR: '1'});
		expect(colourCodes(failure)).toEqual([]);
		expect(colourCodes(chooser)).toEqual([]);
		// Attributes stay: bold (1) and dim (2) are still drawn.
		for (const screen of [failure, chooser]) expect(screen).toMatch(/\u001B\[(?:[0-9;]*;)?[12]m/);
	}, 90_000);
});
