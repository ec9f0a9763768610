import {describe, expect, test} from 'vitest';
import {TuiOperator, isValidAnswer} from '../../source/ui/operator.js';
import {FakeHandle} from './fake-handle.js';
import {settled} from './harness.js';

const handle = new FakeHandle([
	{id: 'dump', title: 'Dump the database', run: 'pg_dump'},
	{id: 'restart', manual: 'Restart the agents'},
]);
const dump = handle.stepView('dump');

describe('TuiOperator', () => {
	test('each method creates a prompt that answer() resolves', async () => {
		const operator = new TuiOperator();
		const gate = operator.beforeStep(dump);
		expect(operator.current()).toMatchObject({kind: 'gate', step: {id: 'dump'}});
		operator.answer('skip');
		expect(await gate).toBe('skip');
		expect(operator.current()).toBeUndefined();

		const failure = operator.onFailure(dump, {error: 'exit code 3', exitCode: 3, attempt: 2});
		expect(operator.current()).toMatchObject({kind: 'failure', failure: {attempt: 2, exitCode: 3}});
		operator.answer('retry');
		expect(await failure).toBe('retry');

		const ask = operator.ask(dump, {var: 'MODE', prompt: 'Mode?', choices: ['a', 'b']});
		expect(operator.current()).toMatchObject({kind: 'ask', ask: {var: 'MODE'}});
		operator.answer({value: 'b'});
		expect(await ask).toEqual({value: 'b'});

		const param = operator.askParam('DUMPFILE', {required: true});
		expect(operator.current()).toMatchObject({kind: 'param', name: 'DUMPFILE'});
		operator.answer('quit');
		expect(await param).toBe('quit');
	});

	test('prompts queue in order and get growing ids', async () => {
		const operator = new TuiOperator();
		const first = operator.confirm(dump, 'Sure?');
		const second = operator.manual(handle.stepView('restart'), 'Restart the agents');
		const firstId = operator.current()?.id ?? 0;
		expect(operator.current()?.kind).toBe('confirm');
		operator.answer('yes');
		expect(operator.current()).toMatchObject({kind: 'manual', instructions: 'Restart the agents'});
		expect(operator.current()?.id).toBeGreaterThan(firstId);
		operator.answer('done');
		expect(await first).toBe('yes');
		expect(await second).toBe('done');
	});

	test('answer() refuses an answer of another kind and answering nothing', () => {
		const operator = new TuiOperator();
		expect(() => operator.answer('run')).toThrow(/no prompt/);
		void operator.confirmDestructive(dump, 'Destructive.', 'spire');
		expect(() => operator.answer('run')).toThrow(/destructive/);
		expect(() => operator.answer({value: 'x'})).toThrow();
		operator.answer('no');
		expect(isValidAnswer('interrupted', 'rerun')).toBe(true);
		expect(isValidAnswer('failure', 'rerun')).toBe(false);
		expect(isValidAnswer('param', {value: ''})).toBe(true);
	});

	test('subscribers hear about new prompts, answers and the auto flag', async () => {
		const operator = new TuiOperator();
		let calls = 0;
		const off = operator.subscribe(() => calls++);
		const gate = operator.beforeStep(dump);
		expect(calls).toBe(1);
		operator.answer('run');
		await gate;
		expect(calls).toBe(2);
		operator.setAuto(true);
		expect(calls).toBe(3);
		off();
		operator.setAuto(false);
		expect(calls).toBe(3);
	});

	test('auto mode answers the gate at once, and a gate already waiting', async () => {
		const operator = new TuiOperator();
		const waiting = operator.beforeStep(dump);
		expect(await settled(waiting)).toBe(false);
		operator.setAuto(true);
		expect(operator.isAuto()).toBe(true);
		expect(await waiting).toBe('run');
		expect(await operator.beforeStep(dump)).toBe('run');
		expect(operator.current()).toBeUndefined();
	});

	test('auto mode still waits at confirmations, asks, manual steps, failures and interrupted steps', async () => {
		const operator = new TuiOperator({auto: true});
		const pending = [operator.confirm(dump, 'Sure?'), operator.confirmDestructive(dump, 'Destructive.', 'spire'), operator.ask(dump, {var: 'X', prompt: 'X?'}), operator.manual(dump, 'Do it'), operator.onFailure(dump, {error: 'exit code 1', attempt: 1}), operator.onInterrupted(dump)];
		for (const promise of pending) expect(await settled(promise, 5)).toBe(false);
		expect(operator.current()?.kind).toBe('confirm');
	});

	test('requestQuit answers the current prompt with quit, or else the next one', async () => {
		const operator = new TuiOperator({auto: true});
		const manual = operator.manual(dump, 'Do it');
		operator.requestQuit();
		expect(await manual).toBe('quit');
		operator.requestQuit();
		expect(await operator.beforeStep(dump)).toBe('quit');
		// Only the next one.
		const after = operator.confirm(dump, 'Sure?');
		expect(await settled(after)).toBe(false);
	});

	test('dispose answers everything with quit, now and later', async () => {
		const operator = new TuiOperator();
		const a = operator.confirm(dump, 'Sure?');
		const b = operator.onInterrupted(dump);
		operator.dispose();
		expect(await a).toBe('quit');
		expect(await b).toBe('quit');
		expect(await operator.beforeStep(dump)).toBe('quit');
		expect(operator.current()).toBeUndefined();
	});
});
