/**
 * Cross-field rules of the runbook format that a per-field schema cannot express
 * (runbook-format.md): unique step ids, exactly one action per step, exactly one kind per
 * `wait`, `run` options only on `run` steps, no empty `confirm`, and the "one of" shapes of
 * `apply`, `delete` and `wait.jsonpath`. Variable rules are in validate-vars.ts.
 *
 * The rules read the parsed YAML as loosely typed data, so they run even when the schema
 * found problems, and the author sees every problem at once.
 */
import {ACTION_KEYS, GROUP_KEYS, stepSchema, WAIT_KINDS} from './schema.js';
import type {IncludeScope} from './include.js';
import type {Locator} from './positions.js';
import type {Problem, YamlPath} from './problems.js';
import {listWords} from './suggest.js';
import {checkVariables} from './validate-vars.js';
import {isMapping, type Mapping} from './yaml-file.js';

/** Options that only a `run` step may have; `capture` and `sensitive` are allowed on `exec` too (its output goes through the same sink). */
export const RUN_OPTIONS = ['cwd', 'env', 'capture', 'okExitCodes', 'sensitive'] as const;

const STEP_KEYS = new Set(Object.keys(stepSchema.shape));
/** Keys of `wait` besides its kind: `interval` (of `http`). */
const WAIT_KEYS = new Set<string>([...WAIT_KINDS, 'interval']);

/** The keys of `mapping` among `keys`, in the order the author wrote them. */
const present = (mapping: Mapping, keys: readonly string[]): string[] => Object.keys(mapping).filter(key => keys.includes(key));

/**
 * Checks the cross-field rules on parsed YAML (`doc.toJS()`), before or after the schema.
 * Step ids must be unique across the runbook and every fragment it includes.
 * @param data the runbook with its includes expanded (see include.ts).
 * @param scopes for each step, the includes it is inside (see checkVariables).
 * @returns problems with positions; empty when the runbook passes.
 */
export function validateRunbook(data: unknown, at: Locator, scopes: ReadonlyArray<readonly IncludeScope[]> = []): Problem[] {
	if (!isMapping(data)) return [];
	const problems: Problem[] = [];
	const steps = Array.isArray(data.steps) ? data.steps : [];
	const firstId = new Map<string, YamlPath>();
	const visit = (step: unknown, path: YamlPath): void => {
		if (!isMapping(step)) return;
		if (typeof step.id === 'string') {
			const first = firstId.get(step.id);
			if (first === undefined) firstId.set(step.id, path);
			else {
				const where = at.lineRef([...first, 'id'], [...path, 'id']);
				problems.push(at.problem([...path, 'id'], `duplicate step id "${step.id}" (first used by ${at.label(first)} on ${where})`, {hint: 'give each step its own id: resume finds steps by id'}));
			}
		}
		if ('steps' in step) problems.push(...checkGroup(step, path, at, data.version));
		else problems.push(...checkActions(step, path, at));
		problems.push(...checkShapes(step, path, at));
		if (data.version === 1) {
			for (const [where, what] of formatOneOneUses(step)) {
				problems.push(at.problem([...path, ...where], `${what} is new in format 1.1, and this runbook says version: 1`, {on: 'key', hint: 'write version: 1.1 at the top of the runbook'}));
			}
		}
		for (const key of ['steps', 'rescue', 'always'] as const) {
			const list = step[key];
			if (Array.isArray(list)) list.forEach((child: unknown, i) => visit(child, [...path, key, i]));
		}
	};
	steps.forEach((step: unknown, index) => visit(step, ['steps', index]));
	problems.push(...checkVariables(data, at, scopes));
	return problems;
}

/**
 * A group (format 1.1): `steps` instead of an action, only the keys of {@link GROUP_KEYS},
 * and a runbook that says `version: 1.1`.
 */
function checkGroup(step: Mapping, path: YamlPath, at: Locator, version: unknown): Problem[] {
	const problems: Problem[] = [];
	if (version === 1) {
		problems.push(at.problem([...path, 'steps'], 'a group (a step with steps:) needs format version 1.1, and this runbook says version: 1', {on: 'key', hint: 'write version: 1.1 at the top (every version 1 runbook is valid 1.1)'}));
	}
	for (const action of present(step, ACTION_KEYS)) {
		problems.push(at.problem([...path, action], `a group has steps instead of an action, and this one also has "${action}"`, {on: 'key', hint: "move the action into a step of the group's steps"}));
	}
	const allowed: readonly string[] = [...GROUP_KEYS, ...ACTION_KEYS];
	for (const key of Object.keys(step)) {
		if (allowed.includes(key) || !STEP_KEYS.has(key)) continue;
		problems.push(at.problem([...path, key], `"${key}" does not apply to a group`, {on: 'key', hint: `a group has ${listWords([...GROUP_KEYS])}; put "${key}" on the steps inside it`}));
	}
	return problems;
}

