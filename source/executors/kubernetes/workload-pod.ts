/**
 * `exec.pod: statefulset/NAME` or `deployment/NAME` (format 1.1): the pod of a workload that
 * `kubectl exec statefulset/NAME` would use. Copied from kubectl
 * (`pkg/polymorphichelpers/attachablepodforobject.go` and `helpers.go` GetFirstPod,
 * `pkg/util/podutils` ActivePods, k8s.io/kubectl v0.37): the pods matching the workload's
 * `spec.selector` (matchLabels and matchExpressions, as `metav1.LabelSelectorAsSelector`),
 * sorted by `sort.Reverse(ActivePods)`, and the first one taken. So a ready pod wins over a
 * pod not ready, a running pod over a pending one, a pod on a node over an unscheduled one,
 * the longest ready over the newly ready, fewer restarts over more, the oldest over newer.
 * Unlike kubectl, when no pod matches this fails at once instead of watching up to
 * `--pod-running-timeout` for one to appear: a runbook waits for its pods first
 * (`wait.podsReady`), with its own timeout.
 */
import {HttpMethod} from '@kubernetes/client-node';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import {KubeApiError} from './client.js';
import type {ActionIO, PortContext} from './context.js';
import {resourcePath} from './discovery.js';
import {WORKLOAD_PREFIXES} from '../../runbook/schema.js';

/** The parts of a pod the ordering reads. */
export interface PodFacts {
	metadata?: {name?: string; creationTimestamp?: string; deletionTimestamp?: string};
	spec?: {nodeName?: string; initContainers?: Array<{name: string; restartPolicy?: string}>};
	status?: {
		phase?: string;
		conditions?: Array<{type?: string; status?: string; lastTransitionTime?: string}>;
		containerStatuses?: Array<{restartCount?: number}>;
		initContainerStatuses?: Array<{name?: string; restartCount?: number}>;
	};
}

/** A label selector as the API gives it (`spec.selector` of a workload). */
export interface LabelSelector {
	matchLabels?: Record<string, string>;
	matchExpressions?: Array<{key: string; operator: string; values?: string[]}>;
}

/**
 * `spec.selector` as a label selector string (`metav1.LabelSelectorAsSelector`): matchLabels
 * as `key=value`, matchExpressions as `key in (a,b)`, `key notin (a,b)`, `key`, `!key`.
 * @throws Error for an operator that is not In, NotIn, Exists or DoesNotExist.
 * @returns undefined for an empty selector (it would match every pod of the namespace).
 */
export function selectorString(selector: LabelSelector | undefined): string | undefined {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push(`${key}=${value}`);
	for (const expr of selector?.matchExpressions ?? []) {
		const values = [...(expr.values ?? [])].sort().join(',');
		if (expr.operator === 'In') parts.push(`${expr.key} in (${values})`);
		else if (expr.operator === 'NotIn') parts.push(`${expr.key} notin (${values})`);
		else if (expr.operator === 'Exists') parts.push(expr.key);
		else if (expr.operator === 'DoesNotExist') parts.push(`!${expr.key}`);
		else throw new Error(`"${expr.operator}" is not a valid label selector operator`);
	}
	return parts.length === 0 ? undefined : parts.join(',');
}

const PHASE_RANK: Record<string, number> = {Pending: 0, Unknown: 1, Running: 2};

function isReady(pod: PodFacts): boolean {
	return (pod.status?.conditions ?? []).some(c => c.type === 'Ready' && c.status === 'True');
}

function readyTime(pod: PodFacts): number {
	const ready = (pod.status?.conditions ?? []).find(c => c.type === 'Ready' && c.status === 'True');
	return ready?.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
}

/** `afterOrZero`: t1 after t2, a zero (absent) time counting as after any other. */
function afterOrZero(t1: number, t2: number): boolean {
	if (t1 === 0 || t2 === 0) return t1 === 0;
	return t1 > t2;
}

function restarts(pod: PodFacts): [number, number] {
	const regular = Math.max(0, ...(pod.status?.containerStatuses ?? []).map(c => c.restartCount ?? 0));
	const sidecars = new Set((pod.spec?.initContainers ?? []).filter(c => c.restartPolicy === 'Always').map(c => c.name));
	const sidecar = Math.max(0, ...(pod.status?.initContainerStatuses ?? []).filter(c => sidecars.has(c.name ?? '')).map(c => c.restartCount ?? 0));
	return [regular, sidecar];
}

