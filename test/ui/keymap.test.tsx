/**
 * The key table (keymap.ts) against what the operator sees and what the app
 * does, for every prompt kind (and the variants that add keys: a failure that
 * can wait longer or roll back, a gate of a step that asks first, an ask with
 * choices): the keys listed on the prompt's row or in the key help are exactly
 * the keys its handler takes, besides the declared `also` keys (upper-case Y/N,
 * Ctrl-C where the row lists q), and the help screen names every one of them.
 * Typing (printable characters, ← →, Backspace, Delete at typed text) is what
 * "type the word" and the input row stand for, and is not a key here.
 * Then the real App takes each listed key and gives the table's answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import type {Key} from 'ink';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, test} from 'vitest';
import {HELP_KEYS, HelpView} from '../../source/ui/help-view.js';
import {KeyHelp, keysNow} from '../../source/ui/key-help.js';
import {activeKeys, appKey, PROMPT_KEYMAP, promptKeyAction, promptKeyHints} from '../../source/ui/keymap.js';
import type {TuiOperator} from '../../source/ui/operator.js';
import {isValidAnswer, type Prompt, type PromptAnswer, type PromptKind} from '../../source/ui/prompt.js';
import {entryFor, entryKey, takesEntry} from '../../source/ui/prompt-entry.js';
import {PromptView} from '../../source/ui/prompt-view.js';
import {KEY, plain, press, startApp, waitForFrame, type AppUnderTest} from './harness.js';
import {SAMPLES, steps} from './prompt-samples.js';

const NO_KEY: Key = {
	upArrow: false,
	downArrow: false,
	leftArrow: false,
	rightArrow: false,
	pageDown: false,
	pageUp: false,
	home: false,
	end: false,
	return: false,
	escape: false,
	ctrl: false,
	shift: false,
	tab: false,
	backspace: false,
	delete: false,
	meta: false,
	super: false,
	hyper: false,
	capsLock: false,
	numLock: false,
};

/** A key press as Ink hands it over, named as the key help names it. */
interface Press {
	name: string;
	input: string;
	key: Key;
	/** Part of typing text (not a key at a prompt that takes typed text). */
	typing: boolean;
}

const SPECIAL: Press[] = [
	{name: 'Enter', input: '\r', key: {...NO_KEY, return: true}, typing: false},
	{name: 'Esc', input: '', key: {...NO_KEY, escape: true}, typing: false},
	{name: 'Ctrl-C', input: 'c', key: {...NO_KEY, ctrl: true}, typing: false},
	{name: '↑', input: '', key: {...NO_KEY, upArrow: true}, typing: false},
	{name: '↓', input: '', key: {...NO_KEY, downArrow: true}, typing: false},
	{name: '←', input: '', key: {...NO_KEY, leftArrow: true}, typing: true},
	{name: '→', input: '', key: {...NO_KEY, rightArrow: true}, typing: true},
	{name: 'PgUp', input: '', key: {...NO_KEY, pageUp: true}, typing: false},
	{name: 'PgDn', input: '', key: {...NO_KEY, pageDown: true}, typing: false},
	{name: 'Home', input: '', key: {...NO_KEY, home: true}, typing: false},
	{name: 'End', input: '', key: {...NO_KEY, end: true}, typing: false},
	{name: 'Tab', input: '', key: {...NO_KEY, tab: true}, typing: false},
	{name: 'Backspace', input: '', key: {...NO_KEY, backspace: true}, typing: true},
	{name: 'Delete', input: '', key: {...NO_KEY, delete: true}, typing: true},
];
/** Every printable ASCII character and the special keys. */
const PRESSES: Press[] = [...Array.from({length: 0x7f - 0x20}, (_, i) => String.fromCharCode(0x20 + i)).map(char => ({name: char === ' ' ? 'Space' : char, input: char, key: NO_KEY, typing: true})), ...SPECIAL];

