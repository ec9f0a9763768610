/**
 * Variable rules of the runbook format (runbook-format.md, "Variables"):
 *
 * - In every string field other than `run` scripts and `wait.command.run`, `$NAME` / `${NAME}`
 *   must name a param, an `ask.var` or `capture` of an EARLIER step, or a built-in
 *   ({@link BUILTIN_VARS}); `when.var` too. `pattern` fields are regular expressions and are
 *   not scanned.
 * - In scripts, upper-case references must also be one of those, or a name in the step's own
 *   `env`, a variable the script assigns, a standard environment variable
 *   ({@link STANDARD_ENV_VARS}), or have a default (`${NAME:-x}`). See shell-vars.ts for what
 *   the scanner understands (it skips single-quoted text, comments and quoted here-documents).
 * - `when.equals`, `notEquals` and `in` against a variable with `choices` must use a choice;
 *   so must a param's or an ask's `default`.
 * - Fragments (includes): a step that came from a fragment sees only the built-ins, the
 *   fragment's `requires` and what earlier steps of the same fragment (or fragments it
 *   includes) define; the including file must define every name of `requires` before the
 *   include item. What a fragment's steps define is known to the including file after it.
 *   A required variable keeps its choices inside the fragment.
 *
 * Over 300 lines on purpose: one walk over the document in step order; every check
 * reads the walk's state (what is defined so far, in which fragment scope).
 */
import type {IncludeScope} from './include.js';
import type {Locator} from './positions.js';
import type {Problem, YamlPath} from './problems.js';
import {VARIABLE_NAME} from './schema.js';
import {scanShellScript} from './shell-vars.js';
import {closestMatch, listWords} from './suggest.js';
import {BASH_SPECIAL_VARS, BUILTIN_VARS, findReferences, STANDARD_ENV_VARS, unclosedBrace} from './variables.js';
import {isMapping, type Mapping} from './yaml-file.js';

/** Where a step defines a variable (`ask.var` or `capture`). */
interface Definition {
	name: string;
	step: number;
	id: string;
	path: YamlPath;
	/** The defining step's path, as a key (`JSON.stringify`). */
	owner: string;
	/** Keys of the includes the defining step is inside. */
	scopes: string[];
}

/** What is known in one scope: the runbook itself (key '') or one include of a fragment. */
interface ScopeState {
	known: Set<string>;
	choices: Map<string, string[]>;
	/** True inside a fragment (its hints speak of requires, not params). */
	fragment: boolean;
}

/** State of the walk: what is known at the current step. */
interface Walk {
	at: Locator;
	problems: Problem[];
	/** Problems past {@link MAX_VARIABLE_PROBLEMS}: counted, not made (see {@link report}); shared by copies of the walk. */
	count: {unlisted: number};
	/** The definitions by variable name, in step order. */
	definitions: Map<string, Definition[]>;
	known: Set<string>;
	choices: Map<string, string[]>;
	/** Index of the current step; -1 outside steps. */
	step: number;
	/** Key of the current scope: '' for the runbook, else the fragment's absolute path. */
	scope: string;
	/** True when the current scope is a fragment. */
	fragment: boolean;
}

const ROOT_SCOPE = '';

/**
 * Most variable problems listed for one runbook. Making a problem costs time in the size of
 * the text it is in (its line and column inside a script, a "did you mean" among the known
 * names), so past this many they are only counted: validation stays linear in the runbook's
 * size however many problems it has (32,000 unknown `$VAR`s in one script took 26 s).
 */
export const MAX_VARIABLE_PROBLEMS = 200;

/**
 * Adds the problem `make` builds, unless {@link MAX_VARIABLE_PROBLEMS} are listed already:
 * then only the first one past the limit is made (for its position) and the rest counted;
 * {@link checkVariables} words it at the end.
 */
function report(walk: Walk, make: () => Problem): void {
	if (walk.problems.length < MAX_VARIABLE_PROBLEMS) walk.problems.push(make());
	else if (walk.count.unlisted++ === 0) walk.problems.push(make());
}

/** True when a definition made in a step inside `definition.scopes` is visible in scope `scope`. */
const visibleIn = (definition: Definition, scope: string): boolean => scope === ROOT_SCOPE || definition.scopes.includes(scope);

const SKIPPED_KEYS = new Set(['pattern']);

