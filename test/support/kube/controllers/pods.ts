/**
 * Pod helpers shared by the controllers: creating a pod from a workload's template (labels,
 * annotations, ownerReferences as the real controllers set them), readiness, revision
 * hashes, and the "kubelet": a Pending pod becomes Running and Ready after podReadyDelayMs.
 * A pod annotated `test.runbook/never-ready: "true"` runs but never becomes Ready (for
 * timeout tests).
 */
import type {ClusterContext} from '../context.js';
import {POD} from '../context.js';
import type {KubeObject} from '../resources.js';

const NOW = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** FNV-1a of `text`, as 10 base-36 characters (stands for Kubernetes' template hashes). */
export function templateHash(value: unknown): string {
	let h = 0x811c9dc5;
	const text = JSON.stringify(value ?? {});
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193) >>> 0;
	}
	return h.toString(36).padStart(7, '0').slice(0, 10);
}

/** True for a pod that is not terminating and has condition Ready=True. */
export function isReady(pod: KubeObject): boolean {
	return !pod.metadata.deletionTimestamp
		&& (pod.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True');
}

/** True for a pod that is not terminating. */
export function isAlive(pod: KubeObject): boolean {
	return !pod.metadata.deletionTimestamp;
}

/** Pods (including terminating ones) that name `owner` in their ownerReferences. */
export function podsOf(ctx: ClusterContext, owner: KubeObject): KubeObject[] {
	return ctx.store.list(POD, owner.metadata.namespace)
		.filter((p) => (p.metadata.ownerReferences ?? []).some((r: KubeObject) => r.uid === owner.metadata.uid));
}

/** An ownerReference to `owner` (controller: true). */
export function ownerRef(owner: KubeObject): KubeObject {
	return {apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true};
}

/**
 * Creates a pod `name` from `owner.spec.template` with extra labels and spec fields; returns
 * it. Pending (the kubelet starts it), or already Running and Ready with `running` (fixtures).
 */
export function createPodFromTemplate(ctx: ClusterContext, owner: KubeObject, name: string, extraLabels: Record<string, string>, spec: KubeObject = {}, running = false): KubeObject {
	const template = owner.spec?.template ?? {};
	const containers = template.spec?.containers ?? [{name: 'main', image: 'busybox'}];
	const pod: KubeObject = {
		metadata: {
			name,
			namespace: owner.metadata.namespace,
			labels: {...template.metadata?.labels, ...extraLabels},
			...(template.metadata?.annotations ? {annotations: template.metadata.annotations} : {}),
			ownerReferences: [ownerRef(owner)],
		},
		spec: {...template.spec, containers, nodeName: ctx.options.nodes[0], ...spec},
		status: {phase: 'Pending'},
	};
	if (running) {
		pod.status = runningStatus(pod);
	}
	return ctx.store.create(POD, pod);
}

/** The status of a started pod: Running, Ready (unless annotated never-ready), every container running. */
export function runningStatus(pod: KubeObject): KubeObject {
	const ready = pod.metadata.annotations?.['test.runbook/never-ready'] !== 'true';
	const now = NOW();
	return {
		phase: 'Running',
		conditions: [
			{type: 'Initialized', status: 'True', lastTransitionTime: now},
			{type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now},
			{type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now},
			{type: 'PodScheduled', status: 'True', lastTransitionTime: now},
		],
		hostIP: '10.0.0.1',
		podIP: `10.32.0.${1 + Math.floor(Math.random() * 250)}`,
		startTime: now,
		containerStatuses: (pod.spec?.containers ?? []).map((c: KubeObject) => ({
			name: c.name, image: c.image ?? '', ready, restartCount: 0, started: true, state: {running: {startedAt: now}},
		})),
	};
}

/** The kubelet: makes a Pending pod Running and Ready (all containers) after podReadyDelayMs. */
export function startPod(ctx: ClusterContext, pod: KubeObject): void {
	const {namespace, name, uid} = pod.metadata;
	ctx.later(ctx.options.podReadyDelayMs, () => {
		const current = ctx.store.get(POD, namespace, name);
		if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp || current.status?.phase !== 'Pending') {
			return;
		}
		current.status = runningStatus(current);
		ctx.store.update(POD, current);
	});
}

/** Ends a running pod with phase Succeeded or Failed (for Jobs). */
export function finishPod(ctx: ClusterContext, pod: KubeObject, phase: 'Succeeded' | 'Failed'): void {
	const current = ctx.store.get(POD, pod.metadata.namespace, pod.metadata.name);
	if (!current || current.metadata.uid !== pod.metadata.uid) {
		return;
	}
	const now = NOW();
	current.status = {
		...current.status,
		phase,
		conditions: [{type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now}],
		containerStatuses: (current.spec?.containers ?? []).map((c: KubeObject) => ({
			name: c.name, image: c.image ?? '', ready: false, restartCount: 0, started: false,
			state: {terminated: {exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error', finishedAt: now}},
		})),
	};
	ctx.store.update(POD, current);
}
