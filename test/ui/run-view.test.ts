import {describe, expect, test} from 'vitest';
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
});
