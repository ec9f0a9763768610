/**
 * Every key of the TUI in one place: what each prompt kind takes (the answer a
 * key gives, or the y/N question asked first), the app's own keys, and the keys
 * of a y/N question. The app's key handler, the prompt's key row, the key help
 * at the bottom and the help screen (`?`) are all read from these tables, so a
 * key added here is handled and shown everywhere at once.
 */
import type {Key} from 'ink';
import type {Prompt, PromptAnswers, PromptKind} from './prompt.js';
import type {StepView} from '../engine/ports.js';

/** A key as the operator reads it: `Enter`, `Space`, `Esc`, `Ctrl-C`, `↑↓` (either arrow), `PgUp`, `PgDn`, or the one character typed. */
export type KeyName = 'Enter' | 'Space' | 'Esc' | 'Ctrl-C' | '↑↓' | 'PgUp' | 'PgDn' | 'q' | 's' | 'r' | 'w' | 'm' | 'b' | 'l' | 'y' | 'n' | 'Y' | 'N' | 'd' | 'a' | '?' | '.';

/** True when `input`/`key` (as Ink's `useInput` hands them over) is the key `name`. */
export function isKey(name: KeyName, input: string, key: Key): boolean {
	switch (name) {
		case 'Enter':
			return key.return;
		case 'Space':
			return input === ' ';
		case 'Esc':
			return key.escape;
		case 'Ctrl-C':
			return key.ctrl && input === 'c';
		case '↑↓':
			return key.upArrow || key.downArrow;
		case 'PgUp':
			return key.pageUp;
		case 'PgDn':
			return key.pageDown;
		default:
			return input === name;
	}
}

/** Which y/N question comes before an answer: skipping, marking a failed or interrupted step done, rolling a group back, or quitting. */
export type QuestionKind = 'skip' | 'mark-done' | 'roll-back' | 'quit';

/** The prompt of kind `K`. */
export type PromptOf<K extends PromptKind> = Extract<Prompt, {kind: K}>;

/**
 * One key of a prompt kind. `keys` are listed (joined by `/`: `Enter/m done`);
 * `also` are taken too but not listed on the prompt's row (the upper-case `Y`,
 * Ctrl-C where `q` stands for it); both are on the help screen. A key either
 * answers the prompt (`answer`, after the y/N question `asksFirst` when set), or
 * is listed here while another part handles it: `to: 'entry'` the typed text or
 * choice list (prompt-entry.ts), `to: 'app'` the app's own key (app keys below).
 */
export type PromptKey<K extends PromptKind> = {
	keys: readonly KeyName[];
	also?: readonly KeyName[];
	/** What the key does, after the key names: `run` in `Enter run`; a function when it depends on the prompt. */
	label: string | ((prompt: PromptOf<K>) => string);
	/** Written before the keys in the key help (`type the word, ` before `Enter confirm`). */
	lead?: string;
	/** The help screen's words for the key at this prompt (rows of the same key are joined with ` / `). */
	help?: string;
	/** Only when this holds (a failure that can wait longer, a group with a rescue). */
	when?: (prompt: PromptOf<K>) => boolean;
} & ({answer: PromptAnswers[K]; asksFirst?: QuestionKind} | {to: 'entry' | 'app'});

/** Where a kind's keys are listed: on the prompt's own row, or in the key help at the bottom (the start screen: both). */
export type KeysShown = 'row' | 'help' | 'both';

/**
 * The keys of every prompt kind, in the order they are listed. `typed`: what
 * is typed there is an answer: `text` typed text or a choice list (the entry,
 * prompt-entry.ts, takes the keys the table does not, `q` among them), `letters`
 * single letters (a confirmation's y/n). Keys typed at either neither put the
 * start notes away nor open them.
 */
export type PromptKeymap = {[K in PromptKind]: {shown: KeysShown; typed?: 'text' | 'letters'; keys: readonly PromptKey<K>[]}};

