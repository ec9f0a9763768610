/**
 * Where an `exec` runs: the container of a pod, chosen as `kubectl exec` chooses it
 * (the pod of a workload is chosen in workload-pod.ts).
 */
import {HttpMethod} from '@kubernetes/client-node';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import {KubeApiError} from './client.js';
import type {ActionIO, PortContext} from './context.js';
import {checkNamespace, checkObjectName} from '../../security/kube-names.js';

/**
 * The container of pod `plan.pod` to exec in, or a failed result: the pod is read
 * first (missing, completed or not running is a clear error); `plan.container` must
 * be one of its containers; with none named, the `kubectl.kubernetes.io/default-container`
 * annotation or the first container is used, as `kubectl exec` does.
 */
export async function chooseContainer(ctx: PortContext, io: ActionIO, plan: {namespace: string; pod: string; container?: string}): Promise<string | KubeResult> {
	let pod: {metadata?: {annotations?: Record<string, string>}; spec?: {containers?: Array<{name: string}>}; status?: {phase?: string}};
	try {
		pod = await ctx.client.request(HttpMethod.GET, `/api/v1/namespaces/${encodeURIComponent(checkNamespace(plan.namespace))}/pods/${encodeURIComponent(checkObjectName(plan.pod))}`, {signal: io.request.signal});
	} catch (error) {
		if (error instanceof KubeApiError && error.status === 404) return {ok: false, error: `pod ${plan.pod} not found in namespace ${plan.namespace}`};
		throw error;
	}
	const phase = pod.status?.phase;
	if (phase === 'Succeeded' || phase === 'Failed') return {ok: false, error: `cannot exec into a container in a completed pod; pod ${plan.pod} is ${phase}`};
	if (phase && phase !== 'Running') return {ok: false, error: `pod ${plan.pod} is ${phase}, not Running: wait for it first (wait.podsReady)`};
	const names = (pod.spec?.containers ?? []).map(c => c.name);
	if (plan.container) {
		if (names.length > 0 && !names.includes(plan.container)) {
			return {ok: false, error: `container ${plan.container} is not in pod ${plan.pod} (containers: ${names.join(', ')})`};
		}
		return plan.container;
	}
	const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
	const chosen = annotated && names.includes(annotated) ? annotated : names[0];
	if (!chosen) return {ok: false, error: `pod ${plan.pod} has no containers`};
	if (names.length > 1) io.note(`defaulted container "${chosen}" out of: ${names.join(', ')}`);
	return chosen;
}