/** Exactly one action; `run` options only with `run`; exactly one wait kind; `rescue` and `always` only on groups. */
function checkActions(step: Mapping, path: YamlPath, at: Locator): Problem[] {
	const problems: Problem[] = [];
	for (const key of present(step, ['rescue', 'always'])) {
		problems.push(at.problem([...path, key], `"${key}" applies only to a group (a step with steps: instead of an action)`, {on: 'key', hint: 'make the step a group: move its action into a step under steps:'}));
	}
	const actions = present(step, ACTION_KEYS);
	const unknownKeys = Object.keys(step).some(key => !STEP_KEYS.has(key));
	if (actions.length === 0 && !unknownKeys) {
		problems.push(at.problem(path, 'a step needs one action', {hint: `add one of ${listWords([...ACTION_KEYS])}`}));
	}
	for (const extra of actions.slice(1)) {
		const line = at.at([...path, actions[0]!], 'key').line;
		problems.push(at.problem([...path, extra], `a step has exactly one action, and this one already has "${actions[0]}" (line ${line})`, {on: 'key', hint: 'split it into two steps, each with its own id'}));
	}
	if (actions.length > 0 && !actions.includes('run')) {
		// `capture` keeps exec's stdout too (format 1.1), bounded as on run; `sensitive` hides it as on run.
		for (const option of present(step, RUN_OPTIONS).filter(option => !((option === 'capture' || option === 'sensitive') && actions[0] === 'exec'))) {
			problems.push(at.problem([...path, option], `"${option}" applies only to run steps, and this step's action is "${actions[0]}"`, {on: 'key', hint: 'remove it, or make the step a run step'}));
		}
	}
	const wait = step.wait;
	if (isMapping(wait)) {
		const kinds = present(wait, WAIT_KINDS);
		const unknownKinds = Object.keys(wait).some(key => !WAIT_KEYS.has(key));
		if (kinds.length === 0 && !unknownKinds) problems.push(at.problem([...path, 'wait'], 'a wait needs one kind', {hint: `add one of ${listWords([...WAIT_KINDS])}`}));
		for (const extra of kinds.slice(1)) {
			const line = at.at([...path, 'wait', kinds[0]!], 'key').line;
			problems.push(at.problem([...path, 'wait', extra], `a wait has exactly one kind, and this one already has "${kinds[0]}" (line ${line})`, {on: 'key', hint: 'split it into two wait steps'}));
		}
		if ('interval' in wait && kinds.length > 0 && !kinds.includes('http')) {
			problems.push(at.problem([...path, 'wait', 'interval'], `interval applies to an http wait, and this wait is "${kinds[0]}"`, {on: 'key', hint: kinds[0] === 'command' ? 'write it inside command: as command.interval' : 'remove it: Kubernetes waits watch, they do not poll'}));
		}
	}
	return problems;
}

/**
 * The format 1.1 additions a step uses (runbook-format.md, "Format versions"), by the
 * path of the key that needs 1.1; a runbook with any of them must say `version: 1.1`.
 */
export function formatOneOneUses(step: Mapping): Array<[YamlPath, string]> {
	const uses: Array<[YamlPath, string]> = [];
	const wait = isMapping(step.wait) ? step.wait : undefined;
	if (wait && 'http' in wait) uses.push([['wait', 'http'], 'wait.http']);
	if (wait && isMapping(wait.podsReady) && !('count' in wait.podsReady)) uses.push([['wait', 'podsReady'], 'podsReady without count']);
	if (wait && isMapping(wait.podsReady) && typeof wait.podsReady.count === 'string') uses.push([['wait', 'podsReady', 'count'], 'a count from a variable']);
	if (isMapping(step.scale) && 'selector' in step.scale) uses.push([['scale', 'selector'], 'scale by selector']);
	if (isMapping(step.scale) && typeof step.scale.replicas === 'string') uses.push([['scale', 'replicas'], 'replicas from a variable']);
	if (isMapping(step.copy) && 'direction' in step.copy) uses.push([['copy', 'direction'], 'copy.direction']);
	if (isMapping(step.exec) && 'stdout' in step.exec) uses.push([['exec', 'stdout'], 'exec.stdout']);
	if (isMapping(step.exec) && typeof step.exec.pod === 'string' && step.exec.pod.includes('/')) uses.push([['exec', 'pod'], 'exec into a workload']);
	if (isMapping(step.exec) && 'capture' in step) uses.push([['capture'], 'capture on exec']);
	if (isMapping(step.manual)) uses.push([['manual'], 'a checklist']);
	return uses;
}