const QUIT_HELP = 'quit, progress kept (asks; stops a running command)';
/** The help screen's words for yes (a confirmation, a y/N question). */
export const YES_HELP = 'yes to a confirmation or a y/N question';
/** The help screen's words for no, the default of a confirmation or a y/N question. */
export const NO_HELP = 'no to a confirmation or a y/N question (the default)';
/** `q` at every prompt but typed text; Ctrl-C too, which the rows do not list (the help screen does). */
const QUIT = {keys: ['q'], also: ['Ctrl-C'], label: 'quit', answer: 'quit', asksFirst: 'quit', help: QUIT_HELP} as const;
const SKIP = {keys: ['s'], label: 'skip', answer: 'skip', asksFirst: 'skip', help: 'skip the step (asks first)'} as const;
const MARK_DONE = {keys: ['m'], label: 'mark done', answer: 'mark-done', asksFirst: 'mark-done', help: 'mark a failed or interrupted step done (asks first)'} as const;

/** True when the engine asks before running `step` (a `confirm`, or a destructive step's word): its gate does not ask too. */
export function stepAsksFirst(step: StepView): boolean {
	return step.destructive || step.step.confirm !== undefined;
}

/**
 * The keys of each prompt kind; the source of the handler ({@link promptKeyAction}),
 * the key rows and key help ({@link promptKeyHints}) and the help screen (help-view.tsx `helpRows`).
 * Skipping, marking a failed or interrupted step done and rolling back ask first: later
 * steps rely on a step that did not succeed. Esc cancels a destructive step (`no`) and quits
 * from an ask or a param; typed text takes every other key there.
 */
export const PROMPT_KEYMAP: PromptKeymap = {
	start: {shown: 'both', keys: [{keys: ['Enter'], label: 'start', answer: 'run', help: 'start the run from its plan'}, QUIT]},
	gate: {
		shown: 'row',
		keys: [
			// A step with its own confirmation (or the word to type) is asked once, by that question: the gate only leads to it.
			{keys: ['Enter'], label: prompt => (stepAsksFirst(prompt.step) ? 'ask' : 'run'), answer: 'run', help: 'run the step (step mode)'},
			SKIP,
			QUIT,
		],
	},
	manual: {shown: 'row', keys: [{keys: ['Enter', 'm'], label: 'done', answer: 'done', help: 'mark a manual step done'}, SKIP, QUIT]},
	checklist: {shown: 'row', keys: [{keys: ['Space', 'Enter'], label: 'tick', answer: 'tick', help: 'tick the checklist item shown'}, SKIP, QUIT]},
	failure: {
		shown: 'row',
		keys: [
			{
				keys: ['w'],
				label: prompt => `wait ${prompt.failure.waitLonger} longer`,
				answer: 'wait-longer',
				when: prompt => Boolean(prompt.failure.waitLonger),
				help: 'wait longer: a wait that timed out waits its timeout again',
			},
			{keys: ['r'], label: 'retry', answer: 'retry', help: 'retry a failed step'},
			SKIP,
			MARK_DONE,
			{
				keys: ['b'],
				label: 'roll back',
				answer: 'roll-back',
				asksFirst: 'roll-back',
				when: prompt => prompt.failure.rollBack !== undefined,
				help: 'after a failure inside a group with a rescue: roll the group back (run its rescue steps)',
			},
			{keys: ['l'], label: 'view log', to: 'app'},
			QUIT,
		],
	},
	interrupted: {shown: 'row', keys: [{keys: ['r'], label: 're-run', answer: 'rerun', help: 're-run an interrupted step'}, MARK_DONE, SKIP, QUIT]},
	confirm: {
		shown: 'row',
		typed: 'letters',
		keys: [{keys: ['y'], also: ['Y'], label: 'yes', answer: 'yes', help: YES_HELP}, {keys: ['n', 'Enter'], also: ['N'], label: 'no', answer: 'no', help: NO_HELP}, QUIT],
	},
	destructive: {
		shown: 'help',
		typed: 'text',
		keys: [
			{keys: ['Enter'], lead: 'type the word, ', label: 'confirm', to: 'entry', help: 'confirm the word typed at a destructive step'},
			{keys: ['Esc'], label: 'cancel', answer: 'no', help: 'cancel a destructive step'},
			{keys: ['Ctrl-C'], label: 'quit', answer: 'quit', asksFirst: 'quit', help: QUIT_HELP},
		],
	},
	ask: {shown: 'help', typed: 'text', keys: answerKeys<'ask'>()},
	param: {shown: 'help', typed: 'text', keys: answerKeys<'param'>()},
};

