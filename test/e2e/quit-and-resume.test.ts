/**
 * Stopping and resuming in a real terminal (tmux, 80x24): q while a command runs
 * asks before stopping it and leaves no process behind; a run whose CLI was
 * SIGKILLed resumes with its interrupted step offered for re-run / mark done /
 * skip, after the leftover command was stopped; `runbook run` with an unfinished
 * run offers to resume it or start anew.
 */
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {groupAlive} from '../../source/executors/process-group.js';
import {stepStatuses, useWorkspaces, type Workspace} from '../cli/helpers.js';
import {groupProcesses, killGroup} from '../support/processes.js';
import {SUMMARY_KEYS, exitSummary, shownRunId, startTui, tooWide, useTerminals, START_MS} from './tui.js';

const workspace = useWorkspaces();
useTerminals();

/** The pgid recorded for the latest attempt of `stepId` once it has one, else undefined. */
function recordedPgid(ws: Workspace, stepId: string): number | undefined {
	try {
		const runId = ws.onlyRunId();
		return ws.state(runId).steps[stepId]?.attempts.at(-1)?.pgid;
	} catch {
		return undefined; // no run yet, or the state is being written
	}
}

const LONG = `version: 1
title: A long step
steps:
  - id: first
    title: A quick first step
    run: echo first >> marks
  - id: long
    title: Wait a long time
    run: |
      echo long >> marks
      echo "sleeping now"
      sleep 300
  - id: last
    title: The last step
    run: echo last >> marks
`;

describe('quitting while a command runs', () => {
	it('asks to stop it, stops its whole process group and exits 1 with the step interrupted', async () => {
		const ws = workspace();
		const file = ws.write('long.yaml', LONG);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '--grace', '5']);
		const {term} = tui;
		await tui.startRun();
		const running = await term.waitFor('sleeping now', START_MS);
		expect(running.split('\n')[0]).toMatch(/ · auto mode$/);
		await term.waitUntil('the pgid of the long step in state.json', () => recordedPgid(ws, 'long') !== undefined);
		const pgid = recordedPgid(ws, 'long')!;
		try {
			expect(groupProcesses(pgid).some(line => line.includes('sleep 300'))).toBe(true);
			expect(running).toContain('q stop & quit');

			term.sendKeys('q');
			const question = await term.waitFor('A command is running. Stop it and quit? (y/N)');
			expect(question).toContain('y yes · n/Enter/Esc no');
			// The question alone stops nothing.
			expect(groupAlive(pgid)).toBe(true);
			term.sendKeys('y');

			expect(await tui.exitCode()).toBe(1);
			expect(groupAlive(pgid)).toBe(false);
		} finally {
			killGroup(pgid);
		}
		const screen = term.capture({history: true});
		const runId = ws.onlyRunId();
		// The summary printed after the TUI left the alternate screen: the resume command
		// names the state dir the run was given with --state-dir.
		const summary = exitSummary(screen);
		expect(summary, screen).toBeDefined();
		expect(summary).toMatch(/^⏸ Run paused after \S+, progress kept: operator quit\.$/m);
		expect(summary).toContain('\nSteps: 1/3 done.\n');
		expect(summary).toMatch(/^⚠ Step long interrupted/m);
		expect(summary).toContain(`\nRun folder: ${ws.stateDir}/runs/${runId}\n`);
		expect(summary).toContain(`\nResume with: runbook resume ${runId} --state-dir ${ws.stateDir}\n`);
		// The TUI's exit summary (printed after the alternate screen) says how to go on.
		expect(screen).toMatch(/^⏸ Run paused after .*progress kept: operator quit\.$/m);
		expect(screen).toMatch(new RegExp(`^Resume with: runbook resume ${runId} --state-dir `, 'm'));
		const state = ws.state(runId);
		expect(state.status).toBe('aborted');
		expect(stepStatuses(state)).toEqual({first: 'succeeded', long: 'interrupted', last: 'pending'});
		expect(state.steps.long.attempts.at(-1)?.outcome).toBe('interrupted');
		expect(ws.lines()).toEqual(['first', 'long']);
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});

