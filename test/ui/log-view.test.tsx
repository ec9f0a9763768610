import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {useMemo, useState} from 'react';
import {useInput} from 'ink';
import {render} from 'ink-testing-library';
import {afterAll, describe, expect, test} from 'vitest';
import {LogView, logLayout, logViewKey, newLogViewState} from '../../source/ui/log-view.js';
import {LOG_VIEW_BYTES, logContent} from '../../source/ui/log-file.js';
import {readStepLog} from '../../source/store/step-logs.js';
import {formatBytes} from '../../source/engine/bytes.js';
import {KEY, press, waitForFrame} from './harness.js';

/**
 * The log view with its keys, as the app wires them (app.tsx: `logViewKey` from
 * the app's one key handler); here a key hook of the test's own drives it.
 */
function Pager({path: file, title, width, height, onClose}: {path: string; title: string; width: number; height: number; onClose: () => void}) {
	const log = useMemo(() => readLog(file), [file]);
	const [state, setState] = useState(newLogViewState);
	useInput((input, key) => {
		const next = logViewKey(state, input, key, logLayout(log, title, file, width, height));
		if (next === 'close') onClose();
		else setState(next);
	});
	return <LogView log={log} path={file} title={title} width={width} height={height} state={state} />;
}

/** A log file as the app reads it: the store's bounded read, in display lines. */
const readLog = (file: string) => logContent(readStepLog(file, LOG_VIEW_BYTES));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-log-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

function writeLog(name: string, text: string): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, text);
	return file;
}

/** The log rows of a frame (between the title and path rows and the position row; a short path takes one row). */
function body(frame: string | undefined): string[] {
	return (frame ?? '').split('\n').slice(2, -1);
}

describe('LogView', () => {
	test('opens at the end; ↑ ↓ PgUp PgDn g G scroll; Esc and l close', async () => {
		const file = writeLog('scroll.log', Array.from({length: 100}, (_, i) => `line ${i + 1}`).join('\n') + '\n');
		let closed = 0;
		const {lastFrame, stdin, unmount} = render(<Pager path={file} title="dump, attempt 1" width={100} height={13} onClose={() => closed++} />);
		await waitForFrame({lastFrame}, 'lines 91–100 of 100 (end)');
		expect(lastFrame()).toContain(`Log of dump, attempt 1:\n${file}\n`);
		expect(body(lastFrame())).toEqual(Array.from({length: 10}, (_, i) => `line ${91 + i}`));
		expect(lastFrame()).toContain('lines 91–100 of 100 (end)');
		await press(stdin, KEY.up);
		expect(body(lastFrame())[0]).toBe('line 90');
		await press(stdin, KEY.pageUp);
		expect(body(lastFrame())[0]).toBe('line 80');
		await press(stdin, 'g');
		expect(body(lastFrame())[0]).toBe('line 1');
		await press(stdin, KEY.up);
		expect(body(lastFrame())[0]).toBe('line 1');
		await press(stdin, KEY.pageDown, KEY.down);
		expect(body(lastFrame())[0]).toBe('line 12');
		await press(stdin, 'G');
		expect(body(lastFrame()).at(-1)).toBe('line 100');
		await press(stdin, 'l');
		expect(closed).toBe(1);
		await press(stdin, KEY.escape);
		expect(closed).toBe(2);
		unmount();
	});

	test('a log larger than 2 MiB: only its end is read, and the view says so', async () => {
		const line = `${'y'.repeat(90)}\n`;
		const count = Math.ceil((3 * 1024 * 1024) / (line.length + 8));
		const text = Array.from({length: count}, (_, i) => `${String(i).padStart(7, '0')} ${line}`).join('');
		const file = writeLog('big.log', text);
		const log = readLog(file);
		expect(log.truncated).toBe(true);
		expect(log.sizeBytes).toBe(Buffer.byteLength(text));
		expect(log.lines.join('\n').length).toBeLessThanOrEqual(LOG_VIEW_BYTES);
		expect(log.lines[0]).toMatch(/^\d{7} y+$/);
		expect(log.lines.at(-1)).toBe(`${String(count - 1).padStart(7, '0')} ${'y'.repeat(90)}`);
		expect(log.lines).not.toContain(`0000000 ${'y'.repeat(90)}`);

		const {lastFrame, unmount} = render(<Pager path={file} title="big" width={100} height={8} onClose={() => {}} />);
		await waitForFrame({lastFrame}, `of ${formatBytes(log.sizeBytes)}`);
		expect(lastFrame()).toContain(`(the last ${formatBytes(LOG_VIEW_BYTES)} of ${formatBytes(log.sizeBytes)}`);
		expect(lastFrame()).toContain(`${String(count - 1).padStart(7, '0')} yyy`);
		unmount();
	});

	test('a missing log says there is none yet; escape sequences in a log are not drawn', async () => {
		const missing = path.join(dir, 'none.log');
		const first = render(<Pager path={missing} title="none" width={100} height={6} onClose={() => {}} />);
		await waitForFrame(first, 'No log yet at');
		expect(first.lastFrame()).toContain(`No log yet at ${missing}`);
		first.unmount();

		const file = writeLog('ansi.log', '\u001B[31mred text\u001B[0m\nprogress 10%\rprogress 100%\n');
		const second = render(<Pager path={file} title="ansi" width={100} height={7} onClose={() => {}} />);
		await waitForFrame(second, 'progress 100%');
		expect(body(second.lastFrame()).slice(0, 2)).toEqual(['red text', 'progress 100%']);
		expect(second.lastFrame()).not.toContain('\u001B[31m');
		second.unmount();
	});

	test('long lines wrap (nothing cut), a long path is shown whole, / searches, n finds the next match', async () => {
		const deep = fs.mkdtempSync(path.join(dir, `${'d'.repeat(60)}-`));
		const lines = Array.from({length: 60}, (_, i) => (i === 7 ? `needle one ${'a'.repeat(150)} END-OF-LONG-LINE` : i === 40 ? 'the second NEEDLE' : `line ${i + 1}`));
		const file = path.join(deep, 'attempt-1.log');
		fs.writeFileSync(file, `${lines.join('\n')}\n`);
		const {lastFrame, stdin, unmount} = render(<Pager path={file} title="wrap" width={60} height={12} onClose={() => {}} />);
		await waitForFrame({lastFrame}, 'line 60');
		const frame = lastFrame() ?? '';
		// The path, wrapped over rows, reads whole when the rows are joined.
		expect(frame.split('\n').slice(1, 4).join('')).toContain(file);
		for (const row of frame.split('\n')) expect(row.length).toBeLessThanOrEqual(60);
		await press(stdin, '/');
		for (const char of 'needle') await press(stdin, char);
		expect(lastFrame()?.split('\n').at(-1)).toBe('/needle');
		await press(stdin, KEY.enter);
		const found = lastFrame() ?? '';
		// The search starts at the top shown row and wraps around: the first match is line 8, wrapped whole.
		const at = found.indexOf('needle one');
		expect(at).toBeGreaterThan(0);
		// (A row broken at a space ends with it; the terminal does not show a trailing space.)
		expect(found.slice(at).replace(/\n↪ /g, '').replace(/ /g, '')).toContain(`${'a'.repeat(150)}END-OF-LONG-LINE`);
		await press(stdin, 'n');
		expect(lastFrame()).toContain('the second NEEDLE');
		expect(lastFrame()).not.toContain('needle one');
		await press(stdin, '/', 'z', 'z', 'q', KEY.enter);
		expect(lastFrame()).toContain('Pattern not found: zzq');
		unmount();
	});
});
