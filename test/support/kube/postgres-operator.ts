/**
 * # postgres-operator stand-in (a test double: the Zalando operator cannot run here)
 *
 * A small controller against the real API server (controlplane.ts) for `postgresql`
 * objects (acid.zalan.do/v1), as the Cray CSM document (seed 003) sees the Zalando
 * postgres-operator:
 * - installs the CRD {@link POSTGRESQL_CRD} (the operator's published shape: plural
 *   `postgresqls`, short name `pg`, category `all`, the status subresource, its printer
 *   columns, and the schema's required fields and types, so the real API server enforces them);
 * - for each `postgresql`: a StatefulSet `<name>` with `numberOfInstances` replicas, pods
 *   labelled `application=spilo,cluster-name=<name>` and container `postgres`; the real
 *   StatefulSet controller makes the pods and the test kubelet runs them;
 * - the Secrets `<user>.<name>.credentials` (underscores in the user become dashes, CSM's
 *   secret_name_template) with `username` and a random `password`, for `postgres`,
 *   `standby` and each of `spec.users`; existing ones are kept, as the operator keeps them;
 * - `spilo-role` master on pod -0 and replica on the others once they are Ready;
 * - `status.PostgresClusterStatus`: Creating, Updating (a change not rolled out yet),
 *   Running once every instance is Ready;
 * - no ownerReferences on the StatefulSet and the Secrets: the operator's default
 *   (`enable_owner_references: false`, pkg/util/config/config.go; its `ownerReferences()`,
 *   pkg/cluster/k8sres.go, adds the postgresql as owner only when the option is on; checked
 *   against zalando/postgres-operator v2.0.1);
 * - a deleted `postgresql`: its StatefulSet (the real garbage collector then takes the pods,
 *   which the StatefulSet owns) and its credential Secrets (labels `application=spilo,
 *   cluster-name=<name>`) deleted by the stand-in, as the operator's `Cluster.Delete` does
 *   with its default `enable_secrets_deletion: true`; deletes and syncs run one at a time in
 *   the order of the watch events, as the operator's per-cluster queue runs them, so a
 *   cluster deleted and created again is not emptied by the late delete of the old one.
 *
 * What it leaves out: the `enable_owner_references: true` configuration, Patroni and
 * replication (each pod's exec reaches the one PostgreSQL the test binds, kubelet.ts), the
 * operator's Services and Endpoints, PodDisruptionBudgets,
 * volumes, connection poolers, logical backups, users' database creation, and most of the
 * CRD's schema beyond the fields the document and the runbooks use.
 */
import {randomBytes} from 'node:crypto';
import {apiRequest, apiWatch, type ControlPlane} from './controlplane.js';
import {waitFor} from '../wait.js';

/** The CustomResourceDefinition of `postgresql` (shape of the operator's manifests/postgresql.crd.yaml, trimmed). */
export const POSTGRESQL_CRD = {
	apiVersion: 'apiextensions.k8s.io/v1',
	kind: 'CustomResourceDefinition',
	metadata: {name: 'postgresqls.acid.zalan.do', labels: {app: 'postgres-operator'}},
	spec: {
		group: 'acid.zalan.do',
		names: {kind: 'postgresql', listKind: 'postgresqlList', plural: 'postgresqls', singular: 'postgresql', shortNames: ['pg'], categories: ['all']},
		scope: 'Namespaced',
		versions: [
			{
				name: 'v1',
				served: true,
				storage: true,
				subresources: {status: {}},
				additionalPrinterColumns: [
					{name: 'Team', type: 'string', jsonPath: '.spec.teamId'},
					{name: 'Version', type: 'string', jsonPath: '.spec.postgresql.version'},
					{name: 'Pods', type: 'integer', jsonPath: '.spec.numberOfInstances'},
					{name: 'Volume', type: 'string', jsonPath: '.spec.volume.size'},
					{name: 'CPU-Request', type: 'string', jsonPath: '.spec.resources.requests.cpu'},
					{name: 'Memory-Request', type: 'string', jsonPath: '.spec.resources.requests.memory'},
					{name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp'},
					{name: 'Status', type: 'string', jsonPath: '.status.PostgresClusterStatus'},
				],
				schema: {
					openAPIV3Schema: {
						type: 'object',
						required: ['kind', 'apiVersion', 'spec'],
						properties: {
							kind: {type: 'string', enum: ['postgresql']},
							apiVersion: {type: 'string', enum: ['acid.zalan.do/v1']},
							spec: {
								type: 'object',
								required: ['numberOfInstances', 'teamId', 'postgresql', 'volume'],
								'x-kubernetes-preserve-unknown-fields': true,
								properties: {
									teamId: {type: 'string'},
									numberOfInstances: {type: 'integer', minimum: 0},
									users: {
										type: 'object',
										additionalProperties: {
											type: 'array',
											nullable: true,
											items: {
												type: 'string',
												enum: [
													'bypassrls',
													'BYPASSRLS',
													'nobypassrls',
													'NOBYPASSRLS',
													'createdb',
													'CREATEDB',
													'nocreatedb',
													'NOCREATEDB',
													'createrole',
													'CREATEROLE',
													'nocreaterole',
													'NOCREATEROLE',
													'inherit',
													'INHERIT',
													'noinherit',
													'NOINHERIT',
													'login',
													'LOGIN',
													'nologin',
													'NOLOGIN',
													'replication',
													'REPLICATION',
													'noreplication',
													'NOREPLICATION',
													'superuser',
													'SUPERUSER',
													'nosuperuser',
													'NOSUPERUSER',
												],
											},
										},
									},
									databases: {type: 'object', additionalProperties: {type: 'string'}},
									postgresql: {type: 'object', required: ['version'], properties: {version: {type: 'string', enum: ['13', '14', '15', '16', '17']}, parameters: {type: 'object', additionalProperties: {type: 'string'}}}},
									volume: {type: 'object', required: ['size'], 'x-kubernetes-preserve-unknown-fields': true, properties: {size: {type: 'string', pattern: '^(\\d+(e\\d+)?|\\d+(\\.\\d+)?(e\\d+)?[EPTGMK]i?)$'}}},
									resources: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true},
								},
							},
							status: {type: 'object', additionalProperties: {type: 'string'}},
						},
					},
				},
			},
		],
	},
};

