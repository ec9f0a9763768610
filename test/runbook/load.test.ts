import {createHash} from 'node:crypto';
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, isAbsolute, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, test} from 'vitest';
import {formatProblems, formatRunbookError} from '../../source/runbook/format-problems.js';
import {loadRunbook, parseRunbook, RunbookError, type Problem} from '../../source/runbook/load.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const broken = (name: string) => join(fixtures, 'broken', name);

/** Loads a file that must fail; returns its error. */
async function problemsOf(file: string): Promise<RunbookError> {
	const error = await loadRunbook(file).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(RunbookError);
	return error as RunbookError;
}

/** A problem as the corpus expects it; `file` (relative to test/fixtures) defaults to the broken runbook itself. */
type Expected = Omit<Problem, 'file' | 'hint'> & {hint?: string; file?: string};

const ACTIONS = 'run, manual, ask, wait, scale, delete, apply, patch, restart, exec or copy';

/** The broken corpus: every file, the exact problems it must give. */
const corpus: Record<string, Expected[]> = {
	'yaml-syntax.yaml': [
		{line: 3, col: 1, path: '', message: 'duplicate key "title"', hint: 'a key may appear only once in a mapping'},
		{line: 8, col: 10, path: '', message: 'this " quote is not closed', hint: 'end the value with "'},
	],
	'yaml-unclosed-flow.yaml': [{line: 2, col: 8, path: '', message: 'this [ is not closed with ]', hint: 'add the ], or quote a value that starts with ['}],
	'tab-indent.yaml': [
		{line: 4, col: 1, path: '', message: 'tabs are not allowed as indentation', hint: 'indent with spaces'},
		{line: 5, col: 1, path: '', message: 'tabs are not allowed as indentation', hint: 'indent with spaces'},
	],
	'empty-file.yaml': [{line: 1, col: 1, path: '', message: 'expected a runbook: a mapping with version, title and steps, found an empty file'}],
	'wrong-version.yaml': [{line: 1, col: 10, path: 'version', message: 'expected version: 1 or 1.1', hint: 'this program reads format versions 1 and 1.1'}],
	'missing-title.yaml': [{line: 2, col: 1, path: 'title', message: 'missing required key "title"', hint: 'add "title:" with a one-line name of the procedure'}],
	'empty-steps.yaml': [{line: 3, col: 8, path: 'steps', message: 'expected at least one step'}],
	'unknown-top-key.yaml': [{line: 3, col: 1, path: 'parameters', message: 'unknown key', hint: 'did you mean "params"?'}],
	'misspelt-wait.yaml': [{line: 7, col: 5, path: 'steps[1].wiat', message: 'unknown key', hint: `did you mean "wait"? A step's action is one of ${ACTIONS}`}],
	'misspelt-wait-kind.yaml': [
		{
			line: 6,
			col: 7,
			path: 'steps[0].wait.delted',
			message: 'unknown key',
			hint: 'did you mean "deleted"? The wait kinds are command, deleted, exists, jsonpath, condition, rollout, jobComplete, podsReady or http',
		},
	],
	'two-actions.yaml': [{line: 6, col: 5, path: 'steps[0].manual', message: 'a step has exactly one action, and this one already has "run" (line 5)', hint: 'split it into two steps, each with its own id'}],
	'zero-actions.yaml': [{line: 4, col: 5, path: 'steps[0]', message: 'a step needs one action', hint: `add one of ${ACTIONS}`}],
	'duplicate-ids.yaml': [{line: 8, col: 9, path: 'steps[2].id', message: 'duplicate step id "stop" (first used by steps[0] on line 4)', hint: 'give each step its own id: resume finds steps by id'}],
	'bad-id.yaml': [{line: 4, col: 9, path: 'steps[0].id', message: 'expected an id of lower-case letters, digits and dashes, such as stop-synapse'}],
	'bad-duration.yaml': [{line: 7, col: 14, path: 'steps[0].timeout', message: 'expected a duration such as 500ms, 30s, 5m or 1h', hint: 'write 5m'}],
	'bad-regex.yaml': [
		{
			line: 5,
			col: 14,
			path: 'params.DUMPFILE.pattern',
			message: 'not a valid regular expression: (.*\\.psql (missing closing ))',
			hint: "patterns use RE2 syntax (JavaScript's, without lookaround or backreferences); escape special characters such as ( [ . with \\",
		},
	],
	'unknown-var-confirm.yaml': [
		{
			line: 9,
			col: 34,
			path: 'steps[0].confirm',
			message: 'unknown variable $DATABSE',
			hint: 'declare it under params, or set it with ask or capture in an earlier step; write $$ for a literal $',
		},
	],
	'capture-before-define.yaml': [{line: 5, col: 25, path: 'steps[0].manual', message: '$DUMP_PATH is set by step "find-dump" (line 8), which comes after this step', hint: 'move step "find-dump" before this one'}],
	'unknown-var-run.yaml': [
		{
			line: 10,
			col: 50,
			path: 'steps[0].run',
			message: 'unknown variable $SCHEMA',
			hint: 'declare it under params, set it in env, assign it in the script, or write ${SCHEMA:-default}; lower-case names are not checked',
		},
	],
	'when-not-in-choices.yaml': [{line: 8, col: 32, path: 'steps[0].when.equals', message: 'equals "recreat" is not one of the choices of MODE: "recreate" or "update"', hint: 'did you mean "recreate"?'}],
	'step-is-string.yaml': [
		{
			line: 6,
			col: 5,
			path: 'steps[1]',
			message: 'expected a step: a mapping with an id and one action, found a string ("echo second")',
			hint: 'write "- id: my-step" and the action on the next line, indented under id',
		},
	],
	'lowercase-param.yaml': [{line: 4, col: 3, path: 'params.namespace', message: 'expected a variable name in upper case, such as DB_NAME', hint: 'write NAMESPACE'}],
	'run-option-on-manual.yaml': [{line: 6, col: 5, path: 'steps[0].capture', message: '"capture" applies only to run steps, and this step\'s action is "manual"', hint: 'remove it, or make the step a run step'}],
	'wait-two-kinds.yaml': [{line: 7, col: 7, path: 'steps[0].wait.exists', message: 'a wait has exactly one kind, and this one already has "rollout" (line 6)', hint: 'split it into two wait steps'}],
	'empty-confirm.yaml': [{line: 6, col: 14, path: 'steps[0].confirm', message: 'confirm is empty', hint: 'write the question to ask, such as "Delete the cluster?", or remove confirm'}],
	'confirm-yes.yaml': [
		{
			line: 5,
			col: 14,
			path: 'steps[0].confirm',
			message: 'confirm is the string "yes", not a yes/no switch',
			hint: 'write confirm: true to ask "Run step …?", or the question itself, such as "Delete the cluster?"; remove confirm to ask nothing',
		},
	],
	'unclosed-brace.yaml': [{line: 5, col: 18, path: 'steps[0].title', message: 'unclosed ${: no } closes it', hint: 'write ${NAME}, or $${ for a literal ${'}],
	'confirm-on-manual.yaml': [{line: 5, col: 5, path: 'steps[0].confirm', message: 'confirm does not apply to a manual step: the operator marks it done by hand', hint: 'remove confirm, or put the question in the instructions'}],
	'several-problems.yaml': [
		{line: 3, col: 1, path: 'colour', message: 'unknown key', hint: 'valid keys here: version, title, description, source, params, kubernetes, steps'},
		{line: 7, col: 14, path: 'steps[0].timeout', message: 'expected a duration such as 500ms, 30s, 5m or 1h', hint: 'write a number and a unit: ms, s, m or h'},
		{line: 8, col: 9, path: 'steps[1].id', message: 'duplicate step id "one" (first used by steps[0] on line 5)', hint: 'give each step its own id: resume finds steps by id'},
		{line: 9, col: 5, path: 'steps[1].wiat', message: 'unknown key', hint: `did you mean "wait"? A step's action is one of ${ACTIONS}`},
		{
			line: 11,
			col: 19,
			path: 'steps[2].manual',
			message: 'unknown variable $NOWHERE',
			hint: 'declare it under params, or set it with ask or capture in an earlier step; write $$ for a literal $',
		},
		{line: 12, col: 5, path: 'steps[2].capture', message: '"capture" applies only to run steps, and this step\'s action is "manual"', hint: 'remove it, or make the step a run step'},
	],
	// Includes: fragments live in test/fixtures/fragments/.
	'include-missing.yaml': [
		{
			line: 6,
			col: 14,
			path: 'steps[1].include',
			message: 'cannot include ../fragments/does-not-exist.yaml: file not found',
			hint: 'the path is relative to the folder of include-missing.yaml; a fragment is a YAML file with "fragment: true"',
		},
	],
	'include-cycle.yaml': [
		{
			file: 'fragments/cycle-b.yaml',
			line: 6,
			col: 14,
			path: 'steps[0] (included from include-cycle.yaml:4) → steps[1] (included from ../fragments/cycle-a.yaml:6) → steps[1].include',
			message: 'include cycle: ../fragments/cycle-a.yaml → ../fragments/cycle-b.yaml → ../fragments/cycle-a.yaml',
			hint: 'a file cannot include itself, directly or through other fragments; remove this include',
		},
	],
	'include-unknown-var.yaml': [
		{
			file: 'fragments/unknown-var.yaml',
			line: 7,
			col: 19,
			path: 'steps[1] (included from include-unknown-var.yaml:11) → steps[0].confirm',
			message: 'unknown variable $DB_NAME',
			hint: 'list it under requires (the including runbook must define it), or set it with ask or capture in an earlier step of the fragment; write $$ for a literal $',
		},
		{
			file: 'fragments/unknown-var.yaml',
			line: 8,
			col: 18,
			path: 'steps[1] (included from include-unknown-var.yaml:11) → steps[0].run',
			message: 'unknown variable $DB_NAME',
			hint: 'list it under requires (the including runbook must define it), set it in env, assign it in the script, or write ${DB_NAME:-default}; lower-case names are not checked',
		},
	],
	'include-duplicate-id.yaml': [
		{
			line: 7,
			col: 9,
			path: 'steps[2].id',
			message: 'duplicate step id "check" (first used by steps[1] (included from include-duplicate-id.yaml:6) → steps[1] on ../fragments/stop-and-check.yaml:6)',
			hint: 'give each step its own id: resume finds steps by id',
		},
	],
	'include-missing-requires.yaml': [
		{
			line: 7,
			col: 14,
			path: 'steps[0].include',
			message: '../fragments/needs-dumpfile.yaml requires DUMPFILE, which is not defined before this include',
			hint: 'move step "ask-dump" before this include',
		},
	],
	'include-not-fragment.yaml': [
		{
			file: 'valid/minimal.yaml',
			line: 1,
			col: 1,
			path: 'steps[0] (included from include-not-fragment.yaml:4) → fragment',
			message: 'expected fragment: true',
			hint: 'only a fragment can be included: write "fragment: true" at its top, and list the variables its steps use under requires',
		},
	],
	'include-twice.yaml': [
		{
			line: 7,
			col: 14,
			path: 'steps[2].include',
			message: "../fragments/stop-and-check.yaml is already included (include-twice.yaml:4); a fragment's steps can be in a runbook only once, because step ids must be unique",
			hint: 'remove this include, or move the steps both places need into a fragment of their own',
		},
	],
	'include-item-keys.yaml': [
		{line: 5, col: 5, path: 'steps[0].when', message: 'unknown key', hint: 'an include item has only the key "include"; give ids, titles and when to the steps of the fragment'},
		{line: 6, col: 14, path: 'steps[1].include', message: 'expected the path of a fragment file, such as shared/restore.yaml, found a number (42)'},
	],
};

