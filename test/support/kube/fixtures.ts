/**
 * The objects of the Cray CSM document "Restore Postgres" (seed 003,
 * /work/shared/seeds/003_40e2ce60c46a5d7d.txt), with the exact names it uses:
 * - Spire (namespace `spire`): StatefulSet `spire-server` (3 replicas, label
 *   `app.kubernetes.io/name=spire-server`), postgresql `spire-postgres` (3 instances; its four
 *   secrets `postgres`, `service-account`, `spire`, `standby` `.spire-postgres.credentials`),
 *   DaemonSet `spire-agent` and Deployment `spire-jwks` (restarted at the end).
 * - Keycloak (namespace `services`): StatefulSet `cray-keycloak` (3 replicas, label
 *   `app.kubernetes.io/instance=cray-keycloak`, two containers: READY 2/2 in the document),
 *   postgresql `keycloak-postgres` (3 instances; secrets `postgres`, `service-account`,
 *   `standby`), Jobs `keycloak-setup-2` (label `app.kubernetes.io/instance=cray-keycloak`)
 *   and `keycloak-users-localize-2` (label
 *   `app.kubernetes.io/instance=cray-keycloak-users-localize`), both completed, and the
 *   Deployments `cray-oauth2-proxies-customer-access-ingress`,
 *   `cray-oauth2-proxies-customer-high-speed-ingress`,
 *   `cray-oauth2-proxies-customer-management-ingress`.
 * - VCS (namespace `services`): Deployment `gitea-vcs` (1 replica, label
 *   `app.kubernetes.io/name=vcs`), postgresql `gitea-vcs-postgres` (3 instances; secrets
 *   `postgres`, `service-account`, `standby`).
 * The Jobs' pods carry only `app.kubernetes.io/name`: the document's example output of
 * `kubectl get pods -l app.kubernetes.io/instance=cray-keycloak` lists the three Keycloak pods
 * alone, while a completed Job keeps its pod (Succeeded) on a real cluster.
 * Job names: the document's example output shows `keycloak-setup-2` and
 * `keycloak-users-localize-2` after `kubectl replace --force`, which keeps the name, so the
 * jobs were called that before too.
 *
 * {@link seedCsmFixtures} creates them in a real cluster (real-cluster.ts) through the API
 * server, with the postgres-operator stand-in running, and waits until the real controllers
 * and the test kubelet have rolled every one out.
 */
import {daemonSet, deployment, job, postgresql, statefulSet, type KubeObject} from './fixture-kit.js';
import type {RealCluster} from './real-cluster.js';
import {waitFor} from '../wait.js';

/** The Spire part of the document. */
export function spireObjects(): KubeObject[] {
	return [
		statefulSet('spire', 'spire-server', 3, {'app.kubernetes.io/name': 'spire-server', 'app.kubernetes.io/instance': 'spire'}),
		postgresql('spire', 'spire-postgres', 3, {spire: ['superuser', 'createdb'], service_account: ['superuser', 'createdb']}, 'spire'),
		daemonSet('spire', 'spire-agent', {'app.kubernetes.io/name': 'spire-agent', 'app.kubernetes.io/instance': 'spire'}),
		deployment('spire', 'spire-jwks', 1, {'app.kubernetes.io/name': 'spire-jwks', 'app.kubernetes.io/instance': 'spire'}),
	];
}

/** `workload` with its pod template labelled `labels` (instead of the workload's own labels). */
function podsLabelled(workload: KubeObject, labels: Record<string, string>): KubeObject {
	workload.spec.template.metadata.labels = labels;
	return workload;
}

/** The Keycloak part of the document. */
export function keycloakObjects(): KubeObject[] {
	const proxies = ['customer-access-ingress', 'customer-high-speed-ingress', 'customer-management-ingress'];
	return [
		statefulSet('services', 'cray-keycloak', 3, {'app.kubernetes.io/instance': 'cray-keycloak', 'app.kubernetes.io/name': 'keycloak'}, ['keycloak', 'istio-proxy']),
		postgresql('services', 'keycloak-postgres', 3, {service_account: ['superuser', 'createdb']}, 'keycloak'),
		podsLabelled(job('services', 'keycloak-setup-2', {'app.kubernetes.io/instance': 'cray-keycloak', 'app.kubernetes.io/name': 'keycloak-setup'}), {'app.kubernetes.io/name': 'keycloak-setup'}),
		podsLabelled(job('services', 'keycloak-users-localize-2', {'app.kubernetes.io/instance': 'cray-keycloak-users-localize', 'app.kubernetes.io/name': 'keycloak-users-localize'}), {'app.kubernetes.io/name': 'keycloak-users-localize'}),
		...proxies.map(p => deployment('services', `cray-oauth2-proxies-${p}`, 1, {'app.kubernetes.io/name': `cray-oauth2-proxies-${p}`, 'app.kubernetes.io/instance': 'cray-oauth2-proxies'})),
	];
}

