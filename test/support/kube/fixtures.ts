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
 * Job names: the document's example output shows `keycloak-setup-2` and
 * `keycloak-users-localize-2` after `kubectl replace --force`, which keeps the name, so the
 * jobs were called that before too.
 */
import type {TestCluster} from './server.js';
import {daemonSet, deployment, job, postgresql, seed, statefulSet} from './fixture-kit.js';
import type {KubeObject} from './resources.js';

/** The Spire part of the document. */
export function spireObjects(): KubeObject[] {
	return [
		statefulSet('spire', 'spire-server', 3, {'app.kubernetes.io/name': 'spire-server', 'app.kubernetes.io/instance': 'spire'}),
		postgresql('spire', 'spire-postgres', 3, {spire: ['superuser', 'createdb'], service_account: ['superuser', 'createdb']}, 'spire'),
		daemonSet('spire', 'spire-agent', {'app.kubernetes.io/name': 'spire-agent', 'app.kubernetes.io/instance': 'spire'}),
		deployment('spire', 'spire-jwks', 1, {'app.kubernetes.io/name': 'spire-jwks', 'app.kubernetes.io/instance': 'spire'}),
	];
}

/** The Keycloak part of the document. */
export function keycloakObjects(): KubeObject[] {
	const proxies = ['customer-access-ingress', 'customer-high-speed-ingress', 'customer-management-ingress'];
	return [
		statefulSet('services', 'cray-keycloak', 3, {'app.kubernetes.io/instance': 'cray-keycloak', 'app.kubernetes.io/name': 'keycloak'}, ['keycloak', 'istio-proxy']),
		postgresql('services', 'keycloak-postgres', 3, {service_account: ['superuser', 'createdb']}, 'keycloak'),
		job('services', 'keycloak-setup-2', {'app.kubernetes.io/instance': 'cray-keycloak', 'app.kubernetes.io/name': 'keycloak-setup'}),
		job('services', 'keycloak-users-localize-2', {'app.kubernetes.io/instance': 'cray-keycloak-users-localize', 'app.kubernetes.io/name': 'keycloak-users-localize'}),
		...proxies.map((p) => deployment('services', `cray-oauth2-proxies-${p}`, 1, {'app.kubernetes.io/name': `cray-oauth2-proxies-${p}`, 'app.kubernetes.io/instance': 'cray-oauth2-proxies'})),
	];
}

/** The VCS (Gitea) part of the document. */
export function vcsObjects(): KubeObject[] {
	return [
		deployment('services', 'gitea-vcs', 1, {'app.kubernetes.io/name': 'vcs', 'app.kubernetes.io/instance': 'gitea'}),
		postgresql('services', 'gitea-vcs-postgres', 3, {service_account: ['superuser', 'createdb']}, 'gitea'),
	];
}

/**
 * Seeds every object of the document into `cluster` (namespaces `spire` and `services`
 * created), already rolled out unless `ready` is false. Throws when objects exist already.
 */
export function seedCsmFixtures(cluster: Pick<TestCluster, 'context'>, ready = true): void {
	seed(cluster.context, [...spireObjects(), ...keycloakObjects(), ...vcsObjects()], ready);
}
