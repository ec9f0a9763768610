/**
 * Keys typed the moment a prompt appears are not lost: each key here is sent in
 * the microtask right after the first frame that shows the prompt is written,
 * before React runs that frame's passive effects (where an input component's
 * own `useInput` would start listening).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import {KEY, plain, startApp, type AppUnderTest, type Terminal} from './harness.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-keys-'));
afterAll(() => fs.rmSync(runDir, {recursive: true, force: true}));

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'mode', ask: {var: 'MODE', prompt: 'Which mode?', choices: ['recreate', 'update-passwords']}},
	{id: 'replicas', ask: {var: 'REPLICAS', prompt: 'How many replicas?', pattern: '^[0-9]+$'}},
	{id: 'passphrase', ask: {var: 'PASS', prompt: 'Backup passphrase?', secret: true}},
	{id: 'scale', title: 'Scale down', confirm: 'Scale the web down?', run: 'kubectl scale --replicas=0 deploy/web'},
	{id: 'drop', title: 'Drop the database', destructive: 'synapse', run: 'dropdb synapse'},
	{id: 'restore', title: 'Restore the dump', run: 'psql < dump.sql'},
	{id: 'restart-agents', title: 'Restart the agents', manual: 'systemctl restart spire-agent'},
];

/**
 * Arms the terminal: when a frame showing `text` is written, `keys` go to stdin,
 * one write each, in the microtask after that write (as an operator who types
 * as soon as the prompt is drawn; no wait for any effect or clock tick).
 */
function typeWhenShown(t: Terminal, text: string, ...keys: string[]): void {
	const write = t.stdout.write;
	t.stdout.write = (frame: string, ...rest: unknown[]) => {
		const result = write(frame, ...rest);
		if (plain(frame).includes(text)) {
			t.stdout.write = write;
			queueMicrotask(() => {
				for (const key of keys) t.stdin.write(key);
			});
		}
		return result;
	};
}

function start(): AppUnderTest {
	app = startApp(steps, {}, {runDir});
	return app;
}

describe('keys typed as the prompt appears', () => {
	test('the typed word of a destructive step, then Enter', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Type synapse to confirm', ...'synapse', KEY.enter);
		expect(await operator.confirmDestructive(handle.stepView('drop'), 'Drop the database synapse?', 'synapse')).toBe('yes');
	});

	test('a confirm step: y', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Scale the web down?', 'y');
		expect(await operator.confirm(handle.stepView('scale'), 'Scale the web down?')).toBe('yes');
	});

	test('a free-text ask: the digits, then Enter', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'How many replicas?', '3', KEY.enter);
		const view = handle.stepView('replicas');
		expect(await operator.ask(view, view.step.ask!)).toEqual({value: '3'});
	});

	test('a choice list: ↓ then Enter', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Which mode?', KEY.down, KEY.enter);
		const view = handle.stepView('mode');
		expect(await operator.ask(view, view.step.ask!)).toEqual({value: 'update-passwords'});
	});

	test('a secret ask: the passphrase, then Enter', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Backup passphrase?', ...'correct-horse', KEY.enter);
		const view = handle.stepView('passphrase');
		expect(await operator.ask(view, view.step.ask!)).toEqual({value: 'correct-horse'});
	});

	test('step mode: Enter at the gate, and Enter again at the next gate', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Run step 6', KEY.enter);
		expect(await operator.beforeStep(handle.stepView('restore'))).toBe('run');
		typeWhenShown(t, 'Run step 6', KEY.enter);
		expect(await operator.beforeStep(handle.stepView('restore'))).toBe('run');
	});

	test('a manual step: s, and y to the question it asks', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'Manual step', 's', 'y');
		const view = handle.stepView('restart-agents');
		expect(await operator.manual(view, view.command)).toBe('skip');
	});

	test('a failed step: m, and y to the question it asks', async () => {
		const {handle, operator, t} = start();
		typeWhenShown(t, 'failed (attempt 1)', 'm', 'y');
		expect(await operator.onFailure(handle.stepView('restore'), {error: 'exit code 1', exitCode: 1, attempt: 1})).toBe('mark-done');
	});
});
