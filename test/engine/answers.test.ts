/**
 * engine/answers.ts: the one check of an answer used by the engine, the params and
 * the TUI (test/ui covers the TUI's sentence form).
 */
import {describe, expect, it} from 'vitest';
import {checkAnswer} from '../../source/engine/answers.js';
import {answerProblem} from '../../source/ui/prompt-view.js';

describe('checkAnswer', () => {
	it('accepts one of the choices, refuses another, naming them', () => {
		expect(checkAnswer('b', ['a', 'b'])).toBeUndefined();
		expect(checkAnswer('c', ['a', 'b'])).toBe('"c" is not one of: a, b');
	});

	it('tests the pattern unanchored, as new RegExp(pattern).test does', () => {
		expect(checkAnswer('db-2024.sql.gz', undefined, '\\.sql\\.gz')).toBeUndefined();
		expect(checkAnswer('db.tar', undefined, '^[a-z]+\\.sql$')).toBe('"db.tar" does not match the pattern ^[a-z]+\\.sql$');
	});

	it('never quotes a secret value', () => {
		const problem = checkAnswer('hunter2', ['x'], undefined, true);
		expect(problem).toBe('the value is not one of: x');
		expect(checkAnswer('hunter2', undefined, '^\\d+$', true)).not.toContain('hunter2');
	});

	it('the TUI says the same as a sentence, and refuses an empty answer', () => {
		expect(answerProblem('c', {choices: ['a', 'b']})).toBe('"c" is not one of: a, b');
		expect(answerProblem('hunter2', {pattern: '^\\d+$', secret: true})).toBe('The value does not match the pattern ^\\d+$');
		expect(answerProblem('', {})).toBe('An answer is needed (Ctrl-C or Esc to quit).');
	});
});
