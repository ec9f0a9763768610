/**
 * A line pasted with its newline into a prompt's field (ui/prompt-entry.ts): one input
 * such as `synapse\r`. The value keeps the text, not the invisible CR or LF, and the
 * paste's own Enter answers nothing; the operator's Enter then does.
 */
import type {Key} from 'ink';
import {expect, test} from 'vitest';
import type {Prompt} from '../../source/ui/prompt.js';
import {entryFor, entryKey} from '../../source/ui/prompt-entry.js';
import {SAMPLES} from './prompt-samples.js';

const NO_KEY = {} as Key;
const ENTER = {return: true} as Key;

test('the confirmation word pasted with its newline is the word, and Enter then confirms', () => {
	const prompt = {...SAMPLES.destructive, id: 1} as Prompt;
	const pasted = entryKey(prompt, entryFor(prompt, undefined), 'synapse\r', NO_KEY);
	expect(pasted.entry.value).toBe('synapse');
	expect(pasted.answer).toBeUndefined();
	expect(entryKey(prompt, pasted.entry, '', ENTER).answer).toBe('yes');
});

test('a param pasted with CR LF, a tab or DEL keeps only its printable characters (a passphrase is not wrong by an invisible byte)', () => {
	const prompt = {...SAMPLES.param, id: 2} as Prompt;
	const pasted = entryKey(prompt, entryFor(prompt, undefined), 'pass\tphrase\x7f\r\n', NO_KEY);
	expect(pasted.entry.value).toBe('passphrase');
	expect(entryKey(prompt, pasted.entry, '', ENTER).answer).toEqual({value: 'passphrase'});
	// Text that is only control characters changes nothing; Unicode letters stay.
	expect(entryKey(prompt, pasted.entry, '\r\n', NO_KEY).entry).toBe(pasted.entry);
	expect(entryKey(prompt, entryFor(prompt, undefined), 'Grüße ✓', NO_KEY).entry.value).toBe('Grüße ✓');
});
