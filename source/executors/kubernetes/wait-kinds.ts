/**
 * The Kubernetes wait kinds of the runbook format (runbook-format.md, "Wait
 * kinds"): what each one watches and when it holds, as pure functions of the
 * objects currently matching. wait.ts keeps those objects current.
 */
import {readJsonPath, displayPath, formatJsonPathValues} from './jsonpath.js';
import {rolloutStatus} from './rollout.js';
import type {KubeObject} from './watch.js';

/** What a wait found: `ok` (holds), `waiting`, or `fail` (can never hold: a failed Job). */
export interface Verdict {
	state: 'ok' | 'waiting' | 'fail';
	/** One line: what is left, or why it failed. */
	message: string;
}

/** Names of a resource type for messages: `pod` / `pods`. */
export interface TypeNames {
	kind: string;
	singular: string;
	plural: string;
}

/** One wait, planned: what to watch and how to judge it. */
export interface WaitPlan {
	/** The wait kind: `deleted`, `exists`, `jsonpath`, `condition`, `rollout`, `jobComplete`, `podsReady`. */
	waitKind: string;
	kind: string;
	apiVersion?: string;
	namespace?: string;
	name?: string;
	selector?: string;
	/** Judges the matching objects (sorted by name). */
	judge: (objects: readonly KubeObject[], names: TypeNames) => Verdict;
}

/** The wait kinds this port runs (everything but `command`, which the shell runs). */
export const KUBE_WAIT_KINDS = ['deleted', 'exists', 'jsonpath', 'condition', 'rollout', 'jobComplete', 'podsReady'] as const;

type Spec = Record<string, unknown>;

/**
 * Plans the wait described by `spec` (the whole `wait` object, one kind).
 * @throws Error with a one-line message when the spec names no kind this port
 *   runs, or lacks a field the kind needs.
 */
export function planWait(spec: Spec): WaitPlan {
	const kinds = Object.keys(spec).filter(key => spec[key] !== undefined);
	const waitKind = kinds.find(key => (KUBE_WAIT_KINDS as readonly string[]).includes(key));
	if (kinds.length !== 1 || !waitKind) {
		throw new Error(`wait needs exactly one of ${KUBE_WAIT_KINDS.join(', ')} (got ${kinds.join(', ') || 'none'})`);
	}
	const body = (spec[waitKind] ?? {}) as Spec;
	const text = (key: string): string | undefined => (body[key] === undefined || body[key] === null ? undefined : String(body[key]));
	const need = (key: string): string => {
		const value = text(key);
		if (!value) throw new Error(`wait.${waitKind} needs ${key}`);
		return value;
	};
	const ref = {namespace: text('namespace'), apiVersion: text('apiVersion')};
	switch (waitKind) {
		case 'deleted':
		case 'exists': {
			const name = text('name');
			const selector = text('selector');
			return {waitKind, kind: need('kind'), ...ref, name, selector, judge: waitKind === 'deleted' ? judgeDeleted(name, selector) : judgeExists(name, selector)};
		}
		case 'jsonpath': {
			const name = need('name');
			const path = need('path');
			readJsonPath({}, path); // a path that does not parse fails now, not at every event
			const wanted = body.in !== undefined ? (body.in as unknown[]).map(String) : body.equals !== undefined ? [String(body.equals)] : undefined;
			if (!wanted) throw new Error('wait.jsonpath needs equals or in');
			return {waitKind, kind: need('kind'), ...ref, name, judge: judgeJsonPath(name, path, wanted, body.in !== undefined)};
		}
		case 'condition': {
			const name = need('name');
			return {waitKind, kind: need('kind'), ...ref, name, judge: judgeCondition(name, need('type'), text('status') ?? 'True')};
		}
		case 'rollout': {
			const name = need('name');
			const kind = need('kind');
			return {waitKind, kind, namespace: ref.namespace, name, judge: judgeRollout(name)};
		}
		case 'jobComplete': {
			const name = need('name');
			return {waitKind, kind: 'Job', apiVersion: 'batch/v1', namespace: ref.namespace, name, judge: judgeJob(name)};
		}
		default: {
			const selector = need('selector');
			if (body.count === undefined || body.count === null) {
				return {waitKind, kind: 'Pod', apiVersion: 'v1', namespace: ref.namespace, selector, judge: judgeAllPodsReady(selector)};
			}
			const count = countOf(body.count);
			if (count === undefined) throw new Error('wait.podsReady needs count, a whole number >= 0 (or no count: every matching pod)');
			return {waitKind, kind: 'Pod', apiVersion: 'v1', namespace: ref.namespace, selector, judge: judgePodsReady(selector, count)};
		}
	}
}

