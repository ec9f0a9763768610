/**
 * The runbook format, version 1, as a zod schema: the single source of truth for
 * loading, validation, the TypeScript types and the published JSON Schema
 * (`runbook schema`, `schema/runbook.schema.json`).
 *
 * Contract: `../shared/design/runbook-format.md`. Cross-field rules (exactly one
 * action, unique ids, known variables) live in `validate.ts`, because they need
 * the whole document and report several problems at once.
 *
 * Over 300 lines on purpose: one schema of the whole format, read top to bottom
 * as its reference; split into files it would scatter the format.
 */
import * as z from 'zod';
import {patternProblem} from '../security/patterns.js';
import {hasVariable, namespaceProblem, objectNameProblem} from '../security/kube-names.js';
import {SELECTOR_HINT, selectorProblem} from './label-selector.js';

/** Names of variables: params, `ask` answers, `capture` values. */
export const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Step ids: stable across edits, resume maps state by id. */
export const STEP_ID = /^[a-z0-9][a-z0-9-]*$/;
/** Durations: a number and a unit, `500ms`, `30s`, `5m`, `1h`, `1.5h`. */
export const DURATION = /^\d+(\.\d+)?(ms|s|m|h)$/;

const varName = z.string().regex(VARIABLE_NAME, {error: 'expected a variable name in upper case, such as DB_NAME'});
const duration = z.string({error: 'expected a duration such as 30s, 5m or 1h'}).regex(DURATION, {error: 'expected a duration such as 500ms, 30s, 5m or 1h'});
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
// Patterns run through RE2 (security/patterns.ts: linear time), so they must be valid RE2.
const regexSource = z.string().refine(source => patternProblem(source) === undefined, {
	error: issue => `not a valid regular expression: ${String(issue.input)}`,
});

/** A runbook parameter: given with `-p NAME=VALUE`, defaulted, or asked before the first step. */
export const paramSchema = z.strictObject({
	description: z.string().optional(),
	default: scalar.optional(),
	required: z.boolean().optional(),
	secret: z.boolean().optional(),
	choices: z.array(scalar).min(1).optional(),
	pattern: regexSource.optional(),
});

/** `when`: run the step only if the variable matches; otherwise it is `skipped`. */
export const whenSchema = z
	.strictObject({
		var: varName,
		equals: scalar.optional(),
		notEquals: scalar.optional(),
		in: z.array(scalar).min(1).optional(),
	})
	.refine(w => [w.equals, w.notEquals, w.in].filter(v => v !== undefined).length === 1, {
		error: 'expected exactly one of equals, notEquals, in',
	});

/** `ask`: a question to the operator whose answer becomes the variable `var`. */
export const askSchema = z.strictObject({
	var: varName,
	prompt: z.string(),
	choices: z.array(scalar).min(1).optional(),
	default: scalar.optional(),
	secret: z.boolean().optional(),
	pattern: regexSource.optional(),
});

/**
 * A Kubernetes object name or namespace: a literal one is checked here (at
 * `validate`), one with a variable before its step (security/kube-names.ts).
 */
const kubeName = z.string().superRefine((text, ctx) => {
	const problem = hasVariable(text) ? undefined : objectNameProblem(text);
	if (problem) ctx.addIssue({code: 'custom', message: problem});
});
const kubeNamespace = z.string().superRefine((text, ctx) => {
	const problem = hasVariable(text) ? undefined : namespaceProblem(text);
	if (problem) ctx.addIssue({code: 'custom', message: problem});
});

/**
 * A label selector (`delete`, `scale`, `wait.deleted`, `wait.exists`, `wait.podsReady`): a
 * literal one is parsed here as the API server would (label-selector.ts); one with a variable
 * is parsed after substitution, before its step (engine/actions.ts).
 */
const labelSelector = z.string().superRefine((text, ctx) => {
	const problem = hasVariable(text) ? undefined : selectorProblem(text);
	const hint = text.trim() === '' ? 'name the object, or give a label selector such as app.kubernetes.io/name=synapse' : SELECTOR_HINT;
	if (problem) ctx.addIssue({code: 'custom', message: problem, params: {hint}});
});

/**
 * A count (`replicas`, `podsReady.count`): a whole number >= 0, or `$VAR` / `${VAR}` whose
 * value is checked to be one before the step runs (format 1.1).
 */
const countOrVar = z.union([z.number().int().min(0), z.string().regex(/^\$(?:[A-Z_][A-Z0-9_]*|\{[A-Z_][A-Z0-9_]*\})$/, {error: 'expected a whole number >= 0 or a variable such as $REPLICAS'})]);