/** Calls `visit` for every string under `value`, skipping `pattern` keys and keys in `skip`. */
function walkStrings(value: unknown, path: YamlPath, visit: (text: string, path: YamlPath) => void, skip: ReadonlySet<string> = SKIPPED_KEYS): void {
	if (typeof value === 'string') visit(value, path);
	else if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, [...path, i], visit, skip));
	else if (isMapping(value)) for (const [key, item] of Object.entries(value)) if (!skip.has(key)) walkStrings(item, [...path, key], visit, skip);
}

/** The problem for a name that is not known here: defined later, or unknown (with a suggestion). */
function unknownName(walk: Walk, name: string, path: YamlPath, within: {index: number; token: string; value: string} | undefined, extra: readonly string[], script: boolean): Problem {
	const shown = within ? `$${name}` : name;
	const later = walk.definitions.get(name)?.find(d => d.step >= walk.step && walk.step >= 0 && visibleIn(d, walk.scope));
	if (later) {
		const message = later.step === walk.step ? `${shown} is set by this step, so it has no value yet here` : `${shown} is set by step "${later.id}" (${walk.at.lineRef(later.path, path)}), which comes after this step`;
		const hint = later.step === walk.step ? 'use it from the next step on' : `move step "${later.id}" before this one`;
		return walk.at.problem(path, message, {within, hint});
	}
	const near = closestMatch(name, [...walk.known, ...extra]);
	const declare = walk.fragment ? 'list it under requires (the including runbook must define it)' : 'declare it under params';
	const earlier = walk.fragment ? 'an earlier step of the fragment' : 'an earlier step';
	const hint = near !== undefined ? `did you mean ${within ? '$' : ''}${near}?` : script ? `${declare}, set it in env, assign it in the script, or write \${${name}:-default}; lower-case names are not checked` : `${declare}, or set it with ask or capture in ${earlier}; write $$ for a literal $`;
	return walk.at.problem(path, `unknown variable ${shown}`, {within, hint});
}

/** Checks the references in one non-script string: known names (unless `${NAME:-default}`), no unclosed `${`. */
function checkText(walk: Walk, text: string, path: YamlPath): void {
	const open = unclosedBrace(text);
	if (open !== undefined) {
		report(walk, () => walk.at.problem(path, 'unclosed ${: no } closes it', {within: {index: open, token: '${', value: text}, hint: 'write ${NAME}, or $${ for a literal ${'}));
	}
	for (const ref of findReferences(text)) {
		if (ref.default === undefined && !walk.known.has(ref.name)) report(walk, () => unknownName(walk, ref.name, path, {index: ref.index, token: ref.token, value: text}, [], false));
	}
}

/** Checks the upper-case references of a bash script. */
function checkScript(walk: Walk, script: unknown, path: YamlPath, env: readonly string[]): void {
	if (typeof script !== 'string') return;
	const {references, assigned} = scanShellScript(script);
	const local = new Set<string>([...env, ...assigned, ...STANDARD_ENV_VARS, ...BASH_SPECIAL_VARS]);
	for (const ref of references) {
		if (ref.optional || !VARIABLE_NAME.test(ref.name) || walk.known.has(ref.name) || local.has(ref.name)) continue;
		report(walk, () => unknownName(walk, ref.name, path, {index: ref.index, token: ref.token, value: script}, env, true));
	}
}

/** A value compared with, or defaulting, a variable that has choices must be one of them. */
function checkChoice(walk: Walk, name: string, value: unknown, path: YamlPath, what: string): void {
	const choices = walk.choices.get(name);
	if (!choices || value === undefined || value === null || typeof value === 'object') return;
	const text = String(value);
	if (choices.includes(text)) return;
	const near = closestMatch(text, choices);
	report(walk, () => walk.at.problem(path, `${what} "${text}" is not one of the choices of ${name}: ${listWords(choices.map(c => `"${c}"`))}`, {hint: near === undefined ? undefined : `did you mean "${near}"?`}));
}

const choicesOf = (value: unknown): string[] | undefined => (Array.isArray(value) ? value.filter(v => v !== null && typeof v !== 'object').map(String) : undefined);

