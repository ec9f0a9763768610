/**
 * The TUI in a real terminal (tmux, 80x24), step mode: a gate before each step,
 * a confirm answered y, an ask answered from a choice list with the arrows, a
 * manual step marked done with m; the run completes, the CLI exits 0, its summary
 * is on the screen (the frames were on the alternate screen) and the saved state
 * says completed. In auto mode, n at a confirm stops auto mode and leaves the
 * step pending at its gate.
 */
import {describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {exitSummary, shownRunId, startTui, tooWide, useTerminals, START_MS} from './tui.js';

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

		// The first screen is the plan (test/e2e/plan-screen.test.ts); Enter starts the run.
		await tui.startRun();
		// Then: title, run id, every step pending, the gate of step 1.
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

		// Enter runs step 1: it succeeds and the run moves on to step 2's gate. Step 1's
		// result and output stay in the panel, above what Enter runs next.
		term.sendKeys('Enter');
		// Step 2 has its own confirm question: the gate leads to it instead of asking too.
		const second = await term.waitFor('▶ Step 2 "A careful step" asks before it runs.');
		expect(second).toContain('Enter ask · s skip · q quit');
		expect(second).not.toContain('Run step 2');
		expect(second).toMatch(/^ {2}✔ 1\. Say hello +\d+m?s │/m);
		expect(second).toMatch(/│ ✔ 1\/4 Say hello \[run\]$/m);
		expect(second).toMatch(/│ attempt 1 · succeeded in \d+m?s · exit code 0$/m);
		expect(second).toMatch(/│ {3}hello from step one$/m);
		expect(second).toMatch(/│ ▶ Next: 2\/4 A careful step \[run\]$/m);
		expect(second).toMatch(/│ \$ echo careful >> marks$/m);
		expect(second.indexOf('hello from step one')).toBeLessThan(second.indexOf('▶ Next:'));
		expect(ws.lines()).toEqual(['hello']);
		// ↑ still shows step 1's own panel; Esc follows the run again.
		term.sendKeys('Up');
		const browsing = await term.waitFor('Esc follow');
		expect(browsing).toContain('hello from step one');
		expect(browsing).not.toContain('▶ Next:');
		term.sendKeys('Escape');
		await term.waitUntil('the panel to follow step 2 again', () => !term.capture().includes('Esc follow'));

		// Enter shows step 2's confirm question, asked once; y runs it.
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
		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		// The TUI ran on the alternate screen: on exit the terminal shows what it showed
		// before (nothing here) and the summary below it; no frame reached the scrollback.
		// (tmux's "Pane is dead" row scrolls the screen up one row: read from the history.)
		const history = term.capture({history: true});
		const summary = exitSummary(history);
		expect(summary, history).toBeDefined();
		expect(summary).toMatch(/^✔ Run completed in \S+\.\nRunbook: Four kinds of steps\nSteps: 4\/4 done\.\n/);
		expect(summary).toContain(`Run folder: ${ws.stateDir}/runs/${runId}\n`);
		expect(summary).not.toContain('Resume with');
		expect(history.startsWith('✔ Run completed')).toBe(true);
		expect(history).not.toContain('Enter run · s skip');
		expect(history).not.toContain('Four kinds of steps  ');
		expect(history.match(/✔ Run completed/g)).toHaveLength(1);

		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(stepStatuses(state)).toEqual({hello: 'succeeded', careful: 'succeeded', pick: 'succeeded', 'by-hand': 'succeeded'});
		expect(state.vars.COLOUR).toBe('green');
		expect(state.decisions.map(d => d.kind)).toEqual(expect.arrayContaining(['confirm', 'mark-done']));
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});

describe('the TUI in auto mode at a confirm', () => {
	it('n stops auto mode with a notice naming s and a; the step is not asked again, does not run, and s y skips it', async () => {
		const ws = workspace();
		const file = ws.write(
			'careful.yaml',
			`version: 1
title: One careful step
steps:
  - id: careful
    title: A careful step
    confirm: Really do the careful thing?
    run: echo careful >> marks
  - id: after
    title: After it
    run: echo after >> marks
`,
		);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir]);
		const {term} = tui;
		// Auto mode too starts at the plan; after Enter it runs on to the question.
		const plan = await tui.startRun();
		expect(plan).toContain('Enter starts the run in auto mode');
		await term.waitFor('? Really do the careful thing?', START_MS);
		term.sendKeys('n');
		const stopped = await term.waitFor('▶ Step 1 "A careful step" asks before it runs.');
		expect(stopped).toContain('Auto mode stopped (s skips it · a resumes auto mode)');
		expect(stopped).toMatch(/ · step mode$/m);
		expect(stopped).not.toContain('? Really do the careful thing?');
		const runId = ws.onlyRunId();
		expect(ws.state(runId).steps.careful.status).toBe('pending');
		expect(ws.lines()).toEqual([]);
		term.sendKeys('s');
		await term.waitFor('Skip step "A careful step"? (y/N)');
		term.sendKeys('y');
		await term.waitFor('▶ Run step 2 "After it"?');
		term.sendKeys('Enter');
		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		expect(ws.lines()).toEqual(['after']);
		expect(ws.state(runId).decisions.map(d => d.kind)).toEqual(['decline', 'skip']);
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});
