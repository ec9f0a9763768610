/**
 * Deployment controller (simplified from pkg/controller/deployment: no ReplicaSet objects;
 * pods are owned by the Deployment). Pods are named `<name>-<pod-template-hash>-<5 chars>`
 * and labelled `pod-template-hash`.
 * - scale: create missing pods, delete extra ones (newest first);
 * - rolling update (template change, e.g. `kubectl rollout restart`): one surge pod of the
 *   new template at a time; each time a new pod is Ready one old pod is deleted;
 * - status as `kubectl rollout status` reads it (observedGeneration, replicas,
 *   updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas) and conditions
 *   Available and Progressing (reason NewReplicaSetAvailable when done).
 */
import type {ClusterContext} from '../context.js';
import {POD} from '../context.js';
import {RESOURCE_TYPES, type KubeObject} from '../resources.js';
import {randomSuffix} from '../store.js';
import {createPodFromTemplate, isAlive, isReady, podsOf, templateHash} from './pods.js';

const DEPLOYMENT = RESOURCE_TYPES.find((t) => t.kind === 'Deployment')!;

/** One reconcile step of a Deployment. */
export function reconcileDeployment(ctx: ClusterContext, deploy: KubeObject): void {
	const name: string = deploy.metadata.name;
	const replicas: number = deploy.spec?.replicas ?? 1;
	const hash = templateHash(deploy.spec?.template);
	const alive = podsOf(ctx, deploy).filter(isAlive);
	const current = alive.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
	const old = alive.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash);
	const newest = (a: KubeObject, b: KubeObject): number => Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion);
	const create = (): void => {
		createPodFromTemplate(ctx, deploy, `${name}-${hash}-${randomSuffix(5)}`, {'pod-template-hash': hash});
	};
	if (deploy.spec?.paused) {
		// nothing to do while paused
	} else if (old.length === 0) {
		for (let i = current.length; i < replicas; i++) {
			create();
		}
		for (const p of current.sort(newest).slice(0, Math.max(0, current.length - replicas))) {
			ctx.deleteObject(POD, p.metadata.namespace, p.metadata.name);
		}
	} else if (deploy.spec?.strategy?.type === 'Recreate' || replicas === 0) {
		for (const p of old) {
			ctx.deleteObject(POD, p.metadata.namespace, p.metadata.name);
		}
	} else {
		const readyNew = current.filter(isReady).length;
		const unreadyNew = current.length - readyNew;
		// Old pods to remove so that alive ≤ replicas + 1 (surge 1) with every new pod counted.
		const removable = Math.min(old.length, Math.max(0, readyNew + old.length - replicas));
		for (const p of old.sort(newest).slice(0, removable)) {
			ctx.deleteObject(POD, p.metadata.namespace, p.metadata.name);
		}
		if (unreadyNew === 0 && current.length < replicas) {
			create();
		}
	}
	writeStatus(ctx, deploy, hash);
}

function condition(previous: KubeObject[] | undefined, type: string, status: string, reason: string, message: string): KubeObject {
	const before = (previous ?? []).find((c) => c.type === type);
	const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
	const same = before && before.status === status && before.reason === reason;
	return {type, status, reason, message, lastUpdateTime: same ? before.lastUpdateTime : now, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now};
}

function writeStatus(ctx: ClusterContext, deploy: KubeObject, hash: string): void {
	const alive = podsOf(ctx, deploy).filter(isAlive);
	const updated = alive.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
	const ready = alive.filter(isReady);
	const replicas: number = deploy.spec?.replicas ?? 1;
	const done = updated.length === replicas && alive.length === replicas && ready.length === replicas;
	const conditions = deploy.status?.conditions;
	deploy.status = {
		observedGeneration: deploy.metadata.generation,
		replicas: alive.length,
		updatedReplicas: updated.length,
		readyReplicas: ready.length,
		availableReplicas: ready.length,
		unavailableReplicas: Math.max(0, replicas - ready.length),
		conditions: [
			condition(conditions, 'Available', ready.length >= replicas - Math.floor(replicas / 4) ? 'True' : 'False',
				ready.length >= replicas - Math.floor(replicas / 4) ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
				'Deployment has minimum availability.'),
			condition(conditions, 'Progressing', 'True', done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
				done ? `ReplicaSet "${deploy.metadata.name}-${hash}" has successfully progressed.` : `ReplicaSet "${deploy.metadata.name}-${hash}" is progressing.`),
		],
	};
	for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) {
		if (deploy.status[k] === 0) {
			delete deploy.status[k];
		}
	}
	ctx.store.update(DEPLOYMENT, deploy);
}
