import type {Key} from 'ink';

/** A Key with nothing pressed but what is set in `pressed`. */
function keyOf(template: Key, pressed: Partial<Key>): Key {
	const none = Object.fromEntries(Object.keys(template).map(name => [name, false])) as unknown as Key;
	return {...none, eventType: template.eventType, ...pressed};
}

/**
 * The keys of one terminal read, one by one: `[input, key]` pairs for the app's key handler.
 *
 * Ink passes printable characters that arrive in one read as one input, and does not split
 * `\r` out of them (input-parser.js: so that pasted text keeps its line breaks), so keys typed
 * ahead of a slow frame, such as `g` then Enter at the plan, reached the handler as `"g\r"`
 * and matched no key: the Enter was lost. A read of several characters with no escape
 * sequence and no modifier is split here into one key each (`\r`/`\n` as Enter, `\t` as Tab,
 * an upper-case letter with Shift, as Ink's useInput sets it); any other input is passed on
 * as it came. Bracketed paste is Ink's own event and does not come here.
 */
export function splitTypeahead(input: string, key: Key): Array<[string, Key]> {
	if (input.length < 2 || input.includes('\x1b') || key.ctrl || key.meta) return [[input, key]];
	return Array.from(input, (char): [string, Key] => {
		if (char === '\r' || char === '\n') return ['', keyOf(key, {return: true})];
		if (char === '\t') return ['', keyOf(key, {tab: true})];
		return [char, keyOf(key, {shift: /[A-Z]/.test(char)})];
	});
}
