/**
 * Turns zod issues into problems with positions, messages in the runbook's terms (mapping,
 * list, key) and hints. Messages given in schema.ts win; {@link zodErrorMap} words the rest.
 */
import ms from 'ms';
import type {z} from 'zod';
import {ACTION_KEYS, DURATION, runbookSchema, VARIABLE_NAME, WAIT_KINDS} from './schema.js';
import type {Locator} from './positions.js';
import type {PathSegment, Problem, YamlPath} from './problems.js';
import {validKeysAt} from './schema-walk.js';
import {closestMatch, listWords} from './suggest.js';
import {patternProblem} from '../security/patterns.js';
import {visibleControls} from '../security/terminal-text.js';

/** A zod issue as the per-parse error map receives it. */
type RawIssue = z.core.$ZodRawIssue;
/** A zod issue as safeParse returns it (with `input`, since we parse with `reportInput`). */
type Issue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = {
	string: 'a string',
	number: 'a number',
	int: 'a whole number',
	boolean: 'true or false',
	object: 'a mapping (key: value)',
	record: 'a mapping (key: value)',
	array: 'a list',
	null: 'nothing',
};

/** Longest excerpt of a value quoted in a problem, characters (see {@link describeValue}). */
export const EXCERPT_CHARS = 24;

/**
 * Describes a parsed YAML value for "found ...": `a string ("x")`, `a list`, `an empty value`.
 * A string is quoted only when it is one short line (at most {@link EXCERPT_CHARS}
 * characters, control characters written `\xNN`); a longer or multi-line one is described
 * by its size, never quoted: a file that is not a runbook (a copy of an env file) would
 * otherwise print its secrets in the error.
 */
export function describeValue(value: unknown): string {
	if (value === null || value === undefined) return 'an empty value';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'object') return 'a mapping';
	if (typeof value === 'string') {
		if (value.length <= EXCERPT_CHARS && !value.includes('\n')) return `a string (${visibleControls(JSON.stringify(value))})`;
		const lines = value.split('\n').length;
		return `a string of ${value.length} characters${lines > 1 ? ` on ${lines} lines` : ''} (not quoted)`;
	}
	return `${typeof value === 'number' ? 'a number' : 'a boolean'} (${visibleControls(String(value)).slice(0, EXCERPT_CHARS)})`;
}

const typeName = (expected: string): string => TYPE_NAMES[expected] ?? expected;
const literal = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** What one branch of a union expected, for "expected a string or true". */
function expectedOf(issue: Issue): string[] {
	if (issue.code === 'invalid_type') return [typeName(issue.expected)];
	if (issue.code === 'invalid_value') return issue.values.map(literal);
	return [];
}

/**
 * The per-parse zod error map: words every issue the schema gives no message for.
 * Returns undefined for issues it leaves to zod (none expected in this schema).
 */
export const zodErrorMap: z.core.$ZodErrorMap = (issue: RawIssue) => {
	switch (issue.code) {
		case 'invalid_type':
			return `expected ${typeName(issue.expected)}, found ${describeValue(issue.input)}`;
		case 'invalid_value':
			return issue.values.length === 1 ? `expected ${literal(issue.values[0])}` : `expected one of ${listWords(issue.values.map(v => String(v)))}`;
		case 'invalid_union': {
			const expected = [...new Set(issue.errors.flatMap(branch => (branch[0] ? expectedOf(branch[0]) : [])))];
			return `expected ${listWords(expected)}, found ${describeValue(issue.input)}`;
		}
		case 'too_small': {
			const n = Number(issue.minimum);
			if (issue.origin === 'array') return n === 1 ? 'expected at least one item' : `expected at least ${n} items`;
			if (issue.origin === 'string') return n === 1 ? 'must not be empty' : `expected at least ${n} characters`;
			return `expected a number ${issue.inclusive ? 'of at least' : 'greater than'} ${n}`;
		}
		case 'too_big': {
			const n = Number(issue.maximum);
			if (issue.origin === 'array') return `expected at most ${n} items`;
			if (issue.origin === 'string') return `expected at most ${n} characters`;
			return `expected a number ${issue.inclusive ? 'of at most' : 'less than'} ${n}`;
		}
		case 'invalid_format':
			return issue.format === 'regex' && 'pattern' in issue ? `expected text matching ${String(issue.pattern)}` : `expected ${issue.format}`;
		case 'invalid_key':
			return issue.issues[0]?.message ?? 'invalid key';
		case 'unrecognized_keys':
			return 'unknown key';
		default:
			return undefined;
	}
};

