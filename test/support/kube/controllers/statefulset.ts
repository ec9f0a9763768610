/**
 * StatefulSet controller (after pkg/controller/statefulset): pods `<name>-0..N-1` with the
 * template's labels plus `controller-revision-hash` and `statefulset.kubernetes.io/pod-name`.
 * - podManagementPolicy OrderedReady (default): one pod at a time — create ordinal i only
 *   when 0..i-1 are Ready; scale down deletes the highest ordinal first and waits until it
 *   is gone before the next. Parallel: all at once.
 * - RollingUpdate: when the template changes (e.g. `kubectl rollout restart` sets the
 *   `kubectl.kubernetes.io/restartedAt` annotation) pods are replaced from the highest
 *   ordinal down, one at a time, each once the others are Ready.
 * - status: observedGeneration, replicas, readyReplicas, currentReplicas, updatedReplicas,
 *   availableReplicas, currentRevision, updateRevision — what `kubectl rollout status` reads.
 */
import type {ClusterContext} from '../context.js';
import {POD} from '../context.js';
import {RESOURCE_TYPES, type KubeObject} from '../resources.js';
import {createPodFromTemplate, isAlive, isReady, podsOf, templateHash} from './pods.js';

const STS = RESOURCE_TYPES.find((t) => t.kind === 'StatefulSet')!;

function ordinalOf(stsName: string, pod: KubeObject): number {
	const m = new RegExp(`^${stsName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(pod.metadata.name);
	return m ? Number(m[1]) : -1;
}

/** One reconcile step of a StatefulSet. */
export function reconcileStatefulSet(ctx: ClusterContext, sts: KubeObject): void {
	const name: string = sts.metadata.name;
	const replicas: number = sts.spec?.replicas ?? 1;
	const parallel = sts.spec?.podManagementPolicy === 'Parallel';
	const revision = `${name}-${templateHash(sts.spec?.template)}`;
	const pods = podsOf(ctx, sts);
	const byOrdinal = new Map<number, KubeObject>();
	for (const p of pods) {
		byOrdinal.set(ordinalOf(name, p), p);
	}
	const terminating = pods.some((p) => !isAlive(p));
	// Scale down: highest ordinal first.
	const extra = pods.filter((p) => isAlive(p) && ordinalOf(name, p) >= replicas).sort((a, b) => ordinalOf(name, b) - ordinalOf(name, a));
	if (extra.length > 0 && (parallel || !terminating)) {
		for (const p of parallel ? extra : extra.slice(0, 1)) {
			ctx.deleteObject(POD, p.metadata.namespace, p.metadata.name);
		}
	} else if (extra.length === 0) {
		// Scale up: missing ordinals in order (OrderedReady waits for the previous to be Ready).
		for (let i = 0; i < replicas; i++) {
			const existing = byOrdinal.get(i);
			if (!existing) {
				createPodFromTemplate(ctx, sts, `${name}-${i}`, {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': `${name}-${i}`}, {hostname: `${name}-${i}`});
				if (!parallel) {
					break;
				}
			} else if (!parallel && !isReady(existing)) {
				break;
			}
		}
		// Rolling update: replace the highest outdated pod when everything else is Ready.
		const allReady = [...Array(replicas).keys()].every((i) => byOrdinal.get(i) && isReady(byOrdinal.get(i)!));
		if (allReady && !terminating && sts.spec?.updateStrategy?.type !== 'OnDelete') {
			const outdated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== revision).sort((a, b) => ordinalOf(name, b) - ordinalOf(name, a));
			if (outdated[0]) {
				ctx.deleteObject(POD, outdated[0].metadata.namespace, outdated[0].metadata.name);
			}
		}
	}
	writeStatus(ctx, sts, revision);
}

function writeStatus(ctx: ClusterContext, sts: KubeObject, revision: string): void {
	const pods = podsOf(ctx, sts);
	const alive = pods.filter(isAlive);
	const updated = alive.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision);
	const ready = alive.filter(isReady);
	const replicas: number = sts.spec?.replicas ?? 1;
	const complete = updated.length === alive.length && alive.length === replicas;
	const previous = sts.status?.currentRevision;
	const currentRevision = complete || !previous ? revision : previous;
	sts.status = {
		observedGeneration: sts.metadata.generation,
		replicas: alive.length,
		readyReplicas: ready.length,
		currentReplicas: alive.filter((p) => p.metadata.labels?.['controller-revision-hash'] === currentRevision).length,
		updatedReplicas: updated.length,
		availableReplicas: ready.length,
		currentRevision,
		updateRevision: revision,
		collisionCount: 0,
	};
	if (ready.length === 0) {
		delete sts.status.readyReplicas;
	}
	ctx.store.update(STS, sts);
}
