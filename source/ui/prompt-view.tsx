/**
 * The pending operator prompt: the question, the keys it takes and, for
 * confirmations, asks and params, the input (y/N, typed text, a choice list, a
 * masked entry). Answers from inputs go out through `onAnswer`; single keys
 * (Enter, s, r, m, q, Esc, Ctrl-C) are the app's, through `promptKeyAction`.
 */
import {useCallback, useMemo, useRef, useState} from 'react';
import {Box, Text} from 'ink';
import {ConfirmInput, PasswordInput, Select, TextInput} from '@inkjs/ui';
import type {Prompt, PromptAnswer} from './operator.js';
import {tint} from './color.js';
import {displayLine, displayLines, wrapText, wrapTextTo} from './format.js';
import {promptSubject} from './prompt-keys.js';
import {checkAnswer} from '../engine/answers.js';
import {matchesPattern} from '../security/patterns.js';
import type {StepView} from '../engine/ports.js';

/** Props of {@link PromptView}. */
export interface PromptViewProps {
	/** The prompt to render (re-keyed by its id, so local input state resets per prompt). */
	prompt: Prompt;
	/** Columns available. */
	width: number;
	/** False while something else (log view, help, a y/N question) takes the keys. */
	isActive: boolean;
	/** Answers the prompt from its input (the app passes it to `TuiOperator.answer`). */
	onAnswer: (answer: PromptAnswer) => void;
}

/** Most choices shown at once in a choice list. */
const MAX_CHOICES = 5;

/**
 * Rows `text` takes when word-wrapped at `width` columns by {@link wrapText}
 * (as {@link Question} draws it), kept between 1 and `max`.
 */
export function textRows(text: string, width: number, max: number): number {
	return Math.max(1, Math.min(max, wrapText(displayLines(text).join('\n'), width).length));
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
			return `? ${prompt.ask.prompt}${moreChoices(prompt.ask.choices)}`;
		case 'param':
			return `? Parameter ${prompt.name}${prompt.param.description ? `: ${prompt.param.description}` : ''}${moreChoices(prompt.param.choices)}`;
		default:
			return '';
	}
}

function choicesOf(prompt: Prompt): string[] | undefined {
	if (prompt.kind === 'ask') return prompt.ask.choices;
	if (prompt.kind === 'param') return prompt.param.choices;
	return undefined;
}

/** True when the engine asks before running `step` (a `confirm`, or a destructive step's word): its gate does not ask too. */
function asksFirst(step: StepView): boolean {
	return step.destructive || step.step.confirm !== undefined;
}

/**
 * Rows {@link PromptView} takes for `prompt` at `width` columns: the question
 * (up to 3 rows), the input (one row, or one per visible choice), an error row.
 */