/** `a, b, c` with at most `max` names, then `and N more`. */
export function nameList(objects: readonly KubeObject[], max = 5): string {
	const names = objects.map(nameOf);
	return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function nameOf(object: KubeObject): string {
	return object.metadata?.name ?? '?';
}

function count(n: number, names: TypeNames): string {
	return `${n} ${n === 1 ? names.singular : names.plural}`;
}

function matchText(name: string | undefined, selector: string | undefined, names: TypeNames): string {
	if (name) return `${names.singular} ${name}`;
	return selector ? `${names.plural} matching ${selector}` : names.plural;
}

function judgeDeleted(name: string | undefined, selector: string | undefined) {
	return (objects: readonly KubeObject[], names: TypeNames): Verdict => {
		if (objects.length === 0) return {state: 'ok', message: name ? `${names.singular} ${name} is gone` : `no ${matchText(undefined, selector, names)} left`};
		return {state: 'waiting', message: `${count(objects.length, names)} left: ${nameList(objects)}`};
	};
}

function judgeExists(name: string | undefined, selector: string | undefined) {
	return (objects: readonly KubeObject[], names: TypeNames): Verdict => {
		if (objects.length > 0) return {state: 'ok', message: name ? `${names.singular} ${name} exists` : `${count(objects.length, names)} found: ${nameList(objects)}`};
		return {state: 'waiting', message: name ? `waiting for ${names.singular} ${name} to exist` : `no ${matchText(undefined, selector, names)} yet`};
	};
}

function judgeJsonPath(name: string, path: string, wanted: string[], isIn: boolean) {
	const shown = displayPath(path);
	const target = isIn ? `one of ${wanted.join(', ')}` : wanted[0];
	return (objects: readonly KubeObject[], names: TypeNames): Verdict => {
		const object = objects[0];
		if (!object) return {state: 'waiting', message: `${names.singular} ${name} does not exist yet`};
		const values = readJsonPath(object, path);
		const value = formatJsonPathValues(values);
		if (values.length > 0 && wanted.includes(value)) return {state: 'ok', message: `${shown}: ${value}`};
		return {state: 'waiting', message: `${shown}: ${value} (waiting for ${target})`};
	};
}

function judgeCondition(name: string, type: string, wantedStatus: string) {
	return (objects: readonly KubeObject[], names: TypeNames): Verdict => {
		const object = objects[0] as Record<string, any> | undefined;
		if (!object) return {state: 'waiting', message: `${names.singular} ${name} does not exist yet`};
		const condition = ((object.status?.conditions ?? []) as Record<string, any>[]).find(c => c?.type === type);
		if (!condition) return {state: 'waiting', message: `condition ${type}: not reported yet (waiting for ${wantedStatus})`};
		const stale = condition.observedGeneration !== undefined && Number(object.metadata?.generation ?? 0) > Number(condition.observedGeneration);
		const status = String(condition.status);
		if (status.toLowerCase() === wantedStatus.toLowerCase() && !stale) return {state: 'ok', message: `condition ${type}: ${status}`};
		const why = condition.reason ? `, reason ${condition.reason}` : '';
		return {state: 'waiting', message: `condition ${type}: ${status}${why}${stale ? ' (not yet observed for the latest generation)' : ''} (waiting for ${wantedStatus})`};
	};
}

function judgeRollout(name: string) {
	return (objects: readonly KubeObject[], names: TypeNames): Verdict => {
		const object = objects[0];
		if (!object) return {state: 'waiting', message: `${names.singular} ${name} does not exist yet`};
		return rolloutStatus(names.kind, object);
	};
}

function judgeJob(name: string) {
	return (objects: readonly KubeObject[]): Verdict => {
		const job = objects[0] as Record<string, any> | undefined;
		if (!job) return {state: 'waiting', message: `job ${name} does not exist yet`};
		const conditions = (job.status?.conditions ?? []) as Record<string, any>[];
		const holds = (type: string) => conditions.find(c => c?.type === type && String(c.status) === 'True');
		const failed = holds('Failed');
		if (failed) {
			const detail = failed.message ? ` (${String(failed.message)})` : '';
			return {state: 'fail', message: `job ${name} failed: ${failed.reason ?? 'Failed'}${detail}`};
		}
		if (holds('Complete')) return {state: 'ok', message: `job ${name} complete: ${Number(job.status?.succeeded ?? 0)} succeeded`};
		const s = job.status ?? {};
		return {state: 'waiting', message: `job ${name}: ${Number(s.active ?? 0)} active, ${Number(s.succeeded ?? 0)} succeeded, ${Number(s.failed ?? 0)} failed`};
	};
}

/** True when every container of the pod is ready and the pod is not terminating. */
export function podReady(pod: KubeObject): boolean {
	const p = pod as Record<string, any>;
	if (p.metadata?.deletionTimestamp) return false;
	const statuses = (p.status?.containerStatuses ?? []) as Record<string, any>[];
	const declared = Array.isArray(p.spec?.containers) ? p.spec.containers.length : 0;
	if (statuses.length === 0 || statuses.length < declared) return false;
	return statuses.every(s => s?.ready === true);
}

/** A count: an integer >= 0, or a string of digits (a resolved `$VAR`; the engine checks it first). */
function countOf(value: unknown): number | undefined {
	const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
	return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * `podsReady` without `count` (format 1.1): every pod matching the selector is ready, and
 * there is at least one (none matching is still waiting: the pods may not be created yet).
 */
function judgeAllPodsReady(selector: string) {
	return (objects: readonly KubeObject[]): Verdict => {
		const notReady = objects.filter(pod => !podReady(pod));
		const ready = objects.length - notReady.length;
		if (objects.length === 0) return {state: 'waiting', message: `no pods match ${selector} yet (waiting for at least one, all ready)`};
		if (notReady.length === 0) return {state: 'ok', message: `${ready} of ${objects.length} pods ready`};
		return {state: 'waiting', message: `${ready} of ${objects.length} pods ready; not ready: ${nameList(notReady)}`};
	};
}

function judgePodsReady(selector: string, wanted: number) {
	return (objects: readonly KubeObject[]): Verdict => {
		const notReady = objects.filter(pod => !podReady(pod));
		const ready = objects.length - notReady.length;
		if (objects.length === wanted && notReady.length === 0) return {state: 'ok', message: `${ready} of ${wanted} pods ready`};
		let message = `${ready} of ${wanted} pods ready`;
		if (objects.length !== wanted) message += `, ${objects.length} match ${selector} (waiting for exactly ${wanted})`;
		if (notReady.length > 0) message += `; not ready: ${nameList(notReady)}`;
		return {state: 'waiting', message};
	};
}