/** The parent pid of `pid` (from /proc/<pid>/stat). */
function parentPid(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('quitting twice while a command ignores SIGTERM', () => {
	it('the second q kills it at once (SIGKILL) instead of waiting out --grace 60', async () => {
		const ws = workspace();
		const file = ws.write(
			'stubborn.yaml',
			`version: 1
title: A stubborn step
steps:
  - id: stubborn
    run: |
      trap '' TERM
      echo "ignoring TERM"
      sleep 300
`,
		);
		const tui = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir, '--grace', '60']);
		const {term} = tui;
		await tui.startRun();
		await term.waitFor('ignoring TERM', START_MS);
		await term.waitUntil('the pgid of the step in state.json', () => recordedPgid(ws, 'stubborn') !== undefined);
		const pgid = recordedPgid(ws, 'stubborn')!;
		try {
			term.sendKeys('q');
			await term.waitFor('A command is running. Stop it and quit? (y/N)');
			term.sendKeys('y');
			await term.waitFor('warn: operator quit: SIGTERM sent; SIGKILL in 60s, or at once if stopped again');
			// SIGTERM is ignored: the command is still there.
			expect(groupAlive(pgid)).toBe(true);
			term.sendKeys('q');
			await term.waitFor('The command is still stopping (SIGTERM sent). Kill it now (SIGKILL)? (y/N)');
			term.sendKeys('y');
			// Ends on the operator's SIGKILL, not the 60 s grace period's (the test's own timeout is shorter).
			expect(await tui.exitCode()).toBe(1);
			expect(groupAlive(pgid)).toBe(false);
			expect(stepStatuses(ws.state(ws.onlyRunId()))).toEqual({stubborn: 'interrupted'});
			expect(ws.read(`state/runs/${ws.onlyRunId()}/logs/stubborn.1.log`)).toContain(`SIGKILL sent to process group ${pgid}`);
		} finally {
			killGroup(pgid);
		}
	}, 90_000);
});

describe('resuming in the TUI after the CLI was killed', () => {
	it('stops the leftover command, offers re-run / mark done / skip, and goes on without re-running step 1', async () => {
		const ws = workspace();
		const file = ws.write('long.yaml', LONG);
		const first = startTui(ws, ['run', file, '--auto', '--state-dir', ws.stateDir], {exitFile: 'exit1'});
		await first.startRun();
		await first.term.waitFor('sleeping now', START_MS);
		await first.term.waitUntil('the pgid of the long step in state.json', () => recordedPgid(ws, 'long') !== undefined);
		const pgid = recordedPgid(ws, 'long')!;
		const runId = ws.onlyRunId();
		try {
			// The step's bash leads its group; its parent is the CLI, or the CLI's spawn helper
			// (source/executors/spawn-helper.ts: `node -e`, a child of the CLI) once it is ready.
			let cli = parentPid(pgid);
			if (!readFileSync(`/proc/${cli}/cmdline`, 'utf8').includes('cli.js')) cli = parentPid(cli);
			expect(readFileSync(`/proc/${cli}/cmdline`, 'utf8')).toContain('cli.js');
			process.kill(cli, 'SIGKILL');
			expect(await first.exitCode()).toBe(128 + 9);
			// Nothing stopped the detached group: its sleep runs on.
			expect(groupAlive(pgid)).toBe(true);
			expect(ws.state(runId).steps.long.status).toBe('running');

			const resumed = startTui(ws, ['resume', '--state-dir', ws.stateDir], {exitFile: 'exit2'});
			const {term} = resumed;
			const screen = await term.waitFor('was interrupted while running', START_MS);
			expect(groupAlive(pgid)).toBe(false);
			expect(shownRunId(screen)).toBe(runId);
			expect(screen).toMatch(/^ {2}✔ 1\. A quick first/m);
			expect(screen).toMatch(/^› ⚠ 2\. Wait a long time /m);
			expect(screen).toMatch(/^ {2}○ 3\. The last step /m);
			expect(screen).toContain('⚠ Step "Wait a long time" was interrupted while running; it may have run partly.');
			expect(screen).toContain('r re-run · m mark done · s skip · q quit');
			expect(screen).toMatch(/^note: step long was running when the last process ended/m);
			expect(screen).toMatch(new RegExp(`^note: step long: its leftover command was stopped \\(process group ${pgid}\\)$`, 'm'));
			expect(ws.state(runId).steps.long.status).toBe('interrupted');

			// Marking an interrupted step done asks first, as skipping does.
			term.sendKeys('m');
			await term.waitFor('Mark step "Wait a long time" done without running it to success? (y/N)');
			term.sendKeys('y');
			await term.waitFor('▶ Run step 3 "The last step"?');
			term.sendKeys('Enter');
			// The summary that stays counts both sessions (the first was killed: it counts to its last journal entry).
			const end = await term.waitFor(SUMMARY_KEYS);
			expect(end).toMatch(/^✔ Run completed in \S+ \(2 sessions\)\.$/m);
			expect(end).toMatch(/^ {2}✔ 3\. last: The last step · succeeded in \S+$/m);
			term.sendKeys('G');
			expect((await term.waitFor('Journal: ')).replace(/\n↪ /g, '')).toContain(`Journal: ${ws.stateDir}/runs/${runId}/journal.jsonl`);
			term.sendKeys('q');
			expect(await resumed.exitCode()).toBe(0);
			expect(exitSummary(term.capture({history: true}))).toMatch(/^✔ Run completed in \S+\.\nRunbook: A long step\nSteps: 3\/3 done\.\n/);
			expect(tooWide(term.screens, 80)).toEqual([]);
		} finally {
			killGroup(pgid);
		}
		// Step 1 ran once, step 2 was not re-run (marked done), step 3 ran.
		expect(ws.lines()).toEqual(['first', 'long', 'last']);
		const state = ws.state(runId);
		expect(state.status).toBe('completed');
		expect(stepStatuses(state)).toEqual({first: 'succeeded', long: 'succeeded', last: 'succeeded'});
		expect(state.steps.first.attempts).toHaveLength(1);
		expect(state.steps.long.attempts).toHaveLength(1);
		expect(state.decisions.map(d => d.kind)).toEqual(expect.arrayContaining(['resume', 'mark-done']));
	}, 90_000);
});

