/** splitTypeahead: the keys of one terminal read, one at a time. */
import type {Key} from 'ink';
import {expect, test} from 'vitest';
import {splitTypeahead} from '../../source/ui/typeahead.js';

const none = {upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false} as Key;

test('a read of several plain characters is one key each: Enter, Tab and Shift as Ink sets them', () => {
	const keys = splitTypeahead('gG\r\tx', none);
	expect(keys.map(([input]) => input)).toEqual(['g', 'G', '', '', 'x']);
	expect(keys.map(([, key]) => Object.entries(key).filter(([, on]) => on === true).map(([name]) => name))).toEqual([[], ['shift'], ['return'], ['tab'], []]);
});

test('one key, an escape sequence, or a key with Ctrl or Meta passes as it came', () => {
	const ctrl = {...none, ctrl: true};
	expect(splitTypeahead('q', none)).toEqual([['q', none]]);
	expect(splitTypeahead('\x1b[6~', none)).toEqual([['\x1b[6~', none]]);
	expect(splitTypeahead('cc', ctrl)).toEqual([['cc', ctrl]]);
});