/** The credentials Secret name of `user` in cluster `cluster` (CSM's `{username}.{cluster}.credentials`). */
export function credentialsSecretName(user: string, cluster: string): string {
	return `${user.replace(/_/g, '-')}.${cluster}.credentials`;
}

/** A running stand-in. */
export interface PostgresOperator {
	/** Stops watching (leaves every object as it is). */
	stop(): void;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/**
 * Installs the `postgresql` CRD and waits until it is Established and served.
 * @throws Error when the CRD is refused or not established within a minute.
 */
export async function installPostgresqlCrd(cp: Pick<ControlPlane, 'url' | 'dir'>): Promise<void> {
	const created = await apiRequest(cp, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', POSTGRESQL_CRD);
	if (created.status !== 201 && created.status !== 409) throw new Error(`installing the postgresql CRD: HTTP ${created.status} ${JSON.stringify(created.body)}`);
	await waitFor(
		'the postgresql CRD to be established and served',
		async () => {
			const crd = await apiRequest(cp, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/postgresqls.acid.zalan.do');
			const list = await apiRequest(cp, 'GET', '/apis/acid.zalan.do/v1/postgresqls');
			return list.status === 200 && crd.body?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True');
		},
		{timeoutMs: 60_000, intervalMs: 50},
	);
}

/**
 * Installs the CRD (installPostgresqlCrd) and starts reconciling `postgresql` objects.
 * @throws Error when the CRD is refused or not established within a minute.
 */
export async function startPostgresOperator(cp: ControlPlane): Promise<PostgresOperator> {
	await installPostgresqlCrd(cp);
	let stopped = false;
	const aborts: Array<() => void> = [];
	const queued = new Set<string>(); // "namespace/name"
	const deletes: Array<{namespace: string; name: string}> = []; // deleted clusters, in event order
	// biome-ignore lint/correctness/noUnusedVariables: read by `??=`, so a drain already running is not started twice
	let running: Promise<void> | undefined;

	const reconcile = async (namespace: string, name: string): Promise<void> => {
		const base = `/apis/acid.zalan.do/v1/namespaces/${namespace}/postgresqls/${name}`;
		const got = await apiRequest(cp, 'GET', base);
		if (got.status !== 200) return;
		const pg = got.body;
		const instances: number = pg.spec?.numberOfInstances ?? 1;
		const labels = {application: 'spilo', 'cluster-name': name, ...(pg.spec?.teamId ? {team: pg.spec.teamId} : {})};
		for (const user of new Set(['postgres', 'standby', ...Object.keys(pg.spec?.users ?? {})])) {
			await apiRequest(cp, 'POST', `/api/v1/namespaces/${namespace}/secrets`, {
				apiVersion: 'v1',
				kind: 'Secret',
				type: 'Opaque',
				metadata: {name: credentialsSecretName(user, name), namespace, labels},
				data: {username: b64(user), password: b64(randomBytes(24).toString('base64url'))},
			}); // 409 when it exists: kept
		}
		const stsPath = `/apis/apps/v1/namespaces/${namespace}/statefulsets/${name}`;
		let sts = (await apiRequest(cp, 'GET', stsPath)).body;
		if (sts?.kind !== 'StatefulSet') {
			sts = (
				await apiRequest(cp, 'POST', `/apis/apps/v1/namespaces/${namespace}/statefulsets`, {
					apiVersion: 'apps/v1',
					kind: 'StatefulSet',
					metadata: {name, namespace, labels},
					spec: {
						replicas: instances,
						serviceName: name,
						podManagementPolicy: 'OrderedReady',
						selector: {matchLabels: {application: 'spilo', 'cluster-name': name}},
						template: {metadata: {labels}, spec: {containers: [{name: 'postgres', image: `spilo:${pg.spec?.postgresql?.version ?? '14'}`}]}},
					},
				})
			).body;
		} else if (sts.spec.replicas !== instances) {
			sts = (await apiRequest(cp, 'PATCH', stsPath, {spec: {replicas: instances}}, 'application/merge-patch+json')).body;
		}
		const pods = (await apiRequest(cp, 'GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(`application=spilo,cluster-name=${name}`)}`)).body.items ?? [];
		for (const pod of pods) {
			const ready = pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
			if (ready && !pod.metadata.labels?.['spilo-role'] && !pod.metadata.deletionTimestamp) {
				const role = pod.metadata.name === `${name}-0` ? 'master' : 'replica';
				await apiRequest(cp, 'PATCH', `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`, {metadata: {labels: {'spilo-role': role}}}, 'application/merge-patch+json');
			}
		}
		const rolledOut = sts?.status?.observedGeneration === sts?.metadata?.generation && (sts?.status?.readyReplicas ?? 0) === instances && sts?.status?.replicas === instances && pods.filter((p: any) => !p.metadata.deletionTimestamp).length === instances;
		const previous: string | undefined = pg.status?.PostgresClusterStatus;
		const next = rolledOut ? 'Running' : previous === 'Running' || previous === 'Updating' ? 'Updating' : 'Creating';
		if (next !== previous) {
			await apiRequest(cp, 'PATCH', `${base}/status`, {status: {PostgresClusterStatus: next}}, 'application/merge-patch+json');
		}
	};

	const drain = async (): Promise<void> => {
		while ((deletes.length > 0 || queued.size > 0) && !stopped) {
			const deleted = deletes.shift();
			if (deleted) {
				await deleteCluster(deleted.namespace, deleted.name).catch(() => {});
				continue;
			}
			const [key] = queued;
			queued.delete(key!);
			const [namespace, name] = key!.split('/') as [string, string];
			await reconcile(namespace, name).catch(() => {
				if (!stopped) setTimeout(() => enqueue(namespace, name), 100);
			});
		}
		running = undefined;
	};
	const enqueue = (namespace: string, name: string): void => {
		if (stopped) return;
		queued.add(`${namespace}/${name}`);
		running ??= drain();
	};

	/** What the operator deletes with a cluster: its StatefulSet and its credential Secrets (by their labels). */
	const deleteCluster = async (namespace: string, name: string): Promise<void> => {
		const selector = `?labelSelector=${encodeURIComponent(`application=spilo,cluster-name=${name}`)}`;
		const background = {apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background'};
		for (const list of [`/apis/apps/v1/namespaces/${namespace}/statefulsets`, `/api/v1/namespaces/${namespace}/secrets`]) {
			const found = (await apiRequest(cp, 'GET', `${list}${selector}`)).body.items ?? [];
			for (const o of found) {
				await apiRequest(cp, 'DELETE', `${list}/${o.metadata.name}`, {...background, preconditions: {uid: o.metadata.uid}});
			}
		}
	};

	// A postgresql's own changes, and those of its StatefulSet and pods (label cluster-name).
	const watch = async (path: string, key: (o: any) => string | undefined, onDeleted?: (o: any) => void): Promise<void> => {
		if (stopped) return;
		const list = await apiRequest(cp, 'GET', path);
		for (const o of list.body.items ?? []) {
			const name = key(o);
			if (name) enqueue(o.metadata.namespace, name);
		}
		aborts.push(
			await apiWatch(
				cp,
				path,
				list.body.metadata.resourceVersion,
				event => {
					if (event.type === 'DELETED' && onDeleted) onDeleted(event.object);
					const name = event.object?.metadata ? key(event.object) : undefined;
					if (name) enqueue(event.object.metadata.namespace, name);
				},
				() => {
					if (!stopped) setTimeout(() => void watch(path, key, onDeleted).catch(() => {}), 50);
				},
			),
		);
	};
	await watch(
		'/apis/acid.zalan.do/v1/postgresqls',
		o => o.metadata.name,
		o => {
			if (stopped) return;
			deletes.push({namespace: o.metadata.namespace, name: o.metadata.name});
			running ??= drain();
		},
	);
	await watch('/apis/apps/v1/statefulsets?labelSelector=application%3Dspilo', o => o.metadata.labels?.['cluster-name']);
	await watch('/api/v1/pods?labelSelector=application%3Dspilo', o => o.metadata.labels?.['cluster-name']);
	return {
		stop() {
			stopped = true;
			for (const abort of aborts) abort();
		},
	};
}
