/**
 * Plain mode's progress lines of a step with a `timeout` say how long is left
 * ("(2m10s left of 5m)", issue 10 item 4), from the runner's own clock (a fake
 * one here: no wall-clock time is involved).
 */
import {parse} from 'yaml';
import {expect, test} from 'vitest';
import type {Clock} from '../../source/engine/ports.js';
import type {RunEvent} from '../../source/engine/events.js';
import {Runner} from '../../source/engine/runner.js';
import type {RunState} from '../../source/engine/state.js';
import {newRunState} from '../../source/engine/transitions.js';
import {createPlainReporter} from '../../source/ui/plain.js';
import {runbookSchema} from '../../source/runbook/schema.js';
import {FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';

/** A clock that moves only when the run sleeps; the step's timeout (a sleep of a minute or more) never fires on its own. */
class SteppedClock implements Clock {
	t = Date.parse('2026-11-20T10:00:00Z');
	now(): Date {
		return new Date(this.t);
	}
	sleep(ms: number, signal?: AbortSignal): Promise<void> {
		if (ms < 60_000) {
			this.t += ms;
			return Promise.resolve();
		}
		return new Promise(resolve => signal?.addEventListener('abort', () => resolve(), {once: true}));
	}
}

test('a wait with a timeout prints the time left on each progress line', async () => {
	const runbook = runbookSchema.parse(
		parse(`
version: 1
title: Waiting
steps:
  - id: ready
    timeout: 5m
    wait:
      command: {run: pg_isready, interval: 50s}
`),
	);
	const shell = new FakeShell();
	let checks = 0;
	shell.on('ready', () => {
		checks++;
		return {exitCode: checks < 4 ? 2 : 0, durationMs: 1, aborted: false};
	});
	const clock = new SteppedClock();
	const state = newRunState({runId: 'r1', runbookPath: '/rb/w.yaml', runbookHash: 'h', title: 'Waiting', stepIds: ['ready'], by: 'a@h', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
	const runner = new Runner({runbook, runbookDir: '/rb', state, runDir: '/state/runs/r1', ports: {shell, store: new MemoryStore(), clock, operator: new ScriptedOperator()}, secrets: {}, by: 'a@h', resumed: false});
	let text = '';
	const reporter = createPlainReporter(chunk => {
		text += chunk;
	});
	const events: RunEvent[] = [];
	runner.subscribe((event: RunEvent, s: RunState) => {
		events.push(event);
		reporter(event, s);
	});
	expect(await runner.start()).toBe('completed');
	const progress = events.filter(e => e.type === 'progress');
	expect(progress.map(e => e.leftMs)).toEqual([300_000, 250_000, 200_000, 150_000]);
	const lines = text.split('\n').filter(line => line.includes('… ready:'));
	expect(lines).toHaveLength(4);
	expect(lines[0]).toMatch(/check 1: exit code 2; next check in 50s \(5m00s left of 5m\)$/);
	expect(lines[3]).toMatch(/check 4: condition holds \(2m30s left of 5m\)$/);
});
