/**
 * Stalls (issue 15): the phases a step's command passed are journalled on its
 * step-status entry (a real run of the built CLI, real bash), and findStalls
 * reports a long gap between two transitions with the step and the phase.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {describeStall, findStalls} from '../../source/report/stalls.js';
import type {JournalEntry} from '../../source/engine/journal-entry.js';
import {readJournal} from '../../source/store/journal.js';
import {marksRunbook, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('step phases in the journal', () => {
	it('every run step journals its phases in order, and findStalls reads them', async () => {
		const ws = workspace();
		const file = ws.write('marks.yaml', marksRunbook('Marks', ['one', 'two']));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		const entries = readJournal(path.join(ws.stateDir, 'runs', ws.onlyRunId()));
		const statuses = entries.filter(entry => entry.event === 'step-status');
		expect(statuses.map(entry => entry.step)).toEqual(['one', 'two']);
		for (const entry of statuses) {
			const phases = entry.event === 'step-status' ? entry.phases : undefined;
			expect(phases).toBeDefined();
			const order = [phases!.logOpen, phases!.spawned, phases!.gateOpen, phases!.exited, phases!.drained];
			for (const offset of order) expect(offset).toBeTypeOf('number');
			expect([...order].sort((a, b) => a! - b!)).toEqual(order);
			expect(phases!.firstOutput).toBeUndefined(); // the steps print nothing
		}
		// With no threshold every checked transition shows up, named (no wall-clock bound asserted).
		// Not 0: a gap can read a millisecond below it (the phases are monotonic-clock offsets rounded
		// to ms from a wall-clock start, the entry's time is the wall clock's), and went missing so.
		expect(findStalls(entries, Number.NEGATIVE_INFINITY).map(stall => `${stall.step} ${stall.phase}`)).toEqual(['one log open', 'one spawned', 'one start gate', 'one recorded', 'two log open', 'two spawned', 'two start gate', 'two recorded']);
	});
});

describe('findStalls', () => {
	const base = {by: 'alice@db1', pid: 42};
	const started = Date.parse('2026-11-20T23:15:00.000Z');
	const journal = (phases: Record<string, number>, recordedAfterMs: number): JournalEntry[] => [
		{...base, at: new Date(started).toISOString(), event: 'step-started', step: 'restore', attempt: 1, command: 'pg_restore'},
		{...base, at: new Date(started + recordedAfterMs).toISOString(), event: 'step-status', step: 'restore', status: 'succeeded', attempt: 1, phases: {startedAt: started + 5, ...phases}},
	];

	it('reports a gap over 10 s with the step and the phase that came late', () => {
		// As in the issue: 835 s between the journal entry and the log file being opened.
		const entries = journal({logOpen: 835_000, spawned: 835_010, gateOpen: 835_020, exited: 835_118, drained: 835_120}, 835_130);
		const stalls = findStalls(entries);
		expect(stalls).toEqual([{step: 'restore', attempt: 1, phase: 'log open', gapMs: 835_005, from: '2026-11-20T23:15:00.000Z'}]);
		expect(describeStall(stalls[0])).toBe('step "restore" attempt 1: 835.0 s before log open (from 2026-11-20T23:15:00.000Z)');
	});

	it("does not count the command's own time, however long", () => {
		expect(findStalls(journal({logOpen: 3, spawned: 10, gateOpen: 12, firstOutput: 60_000, exited: 3_600_000, drained: 3_600_100}, 3_600_120))).toEqual([]);
	});

	it('finds a late journal entry after the command ended, and a slow start gate', () => {
		const stalls = findStalls(journal({logOpen: 3, spawned: 10, gateOpen: 20_010, exited: 20_100, drained: 20_110}, 45_000));
		expect(stalls.map(stall => [stall.phase, stall.gapMs])).toEqual([
			['start gate', 20_000],
			['recorded', 45_000 - 5 - 20_110],
		]);
	});
});
