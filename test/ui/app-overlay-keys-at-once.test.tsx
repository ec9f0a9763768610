/**
 * Keys typed the moment a view over the panels opens are not lost (issue 10):
 * the details view (`d`), the log view (`l`), the help (`?`) and the notes
 * (`n`) take their keys from the app's one key handler, mounted from the first
 * frame, not from an input hook of their own that starts listening only after
 * its first frame. Each case sends the next key either right after the key that
 * opens the view, before the next frame (Ink hands a read's printable characters
 * over as one input, so these are separate writes; `n` and ↓ are one read), or
 * in the microtask right after the first frame that shows the view is written
 * (before React runs that frame's effects).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, describe, expect, test} from 'vitest';
import type {Step} from '../../source/runbook/schema.js';
import {KEY, plain, startApp, waitForFrame, type AppUnderTest, type Terminal} from './harness.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-overlay-keys-'));
afterAll(() => fs.rmSync(runDir, {recursive: true, force: true}));

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

/** A step whose details need several screens at 80x24: a 60-line script. */
const LONG: Step = {
	id: 'long',
	title: 'A long script',
	description: 'Checks sixty things.',
	timeout: '5m',
	run: Array.from({length: 60}, (_, i) => `echo "check ${i + 1}"`).join('\n'),
};

/** When a frame showing `text` is written, `keys` go to stdin (one write each) in the microtask after it. */
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

describe('the details view', () => {
	test('d and G before the next frame: the view opens at its end', async () => {
		app = startApp([LONG]);
		const {t} = app;
		await waitForFrame(t, 'd details');
		t.stdin.write('d');
		t.stdin.write('G');
		const end = plain(await waitForFrame(t, '(end)'));
		expect(end).toContain('Timeout: 5m');
	});

	test('G typed as the view is drawn goes to its end; Esc typed as a frame of it is drawn closes it', async () => {
		app = startApp([LONG]);
		const {t} = app;
		await waitForFrame(t, 'd details');
		typeWhenShown(t, 'Step details', 'G');
		t.stdin.write('d');
		await waitForFrame(t, '(end)');
		typeWhenShown(t, 'Step details', KEY.escape);
		t.stdin.write(KEY.down);
		await waitForFrame(t, frame => !frame.includes('Step details') && frame.includes('d details'));
	});
});

describe('the log view', () => {
	test('l and g before the next frame: the log opens at its start (it opens at its end otherwise)', async () => {
		app = startApp([LONG], {}, {runDir});
		const {handle, t} = app;
		fs.mkdirSync(path.join(runDir, 'logs'), {recursive: true});
		fs.writeFileSync(handle.logPath('long', 1), `${Array.from({length: 100}, (_, i) => `log line ${i + 1}`).join('\n')}\n`);
		handle.start('long');
		handle.finish('long', 'succeeded', {exitCode: 0});
		await waitForFrame(t, 'l log');
		t.stdin.write('l');
		t.stdin.write('g');
		const top = plain(await waitForFrame(t, 'lines 1–'));
		expect(top).toContain('log line 1\n');
		t.stdin.write(KEY.escape);
		await waitForFrame(t, frame => !frame.includes('Log of'));
		// A search typed as the view is drawn: / then the term then Enter.
		typeWhenShown(t, 'Log of', '/', ...'line 50', KEY.enter);
		t.stdin.write('l');
		const found = plain(await waitForFrame(t, frame => frame.includes('n/N next')));
		expect(found.split('\n')).toContain('log line 50');
	});
});

describe('the help and the notes', () => {
	test('? and q before the next frame: the help opens and q closes it (it does not ask to quit the run)', async () => {
		app = startApp([LONG]);
		const {t} = app;
		await waitForFrame(t, 'd details');
		t.stdin.write('?');
		t.stdin.write('q');
		t.stdin.write('a');
		await waitForFrame(t, frame => plain(frame).split('\n')[0].endsWith('auto mode'));
		expect(app.operator.isAuto()).toBe(true);
		expect(t.stdout.frames.some(frame => plain(frame).includes('Quit?'))).toBe(false);
		expect(plain(t.lastFrame())).not.toContain('Keys (Esc or ? closes)');
	});

	test('n and ↓ in one read: the notes open scrolled one row', async () => {
		const notices = Array.from({length: 30}, (_, i) => `note number ${i + 1} about the run`);
		app = startApp([LONG], {}, {notices});
		const {t} = app;
		await waitForFrame(t, 'note number 1 ');
		t.stdin.write(`n${KEY.down}`);
		const frame = plain(await waitForFrame(t, 'Notes before the run'));
		expect(frame).toContain('(2–');
		expect(frame).not.toContain('note number 1 about');
	});
});
