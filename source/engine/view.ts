/**
 * How a step is shown to the operator: titles and fields with variables
 * resolved, the command that will run, and the variables it reads.
 */
import {ACTION_KEYS, WAIT_KINDS, type ActionKey, type Step} from '../runbook/schema.js';
import {interpolate, referencedVars} from '../runbook/variables.js';
import {scanShellScript} from '../runbook/shell-vars.js';
import {shellQuote} from '../runbook/shell-quote.js';
import type {StepView} from './ports.js';

/** Variables as the engine holds them: plain values, and secret values (never shown). */
export interface VarScope {
	vars: Record<string, string>;
	secrets: Record<string, string>;
}

/** All values of a scope, secrets included: what commands receive. */
export function allValues(scope: VarScope): Record<string, string> {
	return {...scope.vars, ...scope.secrets};
}

/** Values for display: secrets replaced by `***`. */
export function displayValues(scope: VarScope): Record<string, string> {
	const shown: Record<string, string> = {...scope.vars};
	for (const name of Object.keys(scope.secrets)) shown[name] = '***';
	return shown;
}

/** The action key of a step (the schema and the loader guarantee exactly one). */
export function actionOf(step: Step): ActionKey {
	const key = ACTION_KEYS.find(k => step[k] !== undefined);
	if (!key) throw new Error(`step ${step.id} has no action`);
	return key;
}

/** The wait kind of a `wait` step, such as `command` or `deleted`. */
export function waitKindOf(step: Step): (typeof WAIT_KINDS)[number] | undefined {
	return step.wait ? WAIT_KINDS.find(k => step.wait?.[k] !== undefined) : undefined;
}

function resourceText(ref: {kind: string; name?: string; selector?: string; namespace?: string}): string {
	const target = ref.name ? `${ref.kind}/${ref.name}` : `${ref.kind} -l ${ref.selector ?? '(all)'}`;
	return ref.namespace ? `${target} -n ${ref.namespace}` : target;
}

/**
 * The command of a step as text, variables NOT resolved for scripts (the shell
 * resolves them from the environment) and resolved with display values elsewhere.
 */
export function commandText(step: Step, shown: Record<string, string>): string {
	const r = (text: string) => interpolate(text, shown);
	switch (actionOf(step)) {
		case 'run':
			return step.run ?? '';
		case 'manual':
			return r(manualText(step.manual ?? ''));
		case 'ask':
			return r(step.ask?.prompt ?? '');
		case 'wait': {
			const kind = waitKindOf(step);
			const spec = kind ? (step.wait?.[kind] as Record<string, unknown>) : {};
			if (kind === 'command') return step.wait?.command?.run ?? '';
			if (kind === 'http') {
				const http = step.wait!.http!;
				return r(`wait http ${http.url}${http.insecure ? ' (insecure: TLS not verified)' : ''}`);
			}
			return r(`wait ${kind} ${JSON.stringify(spec)}`);
		}
		case 'scale':
			return r(`scale ${resourceText(step.scale!)} --replicas=${String(step.scale!.replicas)}`);
		case 'delete':
			return r(`delete ${resourceText(step.delete!)}`);
		case 'apply':
			return r(`apply ${step.apply!.file ? `-f ${step.apply!.file}` : '(inline manifest)'}`);
		case 'patch':
			return r(`patch ${resourceText(step.patch!)} --type=${step.patch!.type}`);
		case 'restart':
			return r(`rollout restart ${step.restart!.kind}/${step.restart!.name}`);
		case 'exec': {
			// Each argument resolved, then quoted: a value holding a space or a quote shows as one argument.
			const args = step.exec!.command.map(arg => shellQuote(r(arg))).join(' ');
			return `${r(`exec ${step.exec!.pod} --`)} ${args}${step.exec!.stdin ? r(` < ${step.exec!.stdin}`) : ''}${step.exec!.stdout ? r(` > ${step.exec!.stdout}`) : ''}`;
		}
		case 'copy':
			if (step.copy!.direction === 'fromPod') return r(`cp ${step.copy!.pod}:${step.copy!.from} ${step.copy!.to}`);
			return r(`cp ${step.copy!.from} ${step.copy!.pod}:${step.copy!.to}`);
	}
}

/** A `manual` step's instructions as text: the string, or a checklist's text and its items, one `- ` line each. */
export function manualText(manual: NonNullable<Step['manual']>): string {
	if (typeof manual === 'string') return manual;
	return [manual.text?.trim(), ...manual.items.map(item => `- ${item}`)].filter(Boolean).join('\n');
}

/** Every string in a step (deeply), for finding the variables it reads. */
function strings(value: unknown, out: string[] = []): string[] {
	if (typeof value === 'string') out.push(value);
	else if (Array.isArray(value)) for (const v of value) strings(v, out);
	else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
	return out;
}

/** What a group (format 1.1) runs, in one line per list: `steps: a, b`, `rescue: c`, `always: d`. */
export function groupText(step: Step): string {
	const ids = (list: Step[] | undefined) => (list ?? []).map(s => s.id).join(', ');
	return [`steps: ${ids(step.steps)}`, ...(step.rescue ? [`rescue: ${ids(step.rescue)}`] : []), ...(step.always ? [`always: ${ids(step.always)}`] : [])].join('\n');
}

/**
 * Builds the display view of a step at `index` (in the flat order, groups included) with
 * the current variables. A group's `action` is `group` and its command lists its steps.
 */
export function stepView(step: Step, index: number, scope: VarScope): StepView {
	const shown = displayValues(scope);
	const names = new Set<string>();
	if (step.steps) {
		return {id: step.id, index, title: interpolate(step.title ?? step.id, shown), description: step.description === undefined ? undefined : interpolate(step.description, shown), action: 'group', command: groupText(step), vars: {}, destructive: false, step};
	}
	// Scripts (`run`, a command wait's `run`) are bash: read by the shell scanner, which knows
	// `${X:+…}`, `${X:-…}`, `${X:=…}` and `${#X}`; the other fields by the runbook's own rule.
	const scripts = [step.run, step.wait?.command?.run].filter(script => script !== undefined);
	const fields = {...step, run: undefined, wait: step.wait?.command ? {...step.wait, command: {...step.wait.command, run: undefined}} : step.wait};
	for (const text of strings(fields)) for (const name of referencedVars(text)) names.add(name);
	for (const script of scripts) for (const ref of scanShellScript(script).references) names.add(ref.name);
	if (step.when) names.add(step.when.var);
	for (const name of Object.keys(step.env ?? {})) names.delete(name);
	const vars: Record<string, string> = {};
	for (const name of [...names].sort()) if (name in shown) vars[name] = shown[name];
	for (const [name, value] of Object.entries(step.env ?? {})) vars[name] = interpolate(value, shown);
	return {
		id: step.id,
		index,
		title: interpolate(step.title ?? step.id, shown),
		description: step.description === undefined ? undefined : interpolate(step.description, shown),
		action: actionOf(step),
		command: commandText(step, shown),
		vars,
		destructive: Boolean(step.destructive),
		step,
	};
}

/**
 * The word a `destructive` step asks the operator to type: the string given as
 * `destructive: WORD`, else the name of the Kubernetes object the step acts on,
 * else `yes` (format: "the resource or database name where one is obvious").
 */
export function destructiveWord(step: Step, values: Record<string, string>): string {
	if (typeof step.destructive === 'string') return interpolate(step.destructive, values);
	const name = step.delete?.name ?? step.patch?.name ?? step.scale?.name;
	return name ? interpolate(name, values) : 'yes';
}
