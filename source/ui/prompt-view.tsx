/**
 * The pending operator prompt: the question, the keys it takes and, for
 * confirmations, asks and params, the input (y/N, typed text, a choice list, a
 * masked entry), as parts ({@link promptParts}) that give both its height and
 * what is drawn. It only draws: every key is the app's (single keys through
 * the key table, keymap.ts; typing and choosing through prompt-entry.ts), so
 * no key typed as a prompt appears waits for an input component to start listening.
 */
import {Box, Text} from 'ink';
import type {Prompt} from './operator.js';
import {tint} from './color.js';
import {displayLine, displayText, displayTextLines, wrapTextTo} from './format.js';
import {promptSubject} from './prompt-keys.js';
import {promptKeyHints, stepAsksFirst} from './keymap.js';
import {choicesOf, MAX_CHOICES, type Entry} from './prompt-entry.js';

export {answerProblem} from './prompt-entry.js';

/** Props of {@link PromptView}. */
export interface PromptViewProps {
	/** The prompt to render (re-keyed by its id, so local input state resets per prompt). */
	prompt: Prompt;
	/** Columns available. */
	width: number;
	/** False while something else (log view, help, a y/N question) takes the keys: no cursor is shown. */
	isActive: boolean;
	/** What was typed or chosen so far: the app's, which edits it from its one key handler (prompt-entry.ts). */
	entry: Entry;
	/** Auto mode is on (the start screen says which mode Enter starts). */
	auto?: boolean;
}

/** Rows `text` takes word-wrapped at `width` columns to at most `max` rows (as a prompt's question is), at least 1. */
export function textRows(text: string, width: number, max: number): number {
	return Math.max(1, wrapTextTo(displayTextLines(text).join('\n'), width, max).length);
}

function moreChoices(choices?: string[]): string {
	return choices && choices.length > MAX_CHOICES ? ` (${choices.length} choices, ↑↓ shows all)` : '';
}

function questionText(prompt: Prompt): string {
	switch (prompt.kind) {
		case 'confirm':
		case 'destructive':
			return `? ${prompt.question}`;
		case 'ask':
			return `? ${prompt.ask.prompt}${prompt.preset ? ' (preset with -p; Enter takes it)' : ''}${moreChoices(prompt.ask.choices)}`;
		case 'param':
			return `? Parameter ${prompt.name}${prompt.param.description ? `: ${prompt.param.description}` : ''}${moreChoices(prompt.param.choices)}`;
		default:
			return '';
	}
}

/**
 * One part of a prompt, top to bottom: the data both {@link promptRows} counts
 * and {@link PromptView} draws, so the rows the app leaves for a prompt are the
 * rows it takes. `keyed`: a line and the keys after it; `line`: a red or yellow
 * line; `keys`: the key row; `question`: the question word-wrapped (3 rows at
 * most); `confirm`: `Confirm: y/N` and the keys; `word`: the typed word of a
 * destructive step; `answer`: the choice list (one row per choice shown) or the
 * text typed; `error`: why the last answer was refused (blank until then).
 */
export type PromptPart = {part: 'keyed'; text: string} | {part: 'line'; text: string; color: 'red' | 'yellow'} | {part: 'keys'} | {part: 'question'; rows: string[]} | {part: 'confirm'} | {part: 'word'} | {part: 'answer'; rows: number} | {part: 'error'};

/** The parts of `prompt` at `width` columns (`auto`: auto mode is on, which the start screen says). */
export function promptParts(prompt: Prompt, width: number, auto = false): PromptPart[] {
	const question = (): PromptPart => ({part: 'question', rows: wrapTextTo(displayTextLines(questionText(prompt)).join('\n'), width, 3)});
	switch (prompt.kind) {
		case 'start':
			return [{part: 'keyed', text: `▶ Nothing has run yet. Enter starts the run in ${auto ? 'auto' : 'step'} mode.`}];
		case 'gate':
			// A step with its own confirmation (or the word to type) is asked once, by that question: the gate only leads to it.
			if (stepAsksFirst(prompt.step)) return [{part: 'keyed', text: `▶ Step ${prompt.step.index + 1} ${promptSubject(prompt)} asks before it runs.`}];
			return [{part: 'keyed', text: `▶ Run step ${prompt.step.index + 1} ${promptSubject(prompt)}?`}];
		case 'manual':
			return [{part: 'keyed', text: '☐ Manual step: carry out the instructions above.'}];
		case 'checklist': {
			const {item} = prompt;
			const done = item.items.filter(i => i.ticked).length;
			return [{part: 'keyed', text: `☐ ${item.index + 1}/${item.total} (${done} ticked) ${displayLine(item.text)}`}];
		}
		case 'failure':
			return [{part: 'line', color: 'red', text: `✖ Step ${promptSubject(prompt)} failed (attempt ${prompt.failure.attempt}): ${prompt.failure.error}`}, {part: 'keys'}];
		case 'interrupted':
			return [{part: 'line', color: 'yellow', text: `⚠ Step ${promptSubject(prompt)} was interrupted while running; it may have run partly.`}, {part: 'keys'}];
		case 'confirm':
			return [question(), {part: 'confirm'}];
		case 'destructive':
			return [question(), {part: 'word'}, {part: 'error'}];
		case 'ask':
		case 'param': {
			const choices = choicesOf(prompt);
			return [question(), {part: 'answer', rows: choices ? Math.min(MAX_CHOICES, choices.length) : 1}, {part: 'error'}];
		}
	}
}

/** Rows {@link PromptView} takes for `prompt` at `width` columns: the sum of its {@link promptParts}. */
export function promptRows(prompt: Prompt, width: number): number {
	return promptParts(prompt, width).reduce((rows, part) => rows + (part.part === 'question' ? part.rows.length : part.part === 'answer' ? part.rows : 1), 0);
}