/** The VCS (Gitea) part of the document. */
export function vcsObjects(): KubeObject[] {
	return [deployment('services', 'gitea-vcs', 1, {'app.kubernetes.io/name': 'vcs', 'app.kubernetes.io/instance': 'gitea'}), postgresql('services', 'gitea-vcs-postgres', 3, {service_account: ['superuser', 'createdb']}, 'gitea')];
}

/** The namespaces of the document. */
export const CSM_NAMESPACES = ['spire', 'services'] as const;

/** Every workload of `namespace` that is not settled yet ("kind/name: why"); [] when all are. */
export async function unsettled(cluster: Pick<RealCluster, 'api'>, namespace: string): Promise<string[]> {
	const list = async (path: string): Promise<KubeObject[]> => {
		const answer = await cluster.api('GET', path);
		if (answer.status !== 200) throw new Error(`GET ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
		return answer.body.items;
	};
	const out: string[] = [];
	const fresh = (o: KubeObject): boolean => o.status?.observedGeneration === o.metadata.generation;
	for (const sts of await list(`/apis/apps/v1/namespaces/${namespace}/statefulsets`)) {
		if (!fresh(sts) || (sts.status?.readyReplicas ?? 0) !== sts.spec.replicas || sts.status?.updatedReplicas !== sts.spec.replicas) out.push(`StatefulSet/${sts.metadata.name}: ${sts.status?.readyReplicas ?? 0}/${sts.spec.replicas} ready`);
	}
	for (const d of await list(`/apis/apps/v1/namespaces/${namespace}/deployments`)) {
		if (!fresh(d) || (d.status?.availableReplicas ?? 0) !== d.spec.replicas || (d.status?.replicas ?? 0) !== d.spec.replicas) out.push(`Deployment/${d.metadata.name}: ${d.status?.availableReplicas ?? 0}/${d.spec.replicas} available`);
	}
	for (const ds of await list(`/apis/apps/v1/namespaces/${namespace}/daemonsets`)) {
		const s = ds.status ?? {};
		if (!fresh(ds) || !s.desiredNumberScheduled || s.numberReady !== s.desiredNumberScheduled || s.updatedNumberScheduled !== s.desiredNumberScheduled) out.push(`DaemonSet/${ds.metadata.name}: ${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0} ready`);
	}
	for (const j of await list(`/apis/batch/v1/namespaces/${namespace}/jobs`)) {
		if (!(j.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Complete' && c.status === 'True')) out.push(`Job/${j.metadata.name}: not complete`);
	}
	for (const pg of await list(`/apis/acid.zalan.do/v1/namespaces/${namespace}/postgresqls`)) {
		if (pg.status?.PostgresClusterStatus !== 'Running') out.push(`postgresql/${pg.metadata.name}: ${pg.status?.PostgresClusterStatus ?? 'no status'}`);
	}
	const pods = await list(`/api/v1/namespaces/${namespace}/pods?labelSelector=application%3Dspilo`);
	for (const pod of pods) {
		if (!pod.metadata.labels?.['spilo-role']) out.push(`Pod/${pod.metadata.name}: no spilo-role yet`);
	}
	return out;
}

/**
 * Creates the namespaces and every object of the document in `cluster` (which must run the
 * postgres-operator stand-in, postgres-operator.ts), then waits until every workload is
 * rolled out, the Jobs completed and each postgresql Running with its spilo roles, as on a
 * live system before the restore.
 * @throws Error when an object is refused, or naming what did not settle within `timeoutMs`.
 */
export async function seedCsmFixtures(cluster: Pick<RealCluster, 'api' | 'create'>, timeoutMs = 120_000): Promise<void> {
	for (const name of CSM_NAMESPACES) {
		const created = await cluster.api('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}});
		if (created.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
	}
	for (const object of [...spireObjects(), ...keycloakObjects(), ...vcsObjects()]) await cluster.create(object.metadata.namespace, [object]);
	let left: string[] = [];
	await waitFor(
		'the CSM objects to settle',
		async () => {
			left = (await Promise.all(CSM_NAMESPACES.map(ns => unsettled(cluster, ns)))).flat();
			return left.length === 0;
		},
		{timeoutMs, intervalMs: 100, detail: () => `not settled: ${left.join('; ')}`},
	);
}