/**
 * `exec.pod`: a pod name, or `statefulset/NAME` / `deployment/NAME` (also `sts/`, `deploy/`):
 * the workload's first ready pod, as kubectl picks it (format 1.1).
 */
const podOrWorkload = z.string().superRefine((text, ctx) => {
	const slash = text.indexOf('/');
	const prefix = slash < 0 ? undefined : text.slice(0, slash);
	if (prefix !== undefined && !WORKLOAD_PREFIXES.includes(prefix.toLowerCase())) {
		ctx.addIssue({code: 'custom', message: `expected a pod name, statefulset/NAME or deployment/NAME, not ${prefix}/…`});
		return;
	}
	const name = slash < 0 ? text : text.slice(slash + 1);
	const problem = hasVariable(name) ? undefined : objectNameProblem(name);
	if (problem) ctx.addIssue({code: 'custom', message: problem});
});
/** Prefixes of `exec.pod` that name a workload instead of a pod (kubectl's names and short names). */
export const WORKLOAD_PREFIXES: readonly string[] = ['statefulset', 'statefulsets', 'sts', 'deployment', 'deployments', 'deploy'];

/** `wait.http` (format 1.1): polls a URL with Node's fetch until the answer matches. */
export const httpWaitSchema = z.strictObject({
	url: z.string().min(1),
	/** Expected status code; default any 2xx. */
	status: z.number().int().min(100).max(599).optional(),
	/** A substring the body must contain. */
	contains: z.string().optional(),
	/** kubectl-style JSONPath into a JSON body; with `equals`, the value it must have. */
	jsonpath: z.string().optional(),
	equals: scalar.optional(),
	/** Skip TLS certificate verification (shown in the panel). */
	insecure: z.boolean().optional(),
	/** Request headers; values may hold secrets (never shown or logged). */
	headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {error: 'expected an HTTP header name'}), z.string()).optional(),
});

/** `manual` as a checklist (format 1.1): each item is ticked one by one. */
export const checklistSchema = z.strictObject({
	text: z.string().optional(),
	items: z.array(z.string().min(1)).min(1, {error: 'expected at least one item'}),
});

/** A Kubernetes object reference by kind and name or label selector. */
const resourceRef = {
	kind: z.string().min(1),
	apiVersion: z.string().optional(),
	name: kubeName.optional(),
	selector: labelSelector.optional(),
	namespace: kubeNamespace.optional(),
};

/**
 * A reference to one object by kind and name (`wait.jsonpath`, `wait.condition`, `patch`):
 * no `selector`, which their executors would not read (zod-problems.ts says so with a hint).
 */
const namedRef = {
	kind: z.string().min(1),
	apiVersion: z.string().optional(),
	name: kubeName,
	namespace: kubeNamespace.optional(),
};

/** Wait kinds; exactly one per `wait` (checked in validate.ts). */
export const waitSchema = z.strictObject({
	command: z
		.strictObject({
			run: z.string().min(1),
			interval: duration.optional(),
			cwd: z.string().optional(),
		})
		.optional(),
	deleted: z.strictObject(resourceRef).optional(),
	exists: z.strictObject(resourceRef).optional(),
	jsonpath: z
		.strictObject({
			...namedRef,
			path: z.string(),
			equals: scalar.optional(),
			in: z.array(scalar).optional(),
		})
		.optional(),
	condition: z
		.strictObject({
			...namedRef,
			type: z.string(),
			status: z.string().optional(),
		})
		.optional(),
	rollout: z.strictObject({kind: z.string(), name: kubeName, namespace: kubeNamespace.optional()}).optional(),
	jobComplete: z.strictObject({name: kubeName, namespace: kubeNamespace.optional()}).optional(),
	podsReady: z.strictObject({selector: labelSelector, count: countOrVar.optional(), namespace: kubeNamespace.optional()}).optional(),
	http: httpWaitSchema.optional(),
	/** Pause between checks of `http` (default 2s). */
	interval: duration.optional(),
});

/** The wait kinds in the order the format lists them. */
export const WAIT_KINDS = ['command', 'deleted', 'exists', 'jsonpath', 'condition', 'rollout', 'jobComplete', 'podsReady', 'http'] as const;
/** Wait kinds that run without a cluster. */
export const LOCAL_WAIT_KINDS: readonly string[] = ['command', 'http'];

/**
 * A step: an id, one action, and modifiers. All action keys are optional here;
 * validate.ts reports zero or two actions with the step's position.
 */