/** The key names of a key help item: `Enter/m done` → Enter, m; `type the word, Enter confirm` → Enter; `↑↓ choose` → ↑, ↓. */
function namesOf(item: string): string[] {
	const head = item.includes(', ') ? item.slice(item.lastIndexOf(', ') + 2) : item;
	return head
		.split(' ')[0]!
		.split('/')
		.flatMap(name => (name === '↑↓' ? ['↑', '↓'] : [name]));
}

/** Whether the prompt's own handling takes `press`: an answer from the key table, or a change of what is typed or chosen. */
function takes(prompt: Prompt, press: Press): boolean {
	if (promptKeyAction(prompt, press.input, press.key)) return true;
	if (!takesEntry(prompt) || press.typing) return false;
	// In the middle of a choice list, so that both arrows move.
	const entry = {...entryFor(prompt, undefined), choice: 1};
	const result = entryKey(prompt, entry, press.input, press.key);
	return result.answer !== undefined || result.entry !== entry;
}

/** Where the prompt's keys are shown: its row (as rendered) or the key help at the bottom (as rendered). */
function shownKeys(prompt: Prompt): {items: string[]; frame: string} {
	if (PROMPT_KEYMAP[prompt.kind].shown === 'help') {
		const items = keysNow({prompt});
		const {lastFrame, unmount} = render(<KeyHelp keys={items} width={200} />);
		const frame = lastFrame() ?? '';
		unmount();
		return {items, frame};
	}
	const items = promptKeyHints(prompt);
	const entry = entryFor(prompt, undefined);
	const {lastFrame, unmount} = render(<PromptView prompt={prompt} width={200} isActive entry={entry} />);
	const frame = lastFrame() ?? '';
	unmount();
	return {items, frame};
}

/** The key names on the help screen's rows (`Esc .` → Esc and `.`; `↑ ↓` → ↑ and ↓). */
const helpNames = new Set(HELP_KEYS.flatMap(([keys]) => keys.split(' ')));

describe.each(Object.entries(SAMPLES))('%s', (_name, sample) => {
	const prompt = {...sample, id: 1} as Prompt;

	test('the keys listed are exactly the keys its handler takes, and the help screen names each', () => {
		const {items, frame} = shownKeys(prompt);
		// Every key of the table is on screen, whole.
		for (const item of promptKeyHints(prompt)) expect(frame).toContain(item);
		const active = activeKeys(prompt);
		// Keys listed here for the app (`l view log` at a failure) are the app's: it takes them.
		const forApp = active.filter(entry => entry.to === 'app').flatMap(entry => entry.keys);
		for (const name of forApp) {
			const press = PRESSES.find(p => p.name === name)!;
			expect(appKey(press.input, press.key), name).toBeDefined();
		}
		const listed = new Set(items.filter(item => promptKeyHints(prompt).includes(item)).flatMap(namesOf));
		for (const name of forApp) listed.delete(name);
		const also = new Set(active.flatMap(entry => entry.also));
		const taken = PRESSES.filter(press => takes(prompt, press)).map(press => press.name);
		expect(taken.filter(name => !also.has(name as never)).sort()).toEqual([...listed].sort());
		// Nothing the table lists is left without a handler, nothing handled is left unlisted (but the declared `also`).
		expect(taken.length).toBeGreaterThan(0);
		for (const name of [...listed, ...also, ...forApp]) {
			const row = name === '↑' || name === '↓' ? name : name.length === 1 ? name.toLowerCase() : name;
			expect(helpNames.has(row), `the help screen names ${name}`).toBe(true);
		}
	});
});

test('every answer the key table gives is one the operator takes for that kind (prompt.ts isValidAnswer)', () => {
	for (const kind of Object.keys(PROMPT_KEYMAP) as PromptKind[]) {
		for (const entry of PROMPT_KEYMAP[kind].keys) if ('answer' in entry) expect(isValidAnswer(kind, entry.answer), `${kind}: ${String(entry.answer)}`).toBe(true);
	}
});