/** Words YAML 1.1 read as booleans; YAML 1.2 reads them as strings. */
const YES_NO = /^(?:y|yes|n|no|true|false|on|off)$/i;

/** `confirm` not empty, not a yes/no word, not on a manual step; `apply` file xor manifest; `delete` by name or selector; `jsonpath` equals xor in. */
function checkShapes(step: Mapping, path: YamlPath, at: Locator): Problem[] {
	const problems: Problem[] = [];
	if (typeof step.confirm === 'string' && step.confirm.trim() === '') {
		problems.push(at.problem([...path, 'confirm'], 'confirm is empty', {hint: 'write the question to ask, such as "Delete the cluster?", or remove confirm'}));
	}
	// YAML 1.2 (the yaml package) reads `confirm: yes` as the string "yes": it would ask "yes" as the question.
	if (typeof step.confirm === 'string' && YES_NO.test(step.confirm.trim())) {
		problems.push(
			at.problem([...path, 'confirm'], `confirm is the string "${step.confirm.trim()}", not a yes/no switch`, {
				hint: 'write confirm: true to ask "Run step …?", or the question itself, such as "Delete the cluster?"; remove confirm to ask nothing',
			}),
		);
	}
	if ('confirm' in step && 'manual' in step) {
		problems.push(
			at.problem([...path, 'confirm'], 'confirm does not apply to a manual step: the operator marks it done by hand', {
				on: 'key',
				hint: 'remove confirm, or put the question in the instructions',
			}),
		);
	}
	const apply = step.apply;
	if (isMapping(apply)) {
		const sources = present(apply, ['file', 'manifest']);
		if (sources.length !== 1) {
			const where = sources.length === 0 ? [...path, 'apply'] : [...path, 'apply', sources[1]!];
			problems.push(at.problem(where, 'expected exactly one of file, manifest', {on: sources.length === 0 ? 'value' : 'key'}));
		}
	}
	const targets: Array<[YamlPath, unknown, boolean]> = [[[...path, 'delete'], step.delete, true]];
	if (isMapping(step.wait)) targets.push([[...path, 'wait', 'deleted'], step.wait.deleted, false], [[...path, 'wait', 'exists'], step.wait.exists, false]);
	for (const [where, ref, required] of targets) {
		if (!isMapping(ref)) continue;
		if ('name' in ref && 'selector' in ref) problems.push(at.problem([...where, 'selector'], 'expected a name or a selector, not both', {on: 'key'}));
		else if (required && !('name' in ref) && !('selector' in ref)) {
			problems.push(at.problem(where, 'expected a name or a selector', {hint: 'deleting every object of a kind is not allowed; name the object or give a label selector'}));
		}
	}
	const scale = step.scale;
	if (isMapping(scale)) {
		if ('name' in scale && 'selector' in scale) problems.push(at.problem([...path, 'scale', 'selector'], 'expected a name or a selector, not both', {on: 'key'}));
		else if (!('name' in scale) && !('selector' in scale)) problems.push(at.problem([...path, 'scale'], 'expected a name or a selector', {hint: 'name the object, or give a label selector such as app.kubernetes.io/component=matrix-server'}));
	}
	if (isMapping(step.exec) && 'stdout' in step.exec && 'capture' in step) {
		problems.push(at.problem([...path, 'capture'], "capture and exec.stdout both take the command's stdout; a step has one or the other", {on: 'key', hint: 'write the output to the file, and read it in a later step (or capture it and drop stdout)'}));
	}
	const http = isMapping(step.wait) ? step.wait.http : undefined;
	if (isMapping(http) && 'jsonpath' in http !== 'equals' in http) {
		const missing = 'jsonpath' in http ? 'equals' : 'jsonpath';
		problems.push(at.problem([...path, 'wait', 'http', 'jsonpath' in http ? 'jsonpath' : 'equals'], `expected jsonpath and equals together; ${missing} is missing`, {on: 'key', hint: 'jsonpath names a value in the JSON body, equals the value it must have'}));
	}
	const jsonpath = isMapping(step.wait) ? step.wait.jsonpath : undefined;
	if (isMapping(jsonpath)) {
		const tests = present(jsonpath, ['equals', 'in']);
		if (tests.length !== 1) {
			const where = tests.length === 0 ? [...path, 'wait', 'jsonpath'] : [...path, 'wait', 'jsonpath', tests[1]!];
			problems.push(at.problem(where, 'expected exactly one of equals, in', {on: tests.length === 0 ? 'value' : 'key'}));
		}
	}
	return problems;
}
