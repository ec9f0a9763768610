/**
 * DaemonSet controller (after pkg/controller/daemon): one pod `<name>-<5 chars>` per
 * simulated node (ClusterOptions.nodes), labelled `controller-revision-hash`, with
 * `spec.nodeName`. RollingUpdate with maxUnavailable 1: an outdated pod is deleted, and
 * its node gets a new pod once it is gone; the next node goes when every pod is Ready.
 * Status: desiredNumberScheduled, currentNumberScheduled, numberReady,
 * updatedNumberScheduled, numberAvailable, numberUnavailable, observedGeneration (what
 * `kubectl rollout status daemonset` reads).
 */
import type {ClusterContext} from '../context.js';
import {POD} from '../context.js';
import {RESOURCE_TYPES, type KubeObject} from '../resources.js';
import {randomSuffix} from '../store.js';
import {createPodFromTemplate, isAlive, isReady, podsOf, templateHash} from './pods.js';

const DAEMONSET = RESOURCE_TYPES.find((t) => t.kind === 'DaemonSet')!;

/** One reconcile step of a DaemonSet. */
export function reconcileDaemonSet(ctx: ClusterContext, ds: KubeObject): void {
	const name: string = ds.metadata.name;
	const hash = templateHash(ds.spec?.template);
	const pods = podsOf(ctx, ds);
	const nodes = ctx.options.nodes;
	for (const node of nodes) {
		if (!pods.some((p) => p.spec?.nodeName === node)) {
			createPodFromTemplate(ctx, ds, `${name}-${randomSuffix(5)}`, {'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation)}, {nodeName: node});
		}
	}
	const alive = pods.filter(isAlive);
	const busy = pods.some((p) => !isAlive(p)) || alive.some((p) => !isReady(p)) || alive.length < nodes.length;
	if (!busy && ds.spec?.updateStrategy?.type !== 'OnDelete') {
		const outdated = alive.find((p) => p.metadata.labels?.['controller-revision-hash'] !== hash);
		if (outdated) {
			ctx.deleteObject(POD, outdated.metadata.namespace, outdated.metadata.name);
		}
	}
	const now = podsOf(ctx, ds).filter(isAlive);
	const ready = now.filter(isReady).length;
	ds.status = {
		currentNumberScheduled: now.length,
		desiredNumberScheduled: nodes.length,
		numberMisscheduled: 0,
		numberReady: ready,
		numberAvailable: ready,
		numberUnavailable: nodes.length - ready,
		updatedNumberScheduled: now.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
		observedGeneration: ds.metadata.generation,
	};
	ctx.store.update(DAEMONSET, ds);
}
