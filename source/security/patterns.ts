/**
 * `pattern` of params and `ask` steps (runbook-format.md): regular expressions
 * written by the runbook's author and matched against what the operator (or
 * `-p`) gives. They run through re2js, a port of RE2, which matches in time
 * linear in the input: a pattern such as `^(a+)+$` cannot hang the tool on a
 * long answer (JavaScript's backtracking RegExp takes exponential time there).
 * RE2 syntax is JavaScript's without lookaround (`(?=`, `(?!`, `(?<=`) and
 * backreferences (`\1`); such a pattern is refused at `validate`.
 */
import {RE2JS} from 're2js';

const compiled = new Map<string, RE2JS>();

/** The compiled pattern (cached), or the syntax error re2js throws. */
function compile(source: string): RE2JS {
	let pattern = compiled.get(source);
	if (!pattern) {
		pattern = RE2JS.compile(source);
		if (compiled.size > 1000) compiled.clear();
		compiled.set(source, pattern);
	}
	return pattern;
}

/**
 * Why `source` is not a pattern this tool can use, in a few words (`missing
 * closing )`, `invalid or unsupported Perl syntax`), or undefined when it is one.
 */
export function patternProblem(source: string): string | undefined {
	try {
		compile(source);
		return undefined;
	} catch (error) {
		const message = (error as Error).message;
		// `error parsing regexp: missing closing ): \`(.*\`` -> `missing closing )`: the pattern is quoted by the caller.
		return message.replace(/^error parsing regexp: /, '').replace(/: `[\s\S]*`$/, '');
	}
}

/**
 * True when `value` holds a match of `source` anywhere (unanchored, as
 * `new RegExp(source).test(value)`; anchor with `^...$`). Linear time.
 * @throws the syntax error when `source` is not a valid pattern (checked at `validate`).
 */
export function matchesPattern(source: string, value: string): boolean {
	return compile(source).matcher(value).find();
}