export const stepSchema = z
	.strictObject({
		id: z.string().regex(STEP_ID, {error: 'expected an id of lower-case letters, digits and dashes, such as stop-synapse'}),
		title: z.string().optional(),
		description: z.string().optional(),
		when: whenSchema.optional(),
		confirm: z.union([z.string(), z.literal(true)]).optional(),
		destructive: z.union([z.boolean(), z.string().min(1)]).optional(),
		timeout: duration.optional(),
		retries: z.number().int().min(0).max(100).optional(),
		retryDelay: duration.optional(),
		continueOnError: z.boolean().optional(),
		// `run` and its options
		run: z.string().min(1).optional(),
		cwd: z.string().optional(),
		env: z.record(varName, scalar).optional(),
		capture: varName.optional(),
		/** The output may hold secrets the tool does not know (`kubectl get secrets -o yaml`): not shown or logged, only its byte count. */
		sensitive: z.boolean().optional(),
		okExitCodes: z.array(z.number().int().min(0).max(255)).min(1).optional(),
		// other actions
		manual: z.union([z.string().min(1), checklistSchema]).optional(),
		ask: askSchema.optional(),
		wait: waitSchema.optional(),
		/** By `name`, or every object matching `selector` (format 1.1); exactly one (validate.ts). */
		scale: z.strictObject({kind: z.string(), name: kubeName.optional(), selector: labelSelector.optional(), replicas: countOrVar, namespace: kubeNamespace.optional()}).optional(),
		delete: z.strictObject(resourceRef).optional(),
		apply: z
			.strictObject({
				file: z.string().optional(),
				/** Inline manifest: YAML text (one or more documents) or a mapping. */
				manifest: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
				/** A JSON merge patch (RFC 7386; null deletes a key) applied to every object before it is applied: YAML text or a mapping. */
				patch: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
				namespace: kubeNamespace.optional(),
			})
			.optional(),
		patch: z
			.strictObject({
				...namedRef,
				type: z.enum(['merge', 'json']),
				patch: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]),
			})
			.optional(),
		restart: z.strictObject({kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']), name: kubeName, namespace: kubeNamespace.optional()}).optional(),
		exec: z
			.strictObject({
				pod: podOrWorkload,
				container: z.string().optional(),
				command: z.array(z.string()).min(1),
				stdin: z.string().optional(),
				/** A local file that receives the command's stdout (0600, part file + rename on success; format 1.1). */
				stdout: z.string().min(1).optional(),
				namespace: kubeNamespace.optional(),
			})
			.optional(),
		copy: z
			.strictObject({
				from: z.string(),
				pod: kubeName,
				container: z.string().optional(),
				to: z.string(),
				/** `toPod` (default): local `from` to the pod's `to`; `fromPod` (format 1.1): the pod's `from` to local `to`. */
				direction: z.enum(['toPod', 'fromPod']).optional(),
				namespace: kubeNamespace.optional(),
			})
			.optional(),
		// A group (format 1.1, groups.ts): `steps` instead of an action, with an optional rescue path.
		get steps(): z.ZodOptional<z.ZodArray<typeof stepSchema>> {
			return z.array(stepSchema).min(1, {error: 'expected at least one step in the group'}).optional().meta({description: 'A group (version 1.1): its steps run in order instead of an action'});
		},
		get rescue(): z.ZodOptional<z.ZodArray<typeof stepSchema>> {
			return z.array(stepSchema).min(1, {error: 'expected at least one rescue step'}).optional().meta({description: 'Steps that roll the group back when one of its steps fails (version 1.1)'});
		},
		get always(): z.ZodOptional<z.ZodArray<typeof stepSchema>> {
			return z.array(stepSchema).min(1, {error: 'expected at least one step'}).optional().meta({description: 'Steps that run after the group ends, succeeded or rolled back (version 1.1)'});
		},
	})
	.meta({id: 'step'});

/** The keys of a group step: `steps` instead of an action, plus these (groups.ts). */
export const GROUP_KEYS = ['id', 'title', 'description', 'when', 'steps', 'rescue', 'always'] as const;

/** The action keys of a step; a step has exactly one. */
export const ACTION_KEYS = ['run', 'manual', 'ask', 'wait', 'scale', 'delete', 'apply', 'patch', 'restart', 'exec', 'copy'] as const;
/** Actions that talk to Kubernetes (including the Kubernetes wait kinds). */
export const KUBERNETES_ACTIONS = ['scale', 'delete', 'apply', 'patch', 'restart', 'exec', 'copy'] as const;

/**
 * Format versions: 1, and 1.1 (adds groups with a rescue path). Every version-1 runbook
 * is a valid 1.1 runbook; a runbook using a 1.1 feature must say `version: 1.1` (validate.ts).
 */
