/**
 * The TUI's prompts for every kind of step: manual, ask (choices, free text
 * with a pattern, secret), param, confirm, destructive, failure, interrupted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {KEY, plain, press, settled, startApp, type, waitForFrame, waitForPrompt, type AppUnderTest} from './harness.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-ui-'));
afterAll(() => fs.rmSync(runDir, {recursive: true, force: true}));

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'restart-agents', title: 'Restart the agents', manual: 'On a master node run:\n  systemctl restart spire-agent'},
	{id: 'pre-upgrade', title: 'Pre-upgrade checklist', manual: {text: 'Before the upgrade:', items: ['Backups taken', 'Window announced']}},
	{id: 'secrets-mode', ask: {var: 'MODE', prompt: 'Were the secrets backed up?', choices: ['recreate', 'update-passwords']}},
	{id: 'replicas', ask: {var: 'REPLICAS', prompt: 'How many replicas?', pattern: '^[0-9]+$'}},
	{id: 'passphrase', ask: {var: 'PASS', prompt: 'Backup passphrase?', secret: true}},
	{id: 'drop', title: 'Drop the database', destructive: 'spire-postgres', run: 'dropdb spire'},
	{id: 'restore', title: 'Restore the dump', run: 'psql < dump.sql'},
];

function start(): AppUnderTest {
	app = startApp(steps, {}, {runDir});
	return app;
}

describe('checklist (format 1.1)', () => {
	test('shows the item, its number and the ticks so far; Space and Enter tick it, s asks before skipping the step', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('pre-upgrade');
		const items = [
			{text: 'Backups taken', ticked: false},
			{text: 'Window announced', ticked: false},
		];
		const first = operator.checkItem(view, {index: 0, total: 2, text: 'Backups taken', items});
		const frame = await waitForPrompt(t, '☐ 1/2 (0 ticked) Backups taken');
		expect(frame).toContain('Space/Enter tick · s skip · q quit');
		expect(frame).toContain('- Window announced');
		await press(t.stdin, ' ');
		expect(await first).toBe('tick');
		const second = operator.checkItem(view, {index: 1, total: 2, text: 'Window announced', items: [{...items[0]!, ticked: true}, items[1]!]});
		await waitForPrompt(t, '☐ 2/2 (1 ticked) Window announced');
		await press(t.stdin, KEY.enter);
		expect(await second).toBe('tick');
		const third = operator.checkItem(view, {index: 1, total: 2, text: 'Window announced', items});
		await waitForPrompt(t, '☐ 2/2 (0 ticked) Window announced');
		await press(t.stdin, 's');
		expect(t.lastFrame()).toContain('Skip step "Pre-upgrade checklist"? (y/N)');
		await press(t.stdin, 'y');
		expect(await third).toBe('skip');
	});
});

describe('manual step', () => {
	test('shows the instructions; m and Enter mark it done', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restart-agents');
		const first = operator.manual(view, view.command);
		const frame = await waitForPrompt(t, 'Manual step');
		expect(frame).toContain('systemctl restart spire-agent');
		expect(frame).toContain('Enter/m done · s skip · q quit');
		await press(t.stdin, 'm');
		expect(await first).toBe('done');
		const second = operator.manual(view, view.command);
		await waitForPrompt(t, 'Manual step');
		await press(t.stdin, KEY.enter);
		expect(await second).toBe('done');
	});

	test('s asks "Skip step …? (y/N)": n keeps the step, y skips it', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restart-agents');
		const answer = operator.manual(view, view.command);
		await waitForPrompt(t, 'Manual step');
		await press(t.stdin, 's');
		expect(t.lastFrame()).toContain('Skip step "Restart the agents"? (y/N)');
		await press(t.stdin, KEY.enter);
		expect(await settled(answer)).toBe(false);
		expect(t.lastFrame()).toContain('Manual step');
		await press(t.stdin, 's', 'y');
		expect(await answer).toBe('skip');
	});
});

describe('ask', () => {
	test('choices: a list; ↓ and Enter choose the second', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('secrets-mode');
		const answer = operator.ask(view, view.step.ask!);
		const frame = await waitForPrompt(t, 'Were the secrets backed up?');
		expect(frame).toContain('recreate');
		expect(frame).toContain('update-passwords');
		await press(t.stdin, KEY.down, KEY.enter);
		expect(await answer).toEqual({value: 'update-passwords'});
	});

	test('free text with a pattern: a bad value is refused with the reason, a good one passes', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('replicas');
		const answer = operator.ask(view, view.step.ask!);
		await waitForPrompt(t, 'How many replicas?');
		await type(t.stdin, 'abc');
		expect(t.lastFrame()).toContain('abc');
		await press(t.stdin, KEY.enter);
		expect(t.lastFrame()).toContain('"abc" does not match the pattern ^[0-9]+$');
		expect(await settled(answer)).toBe(false);
		await press(t.stdin, KEY.backspace, KEY.backspace, KEY.backspace);
		await type(t.stdin, '3');
		await press(t.stdin, KEY.enter);
		expect(await answer).toEqual({value: '3'});
	});

	test('free text with a default: Enter takes the default', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('replicas');
		const answer = operator.ask(view, {var: 'NAMESPACE', prompt: 'Namespace?', default: 'spire'});
		const frame = await waitForPrompt(t, 'Namespace?');
		expect(frame).toContain('spire');
		await press(t.stdin, KEY.enter);
		expect(await answer).toEqual({value: 'spire'});
	});

	test('secret: the input is masked and the value never reaches a frame, even when refused', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('passphrase');
		const refused = 'zq-wrong-secret';
		const secret = 'hunter2-secret';
		const answer = operator.ask(view, {...view.step.ask!, pattern: '-secret$'});
		await waitForPrompt(t, 'Backup passphrase?');
		await type(t.stdin, 'zq-wrong');
		expect(t.lastFrame()).toContain('********');
		await press(t.stdin, KEY.enter);
		expect(t.lastFrame()).toContain('The value does not match the pattern');
		await type(t.stdin, secret);
		expect(plain(t.lastFrame())).toContain('*'.repeat(secret.length));
		await press(t.stdin, KEY.enter);
		expect(await answer).toEqual({value: secret});
		// What the engine shows afterwards: the variable as ***.
		handle.vars.restore = {PASS: '***'};
		handle.start('restore');
		await waitForFrame(t, 'vars: PASS=***');
		const all = t.stdout.frames.join('\n');
		expect(all).not.toContain(secret);
		expect(all).not.toContain('hunter2');
		expect(all).not.toContain(refused);
		expect(all).not.toContain('zq-wrong');
	});

	test('a param before the first step: typed and submitted; Esc asks to quit', async () => {
		const {operator, t} = start();
		const answer = operator.askParam('DUMPFILE', {description: 'Local path of the database dump', required: true});
		await waitForPrompt(t, 'Parameter DUMPFILE: Local path of the database dump');
		await type(t.stdin, '/tmp/dump.psql');
		await press(t.stdin, KEY.enter);
		expect(await answer).toEqual({value: '/tmp/dump.psql'});

		const second = operator.askParam('NAMESPACE', {required: true});
		await waitForPrompt(t, 'Parameter NAMESPACE');
		await press(t.stdin, KEY.escape);
		await waitForFrame(t, 'Quit? Progress is kept. (y/N)');
		await press(t.stdin, 'y');
		expect(await second).toBe('quit');
	});
});

describe('confirmations', () => {
	test('confirm y/N: n → no, y → yes, Enter → no (the default)', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restore');
		for (const [key, expected] of [
			['n', 'no'],
			['y', 'yes'],
			[KEY.enter, 'no'],
		] as const) {
			const answer = operator.confirm(view, 'Load the dump into spire?');
			const frame = await waitForPrompt(t, 'Load the dump into spire?');
			expect(frame).toContain('y/N');
			await press(t.stdin, key);
			expect(await answer).toBe(expected);
			await waitForFrame(t, frame => !frame.includes('Load the dump'));
		}
	});

	test('destructive: a wrong word does not pass; the right word does; Esc cancels', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('drop');
		const answer = operator.confirmDestructive(view, 'Step "Drop the database" is destructive.', 'spire-postgres');
		const frame = await waitForPrompt(t, 'Type spire-postgres to confirm');
		expect(frame).toContain('DESTRUCTIVE');
		await type(t.stdin, 'spire');
		await press(t.stdin, KEY.enter);
		expect(t.lastFrame()).toContain('That is not "spire-postgres"');
		expect(await settled(answer)).toBe(false);
		await type(t.stdin, 'spire-postgres');
		await press(t.stdin, KEY.enter);
		expect(await answer).toBe('yes');

		const again = operator.confirmDestructive(view, 'Step "Drop the database" is destructive.', 'spire-postgres');
		await waitForPrompt(t, 'Type spire-postgres to confirm');
		await press(t.stdin, KEY.escape);
		expect(await again).toBe('no');
	});
});

describe('a question wrapped onto a second row', () => {
	test('the second row starts with the word, not with the space it broke at', async () => {
		const {handle, operator, t} = start();
		const question = 'Drop the database synapse? Its current data is lost (the safety backup keeps a copy).';
		void operator.confirmDestructive(handle.stepView('drop'), question, 'synapse');
		const frame = await waitForPrompt(t, 'Type synapse to confirm');
		const lines = frame.split('\n');
		const at = lines.findIndex(line => line.startsWith('? Drop the database synapse?'));
		expect(at).toBeGreaterThan(0);
		expect(lines[at]).toBe('? Drop the database synapse? Its current data is lost (the safety backup keeps a');
		expect(lines[at + 1]).toBe('copy).');
		expect(lines[at + 2]).toMatch(/^Type synapse to confirm \(Esc cancels\):/);
	});
});

describe('failure', () => {
	const failure = {error: 'exit code 3', exitCode: 3, attempt: 1};

	test('r retries; s skips after y', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restore');
		const first = operator.onFailure(view, failure);
		const frame = await waitForPrompt(t, 'failed (attempt 1): exit code 3');
		expect(frame).toContain('r retry · s skip · m mark done · l view log · q quit');
		await press(t.stdin, 'r');
		expect(await first).toBe('retry');

		const second = operator.onFailure(view, {...failure, attempt: 2});
		await waitForPrompt(t, 'failed (attempt 2)');
		await press(t.stdin, 's');
		expect(t.lastFrame()).toContain('Skip step "Restore the dump"? (y/N)');
		await press(t.stdin, 'y');
		expect(await second).toBe('skip');
	});

	test('a wait that timed out: w waits its timeout again; without the offer, w does nothing', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restore');
		const failed = operator.onFailure(view, failure);
		await waitForPrompt(t, 'failed (attempt 1)');
		expect(t.lastFrame()).not.toContain('longer');
		await press(t.stdin, 'w');
		expect(await settled(failed)).toBe(false);
		await press(t.stdin, 'r');
		expect(await failed).toBe('retry');

		const timedOut = operator.onFailure(view, {error: 'timed out after 5m', attempt: 2, waitLonger: '5m'});
		const frame = await waitForPrompt(t, 'failed (attempt 2): timed out after 5m');
		expect(frame).toContain('w wait 5m longer · r retry · s skip · m mark done · l view log · q quit');
		await press(t.stdin, 'w');
		expect(await timedOut).toBe('wait-longer');
	});

	test('l opens the log of the attempt; Esc closes it; m marks the step done', async () => {
		const {handle, operator, t} = start();
		handle.start('restore');
		const logPath = handle.logPath('restore', 1);
		fs.mkdirSync(path.dirname(logPath), {recursive: true});
		const lines = Array.from({length: 200}, (_, i) => `log line ${i + 1}`);
		fs.writeFileSync(logPath, `${lines.join('\n')}\nERROR: relation "users" already exists\n`);
		handle.finish('restore', 'failed', {exitCode: 3, error: 'exit code 3'});
		const answer = operator.onFailure(handle.stepView('restore'), {...failure, logPath});
		await waitForPrompt(t, 'l view log');
		await press(t.stdin, 'l');
		let frame = t.lastFrame();
		expect(frame).toContain('Log of Restore the dump, attempt 1');
		expect(frame).toContain('ERROR: relation "users" already exists');
		expect(frame).toContain('of 201 (end)');
		await press(t.stdin, 'g');
		frame = t.lastFrame();
		expect(frame).toContain('log line 1\n');
		expect(frame).not.toContain('already exists');
		await press(t.stdin, KEY.escape);
		frame = await waitForFrame(t, frame => !frame.includes('Log of'));
		expect(frame).toContain('failed (attempt 1)');
		await press(t.stdin, 'm', 'y');
		expect(await answer).toBe('mark-done');
	});
});

describe('interrupted step', () => {
	test('r re-runs, m marks done, s skips after y', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('restore');
		for (const [keys, expected] of [
			[['r'], 'rerun'],
			[['m', 'y'], 'mark-done'],
			[['s', 'y'], 'skip'],
		] as const) {
			const answer = operator.onInterrupted(view);
			await waitForPrompt(t, 'was interrupted while running');
			expect(t.lastFrame()).toContain('r re-run · m mark done · s skip · q quit');
			await press(t.stdin, ...keys);
			expect(await answer).toBe(expected);
			await waitForFrame(t, frame => !frame.includes('was interrupted while running'));
		}
	});
});

describe('m on a failed or interrupted step asks first, as s does', () => {
	test('failure: m asks "Mark step … done …? (y/N)"; n keeps the prompt, y marks the step done', async () => {
		const {handle, operator, t} = start();
		const answer = operator.onFailure(handle.stepView('restore'), {error: 'exit code 3', exitCode: 3, attempt: 1});
		await waitForPrompt(t, 'failed (attempt 1)');
		await press(t.stdin, 'm');
		expect(t.lastFrame()).toContain('Mark step "Restore the dump" done without running it to success? (y/N)');
		expect(await settled(answer)).toBe(false);
		await press(t.stdin, 'n');
		expect(await settled(answer)).toBe(false);
		expect(t.lastFrame()).toContain('failed (attempt 1)');
		await press(t.stdin, 'm', 'y');
		expect(await answer).toBe('mark-done');
	});

	test('interrupted: m asks; Enter (No) keeps the prompt; y marks the step done', async () => {
		const {handle, operator, t} = start();
		const answer = operator.onInterrupted(handle.stepView('restore'));
		await waitForPrompt(t, 'was interrupted while running');
		await press(t.stdin, 'm');
		expect(t.lastFrame()).toContain('Mark step "Restore the dump" done without running it to success? (y/N)');
		await press(t.stdin, KEY.enter);
		expect(await settled(answer)).toBe(false);
		expect(t.lastFrame()).toContain('was interrupted while running');
		await press(t.stdin, 'm', 'y');
		expect(await answer).toBe('mark-done');
	});
});

describe('an empty answer to an ask', () => {
	test('is accepted when the pattern matches the empty string, or the default is ""; refused otherwise', async () => {
		const {handle, operator, t} = start();
		const view = handle.stepView('replicas');
		const byPattern = operator.ask(view, {var: 'EXTRA', prompt: 'Extra flags (may be empty)?', pattern: '^[a-z-]*$'});
		await waitForPrompt(t, 'Extra flags (may be empty)?');
		await press(t.stdin, KEY.enter);
		expect(await byPattern).toEqual({value: ''});

		const byDefault = operator.ask(view, {var: 'SUFFIX', prompt: 'Suffix?', default: ''});
		await waitForPrompt(t, 'Suffix?');
		await press(t.stdin, KEY.enter);
		expect(await byDefault).toEqual({value: ''});

		const needed = operator.ask(view, {var: 'REPLICAS', prompt: 'How many replicas?', pattern: '^[0-9]+$'});
		await waitForPrompt(t, 'How many replicas?');
		await press(t.stdin, KEY.enter);
		await waitForFrame(t, 'An answer is needed');
		expect(await settled(needed)).toBe(false);
	});
});