/** Checks `when`: a known variable, and values among its choices. */
function checkWhen(walk: Walk, when: unknown, path: YamlPath): void {
	if (!isMapping(when)) return;
	walkStrings(when, path, (text, p) => checkText(walk, text, p), new Set(['var']));
	const name = when.var;
	if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) return;
	if (!walk.known.has(name)) {
		report(walk, () => unknownName(walk, name, [...path, 'var'], undefined, [], false));
		return;
	}
	checkChoice(walk, name, when.equals, [...path, 'equals'], 'equals');
	checkChoice(walk, name, when.notEquals, [...path, 'notEquals'], 'notEquals');
	if (Array.isArray(when.in)) when.in.forEach((value, i) => checkChoice(walk, name, value, [...path, 'in', i], 'value'));
}

/** Checks one step's fields against what is known before it. */
function checkStep(walk: Walk, step: Mapping, path: YamlPath): void {
	const env = isMapping(step.env) ? Object.keys(step.env) : [];
	for (const [key, value] of Object.entries(step)) {
		const at = [...path, key];
		// A group's lists are walked step by step (nestedSteps).
		if (key === 'id' || key === 'capture' || GROUP_LISTS.includes(key)) continue;
		if (key === 'run') checkScript(walk, value, at, env);
		else if (key === 'when') checkWhen(walk, value, at);
		else if (key === 'ask') {
			walkStrings(value, at, (text, p) => checkText(walk, text, p), new Set(['var', 'pattern']));
			if (isMapping(value) && typeof value.var === 'string' && value.default !== undefined) {
				const choices = choicesOf(value.choices);
				if (choices) checkChoice({...walk, choices: new Map([[value.var, choices]])}, value.var, value.default, [...at, 'default'], 'default');
			}
		} else if (key === 'wait' && isMapping(value)) {
			for (const [kind, body] of Object.entries(value)) {
				if (kind === 'command' && isMapping(body)) {
					checkScript(walk, body.run, [...at, kind, 'run'], []);
					walkStrings(body, [...at, kind], (text, p) => checkText(walk, text, p), new Set(['run']));
				} else walkStrings(body, [...at, kind], (text, p) => checkText(walk, text, p));
			}
		} else walkStrings(value, at, (text, p) => checkText(walk, text, p));
	}
}

const GROUP_LISTS: readonly string[] = ['steps', 'rescue', 'always'];

/** A step and, when it is a group, the steps of its `steps`, `rescue` and `always` (depth first, run order), with their paths. */
function nestedSteps(step: unknown, path: YamlPath): Array<{step: Mapping; path: YamlPath}> {
	if (!isMapping(step)) return [];
	const out: Array<{step: Mapping; path: YamlPath}> = [{step, path}];
	for (const key of GROUP_LISTS) {
		const list = step[key];
		if (Array.isArray(list)) list.forEach((child, i) => out.push(...nestedSteps(child, [...path, key, i])));
	}
	return out;
}

/** The names of a `requires` list (strings only). */
const namesOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/**
 * Enters the scopes of a step: creates the state of each include not seen before (its
 * built-ins and `requires`, with the choices the including scope knows) and checks that
 * the including scope defines every required name at this point.
 */
function enterScopes(walk: Walk, states: Map<string, ScopeState>, scopes: readonly IncludeScope[]): ScopeState {
	let parent = states.get(ROOT_SCOPE)!;
	let parentKey = ROOT_SCOPE;
	for (const scope of scopes) {
		let state = states.get(scope.key);
		if (!state) {
			state = {known: new Set([...BUILTIN_VARS, ...scope.requires]), choices: new Map(), fragment: true};
			for (const name of scope.requires) {
				const choices = parent.choices.get(name);
				if (choices) state.choices.set(name, choices);
				if (parent.known.has(name)) continue;
				const later = walk.definitions.get(name)?.find(d => d.step >= walk.step && visibleIn(d, parentKey));
				const near = closestMatch(name, [...parent.known]);
				let hint = scope.parent === undefined ? `declare ${name} under params, or set it with ask or capture in a step before the include` : `list ${name} under requires in ${scope.parent}, or set it with ask or capture in a step of ${scope.parent} before the include`;
				if (near !== undefined) hint = `did you mean ${near}? The fragment's requires and the runbook's names must match`;
				if (later) hint = `move step "${later.id}" before this include`;
				report(walk, () => scope.problem(`${scope.short} requires ${name}, which is not defined before this include`, hint));
			}
			states.set(scope.key, state);
		}
		parent = state;
		parentKey = scope.key;
	}
	return parent;
}

