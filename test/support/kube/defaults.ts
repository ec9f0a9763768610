/**
 * The API server's defaulting of the workload kinds served (pkg/apis/apps/v1/defaults.go,
 * pkg/apis/batch/v1/defaults.go), as far as kubectl reads it: `kubectl rollout status`
 * refuses a StatefulSet or DaemonSet whose `updateStrategy.type` is not RollingUpdate;
 * a Secret without a type is Opaque.
 * Applied to every object when it is first stored.
 */
import type {KubeObject} from './resources.js';

/** Fills defaults into `obj` (in place) for its kind. */
export function applyDefaults(kind: string, obj: KubeObject): void {
	if (kind === 'Secret' && !obj.type) {
		obj.type = 'Opaque';
	}
	const spec = obj.spec;
	if (!spec || typeof spec !== 'object') {
		return;
	}
	switch (kind) {
		case 'StatefulSet':
			spec.replicas ??= 1;
			spec.podManagementPolicy ??= 'OrderedReady';
			spec.updateStrategy ??= {type: 'RollingUpdate', rollingUpdate: {partition: 0}};
			spec.revisionHistoryLimit ??= 10;
			break;
		case 'Deployment':
			spec.replicas ??= 1;
			spec.strategy ??= {type: 'RollingUpdate', rollingUpdate: {maxSurge: '25%', maxUnavailable: '25%'}};
			spec.revisionHistoryLimit ??= 10;
			spec.progressDeadlineSeconds ??= 600;
			break;
		case 'DaemonSet':
			spec.updateStrategy ??= {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}};
			spec.revisionHistoryLimit ??= 10;
			break;
		case 'Job':
			spec.backoffLimit ??= 6;
			spec.completions ??= 1;
			spec.parallelism ??= 1;
			break;
		default:
			break;
	}
}