export function promptRows(prompt: Prompt, width: number): number {
	switch (prompt.kind) {
		case 'gate':
		case 'manual':
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
export function PromptView({prompt, width, isActive, onAnswer}: PromptViewProps) {
	switch (prompt.kind) {
		case 'gate':
			// A step with its own confirmation (or the word to type) is asked once, by that question: the gate only leads to it.
			if (asksFirst(prompt.step)) {
				return <KeyedRow width={width} text={`▶ Step ${prompt.step.index + 1} ${promptSubject(prompt)} asks before it runs.`} keys="Enter ask · s skip · q quit" />;
			}
			return <KeyedRow width={width} text={`▶ Run step ${prompt.step.index + 1} ${promptSubject(prompt)}?`} keys="Enter run · s skip · q quit" />;
		case 'manual':
			return <KeyedRow width={width} text="☐ Manual step: carry out the instructions above." keys="Enter/m done · s skip · q quit" />;
		case 'failure': {
			const {failure} = prompt;
			return (
				<Box flexDirection="column">
					<Text color={tint('red')} wrap="truncate-end">
						{`✖ Step ${promptSubject(prompt)} failed (attempt ${failure.attempt}): ${displayLine(failure.error)}`}
					</Text>
					<Text wrap="truncate-end">{`${failure.waitLonger ? `w wait ${failure.waitLonger} longer · ` : ''}r retry · s skip · m mark done · ${failure.rollBack ? 'b roll back · ' : ''}l view log · q quit`}</Text>
				</Box>
			);
		}
		case 'interrupted':
			return (
				<Box flexDirection="column">
					<Text color={tint('yellow')} wrap="truncate-end">
						{`⚠ Step ${promptSubject(prompt)} was interrupted while running; it may have run partly.`}
					</Text>
					<Text wrap="truncate-end">{'r re-run · m mark done · s skip · q quit'}</Text>
				</Box>
			);
		case 'confirm':
			return (
				<Box flexDirection="column">
					<Question text={questionText(prompt)} width={width} />
					<Box>
						<Text>{'Confirm: '}</Text>
						<ConfirmInput
							isDisabled={!isActive}
							defaultChoice="cancel"
							onConfirm={() => onAnswer('yes')}
							onCancel={() => onAnswer('no')}
						/>
						<Text>{'  (y yes · n/Enter no · q quit)'}</Text>
					</Box>
				</Box>
			);
		case 'destructive':
			return <DestructiveInput prompt={prompt} width={width} isActive={isActive} onAnswer={onAnswer} />;
		case 'ask':
		case 'param':
			return <AnswerInput prompt={prompt} width={width} isActive={isActive} onAnswer={onAnswer} />;
	}
}

/** One row: `text` (cut to fit) then `keys` (always shown whole). */
function KeyedRow({text, keys, width}: {text: string; keys: string; width: number}) {
	return (
		<Box width={width}>
			<Box flexShrink={1} minWidth={0}>
				<Text bold wrap="truncate-end">
					{text}
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
	const rows = wrapTextTo(displayLines(text).join('\n'), width, 3);
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
	onAnswer: (answer: PromptAnswer) => void;
}

/** A destructive step: the word must be typed exactly; a wrong word clears the input and stays. */
function DestructiveInput({prompt, width, isActive, onAnswer}: InputProps<Extract<Prompt, {kind: 'destructive'}>>) {
	const [error, setError] = useState<string>();
	const [round, setRound] = useState(0);
	return (
		<Box flexDirection="column">
			<Question text={questionText(prompt)} width={width} />
			<Box>
				<Text color={tint('red')}>{`Type ${prompt.word} to confirm (Esc cancels): `}</Text>
				<TextInput
					key={round}
					isDisabled={!isActive}
					onSubmit={value => {
						if (value === prompt.word) return onAnswer('yes');
						setError(`That is not "${prompt.word}". Type it exactly, or press Esc to cancel.`);
						setRound(r => r + 1);
					}}
				/>
			</Box>
			<ErrorRow error={error} />
		</Box>
	);
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

/** An `ask` or a param: a choice list, a text input (with default) or a masked input. */
function AnswerInput({prompt, width, isActive, onAnswer}: InputProps<Extract<Prompt, {kind: 'ask' | 'param'}>>) {
	const spec = prompt.kind === 'ask' ? prompt.ask : prompt.param;
	const optional = prompt.kind === 'param' && !prompt.param.required;
	const [error, setError] = useState<string>();
	const [round, setRound] = useState(0);
	const answered = useRef(false);
	const submit = useCallback(
		(raw: string) => {
			if (answered.current) return;
			const value = raw === '' && spec.secret && spec.default !== undefined ? spec.default : raw;
			// A param that is not required may be left empty (e.g. a passphrase the backup may not need).
			if (value === '' && optional) {
				answered.current = true;
				onAnswer({value});
				return;
			}
			const problem = answerProblem(value, {choices: spec.choices, pattern: spec.pattern, secret: spec.secret, default: spec.default});
			if (problem) {
				setError(problem);
				if (spec.secret) setRound(r => r + 1);
				return;
			}
			answered.current = true;
			onAnswer({value});
		},
		[onAnswer, spec, optional],
	);
	const options = useMemo(
		() => (spec.choices ?? []).map(choice => ({label: choice === spec.default ? `${choice} (default)` : choice, value: choice})),
		[spec],
	);
	let input;
	if (spec.choices) {
		input = <Select isDisabled={!isActive} options={options} visibleOptionCount={Math.min(MAX_CHOICES, options.length)} onChange={submit} />;
	} else if (spec.secret) {
		input = (
			<Box>
				<Text>{spec.default !== undefined ? '(secret, not shown; Enter keeps the default) ' : optional ? '(secret, not shown; Enter leaves it empty) ' : '(secret, not shown) '}</Text>
				<PasswordInput key={round} isDisabled={!isActive} onSubmit={submit} />
			</Box>
		);
	} else {
		input = (
			<Box>
				<Text>{'› '}</Text>
				<TextInput key={round} isDisabled={!isActive} defaultValue={spec.default} onSubmit={submit} />
			</Box>
		);
	}
	return (
		<Box flexDirection="column">
			<Question text={questionText(prompt)} width={width} />
			{input}
			<ErrorRow error={error} />
		</Box>
	);
}