/** The prompt's {@link promptParts}, drawn; the keys are the key table's (keymap.ts). */
export function PromptView({prompt, width, isActive, entry, auto = false}: PromptViewProps) {
	// The keys of the kinds that list them on their own row (the others: the key help, key-help.tsx).
	const keys = promptKeyHints(prompt).join(' · ');
	const draw = (part: PromptPart, i: number) => {
		switch (part.part) {
			case 'keyed':
				return <KeyedRow key={i} width={width} text={part.text} keys={keys} />;
			case 'line':
				return (
					<Text key={i} color={tint(part.color)} wrap="truncate-end">
						{displayText(part.text)}
					</Text>
				);
			case 'keys':
				return (
					<Text key={i} wrap="truncate-end">
						{keys}
					</Text>
				);
			case 'question':
				return <Question key={i} rows={part.rows} />;
			case 'confirm':
				return (
					<Box key={i}>
						<Text>{'Confirm: '}</Text>
						<Text dimColor={!isActive}>{'y/N'}</Text>
						<Text>{`  (${keys})`}</Text>
					</Box>
				);
			case 'word':
				return prompt.kind === 'destructive' ? <WordInput key={i} prompt={prompt} isActive={isActive} entry={entry} /> : null;
			case 'answer':
				return prompt.kind === 'ask' || prompt.kind === 'param' ? <AnswerInput key={i} prompt={prompt} isActive={isActive} entry={entry} /> : null;
			case 'error':
				return <ErrorRow key={i} error={entry.error} />;
		}
	};
	return <Box flexDirection="column">{promptParts(prompt, width, auto).map(draw)}</Box>;
}

/** One row: `text` (cut to fit) then `keys` (always shown whole). */
function KeyedRow({text, keys, width}: {text: string; keys: string; width: number}) {
	return (
		<Box width={width}>
			<Box flexShrink={1} minWidth={0}>
				<Text bold wrap="truncate-end">
					{displayText(text)}
				</Text>
			</Box>
			<Box flexShrink={0} marginLeft={2}>
				<Text>{keys}</Text>
			</Box>
		</Box>
	);
}

/** A question's rows ({@link promptParts}: word-wrapped to at most 3, no row starts with a space, a cut last row ends with `…`). */
function Question({rows}: {rows: string[]}) {
	return (
		<Box flexDirection="column" height={rows.length} overflow="hidden">
			{rows.map((row, i) => (
				<Text key={i} bold wrap="truncate-end">
					{row || ' '}
				</Text>
			))}
		</Box>
	);
}

function ErrorRow({error}: {error?: string}) {
	return (
		<Text color={error ? tint('red') : undefined} wrap="truncate-end">
			{error ? `✖ ${error}` : ' '}
		</Text>
	);
}

interface InputProps<P extends Prompt> {
	prompt: P;
	isActive: boolean;
	entry: Entry;
}

/** A text input's row: the typed text (a secret as `*`), with the cursor shown as an inverse cell while the prompt takes keys. */
function EntryText({entry, secret, isActive}: {entry: Entry; secret?: boolean; isActive: boolean}) {
	const shown = secret ? '*'.repeat(entry.value.length) : displayLine(entry.value);
	if (!isActive) return <Text>{shown}</Text>;
	// The display of a non-secret value may differ in length from the value (controls made visible): the cursor then sits at the end.
	const at = secret || shown.length === entry.value.length ? entry.cursor : shown.length;
	return (
		<Text>
			{shown.slice(0, at)}
			<Text inverse>{shown.charAt(at) || ' '}</Text>
			{shown.slice(at + 1)}
		</Text>
	);
}

/** A destructive step's input row: the word must be typed exactly; a wrong word clears the input and stays (prompt-entry.ts). */
function WordInput({prompt, isActive, entry}: InputProps<Extract<Prompt, {kind: 'destructive'}>>) {
	return (
		<Box>
			<Text color={tint('red')}>{`Type ${prompt.word} to confirm (Esc cancels): `}</Text>
			<EntryText entry={entry} isActive={isActive} />
		</Box>
	);
}

/** An `ask`'s or a param's input: a choice list, a text input (with default) or a masked input (keys: prompt-entry.ts). */
function AnswerInput({prompt, isActive, entry}: InputProps<Extract<Prompt, {kind: 'ask' | 'param'}>>) {
	const spec = prompt.kind === 'ask' ? prompt.ask : prompt.param;
	const optional = prompt.kind === 'param' && !prompt.param.required;
	if (spec.choices) {
		const shown = spec.choices.slice(entry.top, entry.top + MAX_CHOICES);
		return (
			<Box flexDirection="column">
				{shown.map((choice, i) => {
					const focused = isActive && entry.top + i === entry.choice;
					return (
						<Text key={choice} color={focused ? tint('blue') : undefined} wrap="truncate-end">
							{`${focused ? '❯' : ' '} ${displayText(choice)}${choice === spec.default ? (prompt.kind === 'ask' && prompt.preset ? ' (preset with -p)' : ' (default)') : ''}`}
						</Text>
					);
				})}
			</Box>
		);
	}
	if (spec.secret) {
		return (
			<Box>
				<Text>{prompt.kind === 'ask' && prompt.preset ? '(secret, not shown; Enter keeps the -p value) ' : spec.default !== undefined ? '(secret, not shown; Enter keeps the default) ' : optional ? '(secret, not shown; Enter leaves it empty) ' : '(secret, not shown) '}</Text>
				<EntryText entry={entry} secret isActive={isActive} />
			</Box>
		);
	}
	return (
		<Box>
			<Text>{'› '}</Text>
			<EntryText entry={entry} isActive={isActive} />
		</Box>
	);
}