/**
 * Checks every variable reference of a runbook (parsed YAML, loosely typed, includes
 * expanded) in step order.
 * @param scopes for each step, the includes it is inside (outermost first); none for a
 * runbook without includes. A fragment checked on its own (`fragment: true` at the top)
 * knows its `requires` as the runbook knows its params.
 * @returns problems at the reference itself (inside scripts too, where the source allows).
 */
export function checkVariables(data: Mapping, at: Locator, scopes: ReadonlyArray<readonly IncludeScope[]> = []): Problem[] {
	const params = isMapping(data.params) ? data.params : {};
	const steps: unknown[] = Array.isArray(data.steps) ? data.steps : [];
	// Indexed by name and by defining step: looked up once per problem and once per step (linear).
	const definitions = new Map<string, Definition[]>();
	const byOwner = new Map<string, Definition[]>();
	const define = (definition: Definition): void => {
		for (const [index, key] of [
			[definitions, definition.name],
			[byOwner, definition.owner],
		] as const) {
			const list = index.get(key);
			if (list) list.push(definition);
			else index.set(key, [definition]);
		}
	};
	steps.forEach((top, i) => {
		for (const {step, path} of nestedSteps(top, ['steps', i])) {
			const id = typeof step.id === 'string' ? step.id : `steps[${i}]`;
			const keys = (scopes[i] ?? []).map(scope => scope.key);
			const owner = JSON.stringify(path);
			if (isMapping(step.ask) && typeof step.ask.var === 'string') define({name: step.ask.var, step: i, id, path: [...path, 'ask', 'var'], owner, scopes: keys});
			if (typeof step.capture === 'string') define({name: step.capture, step: i, id, path: [...path, 'capture'], owner, scopes: keys});
		}
	});
	const root: ScopeState = {known: new Set([...Object.keys(params), ...namesOf(data.requires), ...BUILTIN_VARS]), choices: new Map(), fragment: data.fragment === true};
	const states = new Map<string, ScopeState>([[ROOT_SCOPE, root]]);
	const walk: Walk = {at, problems: [], count: {unlisted: 0}, definitions, known: root.known, choices: root.choices, step: -1, scope: ROOT_SCOPE, fragment: root.fragment};
	for (const [name, param] of Object.entries(params)) {
		const choices = isMapping(param) ? choicesOf(param.choices) : undefined;
		if (choices) walk.choices.set(name, choices);
	}
	for (const key of ['title', 'description', 'source', 'kubernetes']) walkStrings(data[key], [key], (text, p) => checkText(walk, text, p));
	for (const [name, param] of Object.entries(params)) {
		walkStrings(param, ['params', name], (text, p) => checkText(walk, text, p));
		if (isMapping(param)) checkChoice(walk, name, param.default, ['params', name, 'default'], 'default');
	}
	steps.forEach((step, i) => {
		walk.step = i;
		const chain = scopes[i] ?? [];
		const state = enterScopes(walk, states, chain);
		walk.known = state.known;
		walk.choices = state.choices;
		walk.fragment = state.fragment;
		walk.scope = chain.at(-1)?.key ?? ROOT_SCOPE;
		const visible = [root, ...chain.map(scope => states.get(scope.key)!)];
		// A group's steps, rescue and always in run order: what one defines is known to those after it.
		for (const {step: node, path} of nestedSteps(step, ['steps', i])) {
			checkStep(walk, node, path);
			for (const d of byOwner.get(JSON.stringify(path)) ?? []) {
				const ask = node.ask;
				const choices = d.path.at(-1) === 'var' && isMapping(ask) ? choicesOf(ask.choices) : undefined;
				for (const scope of visible) {
					scope.known.add(d.name);
					if (choices) scope.choices.set(d.name, choices);
					else scope.choices.delete(d.name);
				}
			}
		}
	});
	const unlisted = walk.count.unlisted;
	if (unlisted > 0) {
		// The first problem past the limit keeps its place and says how many are not listed.
		const first = walk.problems[MAX_VARIABLE_PROBLEMS]!;
		walk.problems[MAX_VARIABLE_PROBLEMS] = {
			file: first.file,
			line: first.line,
			col: first.col,
			path: first.path,
			message: `${unlisted} more variable ${unlisted === 1 ? 'problem' : 'problems'} from here on not listed (only the first ${MAX_VARIABLE_PROBLEMS} are)`,
			hint: 'fix these and validate again',
		};
	}
	return walk.problems;
}
