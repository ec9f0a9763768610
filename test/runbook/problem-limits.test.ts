/**
 * Validation stays linear in the number of problems (issue 9, item 4: 32,000 unknown
 * `$VAR`s took 26 s). Making a problem costs time in the size of the text it is in, so
 * past a limit problems are counted, not made: these tests check the limits by count
 * (how many problems are listed, what the last one says), never by time; the timing
 * figure is in `npm run bench -- --only validate` (bench/validate.ts).
 */
import {describe, expect, test} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';
import {MAX_VARIABLE_PROBLEMS} from '../../source/runbook/validate-vars.js';
import {MAX_SYNTAX_PROBLEMS} from '../../source/runbook/yaml-file.js';

/** The error of a runbook text that must fail. */
function problemsOf(text: string): RunbookError {
	try {
		parseRunbook(text, 'many.yaml');
	} catch (error) {
		expect(error).toBeInstanceOf(RunbookError);
		return error as RunbookError;
	}
	throw new Error('the runbook loaded');
}

describe('problem limits', () => {
	test('unknown $VARs in one script: the first ones listed at their place, the rest counted in one problem', () => {
		const n = 5000;
		const script = Array.from({length: n}, (_, i) => `      echo $UNKNOWN_${i}\n`).join('');
		const error = problemsOf(`version: 1\ntitle: many\nsteps:\n  - id: one\n    run: |\n${script}`);
		expect(error.problems).toHaveLength(MAX_VARIABLE_PROBLEMS + 1);
		expect(error.problems[0]).toMatchObject({line: 6, col: 12, path: 'steps[0].run', message: 'unknown variable $UNKNOWN_0'});
		expect(error.problems[MAX_VARIABLE_PROBLEMS - 1]).toMatchObject({line: 5 + MAX_VARIABLE_PROBLEMS, message: `unknown variable $UNKNOWN_${MAX_VARIABLE_PROBLEMS - 1}`});
		expect(error.problems.at(-1)).toMatchObject({
			line: 6 + MAX_VARIABLE_PROBLEMS,
			col: 12,
			message: `${n - MAX_VARIABLE_PROBLEMS} more variable problems from here on not listed (only the first ${MAX_VARIABLE_PROBLEMS} are)`,
		});
	});

	test('unknown variables across many env keys and steps are limited alike; fewer than the limit are all listed', () => {
		const env = Array.from({length: 3000}, (_, i) => `      E${i}: $U${i}\n`).join('');
		const many = problemsOf(`version: 1\ntitle: many\nsteps:\n  - id: one\n    run: echo\n    env:\n${env}`);
		expect(many.problems).toHaveLength(MAX_VARIABLE_PROBLEMS + 1);
		expect(many.problems.at(-1)!.message).toBe(`${3000 - MAX_VARIABLE_PROBLEMS} more variable problems from here on not listed (only the first ${MAX_VARIABLE_PROBLEMS} are)`);
		const steps = Array.from({length: 50}, (_, i) => `  - id: s${i}\n    run: echo $NOPE_${i}\n`).join('');
		const few = problemsOf(`version: 1\ntitle: few\nsteps:\n${steps}`);
		expect(few.problems.map(p => p.message)).toEqual(Array.from({length: 50}, (_, i) => `unknown variable $NOPE_${i}`));
	});

	test('a variable defined by a later step among thousands of asks is still found (the definitions are indexed, not scanned)', () => {
		const asks = Array.from({length: 3000}, (_, i) => `  - id: s${i}\n    ask: {var: V${i}, prompt: p}\n`).join('');
		const error = problemsOf(`version: 1\ntitle: asks\nsteps:\n  - id: early\n    run: echo $V2999\n${asks}`);
		expect(error.problems).toHaveLength(1);
		expect(error.problems[0]!.message).toMatch(/^\$V2999 is set by step "s2999" \(line \d+\), which comes after this step$/);
	});

	test('a file of YAML syntax errors lists the first ones, then counts the rest', () => {
		const text = 'version: 1\n' + Array.from({length: 400}, () => 'key: value: other\n').join('');
		const error = problemsOf(text);
		expect(error.problems.length).toBe(MAX_SYNTAX_PROBLEMS + 1);
		expect(error.problems.at(-1)!.message).toMatch(new RegExp(`^\\d+ more YAML syntax errors from here on not listed \\(only the first ${MAX_SYNTAX_PROBLEMS} are\\)$`));
	});

	test('duplicate keys are found in a mapping of thousands of keys, each at its second occurrence', () => {
		const keys = Array.from({length: 20000}, (_, i) => `      E${i}: v\n`).join('');
		const error = problemsOf(`version: 1\ntitle: dup\nsteps:\n  - id: one\n    run: echo\n    env:\n${keys}      E7: again\n      E19999: again\n`);
		expect(error.problems.map(p => [p.line, p.message])).toEqual([
			[20007, 'duplicate key "E7"'],
			[20008, 'duplicate key "E19999"'],
		]);
	});
});
