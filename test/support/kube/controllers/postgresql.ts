/**
 * A stand-in for the Zalando postgres-operator (acid.zalan.do/v1 `postgresql`), as the
 * Cray CSM document (seed 003) sees it:
 * - a StatefulSet `<name>` (owned by the CR) with `numberOfInstances` replicas, pods
 *   `<name>-0..N-1` labelled `application=spilo,cluster-name=<name>` (and `spilo-role`
 *   master for -0, replica for the others, once Running), container `postgres`;
 * - Secrets `<user>.<name>.credentials` (underscores of the user name become dashes, as the
 *   CSM operator's secret_name_template) with base64 `username` and `password`, for
 *   `postgres`, `standby` and every key of `spec.users`; existing ones are kept (as the
 *   operator keeps them); all owned by the CR, so deleting it takes them with it;
 * - `status.PostgresClusterStatus`: Creating (new), Updating (a change not yet rolled out),
 *   Running once every instance is Ready for postgresRunningDelayMs.
 */
import {randomBytes} from 'node:crypto';
import type {ClusterContext} from '../context.js';
import {POD} from '../context.js';
import {RESOURCE_TYPES, type KubeObject} from '../resources.js';
import {isReady, ownerRef, podsOf} from './pods.js';

const PG = RESOURCE_TYPES.find((t) => t.kind === 'postgresql')!;
const STS = RESOURCE_TYPES.find((t) => t.kind === 'StatefulSet')!;
const SECRET = RESOURCE_TYPES.find((t) => t.kind === 'Secret')!;

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** The credentials Secret name of `user` in cluster `cluster` (CSM's `{username}.{cluster}.credentials`). */
export function credentialsSecretName(user: string, cluster: string): string {
	return `${user.replace(/_/g, '-')}.${cluster}.credentials`;
}

/** The users a cluster has secrets for: postgres, standby, and spec.users' keys. */
export function clusterUsers(pg: KubeObject): string[] {
	return [...new Set(['postgres', 'standby', ...Object.keys(pg.spec?.users ?? {})])];
}

const runningTimers = new Set<string>();

/** One reconcile step of a postgresql CR. */
export function reconcilePostgresql(ctx: ClusterContext, pg: KubeObject): void {
	const name: string = pg.metadata.name;
	const namespace: string = pg.metadata.namespace;
	const instances: number = pg.spec?.numberOfInstances ?? 1;
	const labels = {application: 'spilo', 'cluster-name': name, ...(pg.spec?.teamId ? {team: pg.spec.teamId} : {})};
	for (const user of clusterUsers(pg)) {
		const secretName = credentialsSecretName(user, name);
		if (!ctx.store.get(SECRET, namespace, secretName)) {
			ctx.store.create(SECRET, {
				metadata: {name: secretName, namespace, labels, ownerReferences: [ownerRef(pg)]},
				type: 'Opaque',
				data: {username: b64(user), password: b64(randomBytes(24).toString('base64url'))},
			});
		}
	}
	let sts = ctx.store.get(STS, namespace, name);
	if (!sts) {
		sts = ctx.store.create(STS, {
			metadata: {name, namespace, labels, ownerReferences: [ownerRef(pg)]},
			spec: {
				replicas: instances,
				serviceName: name,
				podManagementPolicy: 'OrderedReady',
				selector: {matchLabels: {application: 'spilo', 'cluster-name': name}},
				template: {
					metadata: {labels},
					spec: {containers: [{name: 'postgres', image: `spilo:${pg.spec?.postgresql?.version ?? '14'}`}]},
				},
			},
		});
	} else if (sts.spec.replicas !== instances) {
		sts.spec.replicas = instances;
		sts = ctx.store.update(STS, sts);
	}
	for (const pod of podsOf(ctx, sts)) {
		if (isReady(pod) && !pod.metadata.labels?.['spilo-role']) {
			pod.metadata.labels = {...pod.metadata.labels, 'spilo-role': pod.metadata.name === `${name}-0` ? 'master' : 'replica'};
			ctx.store.update(POD, pod);
		}
	}
	const ready = sts.status?.observedGeneration === sts.metadata.generation
		&& (sts.status?.readyReplicas ?? 0) === instances && sts.status?.replicas === instances;
	const previous: string | undefined = pg.status?.PostgresClusterStatus;
	if (!ready) {
		setStatus(ctx, pg, previous === 'Running' || previous === 'Updating' ? 'Updating' : 'Creating');
		return;
	}
	if (previous !== 'Running' && !runningTimers.has(pg.metadata.uid)) {
		runningTimers.add(pg.metadata.uid);
		ctx.later(ctx.options.postgresRunningDelayMs, () => {
			runningTimers.delete(pg.metadata.uid);
			const now = ctx.store.get(PG, namespace, name);
			const set = now && ctx.store.get(STS, namespace, name);
			if (now && set && now.metadata.uid === pg.metadata.uid && (set.status?.readyReplicas ?? 0) === (now.spec?.numberOfInstances ?? 1)) {
				setStatus(ctx, now, 'Running');
			}
		});
	}
}

function setStatus(ctx: ClusterContext, pg: KubeObject, status: string): void {
	if (pg.status?.PostgresClusterStatus !== status) {
		pg.status = {...pg.status, PostgresClusterStatus: status};
		ctx.store.update(PG, pg);
	}
}
