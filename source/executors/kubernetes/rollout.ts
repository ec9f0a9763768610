/**
 * Whether a rollout is complete, judged as `kubectl rollout status` judges it:
 * the StatusViewer of each kind in kubectl's
 * `staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go`
 * (kubernetes/kubernetes), with its messages shortened to one line.
 */
import type {KubeObject} from './watch.js';

/** A verdict on a rollout: `ok` (complete), `waiting`, or `fail` (it cannot complete as asked). */
export interface RolloutVerdict {
	state: 'ok' | 'waiting' | 'fail';
	message: string;
}

type Loose = Record<string, any>;

/**
 * Judges `object` of `kind` (`Deployment`, `StatefulSet`, `DaemonSet`):
 * - Deployment: `metadata.generation <= status.observedGeneration`; a
 *   Progressing condition with reason ProgressDeadlineExceeded fails; then
 *   `updatedReplicas >= spec.replicas`, `status.replicas <= updatedReplicas`
 *   (no old replicas left), `availableReplicas >= updatedReplicas`.
 * - StatefulSet (RollingUpdate only; OnDelete fails as in kubectl): observed
 *   generation caught up (and not 0); `readyReplicas >= spec.replicas`; with a
 *   partition (the API server defaults it to 0), `updatedReplicas >=
 *   spec.replicas - partition`; without one, `updateRevision == currentRevision`.
 * - DaemonSet (RollingUpdate only): observed generation caught up;
 *   `updatedNumberScheduled >= desiredNumberScheduled` and
 *   `numberAvailable >= desiredNumberScheduled`.
 * `spec.replicas` defaults to 1 and `updateStrategy.type` to RollingUpdate, as
 * the API server defaults them.
 */
export function rolloutStatus(kind: string, object: KubeObject): RolloutVerdict {
	const o = object as Loose;
	const generation = Number(o.metadata?.generation ?? 0);
	const status: Loose = o.status ?? {};
	const observed = Number(status.observedGeneration ?? 0);
	const n = (value: unknown): number => Number(value ?? 0);
	const waiting = (message: string): RolloutVerdict => ({state: 'waiting', message: `rollout: ${message}`});
	switch (kind) {
		case 'Deployment': {
			if (generation > observed) return waiting('waiting for the spec update to be observed');
			const progressing = (status.conditions ?? []).find((c: Loose) => c?.type === 'Progressing');
			if (progressing?.reason === 'ProgressDeadlineExceeded') {
				return {state: 'fail', message: `deployment ${o.metadata?.name} exceeded its progress deadline`};
			}
			const replicas = o.spec?.replicas ?? 1;
			const updated = n(status.updatedReplicas);
			if (updated < replicas) return waiting(`${updated} of ${replicas} updated`);
			if (n(status.replicas) > updated) return waiting(`${n(status.replicas) - updated} old replicas pending termination`);
			if (n(status.availableReplicas) < updated) return waiting(`${n(status.availableReplicas)} of ${updated} updated replicas available`);
			return {state: 'ok', message: `rollout complete: ${updated} of ${replicas} updated`};
		}
		case 'StatefulSet': {
			const strategy = o.spec?.updateStrategy?.type ?? 'RollingUpdate';
			if (strategy !== 'RollingUpdate') return {state: 'fail', message: `rollout status is only available for the RollingUpdate strategy (statefulset ${o.metadata?.name} uses ${strategy})`};
			if (observed === 0 || generation > observed) return waiting('waiting for the spec update to be observed');
			const replicas = o.spec?.replicas ?? 1;
			const ready = n(status.readyReplicas);
			if (ready < replicas) return waiting(`${ready} of ${replicas} ready`);
			const partition = o.spec?.updateStrategy?.rollingUpdate?.partition;
			const updated = n(status.updatedReplicas);
			if (partition !== undefined && partition !== null) {
				// The API server defaults partition to 0, so this is the usual case; kubectl then does not compare revisions.
				const of = partition > 0 ? ` (partition ${partition})` : '';
				if (updated < replicas - partition) return waiting(`${updated} of ${replicas - partition} updated${of}`);
				return {state: 'ok', message: `rollout complete: ${updated} of ${replicas - partition} updated${of}`};
			}
			if (status.updateRevision !== status.currentRevision) return waiting(`${updated} of ${replicas} updated to revision ${status.updateRevision}`);
			return {state: 'ok', message: `rollout complete: ${replicas} of ${replicas} at revision ${status.currentRevision ?? '?'}`};
		}
		case 'DaemonSet': {
			const strategy = o.spec?.updateStrategy?.type ?? 'RollingUpdate';
			if (strategy !== 'RollingUpdate') return {state: 'fail', message: `rollout status is only available for the RollingUpdate strategy (daemonset ${o.metadata?.name} uses ${strategy})`};
			if (generation > observed) return waiting('waiting for the spec update to be observed');
			const desired = n(status.desiredNumberScheduled);
			const updated = n(status.updatedNumberScheduled);
			if (updated < desired) return waiting(`${updated} of ${desired} updated`);
			const available = n(status.numberAvailable);
			if (available < desired) return waiting(`${available} of ${desired} updated pods available`);
			return {state: 'ok', message: `rollout complete: ${updated} of ${desired} updated`};
		}
		default:
			return {state: 'fail', message: `rollout status is only available for Deployment, StatefulSet and DaemonSet, not ${kind}`};
	}
}
