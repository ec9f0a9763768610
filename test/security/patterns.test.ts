/**
 * Param and ask `pattern`s run in linear time (issue 9, item 4): `^(a+)+$`
 * against a long answer that does not match answers at once through the built
 * CLI (JavaScript's backtracking RegExp takes exponential time on it), and a
 * pattern RE2 cannot run (lookaround, backreference) is refused at `validate`.
 */
import {describe, expect, it} from 'vitest';
import {checkAnswer} from '../../source/engine/answers.js';
import {matchesPattern, patternProblem} from '../../source/security/patterns.js';
import {stackLines, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('patterns', () => {
	it('match as JavaScript patterns do for the usual cases, unanchored', () => {
		expect(matchesPattern('\\.psql$', 'dump.psql')).toBe(true);
		expect(matchesPattern('^[^/\\s]+$', 'a b')).toBe(false);
		expect(matchesPattern('\\d+', 'x12')).toBe(true);
		expect(checkAnswer('dump.sql', undefined, '^.+\\.sql\\.gz(\\.gpg)?$')).toBe('"dump.sql" does not match the pattern ^.+\\.sql\\.gz(\\.gpg)?$');
	});

	it('refuse lookaround and backreferences with a reason', () => {
		expect(patternProblem('(?=a)b')).toBe('invalid or unsupported Perl syntax');
		expect(patternProblem('(a)\\1')).toBe('invalid escape sequence');
		expect(patternProblem('^a+$')).toBeUndefined();
	});

	it('a catastrophic pattern against 40 characters (and 100,000) ends: the CLI refuses the -p value, exit 2', async () => {
		const ws = workspace();
		const file = ws.write('redos.yaml', 'version: 1\ntitle: ReDoS\nparams:\n  NAME:\n    required: true\n    pattern: "^(a+)+$"\nsteps:\n  - id: one\n    run: echo "$NAME"\n');
		for (const value of ['a'.repeat(40) + '!', 'a'.repeat(100_000) + '!']) {
			const result = await ws.cli(['run', file, '--plain', '-p', `NAME=${value}`, '--state-dir', ws.stateDir], {timeoutMs: 30_000});
			expect(result.signal).toBeNull();
			expect(result.code).toBe(2);
			expect(stackLines(result.stderr)).toEqual([]);
			expect(result.stderr).toContain('does not match the pattern ^(a+)+$');
		}
	});

	it('validate refuses a pattern RE2 cannot run, naming it', async () => {
		const ws = workspace();
		const file = ws.write('look.yaml', 'version: 1\ntitle: Look\nparams:\n  NAME:\n    pattern: "^(?!root).*$"\nsteps:\n  - id: one\n    run: echo "$NAME"\n');
		const result = await ws.cli(['validate', file]);
		expect(result.code).toBe(2);
		expect(result.stderr + result.stdout).toContain('not a valid regular expression: ^(?!root).*$ (invalid or unsupported Perl syntax)');
	});
});
