/**
 * Builders of workload manifests for the test cluster, and `seed`, which puts objects in
 * the store — with `ready`, already rolled out (pods Running and Ready, statuses filled,
 * postgresql Running with its secrets), exactly as the controllers would leave them, so a
 * test starts from a settled cluster at once.
 */
import type {ClusterContext} from './context.js';
import {NAMESPACE, POD} from './context.js';
import {reconcileDaemonSet} from './controllers/daemonset.js';
import {reconcileDeployment} from './controllers/deployment.js';
import {createPodFromTemplate, templateHash} from './controllers/pods.js';
import {reconcilePostgresql} from './controllers/postgresql.js';
import {reconcileStatefulSet} from './controllers/statefulset.js';
import {typeOfKind, type KubeObject} from './resources.js';
import {randomSuffix} from './store.js';

/** A container list: names (images are made up). */
function containers(names: string[]): KubeObject[] {
	return names.map((name) => ({name, image: `registry.local/${name}:1.0`}));
}

/** A workload's common shape: labels on the object, its selector and its pod template. */
function workload(apiVersion: string, kind: string, namespace: string, name: string, labels: Record<string, string>, containerNames: string[], spec: KubeObject = {}): KubeObject {
	return {
		apiVersion, kind,
		metadata: {name, namespace, labels},
		spec: {
			selector: {matchLabels: labels},
			template: {metadata: {labels}, spec: {containers: containers(containerNames)}},
			...spec,
		},
	};
}

/** A StatefulSet manifest (OrderedReady, RollingUpdate). */
export function statefulSet(namespace: string, name: string, replicas: number, labels: Record<string, string>, containerNames = [name]): KubeObject {
	return workload('apps/v1', 'StatefulSet', namespace, name, labels, containerNames, {replicas, serviceName: name, updateStrategy: {type: 'RollingUpdate'}});
}

/** A Deployment manifest (RollingUpdate). */
export function deployment(namespace: string, name: string, replicas: number, labels: Record<string, string>, containerNames = [name]): KubeObject {
	return workload('apps/v1', 'Deployment', namespace, name, labels, containerNames, {replicas, strategy: {type: 'RollingUpdate'}});
}

/** A DaemonSet manifest (RollingUpdate). */
export function daemonSet(namespace: string, name: string, labels: Record<string, string>, containerNames = [name]): KubeObject {
	return workload('apps/v1', 'DaemonSet', namespace, name, labels, containerNames, {updateStrategy: {type: 'RollingUpdate'}});
}

/**
 * A Job manifest; `fail` adds the `test.runbook/fail: "true"` annotation to the Job and its
 * pod template (the test kubelet fails such pods) and sets backoffLimit 0, so the real Job
 * controller fails the Job on the first failed pod instead of retrying with back-off.
 */
export function job(namespace: string, name: string, labels: Record<string, string>, fail = false): KubeObject {
	const annotations = fail ? {annotations: {'test.runbook/fail': 'true'}} : {};
	return {
		apiVersion: 'batch/v1', kind: 'Job',
		metadata: {name, namespace, labels, ...annotations},
		spec: {backoffLimit: fail ? 0 : 6, template: {metadata: {labels, ...annotations}, spec: {restartPolicy: 'Never', containers: containers([name])}}},
	};
}

/** A Zalando `postgresql` manifest (acid.zalan.do/v1) with `users` (name → flags). */
export function postgresql(namespace: string, name: string, instances: number, users: Record<string, string[]>, teamId: string): KubeObject {
	return {
		apiVersion: 'acid.zalan.do/v1', kind: 'postgresql',
		metadata: {name, namespace, labels: {'team': teamId}},
		spec: {
			teamId, numberOfInstances: instances, users, databases: {},
			postgresql: {version: '14'}, volume: {size: '10Gi'},
			resources: {requests: {cpu: '100m', memory: '100Mi'}, limits: {cpu: '1', memory: '1Gi'}},
		},
	};
}

function ensureNamespace(ctx: ClusterContext, name: string): void {
	if (!ctx.store.get(NAMESPACE, undefined, name)) {
		ctx.store.create(NAMESPACE, {metadata: {name}, status: {phase: 'Active'}});
	}
}

/** Runs `obj`'s pods (Running, Ready) and fills its status, as its controller would end up. */
function materialize(ctx: ClusterContext, obj: KubeObject): void {
	const name: string = obj.metadata.name;
	switch (obj.kind) {
		case 'StatefulSet': {
			const revision = `${name}-${templateHash(obj.spec?.template)}`;
			for (let i = 0; i < (obj.spec?.replicas ?? 1); i++) {
				createPodFromTemplate(ctx, obj, `${name}-${i}`, {'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': `${name}-${i}`}, {hostname: `${name}-${i}`}, true);
			}
			reconcileStatefulSet(ctx, obj);
			break;
		}
		case 'Deployment': {
			const hash = templateHash(obj.spec?.template);
			for (let i = 0; i < (obj.spec?.replicas ?? 1); i++) {
				createPodFromTemplate(ctx, obj, `${name}-${hash}-${randomSuffix(5)}`, {'pod-template-hash': hash}, {}, true);
			}
			reconcileDeployment(ctx, obj);
			break;
		}
		case 'DaemonSet': {
			const hash = templateHash(obj.spec?.template);
			for (const node of ctx.options.nodes) {
				createPodFromTemplate(ctx, obj, `${name}-${randomSuffix(5)}`, {'controller-revision-hash': hash, 'pod-template-generation': '1'}, {nodeName: node}, true);
			}
			reconcileDaemonSet(ctx, obj);
			break;
		}
		case 'Job': {
			const t = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
			const uid: string = obj.metadata.uid;
			obj.spec.selector = {matchLabels: {'controller-uid': uid}};
			obj.spec.template.metadata.labels = {...obj.spec.template.metadata.labels, 'controller-uid': uid, 'job-name': name};
			obj.status = {startTime: t, completionTime: t, succeeded: 1, conditions: [{type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t}]};
			ctx.store.update(typeOfKind('Job')!, obj);
			break;
		}
		case 'postgresql': {
			reconcilePostgresql(ctx, obj);
			const sts = ctx.store.get(typeOfKind('StatefulSet')!, obj.metadata.namespace, name)!;
			materialize(ctx, sts);
			for (const pod of ctx.store.list(POD, obj.metadata.namespace).filter((p) => p.metadata.labels?.['cluster-name'] === name)) {
				pod.metadata.labels['spilo-role'] = pod.metadata.name === `${name}-0` ? 'master' : 'replica';
				ctx.store.update(POD, pod);
			}
			const pg = ctx.store.get(typeOfKind('postgresql')!, obj.metadata.namespace, name)!;
			pg.status = {PostgresClusterStatus: 'Running'};
			ctx.store.update(typeOfKind('postgresql')!, pg);
			break;
		}
		default:
			break;
	}
}

/**
 * Stores `objects` (creating missing namespaces). With `ready` (default true) each workload
 * is already rolled out; without, the controllers bring them up from nothing.
 * Throws a StoreError when an object exists already or is of an unserved kind.
 */
export function seed(ctx: ClusterContext, objects: KubeObject[], ready = true): void {
	for (const input of objects) {
		const type = typeOfKind(input.kind, input.apiVersion);
		if (!type) {
			throw new Error(`seed: kind ${input.apiVersion}/${input.kind} is not served by the test cluster`);
		}
		if (type.namespaced) {
			ensureNamespace(ctx, input.metadata.namespace ?? 'default');
		}
		const stored = ctx.store.create(type, input);
		if (ready) {
			materialize(ctx, stored);
		}
	}
}