/** Writes milliseconds as a runbook duration: `5m`, `90s`, `1500ms`. */
function compactDuration(milliseconds: number): string {
	for (const [unit, size] of [
		['h', 3_600_000],
		['m', 60_000],
		['s', 1000],
	] as const) {
		if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
	}
	return `${milliseconds}ms`;
}

/** A hint for a value that is not a duration: `write 5m` for `5 minutes` (parsed with `ms`). */
function durationHint(input: unknown): string {
	const parsed = typeof input === 'number' ? input * 1000 : typeof input === 'string' ? ms(input as ms.StringValue) : undefined;
	if (typeof parsed === 'number' && Number.isFinite(parsed) && parsed > 0) return `write ${compactDuration(parsed)}`;
	return 'write a number and a unit: ms, s, m or h';
}

/** The reason a regular expression does not compile, from the JavaScript engine. */
function regexReason(source: unknown): string {
	return patternProblem(String(source)) ?? '';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows a path through parsed data. */
function dataAt(data: unknown, path: YamlPath): unknown {
	let current = data;
	for (const segment of path) current = isRecord(current) || Array.isArray(current) ? (current as Record<PathSegment, unknown>)[segment] : undefined;
	return current;
}

const isStepPath = (path: YamlPath): boolean => path.length === 2 && path[0] === 'steps' && typeof path[1] === 'number';
const isWaitPath = (path: YamlPath): boolean => path.length === 3 && isStepPath(path.slice(0, 2)) && path[2] === 'wait';

/** Actions and wait kinds that act on one named object and have no `selector` (schema.ts). */
const SINGLE_OBJECT = ['jsonpath', 'condition', 'rollout', 'jobComplete', 'patch', 'restart'];
const SELECTOR_ELSEWHERE = 'remove selector and give name; to act on every object matching labels use delete, scale, or wait deleted, exists or podsReady, which take a selector';

/** `wait.jsonpath`, `patch`...: the action or wait kind at `parent` when it acts on one named object, else undefined. */
function singleObjectAction(parent: YamlPath): string | undefined {
	const last = parent.at(-1);
	if (typeof last !== 'string' || !SINGLE_OBJECT.includes(last)) return undefined;
	const above = parent.at(-2);
	if (above === 'wait' && last !== 'patch' && last !== 'restart') return `wait.${last}`;
	if (typeof above === 'number' && (last === 'patch' || last === 'restart')) return last;
	return undefined;
}

/** The hint for an unknown key: the closest valid key here, and the actions or wait kinds. */
function unknownKeyHint(parent: YamlPath, key: string, data: unknown, schema: z.ZodType): string {
	const valid = validKeysAt(schema, parent);
	const suggestion = closestMatch(key, valid);
	const mean = suggestion === undefined ? '' : `did you mean "${suggestion}"?`;
	if (isStepPath(parent)) {
		const step = dataAt(data, parent);
		const hasAction = isRecord(step) && ACTION_KEYS.some(action => action in step);
		const actions = `a step's action is one of ${listWords([...ACTION_KEYS])}`;
		if (suggestion !== undefined && (ACTION_KEYS as readonly string[]).includes(suggestion)) return `${mean} ${actions[0]!.toUpperCase()}${actions.slice(1)}`;
		if (suggestion !== undefined) return mean;
		// Wait kinds take a mapping; `command: echo` more likely meant `run`.
		const kind = isRecord(dataAt(data, [...parent, key])) ? closestMatch(key, [...WAIT_KINDS]) : undefined;
		if (kind !== undefined) return `"${kind}" is a wait kind: write wait: { ${kind}: ... }`;
		return hasAction ? `valid keys here: ${valid.join(', ')}` : actions;
	}
	if (isWaitPath(parent)) {
		const kinds = `wait kinds are ${listWords([...WAIT_KINDS])}`;
		return suggestion === undefined ? kinds : `${mean} The ${kinds}`;
	}
	return mean || `valid keys here: ${valid.join(', ')}`;
}

/** The problem for a key that is missing, with a hint where one helps. */
function missingKey(path: YamlPath, at: Locator): Problem {
	const key = String(path.at(-1));
	const hints: Record<string, string> = {
		version: 'add "version: 1" at the top',
		steps: 'add "steps:" with a list of steps',
		id: 'every step needs an id such as stop-synapse',
		title: 'add "title:" with a one-line name of the procedure',
		fragment: 'add "fragment: true": only fragment files can be included',
	};
	return at.problem(path, `missing required key "${key}"`, {hint: path.length <= 3 ? hints[key] : undefined});
}

/** Options of {@link issuesToProblems}. */
export interface IssuesOptions {
	/** The schema that gave the issues, for the valid keys of a place (default: runbookSchema). */
	schema?: z.ZodType;
	/** What the whole document should be, for the message when it is not a mapping (default `runbook`). */
	document?: 'runbook' | 'fragment';
}

const DOCUMENT_SHAPES = {
	runbook: 'a runbook: a mapping with version, title and steps',
	fragment: 'a fragment: a mapping with version, fragment: true and steps',
} as const;

/**
 * Maps zod issues (parsed with `reportInput: true` and {@link zodErrorMap}) to problems at
 * the offending node: a missing key at its parent mapping, an unknown key at the key.
 * @param data the parsed YAML, for hints that depend on neighbours.
 */
export function issuesToProblems(issues: readonly Issue[], at: Locator, data: unknown, options: IssuesOptions = {}): Problem[] {
	const schema = options.schema ?? runbookSchema;
	const shape = DOCUMENT_SHAPES[options.document ?? 'runbook'];
	const problems: Problem[] = [];
	for (const issue of issues) {
		const path = issue.path.filter((s): s is PathSegment => typeof s === 'string' || typeof s === 'number');
		switch (issue.code) {
			case 'unrecognized_keys':
				for (const key of issue.keys) {
					const single = key === 'selector' ? singleObjectAction(path) : undefined;
					if (single) problems.push(at.problem([...path, key], `selector does not apply to ${single}: it acts on the one object named by name`, {on: 'key', hint: SELECTOR_ELSEWHERE}));
					else problems.push(at.problem([...path, key], 'unknown key', {on: 'key', hint: unknownKeyHint(path, key, data, schema)}));
				}
				break;
			case 'invalid_key': {
				const key = String(issue.input);
				const upper = key.toUpperCase().replaceAll('-', '_');
				problems.push(at.problem(path, issue.message, {on: 'key', hint: VARIABLE_NAME.test(upper) ? `write ${upper}` : undefined}));
				break;
			}
			case 'invalid_type':
				if (issue.input === undefined && !at.has(path)) problems.push(missingKey(path, at));
				else if (issue.message.startsWith('expected a duration')) problems.push(at.problem(path, issue.message, {hint: durationHint(issue.input)}));
				else if (isStepPath(path) && issue.expected === 'object') problems.push(at.problem(path, `expected a step: a mapping with an id and one action, found ${describeValue(issue.input)}`, {hint: 'write "- id: my-step" and the action on the next line, indented under id'}));
				else if (path.length === 0 && issue.expected === 'object') problems.push(at.problem(path, `expected ${shape}, found ${issue.input === null ? 'an empty file' : describeValue(issue.input)}`));
				else problems.push(at.problem(path, issue.message));
				break;
			case 'invalid_value': {
				const choices = issue.values.map(v => String(v));
				const near = typeof issue.input === 'string' ? closestMatch(issue.input, choices) : undefined;
				let hint = near === undefined ? undefined : `did you mean "${near}"?`;
				if (path.length === 1 && path[0] === 'version') hint = issue.input === '1' || issue.input === '1.1' ? `write ${String(issue.input)} without quotes` : 'this program reads format versions 1 and 1.1';
				if (path.length === 1 && path[0] === 'fragment') hint = 'only a fragment can be included: write "fragment: true" at its top, and list the variables its steps use under requires';
				problems.push(at.problem(path, issue.message, {hint}));
				break;
			}
			case 'invalid_format':
				problems.push(at.problem(path, issue.message, {hint: issue.format === 'regex' && 'pattern' in issue && String(issue.pattern) === String(DURATION) ? durationHint(issue.input) : undefined}));
				break;
			case 'custom':
				if (issue.message.startsWith('not a valid regular expression')) {
					problems.push(at.problem(path, `not a valid regular expression: ${String(issue.input)} (${regexReason(issue.input)})`, {hint: "patterns use RE2 syntax (JavaScript's, without lookaround or backreferences); escape special characters such as ( [ . with \\"}));
				} else problems.push(at.problem(path, issue.message, {hint: typeof issue.params?.hint === 'string' ? issue.params.hint : undefined}));
				break;
			default:
				problems.push(at.problem(path, issue.message));
		}
	}
	return problems;
}
