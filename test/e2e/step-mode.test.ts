/**
 * The TUI in a real terminal (tmux, 80x24), step mode: a gate before each step,
 * a confirm answered y, an ask answered from a choice list with the arrows, a
 * manual step marked done with m; the run completes, the CLI exits 0 and the
 * saved state says completed.
 */
import {describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {shownRunId, startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const FOUR_KINDS = `version: 1
title: Four kinds of steps
steps:
  - id: hello
    title: Say hello
    run: |
      echo hello >> marks
      echo "hello from step one"
  - id: careful
    title: A careful step
    confirm: Really do the careful thing?
    run: echo careful >> marks
  - id: pick
    title: Pick a colour
    ask:
      var: COLOUR
      prompt: Which colour?
      choices: [red, green, blue]
  - id: by-hand
    title: Do it by hand
    manual: |
      Walk to the server room and press the button.
`;

describe('the TUI in step mode', () => {
	it('walks through a run, confirm, ask and manual step to the end', async () => {
		const ws = workspace();
		const file = ws.write('four.yaml', FOUR_KINDS);
		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir]);
		const {term} = tui;

		// The first screen: title, run id, every step pending, the gate of step 1.
		const first = await term.waitFor('▶ Run step 1 "Say hello"?', START_MS);
		const runId = ws.onlyRunId();
		expect(first.split('\n')[0]).toMatch(/^Four kinds of steps +run \S+ · \d\d:\d\d · step mode$/);
		expect(shownRunId(first)).toBe(runId);
		for (const [n, title] of ['Say hello', 'A careful step', 'Pick a colour', 'Do it by hand'].entries()) {
			expect(first).toMatch(new RegExp(`^[› ] ○ ${n + 1}\\. ${title} `, 'm'));
		}
		expect(first).toContain('Enter run · s skip · q quit');
		expect(first).toContain('$ echo hello >> marks');
		expect(ws.lines()).toEqual([]);

		// Enter runs step 1: it succeeds and the run moves on to step 2's gate.
		term.sendKeys('Enter');
		const second = await term.waitFor('▶ Run step 2 "A careful step"?');
		expect(second).toMatch(/^ {2}✔ 1\. Say hello +\d+ms │/m);
		expect(ws.lines()).toEqual(['hello']);
		// Its output is in its panel: ↑ selects it, Esc follows the run again.
		term.sendKeys('Up');
		const browsing = await term.waitFor('hello from step one');
		expect(browsing).toMatch(/attempt 1 · succeeded in \d+ms · exit code 0/);
		expect(browsing).toContain('Esc follow');
		term.sendKeys('Escape');
		await term.waitUntil('the panel to follow step 2 again', () => !term.capture().includes('Esc follow'));

		// Step 2 asks its confirm question after the gate; y runs it.
		term.sendKeys('Enter');
		const confirm = await term.waitFor('? Really do the careful thing?');
		expect(confirm).toContain('Confirm: y/N');
		expect(ws.lines()).toEqual(['hello']);
		term.sendKeys('y');

		// Step 3: a choice list; ↓ then Enter picks the second choice.
		const ask = await term.waitFor('? Which colour?');
		expect(ask).toMatch(/^❯ red$/m);
		expect(ws.lines()).toEqual(['hello', 'careful']);
		term.sendKeys('Down');
		await term.waitFor(/^❯ green$/m);
		term.sendKeys('Enter');

		// Step 4: manual; m marks it done and the run completes.
		const manual = await term.waitFor('☐ Manual step');
		expect(manual).toContain('Walk to the server room and press the button.');
		term.sendKeys('m');
		await term.waitFor('✔ Run completed');
		expect(await tui.exitCode()).toBe(0);
		// The last frame, from its header (the final newline and tmux's "Pane is dead"
		// row scroll the screen, so the header is in the history by now): it says completed.
		const history = term.capture({history: true});
		const last = history.slice(history.lastIndexOf('\nFour kinds of ste') + 1);
		expect(last).toMatch(/^Four kinds of ste.* run \S+ · \d\d:\d\d · step mode · completed\n/);
		for (const n of [1, 2, 3, 4]) expect(last).toMatch(new RegExp(`^[›• ] ✔ ${n}\\. `, 'm'));
		expect(last).toMatch(/^✔ Run completed in \S+\.$/m);

		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(stepStatuses(state)).toEqual({hello: 'succeeded', careful: 'succeeded', pick: 'succeeded', 'by-hand': 'succeeded'});
		expect(state.vars.COLOUR).toBe('green');
		expect(state.decisions.map(d => d.kind)).toEqual(expect.arrayContaining(['confirm', 'mark-done']));
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});
