/**
 * wait.http's first check and the step's timeout (engine/actions.ts): a timeout that passes
 * during the first check does not cut it (the wait then says what it saw), a stop does.
 * The HTTP port is a stand-in whose answer the test releases; no network.
 */
import {describe, expect, test} from 'vitest';
import {executeAction, StepTimedOut} from '../../source/engine/actions.js';
import type {RunEvent} from '../../source/engine/events.js';
import type {HttpProbeResult} from '../../source/engine/ports.js';
import {runbookSchema} from '../../source/runbook/schema.js';
import {FakeClock, FakeShell} from '../support/fake-ports.js';

const step = runbookSchema.parse({version: 1.1, title: 'HTTP', steps: [{id: 'healthy', wait: {http: {url: 'http://127.0.0.1:1/'}, interval: '50ms'}, timeout: '1s'}]}).steps[0]!;

/** Runs the wait with a probe that answers `answer` once `release` is called, seeing the signal it got. */
function waitWith(answer: HttpProbeResult) {
	const controller = new AbortController();
	const events: RunEvent[] = [];
	let release = () => {};
	let probeSignal: AbortSignal | undefined;
	const outcome = executeAction(step, {
		shell: new FakeShell(),
		clock: new FakeClock(),
		env: {},
		cwd: '/tmp',
		logPath: '/tmp/healthy.1.log',
		signal: controller.signal,
		graceMs: 1000,
		redact: text => text,
		emit: event => events.push(event),
		http: {
			probe: (_probe, signal) => {
				probeSignal = signal;
				return new Promise(resolve => {
					release = () => resolve(answer);
				});
			},
		},
	});
	return {controller, events, outcome, release: () => release(), probeSignal: () => probeSignal};
}

describe('wait.http: the first check and the timeout', () => {
	test('a timeout during the first check lets it end; the wait fails with what it saw', async () => {
		const wait = waitWith({holds: false, message: 'connection refused'});
		await expect.poll(() => wait.probeSignal(), {timeout: 10_000}).toBeDefined();
		wait.controller.abort(new StepTimedOut());
		expect(wait.probeSignal()!.aborted).toBe(false);
		wait.release();
		expect(await wait.outcome).toMatchObject({ok: false, failure: {message: 'condition did not hold (last check: connection refused)'}});
		expect(wait.events).toEqual([{type: 'progress', stepId: 'healthy', message: 'check 1: connection refused; next check in 50ms'}]);
	});

	test('a stop during the first check cuts it', async () => {
		const wait = waitWith({holds: false, message: 'aborted'});
		await expect.poll(() => wait.probeSignal(), {timeout: 10_000}).toBeDefined();
		wait.controller.abort(new Error('stopped'));
		expect(wait.probeSignal()!.aborted).toBe(true);
		wait.release();
		await wait.outcome;
	});
});