/** The keys of an ask and of a param: a choice list or typed text, Enter, and Esc or Ctrl-C to quit. */
function answerKeys<K extends 'ask' | 'param'>(): PromptKey<K>[] {
	const choices = (prompt: PromptOf<K>) => {
		const asked = prompt as PromptOf<'ask' | 'param'>;
		return asked.kind === 'ask' ? asked.ask.choices : asked.param.choices;
	};
	return [
		{keys: ['↑↓'], label: 'choose', to: 'entry', when: prompt => choices(prompt) !== undefined, help: 'choose an answer from a list'},
		{keys: ['Enter'], label: prompt => (choices(prompt) ? 'select' : 'submit'), to: 'entry', help: 'give the answer typed or chosen'},
		{keys: ['Esc', 'Ctrl-C'], label: 'quit', answer: 'quit', asksFirst: 'quit', help: 'quit from an ask or a param (asks first)'},
	];
}

/** The prompt kinds whose entry takes typed text or a choice list. */
export type TextPrompt = PromptOf<'destructive' | 'ask' | 'param'>;

/** True at a prompt whose entry takes typed text or a choice list ({@link PROMPT_KEYMAP} `typed: 'text'`). */
export function takesText(prompt: Prompt | undefined): prompt is TextPrompt {
	return prompt !== undefined && PROMPT_KEYMAP[prompt.kind].typed === 'text';
}

/** True at a prompt where what is typed is an answer (typed text, a choice list, a confirmation's letters). */
export function typesAnswers(prompt: Prompt | undefined): boolean {
	return prompt !== undefined && PROMPT_KEYMAP[prompt.kind].typed !== undefined;
}

/** A key of a prompt with its label worked out for that prompt. */
export interface ActiveKey {
	keys: readonly KeyName[];
	also: readonly KeyName[];
	/** `Enter run`, `Space/Enter tick`, `type the word, Enter confirm`. */
	text: string;
	/** The answer it gives (undefined: the entry or the app handles it). */
	answer?: PromptAnswers[PromptKind];
	asksFirst?: QuestionKind;
	to?: 'entry' | 'app';
}

/** The keys `prompt` takes now (those whose `when` holds), in the order they are listed. */
export function activeKeys(prompt: Prompt): ActiveKey[] {
	const entries = PROMPT_KEYMAP[prompt.kind].keys as readonly PromptKey<PromptKind>[];
	return entries
		.filter(entry => entry.when?.(prompt as never) ?? true)
		.map(entry => {
			const label = typeof entry.label === 'function' ? entry.label(prompt as never) : entry.label;
			const base = {keys: entry.keys, also: entry.also ?? [], text: `${entry.lead ?? ''}${entry.keys.join('/')} ${label}`};
			return 'to' in entry ? {...base, to: entry.to} : {...base, answer: entry.answer, asksFirst: entry.asksFirst};
		});
}

/** What a key does at a prompt: answer it, or ask `question` first and answer on yes. */
export type PromptKeyAction = {answer: PromptAnswers[PromptKind]; question?: QuestionKind};

/**
 * What `input`/`key` does at `prompt` ({@link PROMPT_KEYMAP}): the answer and the
 * question asked first, or undefined when the key gives no answer (the entry's
 * keys, the app's keys, keys of no use here).
 */
export function promptKeyAction(prompt: Prompt, input: string, key: Key): PromptKeyAction | undefined {
	const hit = activeKeys(prompt).find(entry => [...entry.keys, ...entry.also].some(name => isKey(name, input, key)));
	if (!hit || hit.answer === undefined) return undefined;
	return hit.asksFirst ? {answer: hit.answer, question: hit.asksFirst} : {answer: hit.answer};
}

