/**
 * The words of a pending prompt's y/N questions (skipping, marking done,
 * rolling back, quitting). Which key asks which question is the key table's
 * (keymap.ts).
 */
import type {Prompt} from './prompt.js';
import type {QuestionKind} from './keymap.js';

/** The question before quitting (at a prompt, or with none). */
export const QUIT_QUESTION = 'Quit? Progress is kept. (y/N)';

/** The name of a prompt's step for questions: `"Title"`, or the param's name. */
export function promptSubject(prompt: Prompt): string {
	if (prompt.kind === 'start') return 'the run';
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
	return QUIT_QUESTION;
}