describe('the broken corpus', () => {
	test('every file in test/fixtures/broken has expectations, and there are at least 15', () => {
		const files = readdirSync(join(fixtures, 'broken'))
			.filter(f => f.endsWith('.yaml'))
			.sort();
		expect(files).toEqual(Object.keys(corpus).sort());
		expect(files.length).toBeGreaterThanOrEqual(15);
	});

	test.each(Object.entries(corpus))('%s', async (name, expected) => {
		const error = await problemsOf(broken(name));
		expect(error.problems).toEqual(expected.map(({file, ...rest}) => ({file: file === undefined ? broken(name) : join(fixtures, file), ...rest})));
		expect(error.message).toBe(`${expected.length} ${expected.length === 1 ? 'problem' : 'problems'} in ${broken(name)}`);
	});
});

describe('problems', () => {
	test('format() prints file:line:col: path: message (hint: ...) for every problem, in order', async () => {
		const error = await problemsOf(broken('several-problems.yaml'));
		const lines = error.format().split('\n');
		expect(lines).toHaveLength(6);
		expect(lines[3]).toBe(`${broken('several-problems.yaml')}:9:5: steps[1].wiat: unknown key (hint: did you mean "wait"? A step's action is one of ${ACTIONS})`);
		expect(lines[0]).toBe(`${broken('several-problems.yaml')}:3:1: colour: unknown key (hint: valid keys here: version, title, description, source, params, kubernetes, steps)`);
	});

	test('problems come sorted by line and column within each file', async () => {
		for (const name of Object.keys(corpus)) {
			const {problems} = await problemsOf(broken(name));
			for (const file of new Set(problems.map(p => p.file))) {
				const keys = problems.filter(p => p.file === file).map(p => p.line * 10_000 + p.col);
				expect(keys).toEqual([...keys].sort((a, b) => a - b));
			}
		}
	});

	test('formatProblems adds the offending line with a caret and the count', async () => {
		const error = await problemsOf(broken('misspelt-wait.yaml'));
		const text = formatRunbookError(error);
		expect(text.split('\n')).toEqual([`${broken('misspelt-wait.yaml')}:7:5: steps[1].wiat: unknown key (hint: did you mean "wait"? A step's action is one of ${ACTIONS})`, '    7 |     wiat:', '      |     ^', `1 problem in ${broken('misspelt-wait.yaml')}`]);
		expect(formatRunbookError(error, false).split('\n')).toHaveLength(2);
	});

	test('the caret lines up under a tab-indented line', async () => {
		const error = await problemsOf(broken('tab-indent.yaml'));
		expect(formatProblems(error.problems, {text: error.text}).split('\n').slice(1, 3)).toEqual(['    4 | \t- id: hello', '      | ^']);
	});

	test('a missing file is one problem without a position and no stack trace', async () => {
		const error = await problemsOf('no/such/runbook.yaml');
		expect(error.problems).toEqual([{file: 'no/such/runbook.yaml', line: 0, col: 0, path: '', message: 'file not found', hint: 'check the path; a runbook is a YAML file such as runbooks/restore.yaml'}]);
		expect(error.format()).toBe('no/such/runbook.yaml: file not found (hint: check the path; a runbook is a YAML file such as runbooks/restore.yaml)');
		expect(formatRunbookError(error)).not.toMatch(/\n\s+at /);
	});

	test('a directory is not a runbook', async () => {
		const error = await problemsOf(fixtures);
		expect(error.problems[0]!.message).toBe('is a directory, not a runbook file');
	});

	test('parseRunbook reports the same problems as loadRunbook', async () => {
		const file = broken('several-problems.yaml');
		const fromFile = await problemsOf(file);
		let fromText: unknown;
		try {
			parseRunbook(readFileSync(file, 'utf8'), file);
		} catch (error) {
			fromText = error;
		}
		expect(fromText).toBeInstanceOf(RunbookError);
		expect((fromText as RunbookError).problems).toEqual(fromFile.problems);
	});

	test('an unknown key with nothing close lists the valid keys of that place', () => {
		const text = 'version: 1\ntitle: t\nsteps:\n  - id: a\n    run: echo\n    zzzzzz: 1\n';
		expect(() => parseRunbook(text, 'x.yaml')).toThrow(RunbookError);
		try {
			parseRunbook(text, 'x.yaml');
		} catch (error) {
			const [problem] = (error as RunbookError).problems;
			expect(problem).toMatchObject({line: 6, col: 5, path: 'steps[0].zzzzzz', message: 'unknown key'});
			expect(problem!.hint).toMatch(/^valid keys here: id, title, description, when, confirm/);
		}
	});

	test('wrong types say what was expected and what was found, in YAML words', () => {
		const text = 'version: "1"\ntitle:\nsteps:\n  - id: a\n    run: echo\n    retries: many\n    confirm: 3\n    env: [A]\n';
		let problems: Problem[] = [];
		try {
			parseRunbook(text, 'x.yaml');
		} catch (error) {
			problems = (error as RunbookError).problems;
		}
		expect(problems.map(p => [p.line, p.col, p.path, p.message, p.hint])).toEqual([
			[1, 10, 'version', 'expected version: 1 or 1.1', 'write 1 without quotes'],
			[2, 1, 'title', 'expected a string, found an empty value', undefined],
			[6, 14, 'steps[0].retries', 'expected a number, found a string ("many")', undefined],
			[7, 14, 'steps[0].confirm', 'expected a string or true, found a number (3)', undefined],
			[8, 10, 'steps[0].env', 'expected a mapping (key: value), found a list', undefined],
		]);
	});
});

