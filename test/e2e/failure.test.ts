/**
 * A failing step in a real terminal (tmux, 80x24): the failure prompt, the log view
 * (l) with the step's output, Esc back, r retries; the second attempt succeeds (a
 * flag file the first attempt leaves) and the run completes.
 */
import {describe, expect, it} from 'vitest';
import {stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {exitSummary, startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

const FAILS_ONCE = `version: 1
title: Fails once
steps:
  - id: flaky
    title: Fails the first time
    run: |
      echo "flaky starts" >> marks
      if [ -f flag ]; then
        echo "second attempt: the flag is there"
      else
        touch flag
        echo "first attempt: no flag yet"
        echo "first attempt: giving up with exit code 3" >&2
        exit 3
      fi
  - id: after
    title: Runs after the retry
    run: echo after >> marks
`;

describe('a failing step in the TUI', () => {
	it('shows the failure, opens its log, and retries to success', async () => {
		const ws = workspace();
		const file = ws.write('fails.yaml', FAILS_ONCE);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir]);
		const {term} = tui;
		await tui.startRun();

		const failed = await term.waitFor('✖ Step "Fails the first time" failed (attempt 1): exit code 3', START_MS);
		expect(failed).toContain('r retry · s skip · m mark done · l view log · q quit');
		expect(failed).toMatch(/^› ✖ 1\. Fails the fir/m);
		expect(failed).toMatch(/│ ! first attempt: giving up with exit code 3$/m);
		// The whole script is shown: the two output lines leave room for it.
		expect(failed).toContain('│   fi');
		expect(failed).not.toMatch(/… \d+ more lines?/);
		expect(ws.lines()).toEqual(['flaky starts']);

		// l: the log view of attempt 1, with stdout and stderr; Esc closes it.
		term.sendKeys('l');
		const log = await term.waitFor('Esc closes');
		expect(log).toContain('Fails the first time, attempt 1');
		expect(log).toContain('first attempt: no flag yet');
		expect(log).toContain('first attempt: giving up with exit code 3');
		expect(log).not.toContain('r retry · s skip');
		term.sendKeys('Escape');
		await term.waitUntil('the log view to close', () => !term.capture().includes('Esc closes'));
		expect(term.capture()).toContain('r retry · s skip · m mark done · l view log · q quit');

		// r: attempt 2 succeeds, and auto mode runs the last step.
		term.sendKeys('r');
		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		// The summary after the TUI: both steps done, no failure left to report.
		const summary = exitSummary(term.capture({history: true}));
		expect(summary).toMatch(/^✔ Run completed in \S+\.\nRunbook: Fails once\nSteps: 2\/2 done\.\nRun folder: /);

		const state = ws.state(ws.onlyRunId());
		expect(state.status).toBe('completed');
		expect(stepStatuses(state)).toEqual({flaky: 'succeeded', after: 'succeeded'});
		expect(state.steps.flaky.attempts.map(a => [a.outcome, a.exitCode])).toEqual([
			['failed', 3],
			['succeeded', 0],
		]);
		expect(state.decisions.map(d => d.kind)).toContain('retry');
		expect(ws.lines()).toEqual(['flaky starts', 'flaky starts', 'after']);
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});
