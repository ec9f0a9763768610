/**
 * The check of an operator's answer (an `ask` step, a param), shared by the engine,
 * the param resolution and the TUI's prompts, so that all three accept the same
 * values (runbook-format.md: `choices`, `pattern`).
 */
import {matchesPattern} from '../security/patterns.js';
import {secretProblem} from '../security/secrets.js';

/**
 * Checks `value` against `choices` (it must be one of them) and `pattern` (a regular
 * expression, unanchored, matched by RE2 in linear time: security/patterns.ts); returns the problem in
 * one line, or undefined when the value is acceptable. A `secret` value must be at
 * least 6 characters (security/secrets.ts) and is never quoted in the problem ("the value" stands for it). An invalid `pattern` cannot
 * reach here: the loader rejects it.
 */
export function checkAnswer(value: string, choices?: string[], pattern?: string, secret = false): string | undefined {
	const shown = secret ? 'the value' : `"${value}"`;
	if (secret) {
		const problem = secretProblem(value);
		if (problem) return problem;
	}
	if (choices && !choices.includes(value)) return `${shown} is not one of: ${choices.join(', ')}`;
	if (pattern && !matchesPattern(pattern, value)) return `${shown} does not match the pattern ${pattern}`;
	return undefined;
}
