/**
 * The keys of a pending prompt, as a pure function: which answer a key gives,
 * or which y/N question must come first (skipping and quitting always ask).
 * The app calls it from its single key handler, so one key makes one decision.
 */
import type {Key} from 'ink';
import type {Prompt, PromptAnswer} from './operator.js';

/** Which y/N question comes before an answer: skipping, marking a failed or interrupted step done, rolling a group back, or quitting. */
export type QuestionKind = 'skip' | 'mark-done' | 'roll-back' | 'quit';

/** What a key does at a prompt: answer it, or ask `question` first and answer on yes. */
export type PromptKeyAction = {answer: PromptAnswer; question?: QuestionKind};

/**
 * True for prompts that take typed text or a choice list (destructive, ask,
 * param): their input component owns the keys, besides Esc and Ctrl-C.
 */
export function isTextEntry(prompt: Prompt | undefined): boolean {
	return prompt?.kind === 'destructive' || prompt?.kind === 'ask' || prompt?.kind === 'param';
}

/** The name of a prompt's step for questions: `"Title"`, or the param's name. */
export function promptSubject(prompt: Prompt): string {
	return prompt.kind === 'param' ? prompt.name : `"${prompt.step.title}"`;
}

/** The text of a y/N question about `prompt`. */
export function questionText(kind: QuestionKind, prompt: Prompt): string {
	if (kind === 'skip') return `Skip step ${promptSubject(prompt)}? (y/N)`;
	if (kind === 'mark-done') return `Mark step ${promptSubject(prompt)} done without running it to success? (y/N)`;
	if (kind === 'roll-back' && prompt.kind === 'failure' && prompt.failure.rollBack) {
		const {title, steps} = prompt.failure.rollBack;
		return `Roll back group "${title}": run its rescue (${steps.join(', ')}), then end the group failed? (y/N)`;
	}
	return 'Quit? Progress is kept. (y/N)';
}

/**
 * What `input`/`key` does at `prompt`, or undefined when nothing. Keys:
 * gate Enter run, s skip; manual Enter/m done, s skip; checklist Space/Enter tick the item,
 * s skip the step; failure r retry, s skip,
 * m mark done, b roll back (inside a group with a rescue; asks first); interrupted r re-run, m mark done, s skip (marking done, like
 * skipping, asks first: later steps rely on a step that did not succeed); q quit everywhere but
 * in typed text; Ctrl-C quit everywhere; Esc cancels a destructive step (`no`)
 * and quits from an ask or param. `y`/`n` of a confirm belong to its input.
 */
export function promptKeyAction(prompt: Prompt, input: string, key: Key): PromptKeyAction | undefined {
	const quit: PromptKeyAction = {answer: 'quit', question: 'quit'};
	if (key.ctrl && input === 'c') return quit;
	if (isTextEntry(prompt)) {
		if (!key.escape) return undefined;
		return prompt.kind === 'destructive' ? {answer: 'no'} : quit;
	}
	if (input === 'q') return quit;
	const skip: PromptKeyAction = {answer: 'skip', question: 'skip'};
	switch (prompt.kind) {
		case 'gate':
			if (key.return) return {answer: 'run'};
			return input === 's' ? skip : undefined;
		case 'manual':
			if (key.return || input === 'm') return {answer: 'done'};
			return input === 's' ? skip : undefined;
		case 'checklist':
			if (key.return || input === ' ') return {answer: 'tick'};
			return input === 's' ? skip : undefined;
		case 'failure':
			if (input === 'r') return {answer: 'retry'};
			if (input === 'w' && prompt.failure.waitLonger) return {answer: 'wait-longer'};
			if (input === 'm') return {answer: 'mark-done', question: 'mark-done'};
			if (input === 'b' && prompt.failure.rollBack) return {answer: 'roll-back', question: 'roll-back'};
			return input === 's' ? skip : undefined;
		case 'interrupted':
			if (input === 'r') return {answer: 'rerun'};
			if (input === 'm') return {answer: 'mark-done', question: 'mark-done'};
			return input === 's' ? skip : undefined;
		default:
			return undefined;
	}
}
