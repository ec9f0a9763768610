/**
 * Reads the state of the test cluster (test/support/kube/) the way the runbook tests judge
 * it: a workload's replicas and ready pods, a postgresql cluster's instances and status, the
 * decoded credential Secrets, a Job's run, and the `restartedAt` annotation of a rollout
 * restart. Everything comes from the cluster's store (what the API server serves).
 */
import type {TestCluster} from '../support/kube/server.js';
import {typeOfKind, type KubeObject} from '../support/kube/resources.js';
import {labelSelectorObject} from '../support/kube/selectors.js';

/** The annotation `kubectl rollout restart` (and our `restart`) sets on the pod template. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

function typeOf(kind: string) {
	const type = typeOfKind(kind);
	if (!type) throw new Error(`the test cluster serves no kind ${kind}`);
	return type;
}

/** One object from the store, or undefined. */
export function getObject(cluster: TestCluster, kind: string, namespace: string, name: string): KubeObject | undefined {
	return cluster.store.get(typeOf(kind), namespace, name);
}

/** Like {@link getObject}; throws naming the object when it is missing. */
export function mustGet(cluster: TestCluster, kind: string, namespace: string, name: string): KubeObject {
	const found = getObject(cluster, kind, namespace, name);
	if (!found) throw new Error(`${kind} ${namespace}/${name} does not exist in the test cluster`);
	return found;
}

/** Pods of `namespace` whose labels match the equality selector `labels`. */
export function podsMatching(cluster: TestCluster, namespace: string, labels: Record<string, string>): KubeObject[] {
	const matches = labelSelectorObject({matchLabels: labels});
	return cluster.store.list(typeOf('Pod'), namespace).filter(matches);
}

/** A pod that is not terminating and has Ready=True. */
export function podReady(pod: KubeObject): boolean {
	return !pod.metadata.deletionTimestamp && (pod.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True');
}

/** What a workload looks like: wanted replicas, ready replicas (status), and its pods (name → ready). */
export interface WorkloadState {
	replicas: number;
	readyReplicas: number;
	pods: Record<string, boolean>;
}

/** The state of a StatefulSet or Deployment, with the pods its selector matches. */
export function workloadState(cluster: TestCluster, kind: 'StatefulSet' | 'Deployment', namespace: string, name: string): WorkloadState {
	const workload = mustGet(cluster, kind, namespace, name);
	const pods = podsMatching(cluster, namespace, workload.spec.selector.matchLabels);
	return {
		replicas: workload.spec.replicas,
		readyReplicas: workload.status?.readyReplicas ?? 0,
		pods: Object.fromEntries(pods.map(pod => [pod.metadata.name, podReady(pod)])),
	};
}

/** The state of a postgresql cluster: instances asked for, its status, and its spilo pods (name → ready). */
export function postgresqlState(cluster: TestCluster, namespace: string, name: string): {instances: number; status: string; pods: Record<string, boolean>; uid: string} {
	const pg = mustGet(cluster, 'postgresql', namespace, name);
	const pods = podsMatching(cluster, namespace, {application: 'spilo', 'cluster-name': name});
	return {
		instances: pg.spec.numberOfInstances,
		status: pg.status?.PostgresClusterStatus ?? '',
		pods: Object.fromEntries(pods.map(pod => [pod.metadata.name, podReady(pod)])),
		uid: pg.metadata.uid,
	};
}

/** A credential Secret, decoded. */
export interface Credentials {
	username: string;
	password: string;
	uid: string;
	ownerReferences: string[];
}

/** The named Secrets of `namespace`, decoded; a missing one is absent from the result. */
export function credentials(cluster: TestCluster, namespace: string, names: readonly string[]): Record<string, Credentials> {
	const out: Record<string, Credentials> = {};
	for (const name of names) {
		const secret = getObject(cluster, 'Secret', namespace, name);
		if (!secret) continue;
		const decode = (key: string): string => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');
		out[name] = {
			username: decode('username'),
			password: decode('password'),
			uid: secret.metadata.uid,
			ownerReferences: (secret.metadata.ownerReferences ?? []).map((r: KubeObject) => `${r.kind}/${r.name}/${r.uid}`),
		};
	}
	return out;
}

/** A Job's identity and outcome: uid, `Complete`/`Failed` condition (or ''), succeeded count. */
export function jobState(cluster: TestCluster, namespace: string, name: string): {uid: string; condition: string; succeeded: number} {
	const job = mustGet(cluster, 'Job', namespace, name);
	const condition = (job.status?.conditions ?? []).find((c: KubeObject) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'));
	return {uid: job.metadata.uid, condition: condition?.type ?? '', succeeded: job.status?.succeeded ?? 0};
}

/** The pod template's restartedAt annotation of a workload ('' when it was never restarted). */
export function restartedAt(cluster: TestCluster, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', namespace: string, name: string): string {
	return mustGet(cluster, kind, namespace, name).spec.template.metadata?.annotations?.[RESTARTED_AT] ?? '';
}

/** Whether every pod of a Deployment/DaemonSet is of its current template (the rollout finished), and all are ready. */
export function rolledOut(cluster: TestCluster, kind: 'Deployment' | 'DaemonSet', namespace: string, name: string): boolean {
	const workload = mustGet(cluster, kind, namespace, name);
	const pods = podsMatching(cluster, namespace, workload.spec.selector.matchLabels).filter(pod => !pod.metadata.deletionTimestamp);
	const stamp = workload.spec.template.metadata?.annotations?.[RESTARTED_AT];
	return pods.length > 0 && pods.every(pod => podReady(pod) && pod.metadata.annotations?.[RESTARTED_AT] === stamp);
}