test('the help screen shows every row of HELP_KEYS, one row per key, with what it does', () => {
	const {lastFrame, unmount} = render(<HelpView width={120} height={HELP_KEYS.length + 1} />);
	const frame = lastFrame() ?? '';
	unmount();
	const rows = frame.split('\n').slice(1);
	expect(rows).toHaveLength(HELP_KEYS.length);
	HELP_KEYS.forEach(([keys, what], i) => {
		expect(rows[i]!.startsWith(keys)).toBe(true);
		expect(rows[i]).toContain(what.slice(0, 40));
	});
	expect(new Set(HELP_KEYS.map(([keys]) => keys)).size).toBe(HELP_KEYS.length);
});

test("README's key table names every key of the help screen", () => {
	const readme = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
	const section = readme.slice(readme.indexOf('### Keys'), readme.indexOf('### What you see'));
	// The first cell of each row: `| `y` / `n` | …` → y, n.
	const named = new Set(
		section.split('\n').flatMap(line =>
			line.startsWith('| ')
				? line
						.split(' | ')[0]!
						.slice(2)
						.replaceAll('`', '')
						.split(/ \/ | /)
				: [],
		),
	);
	for (const name of helpNames) expect(named.has(name), `README names ${name}`).toBe(true);
});

/** The press string of a key name for a terminal's stdin. */
const STDIN: Record<string, string> = {Enter: KEY.enter, Esc: KEY.escape, 'Ctrl-C': KEY.ctrlC, Space: ' ', '↑': KEY.up, '↓': KEY.down};

/** Puts `sample` to the operator as the engine would; resolves with the answer. */
function ask(operator: TuiOperator, sample: Prompt): Promise<PromptAnswer> {
	switch (sample.kind) {
		case 'start':
			return operator.awaitStart(sample.plan);
		case 'gate':
			return operator.beforeStep(sample.step);
		case 'manual':
			return operator.manual(sample.step, sample.instructions);
		case 'checklist':
			return operator.checkItem(sample.step, sample.item);
		case 'failure':
			return operator.onFailure(sample.step, sample.failure);
		case 'interrupted':
			return operator.onInterrupted(sample.step);
		case 'confirm':
			return operator.confirm(sample.step, sample.question);
		case 'destructive':
			return operator.confirmDestructive(sample.step, sample.question, sample.word);
		case 'ask':
			return operator.ask(sample.step, sample.ask);
		case 'param':
			return operator.askParam(sample.name, sample.param);
	}
}

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

test('the App gives the answer of every key the table lists (and of its also keys), after y where it asks first', async () => {
	app = startApp(steps, {columns: 200, rows: 30});
	const {operator, t} = app;
	let checked = 0;
	for (const sample of Object.values(SAMPLES)) {
		const prompt = {...sample, id: 0} as Prompt;
		for (const entry of activeKeys(prompt)) {
			if (entry.answer === undefined) continue;
			for (const name of [...entry.keys, ...entry.also]) {
				const answered = ask(operator, sample);
				// A notice numbered per prompt: the frame that shows it shows this prompt, not the one before with the same keys.
				app.handle.emit({type: 'notice', level: 'info', stepId: 'plain', message: `prompt ${checked}`});
				const shown = PROMPT_KEYMAP[prompt.kind].shown === 'help' ? keysNow({prompt}).join(' · ') : promptKeyHints(prompt).join(' · ');
				await waitForFrame(t, frame => plain(frame).includes(`info: prompt ${checked}\n`) && plain(frame).includes(shown));
				await press(t.stdin, STDIN[name] ?? name);
				if (entry.asksFirst) {
					await waitForFrame(t, '(y/N)');
					await press(t.stdin, 'y');
				}
				expect(await answered, `${prompt.kind}: ${name}`).toBe(entry.answer);
				checked++;
			}
		}
	}
	expect(checked).toBeGreaterThan(30);
});
