/**
 * The pending operator prompt: the question, the keys it takes and, for
 * confirmations, asks and params, the input (y/N, typed text, a choice list, a
 * masked entry). It only draws: every key is the app's (single keys through
 * `promptKeyAction`, typing and choosing through prompt-entry.ts), so no key
 * typed as a prompt appears waits for an input component to start listening.
 */
import {Box, Text} from 'ink';
import type {Prompt} from './operator.js';
import {tint} from './color.js';
import {displayLine, displayText, displayTextLines, wrapText, wrapTextTo} from './format.js';
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

/**
 * Rows `text` takes when word-wrapped at `width` columns by {@link wrapText}
 * (as {@link Question} draws it), kept between 1 and `max`.
 */
export function textRows(text: string, width: number, max: number): number {
	return Math.max(1, Math.min(max, wrapText(displayTextLines(text).join('\n'), width).length));
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
 * Rows {@link PromptView} takes for `prompt` at `width` columns: the question
 * (up to 3 rows), the input (one row, or one per visible choice), an error row.
 */
export function promptRows(prompt: Prompt, width: number): number {
	switch (prompt.kind) {
		case 'start':
		case 'gate':
		case 'manual':
		case 'checklist':
			return 1;
		case 'failure':
		case 'interrupted':
			return 2;
		case 'confirm':
			return textRows(questionText(prompt), width, 3) + 1;
		case 'destructive':
			return textRows(questionText(prompt), width, 3) + 2;
		case 'ask':
		case 'param': {
			const choices = choicesOf(prompt);
			return textRows(questionText(prompt), width, 3) + (choices ? Math.min(MAX_CHOICES, choices.length) : 1) + 1;
		}
	}
}

/** The prompt rows; see {@link promptRows} for their number and prompt-keys.ts for the single keys. */
export function PromptView({prompt, width, isActive, entry, auto = false}: PromptViewProps) {
	// The keys of the kinds that list them on their own row (the others: the key help, key-help.tsx).
	const keys = promptKeyHints(prompt).join(' · ');
	switch (prompt.kind) {
		case 'start':
			return (
				<KeyedRow
					width={width}
					text={auto ? '▶ Nothing has run yet. Enter starts the run in auto mode.' : '▶ Nothing has run yet. Enter starts the run in step mode.'}
					keys={keys}
				/>
			);
		case 'gate':
			// A step with its own confirmation (or the word to type) is asked once, by that question: the gate only leads to it.
			if (stepAsksFirst(prompt.step)) return <KeyedRow width={width} text={`▶ Step ${prompt.step.index + 1} ${promptSubject(prompt)} asks before it runs.`} keys={keys} />;
			return <KeyedRow width={width} text={`▶ Run step ${prompt.step.index + 1} ${promptSubject(prompt)}?`} keys={keys} />;
		case 'manual':
			return <KeyedRow width={width} text="☐ Manual step: carry out the instructions above." keys={keys} />;
		case 'checklist': {
			const {item} = prompt;
			const done = item.items.filter(i => i.ticked).length;
			return <KeyedRow width={width} text={`☐ ${item.index + 1}/${item.total} (${done} ticked) ${displayLine(item.text)}`} keys={keys} />;
		}
		case 'failure': {
			const {failure} = prompt;
			return (
				<Box flexDirection="column">
					<Text color={tint('red')} wrap="truncate-end">
						{displayText(`✖ Step ${promptSubject(prompt)} failed (attempt ${failure.attempt}): ${failure.error}`)}
					</Text>
					<Text wrap="truncate-end">{keys}</Text>
				</Box>
			);
		}
		case 'interrupted':
			return (
				<Box flexDirection="column">
					<Text color={tint('yellow')} wrap="truncate-end">
						{`⚠ Step ${promptSubject(prompt)} was interrupted while running; it may have run partly.`}
					</Text>
					<Text wrap="truncate-end">{keys}</Text>
				</Box>
			);
		case 'confirm':
			return (
				<Box flexDirection="column">
					<Question text={questionText(prompt)} width={width} />
					<Box>
						<Text>{'Confirm: '}</Text>
						<Text dimColor={!isActive}>{'y/N'}</Text>
						<Text>{`  (${keys})`}</Text>
					</Box>
				</Box>
			);
		case 'destructive':
			return <DestructiveInput prompt={prompt} width={width} isActive={isActive} entry={entry} />;
		case 'ask':
		case 'param':
			return <AnswerInput prompt={prompt} width={width} isActive={isActive} entry={entry} />;
	}
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

/** A question word-wrapped to at most 3 rows (no row starts with a space; a cut last row ends with `…`). */
function Question({text, width}: {text: string; width: number}) {
	const rows = wrapTextTo(displayTextLines(text).join('\n'), width, 3);
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
	width: number;
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

/** A destructive step: the word must be typed exactly; a wrong word clears the input and stays (prompt-entry.ts). */
function DestructiveInput({prompt, width, isActive, entry}: InputProps<Extract<Prompt, {kind: 'destructive'}>>) {
	return (
		<Box flexDirection="column">
			<Question text={questionText(prompt)} width={width} />
			<Box>
				<Text color={tint('red')}>{`Type ${prompt.word} to confirm (Esc cancels): `}</Text>
				<EntryText entry={entry} isActive={isActive} />
			</Box>
			<ErrorRow error={entry.error} />
		</Box>
	);
}

/** An `ask` or a param: a choice list, a text input (with default) or a masked input (keys: prompt-entry.ts). */
function AnswerInput({prompt, width, isActive, entry}: InputProps<Extract<Prompt, {kind: 'ask' | 'param'}>>) {
	const spec = prompt.kind === 'ask' ? prompt.ask : prompt.param;
	const optional = prompt.kind === 'param' && !prompt.param.required;
	let input;
	if (spec.choices) {
		const shown = spec.choices.slice(entry.top, entry.top + MAX_CHOICES);
		input = (
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
	} else if (spec.secret) {
		input = (
			<Box>
				<Text>{prompt.kind === 'ask' && prompt.preset ? '(secret, not shown; Enter keeps the -p value) ' : spec.default !== undefined ? '(secret, not shown; Enter keeps the default) ' : optional ? '(secret, not shown; Enter leaves it empty) ' : '(secret, not shown) '}</Text>
				<EntryText entry={entry} secret isActive={isActive} />
			</Box>
		);
	} else {
		input = (
			<Box>
				<Text>{'› '}</Text>
				<EntryText entry={entry} isActive={isActive} />
			</Box>
		);
	}
	return (
		<Box flexDirection="column">
			<Question text={questionText(prompt)} width={width} />
			{input}
			<ErrorRow error={entry.error} />
		</Box>
	);
}