export const FORMAT_VERSIONS = [1, 1.1] as const;
const formatVersion = z.literal(FORMAT_VERSIONS, {error: 'expected version: 1 or 1.1'});

/** The whole runbook file. */
export const runbookSchema = z.strictObject({
	version: formatVersion,
	title: z.string().min(1),
	description: z.string().optional(),
	source: z.string().optional(),
	params: z.record(varName, paramSchema).optional(),
	kubernetes: z.strictObject({context: z.string().optional(), namespace: kubeNamespace.optional()}).optional(),
	steps: z.array(stepSchema).min(1, {error: 'expected at least one step'}),
});

/**
 * The top level of a runbook file with its steps unchecked (a non-empty list): the loader
 * checks the top level of the file with it, and the steps after includes are expanded.
 */
export const runbookHeadSchema = runbookSchema.extend({
	steps: z.array(z.unknown()).min(1, {error: 'expected at least one step'}),
});

/**
 * An include item in a list of steps: `- include: shared/restore.yaml` inserts the steps of
 * that fragment file here (the path is relative to the file that holds the item).
 */
export const includeSchema = z
	.strictObject({
		include: z.string().min(1).meta({description: 'Path of a fragment file (fragment: true), relative to this file; its steps are inserted here'}),
	})
	.meta({title: 'include', description: 'Inserts the steps of a fragment file at this place'});

/** A step as written in a file: a step, or an include item. */
export const stepOrIncludeSchema = z.union([includeSchema, stepSchema]);

/** The list of steps after includes are expanded: the loader checks it with this. */
export const expandedStepsSchema = z.strictObject({steps: z.array(stepSchema)});

/**
 * A fragment: steps shared by several runbooks, inserted where a runbook writes
 * `- include: FILE`. It has no params of its own: its steps use the including runbook's
 * variables, and `requires` lists those it needs (the loader checks that the runbook defines
 * them before the include). It may include other fragments; a fragment is included at most
 * once per runbook (its step ids would repeat).
 */
export const fragmentSchema = z.strictObject({
	version: formatVersion,
	fragment: z.literal(true, {error: 'expected fragment: true'}),
	title: z.string().min(1).optional(),
	description: z.string().optional(),
	source: z.string().optional(),
	requires: z.array(varName).optional(),
	steps: z.array(stepSchema).min(1, {error: 'expected at least one step'}),
});

/** The top level of a fragment file with its steps unchecked (see {@link runbookHeadSchema}). */
export const fragmentHeadSchema = fragmentSchema.extend({
	steps: z.array(z.unknown()).min(1, {error: 'expected at least one step'}),
});

/** A runbook file as an author writes it: steps may be include items (JSON Schema only). */
export const runbookFileSchema = runbookSchema.extend({
	steps: z.array(stepOrIncludeSchema).min(1, {error: 'expected at least one step'}),
});

/** A fragment file as an author writes it: steps may be include items (JSON Schema only). */
export const fragmentFileSchema = fragmentSchema.extend({
	steps: z.array(stepOrIncludeSchema).min(1, {error: 'expected at least one step'}),
});

/** A parsed runbook, as the schema describes it (before variables are resolved). */
export type Runbook = z.output<typeof runbookSchema>;
/** One step of a runbook. */
export type Step = z.output<typeof stepSchema>;
/** A parameter declaration. */
export type Param = z.output<typeof paramSchema>;
/** An `ask` action. */
export type Ask = z.output<typeof askSchema>;
/** Names of step actions. */
export type ActionKey = (typeof ACTION_KEYS)[number];

/**
 * The JSON Schema of the runbook format, generated from {@link runbookFileSchema}
 * (draft 2020-12, input side: what an author writes; a step is a step or an include item).
 * `runbook schema` prints it; `schema/runbook.schema.json` is a committed copy kept current
 * by a test.
 */
export function runbookJsonSchema(): Record<string, unknown> {
	const schema = z.toJSONSchema(runbookFileSchema, {io: 'input', unrepresentable: 'any'}) as Record<string, unknown>;
	return {
		...schema,
		title: 'runbook-tui runbook, format version 1',
	};
}

/**
 * The JSON Schema of fragment files (`fragment: true`), generated from
 * {@link fragmentFileSchema}; `schema/fragment.schema.json` is a committed copy kept current
 * by a test.
 */
export function fragmentJsonSchema(): Record<string, unknown> {
	const schema = z.toJSONSchema(fragmentFileSchema, {io: 'input', unrepresentable: 'any'}) as Record<string, unknown>;
	return {
		...schema,
		title: 'runbook-tui runbook fragment, format version 1',
	};
}
