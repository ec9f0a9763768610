/**
 * `-p VAR=VALUE` presets the answer of an `ask` in the TUI (README, options:
 * "also presets the answer of an ask step"): the ask shows the value as preset,
 * Enter takes it, and the operator may still answer otherwise.
 */
import {afterEach, expect, test} from 'vitest';
import {KEY, plain, press, startApp, type, waitForPrompt, type AppUnderTest} from './harness.js';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'replicas', ask: {var: 'REPLICAS', prompt: 'How many replicas?', pattern: '^[0-9]+$', default: '1'}},
	{id: 'mode', ask: {var: 'MODE', prompt: 'Which mode?', choices: ['full', 'schema', 'data']}},
	{id: 'passphrase', ask: {var: 'PASS', prompt: 'Backup passphrase?', secret: true}},
	{id: 'other', ask: {var: 'OTHER', prompt: 'Anything else?'}},
];

function start(): AppUnderTest {
	app = startApp(steps, {}, {presets: {REPLICAS: '4', MODE: 'data', PASS: 'correct-horse', UNRELATED: 'x'}});
	return app;
}

test('a free-text ask shows the -p value as preset; Enter takes it', async () => {
	const {handle, operator, t} = start();
	const view = handle.stepView('replicas');
	const answer = operator.ask(view, view.step.ask!);
	const frame = plain(await waitForPrompt(t, '? How many replicas?'));
	expect(frame).toContain('? How many replicas? (preset with -p; Enter takes it)');
	expect(frame).toContain('› 4');
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: '4'});
});

test('the operator may still change a preset answer', async () => {
	const {handle, operator, t} = start();
	const view = handle.stepView('replicas');
	const answer = operator.ask(view, view.step.ask!);
	await waitForPrompt(t, '? How many replicas?');
	await press(t.stdin, KEY.backspace);
	await type(t.stdin, '2');
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: '2'});
});

test('a choice list starts on the preset choice, marked as preset', async () => {
	const {handle, operator, t} = start();
	const view = handle.stepView('mode');
	const answer = operator.ask(view, view.step.ask!);
	const frame = plain(await waitForPrompt(t, '? Which mode?'));
	expect(frame).toMatch(/^❯ data \(preset with -p\)$/m);
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: 'data'});
});

test('a secret ask: Enter keeps the -p value, which no frame shows', async () => {
	const {handle, operator, t} = start();
	const view = handle.stepView('passphrase');
	const answer = operator.ask(view, view.step.ask!);
	const frame = plain(await waitForPrompt(t, '? Backup passphrase?'));
	expect(frame).toContain('(secret, not shown; Enter keeps the -p value)');
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: 'correct-horse'});
	expect(t.stdout.frames.join('')).not.toContain('correct-horse');
});

test('an ask without a -p value is asked as before', async () => {
	const {handle, operator, t} = start();
	const view = handle.stepView('other');
	const answer = operator.ask(view, view.step.ask!);
	const frame = plain(await waitForPrompt(t, '? Anything else?'));
	expect(frame).not.toContain('preset');
	await type(t.stdin, 'no');
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: 'no'});
});
