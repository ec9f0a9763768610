/**
 * What the operator has typed or chosen at the current prompt, as a pure model
 * the app's one key handler edits: the text of a typed word, an ask or a param
 * (with its cursor), the focused choice of a choice list, and the error shown
 * under it. The app owns it (not an input component with its own `useInput`):
 * an input component starts listening only in an effect after its first frame,
 * so keys typed as a prompt appears were lost; the app's handler is mounted from
 * the start and sees a prompt as soon as its frame is committed.
 *
 * Key behaviour copies @inkjs/ui 2 (TextInput, PasswordInput, Select,
 * ConfirmInput), which these prompts used before: ←/→ move the cursor,
 * Backspace/Delete remove the character before it, ↑/↓ move in a list, Enter
 * submits. A confirmation's y/n/Enter are single keys of the key table (keymap.ts).
 */
import type {Key} from 'ink';
import type {Prompt, PromptAnswer} from './prompt.js';
import {takesText, type TextPrompt} from './keymap.js';
import {checkAnswer} from '../engine/answers.js';
import {matchesPattern} from '../security/patterns.js';
import {fieldText} from '../security/terminal-text.js';

/** Most choices shown at once in a choice list. */
export const MAX_CHOICES = 5;

/** The input state of one prompt (`promptId`); replaced, never changed in place. */
export interface Entry {
	/** The prompt this entry belongs to: an entry of another prompt is discarded. */
	readonly promptId: number;
	/** The text typed so far (a secret's too: it is only ever shown as `*`). */
	readonly value: string;
	/** Where the cursor is in `value`, in UTF-16 units (0 to `value.length`). */
	readonly cursor: number;
	/** Index of the focused choice of a choice list. */
	readonly choice: number;
	/** Index of the first choice shown (the list shows {@link MAX_CHOICES} at most). */
	readonly top: number;
	/** Why the last submitted answer was refused, shown under the input. */
	readonly error?: string;
	/** True once an answer went out: later keys do nothing (Enter twice must not answer twice). */
	readonly answered: boolean;
}

/** The choices of an ask or a param, or undefined for other prompts and free text. */
export function choicesOf(prompt: Prompt): string[] | undefined {
	if (prompt.kind === 'ask') return prompt.ask.choices;
	if (prompt.kind === 'param') return prompt.param.choices;
	return undefined;
}

/**
 * The entry `prompt` starts with: empty, or an ask's or param's `default` (or
 * `-p` preset) as text (not a secret's: Enter keeps it unseen); a choice list
 * focused on its default, else on its first choice.
 */
export function newEntry(prompt: Prompt): Entry {
	let value = '';
	let choice = 0;
	if (prompt.kind === 'ask' || prompt.kind === 'param') {
		const spec = prompt.kind === 'ask' ? prompt.ask : prompt.param;
		const choices = choicesOf(prompt);
		if (choices) choice = Math.max(0, spec.default === undefined ? 0 : choices.indexOf(spec.default));
		else if (!spec.secret && spec.default !== undefined) value = spec.default;
	}
	const top = Math.max(0, choice - MAX_CHOICES + 1);
	return {promptId: prompt.id, value, cursor: value.length, choice, top, answered: false};
}

/** `entry` when it belongs to `prompt`, else a new one. */
export function entryFor(prompt: Prompt, entry: Entry | undefined): Entry {
	return entry?.promptId === prompt.id ? entry : newEntry(prompt);
}

/** True for prompts whose keys go to their entry (typed text or a choice list; the key table's `typed: 'text'`). */
export const takesEntry: (prompt: Prompt | undefined) => prompt is TextPrompt = takesText;