/** The prompt's keys as listed on its row or in the key help: `['Enter run', 's skip', 'q quit']`. */
export function promptKeyHints(prompt: Prompt): string[] {
	return activeKeys(prompt).map(entry => entry.text);
}

/** What the app's own keys do (the handler's switch in app-keys.ts, handleKey). */
export type AppKeyId = 'scroll' | 'steps' | 'follow' | 'details' | 'log' | 'auto' | 'help' | 'notes' | 'quit';

/** A key of the app itself, outside the prompt's. */
export interface AppKey {
	id: AppKeyId;
	keys: readonly KeyName[];
	/** Taken too, not listed in the key help (`.` for Esc, Ctrl-C for q). */
	also?: readonly KeyName[];
	/** What the key help at the bottom says after the keys (`details`); none: not listed there. */
	label?: string;
	/** The label while auto mode is on (`a`) or a command runs (`q`). */
	labelOn?: string;
	/** The help screen's words. */
	help: string;
}

/** The app's keys (the help screen puts their words first on a key's row). */
export const APP_KEYS: readonly AppKey[] = [
	{id: 'scroll', keys: ['PgUp', 'PgDn'], label: 'scroll', help: 'scroll a command too long for the panel at a confirmation'},
	{id: 'steps', keys: ['↑↓'], label: 'steps', help: 'look at another step (the panel shows it)'},
	{id: 'follow', keys: ['Esc'], also: ['.'], label: 'follow', help: 'follow the current step again'},
	{id: 'details', keys: ['d'], label: 'details', help: 'details of the shown step: whole description, command, variables and where they come from'},
	{id: 'log', keys: ['l'], label: 'log', help: 'view the log of the shown step (↑↓ PgUp PgDn g G, / search, n N; Esc closes)'},
	{id: 'auto', keys: ['a'], label: 'auto', labelOn: 'step mode', help: 'switch step mode / auto mode (auto stops at questions)'},
	{id: 'help', keys: ['?'], label: 'help', help: 'this help (Esc or ? closes)'},
	{id: 'notes', keys: ['n'], help: 'show the notes from the start of the run, all of them'},
	{id: 'quit', keys: ['q'], also: ['Ctrl-C'], label: 'quit', labelOn: 'stop & quit', help: `${QUIT_HELP}; leaves the summary at the end`},
];

/** The key help text of the app key `id` (`d details`; `on`: auto mode is on, or a command runs). */
export function appKeyHint(id: AppKeyId, on = false): string {
	const entry = APP_KEYS.find(k => k.id === id)!;
	return `${entry.keys.join('/')} ${on && entry.labelOn ? entry.labelOn : entry.label}`;
}

/** The app key `input`/`key` is, or undefined. */
export function appKey(input: string, key: Key): AppKeyId | undefined {
	return APP_KEYS.find(entry => [...entry.keys, ...(entry.also ?? [])].some(name => isKey(name, input, key)))?.id;
}

/** The answer to a y/N question a key gives: `yes`, `no`, or undefined (the key is ignored). */
export type QuestionAnswer = 'yes' | 'no';

/** The keys of a y/N question (default No); Ctrl-C says yes to quitting or stopping, no to the others. */
export const QUESTION_KEYS = {
	yes: {keys: ['y'], also: ['Y'], text: 'y yes'},
	no: {keys: ['n', 'Enter', 'Esc'], also: ['N', 'Ctrl-C'], text: 'n/Enter/Esc no'},
} as const;

/** What `input`/`key` answers to a y/N question; `quitting` when it asks to quit or stop (Ctrl-C then says yes). */
export function questionKey(input: string, key: Key, quitting: boolean): QuestionAnswer | undefined {
	if (quitting && isKey('Ctrl-C', input, key)) return 'yes';
	for (const answer of ['yes', 'no'] as const) {
		const {keys, also} = QUESTION_KEYS[answer];
		if ([...keys, ...also].some(name => isKey(name, input, key))) return answer;
	}
	return undefined;
}
