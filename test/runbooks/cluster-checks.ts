/**
 * Reads the state of the real test cluster (test/support/kube/real-cluster.ts) the way the
 * runbook tests judge it: a workload's replicas and ready pods, a postgresql cluster's
 * instances and status, the decoded credential Secrets, a Job's run, and the `restartedAt`
 * annotation of a rollout restart. Everything comes from the API server, as admin.
 */
import type {KubeObject} from '../support/kube/fixture-kit.js';
import {collectionPath, type RealCluster} from '../support/kube/real-cluster.js';

/** The annotation `kubectl rollout restart` (and our `restart`) sets on the pod template. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** The cluster as the checks read it. */
export type Cluster = Pick<RealCluster, 'api' | 'get'>;

const API_VERSIONS: Record<string, string> = {
	Pod: 'v1',
	Secret: 'v1',
	StatefulSet: 'apps/v1',
	Deployment: 'apps/v1',
	DaemonSet: 'apps/v1',
	Job: 'batch/v1',
	postgresql: 'acid.zalan.do/v1',
};

function pathOf(kind: string, namespace: string): string {
	const apiVersion = API_VERSIONS[kind];
	if (!apiVersion) throw new Error(`cluster-checks: no apiVersion known for kind ${kind}`);
	return collectionPath(apiVersion, kind, namespace);
}

/** One object from the API server, or undefined. */
export function getObject(cluster: Cluster, kind: string, namespace: string, name: string): Promise<KubeObject | undefined> {
	return cluster.get(`${pathOf(kind, namespace)}/${encodeURIComponent(name)}`);
}

/** Like {@link getObject}; throws naming the object when it is missing. */
export async function mustGet(cluster: Cluster, kind: string, namespace: string, name: string): Promise<KubeObject> {
	const found = await getObject(cluster, kind, namespace, name);
	if (!found) throw new Error(`${kind} ${namespace}/${name} does not exist in the test cluster`);
	return found;
}

/** Pods of `namespace` whose labels match the equality selector `labels`. */
export async function podsMatching(cluster: Cluster, namespace: string, labels: Record<string, string>): Promise<KubeObject[]> {
	const selector = Object.entries(labels)
		.map(([k, v]) => `${k}=${v}`)
		.join(',');
	const answer = await cluster.api('GET', `${pathOf('Pod', namespace)}?labelSelector=${encodeURIComponent(selector)}`);
	if (answer.status !== 200) throw new Error(`listing pods ${selector} in ${namespace}: HTTP ${answer.status}`);
	return answer.body.items;
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
export async function workloadState(cluster: Cluster, kind: 'StatefulSet' | 'Deployment', namespace: string, name: string): Promise<WorkloadState> {
	const workload = await mustGet(cluster, kind, namespace, name);
	const pods = await podsMatching(cluster, namespace, workload.spec.selector.matchLabels);
	return {
		replicas: workload.spec.replicas,
		readyReplicas: workload.status?.readyReplicas ?? 0,
		pods: Object.fromEntries(pods.map(pod => [pod.metadata.name, podReady(pod)])),
	};
}

/** The state of a postgresql cluster: instances asked for, its status, and its spilo pods (name → ready). */
export async function postgresqlState(cluster: Cluster, namespace: string, name: string): Promise<{instances: number; status: string; pods: Record<string, boolean>; uid: string}> {
	const pg = await mustGet(cluster, 'postgresql', namespace, name);
	const pods = await podsMatching(cluster, namespace, {application: 'spilo', 'cluster-name': name});
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
export async function credentials(cluster: Cluster, namespace: string, names: readonly string[]): Promise<Record<string, Credentials>> {
	const out: Record<string, Credentials> = {};
	for (const name of names) {
		const secret = await getObject(cluster, 'Secret', namespace, name);
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
export async function jobState(cluster: Cluster, namespace: string, name: string): Promise<{uid: string; condition: string; succeeded: number}> {
	const job = await mustGet(cluster, 'Job', namespace, name);
	const condition = (job.status?.conditions ?? []).find((c: KubeObject) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'));
	return {uid: job.metadata.uid, condition: condition?.type ?? '', succeeded: job.status?.succeeded ?? 0};
}

/** The pod template's restartedAt annotation of a workload ('' when it was never restarted). */
export async function restartedAt(cluster: Cluster, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet', namespace: string, name: string): Promise<string> {
	return (await mustGet(cluster, kind, namespace, name)).spec.template.metadata?.annotations?.[RESTARTED_AT] ?? '';
}

/** Whether every pod of a Deployment/DaemonSet is of its current template (the rollout finished), and all are ready. */
export async function rolledOut(cluster: Cluster, kind: 'Deployment' | 'DaemonSet', namespace: string, name: string): Promise<boolean> {
	const workload = await mustGet(cluster, kind, namespace, name);
	const pods = (await podsMatching(cluster, namespace, workload.spec.selector.matchLabels)).filter(pod => !pod.metadata.deletionTimestamp);
	const stamp = workload.spec.template.metadata?.annotations?.[RESTARTED_AT];
	return pods.length > 0 && pods.every(pod => podReady(pod) && pod.metadata.annotations?.[RESTARTED_AT] === stamp);
}