describe('runbook run with an unfinished run of the same runbook', () => {
	it('offers to resume it; "Start a new run" starts a new run', async () => {
		const ws = workspace();
		const file = ws.write(
			'flaky.yaml',
			`version: 1
title: Flaky
steps:
  - id: one
    title: Needs the ready file
    run: |
      echo one >> marks
      test -f ready
`,
		);
		const failed = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(failed.code).toBe(1);
		const oldId = ws.onlyRunId();
		ws.write('ready', '');

		const tui = startTui(ws, ['run', file, '--state-dir', ws.stateDir]);
		const {term} = tui;
		const chooser = await term.waitFor('Start a new run', START_MS);
		expect(chooser).toContain('An unfinished run of this runbook exists. Resume it, or start anew?');
		// One row: local time it was last active, the run id's suffix, where it stopped, who.
		const suffix = oldId.slice(oldId.lastIndexOf('-') + 1);
		expect(chooser).toMatch(new RegExp(`^❯ Resume (?:\\w{3} \\d+ )?\\d\\d:\\d\\d run …${suffix} · failed at "one" · 0/1 done · \\S+@\\S+$`, 'm'));
		expect(chooser).not.toMatch(/\d{4}-\d\d-\d\dT/);
		// The highlighted run's details below the list: its whole id.
		expect(chooser).toContain(`run ${oldId}: failed at step "one", 0 of 1 steps done;`);
		expect(chooser).toMatch(/^ {2}Quit$/m);
		term.sendKeys('Down');
		await term.waitFor(/^❯ Start a new run$/m);
		term.sendKeys('Enter');
		// A new run: its plan first.
		await tui.startRun();

		const gate = await term.waitFor('▶ Run step 1 "Needs the ready file"?');
		const newId = shownRunId(gate);
		expect(newId).toBeDefined();
		expect(newId).not.toBe(oldId);
		expect(ws.runIds()).toEqual([oldId, newId].sort());
		term.sendKeys('Enter');
		await tui.leaveSummary();
		expect(await tui.exitCode()).toBe(0);
		expect(exitSummary(term.capture({history: true}))?.split('\n')).toContain(`Run folder: ${ws.stateDir}/runs/${newId}`);
		expect(ws.state(newId!).status).toBe('completed');
		expect(ws.state(oldId).status).toBe('failed');
		expect(ws.lines()).toEqual(['one', 'one']);
		expect(tooWide(term.screens, 80)).toEqual([]);
	}, 90_000);
});