describe('valid runbooks', () => {
	test.each(['minimal.yaml', 'all-actions.yaml'])('%s loads without problems', async name => {
		const file = join(fixtures, 'valid', name);
		const loaded = await loadRunbook(file);
		expect(isAbsolute(loaded.path)).toBe(true);
		expect(loaded.path).toBe(file);
		expect(loaded.dir).toBe(join(fixtures, 'valid'));
		expect(loaded.text).toBe(readFileSync(file, 'utf8'));
		expect(loaded.hash).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
		expect(loaded.runbook.version).toBe(1);
		expect(loaded.runbook.steps.length).toBeGreaterThan(0);
	});

	test('all-actions.yaml uses every action and every wait kind', async () => {
		const {runbook} = await loadRunbook(join(fixtures, 'valid', 'all-actions.yaml'));
		const {ACTION_KEYS, WAIT_KINDS} = await import('../../source/runbook/schema.js');
		const actions = new Set(runbook.steps.flatMap(step => ACTION_KEYS.filter(key => step[key] !== undefined)));
		expect([...actions].sort()).toEqual([...ACTION_KEYS].sort());
		const kinds = new Set(runbook.steps.flatMap(step => (step.wait ? WAIT_KINDS.filter(kind => step.wait![kind] !== undefined) : [])));
		// http is new in format 1.1: test/runbook/format-1-1.test.ts loads it.
		expect([...kinds].sort()).toEqual(WAIT_KINDS.filter(kind => kind !== 'http').sort());
		// Scalars come out as strings: `default: 3` and `choices: [1, 3]`.
		expect(runbook.params?.REPLICAS).toMatchObject({default: '3', choices: ['1', '3']});
	});

	test('parseRunbook resolves a relative file name and hashes the UTF-8 text', () => {
		const text = 'version: 1\ntitle: Grüße\nsteps:\n  - id: a\n    run: echo ä\n';
		const loaded = parseRunbook(text, 'runbooks/x.yaml');
		expect(loaded.path).toBe(join(process.cwd(), 'runbooks', 'x.yaml'));
		expect(loaded.hash).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
		expect(loaded.runbook.title).toBe('Grüße');
	});
});