/** kubectl's `ActivePods.Less(i, j)`: true when `a` is "less active" than `b` (podutils.go, in its order of rules). */
export function lessActive(a: PodFacts, b: PodFacts): boolean {
	const nodeA = a.spec?.nodeName ?? '';
	const nodeB = b.spec?.nodeName ?? '';
	if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '';
	const phaseA = PHASE_RANK[a.status?.phase ?? ''] ?? 0;
	const phaseB = PHASE_RANK[b.status?.phase ?? ''] ?? 0;
	if (phaseA !== phaseB) return phaseA < phaseB;
	if (isReady(a) !== isReady(b)) return !isReady(a);
	const deletingA = Boolean(a.metadata?.deletionTimestamp);
	const deletingB = Boolean(b.metadata?.deletionTimestamp);
	if (deletingA !== deletingB) return deletingA;
	if (deletingA && deletingB) {
		const delA = Date.parse(a.metadata!.deletionTimestamp!);
		const delB = Date.parse(b.metadata!.deletionTimestamp!);
		if (delA !== delB) return delA < delB;
	}
	if (isReady(a) && isReady(b) && readyTime(a) !== readyTime(b)) return afterOrZero(readyTime(a), readyTime(b));
	const [regularA, sidecarA] = restarts(a);
	const [regularB, sidecarB] = restarts(b);
	if (regularA !== regularB) return regularA > regularB;
	if (sidecarA !== sidecarB) return sidecarA > sidecarB;
	const createdA = a.metadata?.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : 0;
	const createdB = b.metadata?.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : 0;
	if (createdA !== createdB) return afterOrZero(createdA, createdB);
	return false;
}

/** The pods in the order kubectl tries them (`sort.Reverse(ActivePods)`): the most active first; ties keep their order. */
export function byActivity<T extends PodFacts>(pods: readonly T[]): T[] {
	return [...pods].sort((a, b) => (lessActive(b, a) ? -1 : lessActive(a, b) ? 1 : 0));
}

/**
 * The pod of `ref` (`statefulset/NAME`, `sts/NAME`, `deployment/NAME`, `deploy/NAME`) that
 * kubectl would exec into (see the file comment); the choice is logged and shown as progress.
 * @returns the pod's name, or a failed result saying why there is none.
 */
export async function podForWorkload(ctx: PortContext, io: ActionIO, namespace: string, ref: string): Promise<string | KubeResult> {
	const slash = ref.indexOf('/');
	const prefix = ref.slice(0, slash).toLowerCase();
	const name = ref.slice(slash + 1);
	if (!WORKLOAD_PREFIXES.includes(prefix) || name === '') return {ok: false, error: `exec.pod ${ref}: expected a pod name, statefulset/NAME or deployment/NAME`};
	const kind = prefix.startsWith('s') ? 'StatefulSet' : 'Deployment';
	const info = await ctx.discovery.resolve(kind, 'apps/v1', io.request.signal);
	let workload: {spec?: {selector?: LabelSelector}};
	try {
		workload = await ctx.client.request(HttpMethod.GET, resourcePath(info, namespace, name), {signal: io.request.signal});
	} catch (error) {
		if (error instanceof KubeApiError && error.status === 404) return {ok: false, error: `${kind.toLowerCase()} ${name} not found in namespace ${namespace}`};
		throw error;
	}
	let selector: string | undefined;
	try {
		selector = selectorString(workload.spec?.selector);
	} catch (error) {
		return {ok: false, error: `${kind.toLowerCase()} ${name} has an invalid label selector: ${(error as Error).message}`};
	}
	if (!selector) return {ok: false, error: `${kind.toLowerCase()} ${name} has an empty selector: it names no pods to exec into`};
	const list = await ctx.client.request<{items?: PodFacts[]}>(HttpMethod.GET, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
		query: {labelSelector: selector},
		signal: io.request.signal,
	});
	const pods = byActivity(list?.items ?? []);
	const first = pods[0]?.metadata?.name;
	if (!first) return {ok: false, error: `no pods of ${kind.toLowerCase()} ${name} (selector ${selector}) in namespace ${namespace}: wait for them first (wait.podsReady)`};
	const readiness = isReady(pods[0]!) ? 'ready' : 'not ready';
	const message = `${kind.toLowerCase()}/${name}: pod ${first} (${readiness}; ${pods.length} ${pods.length === 1 ? 'pod matches' : 'pods match'} ${selector})`;
	io.note(message);
	io.progress(message);
	return first;
}