/** Text editing: ←/→, Backspace/Delete, printable input (a paste is inserted whole, without its control characters). */
function edit(entry: Entry, input: string, key: Key): Entry {
	if (key.leftArrow) return {...entry, cursor: Math.max(0, entry.cursor - 1)};
	if (key.rightArrow) return {...entry, cursor: Math.min(entry.value.length, entry.cursor + 1)};
	if (key.backspace || key.delete) {
		if (entry.cursor === 0) return entry;
		return {...entry, value: entry.value.slice(0, entry.cursor - 1) + entry.value.slice(entry.cursor), cursor: entry.cursor - 1};
	}
	if (key.upArrow || key.downArrow || key.tab || key.ctrl || key.meta || key.escape) return entry;
	// A paste of a line copied with its newline: its CR stays out (its Enter answers nothing, app-keys.ts).
	const text = fieldText(input);
	if (text === '') return entry;
	return {...entry, value: entry.value.slice(0, entry.cursor) + text + entry.value.slice(entry.cursor), cursor: entry.cursor + text.length};
}

/**
 * Checks an answer as the engine does (engine/answers.ts `checkAnswer`: one of the
 * choices, and the pattern matched unanchored by RE2, security/patterns.ts), and refuses an empty
 * one unless the author allowed it: a `default` of `""`, or a `pattern` that matches the empty
 * string (`^[0-9]*$`). Returns the problem as a sentence, or undefined. A secret value never
 * appears in the message.
 */
export function answerProblem(value: string, options: {choices?: string[]; pattern?: string; secret?: boolean; default?: string}): string | undefined {
	const emptyAllowed = options.default === '' || (options.pattern !== undefined && matchesPattern(options.pattern, ''));
	if (value === '' && !emptyAllowed) return 'An answer is needed (Ctrl-C or Esc to quit).';
	const problem = checkAnswer(value, options.choices, options.pattern, options.secret);
	return problem === undefined ? undefined : problem.charAt(0).toUpperCase() + problem.slice(1);
}

/** An ask's or param's answer to `raw`: accepted, or refused with the reason (as the inputs did). */
function submitAnswer(prompt: Extract<Prompt, {kind: 'ask' | 'param'}>, entry: Entry, raw: string): {entry: Entry; answer?: PromptAnswer} {
	const spec = prompt.kind === 'ask' ? prompt.ask : prompt.param;
	const value = raw === '' && spec.secret && spec.default !== undefined ? spec.default : raw;
	// A param that is not required may be left empty (e.g. a passphrase the backup may not need).
	const optional = prompt.kind === 'param' && !prompt.param.required;
	const problem = value === '' && optional ? undefined : answerProblem(value, {choices: spec.choices, pattern: spec.pattern, secret: spec.secret, default: spec.default});
	if (problem) return {entry: {...entry, error: problem, ...(spec.secret ? {value: '', cursor: 0} : {})}};
	return {entry: {...entry, answered: true}, answer: {value}};
}

/**
 * What `input`/`key` does to `entry` at `prompt`: the new entry, and the answer
 * when the key gives one. Keys the entry does not take (Esc, Ctrl-C, keys of
 * other prompts) leave it as it is. Throws nothing.
 */
export function entryKey(prompt: Prompt, entry: Entry, input: string, key: Key): {entry: Entry; answer?: PromptAnswer} {
	if (entry.answered) return {entry};
	switch (prompt.kind) {
		case 'destructive':
			if (!key.return) return {entry: edit(entry, input, key)};
			if (entry.value === prompt.word) return {entry: {...entry, answered: true}, answer: 'yes'};
			return {entry: {...entry, value: '', cursor: 0, error: `That is not "${prompt.word}". Type it exactly, or press Esc to cancel.`}};
		case 'ask':
		case 'param': {
			const choices = choicesOf(prompt);
			if (!choices) return key.return ? submitAnswer(prompt, entry, entry.value) : {entry: edit(entry, input, key)};
			if (key.return) return choices.length > 0 ? submitAnswer(prompt, entry, choices[entry.choice]!) : {entry};
			if (!key.upArrow && !key.downArrow) return {entry};
			const choice = Math.max(0, Math.min(choices.length - 1, entry.choice + (key.upArrow ? -1 : 1)));
			const visible = Math.min(MAX_CHOICES, choices.length);
			const top = Math.min(choice, Math.max(entry.top, choice - visible + 1));
			return {entry: {...entry, choice, top}};
		}
		default:
			return {entry};
	}
}
