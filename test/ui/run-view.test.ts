import {describe, expect, test} from 'vitest';
import {timeLeftMs} from '../../source/engine/run-summary.js';
import {RunView, TAIL_LINES} from '../../source/ui/run-view.js';
import {FakeHandle, manySteps} from './fake-handle.js';

describe('RunView', () => {
	test('keeps a bounded tail per step, cleared for a new attempt, with the attempt facts', () => {
		const handle = new FakeHandle(manySteps(2));
		const view = new RunView(handle);
		handle.start('step-1');
		handle.output(
			'step-1',
			'stdout',
			Array.from({length: TAIL_LINES + 100}, (_, i) => `line ${i + 1}`),
		);
		handle.emit({type: 'progress', stepId: 'step-1', message: 'check 2'});
		expect(view.tail('step-1').totalLines).toBe(TAIL_LINES + 100);
		expect(view.tail('step-1').lines()).toHaveLength(TAIL_LINES);
		expect(view.tail('step-1').lines().at(-1)).toEqual({stream: 'stdout', text: `line ${TAIL_LINES + 100}`});
		expect(view.stepLive('step-1')).toMatchObject({attempt: 1, progress: 'check 2', logPath: handle.logPath('step-1', 1)});
		handle.finish('step-1', 'failed', {exitCode: 4, error: 'exit code 4'});
		expect(view.stepLive('step-1')).toMatchObject({outcome: {kind: 'exit-code', exitCode: 4}});
		expect(view.state.steps['step-1'].status).toBe('failed');

		handle.start('step-1');
		expect(view.tail('step-1').totalLines).toBe(0);
		expect(view.stepLive('step-1')).toEqual({attempt: 2, command: 'echo 1', logPath: handle.logPath('step-1', 2)});
		expect(view.tail('step-2').lines()).toEqual([]);
		view.dispose();
		handle.output('step-1', 'stdout', ['after dispose']);
		expect(view.tail('step-1').totalLines).toBe(0);
	});

	test('remembers the latest notice until another step starts, and how the run ended', () => {
		const handle = new FakeHandle(manySteps(2));
		const view = new RunView(handle);
		const seen: string[] = [];
		view.onEvent(event => seen.push(event.type));
		handle.emit({type: 'notice', level: 'warn', stepId: 'step-1', message: 'retry 1 of 2 in 2s'});
		handle.start('step-1');
		expect(view.notice?.message).toBe('retry 1 of 2 in 2s');
		handle.start('step-2');
		expect(view.notice).toBeUndefined();
		expect(view.lastStartedStepId).toBe('step-2');
		handle.finishRun('aborted', 'operator quit');
		expect(view.finished).toEqual({type: 'run-finished', status: 'aborted', reason: 'operator quit'});
		expect(seen).toEqual(['notice', 'step-started', 'step-status', 'step-started', 'step-status', 'run-finished']);
	});

	test("the time left is the engine's figure after every transition, and adds up the steps once, not at every ask", () => {
		const n = 2000;
		const handle = new FakeHandle(manySteps(n));
		// Counts what reads the state's step order (a scan of every step) from here on.
		let reads = 0;
		const order = new Proxy(handle.getState().order as string[], {
			get(target, key, receiver) {
				reads++;
				return Reflect.get(target, key, receiver);
			},
		});
		handle.emit({type: 'notice', level: 'info', message: 'start'}, state => ({...state, order}));
		const view = new RunView(handle);
		const estimates: Record<string, number> = {};
		for (let i = 1; i <= n; i += 2) estimates[`step-${i}`] = 1000 * i;
		const t0 = Date.now();
		expect(view.timeLeftMs(estimates, t0)).toBe(timeLeftMs(estimates, view.state, t0));
		reads = 0;
		const check = (now: number) => {
			const ours = view.timeLeftMs(estimates, now);
			const before = reads;
			expect(ours).toBe(timeLeftMs(estimates, view.state, now));
			reads = before;
		};
		handle.start('step-1');
		check(t0 + 400);
		check(t0 + 5000);
		handle.finish('step-1', 'failed', {exitCode: 1, error: 'exit code 1'});
		check(t0 + 6000);
		handle.start('step-1');
		handle.finish('step-1', 'succeeded');
		handle.start('step-2');
		handle.finish('step-2', 'skipped');
		handle.start('step-3');
		check(t0 + 7000);
		handle.finish('step-3', 'succeeded');
		check(t0 + 8000);
		// A step set back to pending (a rolled-back group on resume) counts as not done again.
		handle.emit({type: 'step-status', stepId: 'step-1', status: 'pending'}, s => ({...s, steps: {...s.steps, 'step-1': {...s.steps['step-1']!, status: 'pending'}}}));
		check(t0 + 8000);
		handle.start('step-1');
		handle.finish('step-1', 'succeeded');
		check(t0 + 9000);
		expect(reads).toBe(0);
		// Every estimated step done: no estimate left.
		const done = new RunView(handle);
		for (let i = 5; i <= n; i += 2) {
			handle.start(`step-${i}`);
			handle.finish(`step-${i}`, 'succeeded');
		}
		expect(view.timeLeftMs(estimates, t0)).toBeUndefined();
		expect(timeLeftMs(estimates, view.state, t0)).toBeUndefined();
		// Another estimates object is added up afresh.
		expect(done.timeLeftMs({'step-4': 3000}, t0)).toBe(3000);
		handle.finishRun('completed');
		expect(view.timeLeftMs(estimates, t0)).toBeUndefined();
		view.dispose();
		done.dispose();
	});
});
