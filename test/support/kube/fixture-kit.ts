/**
 * Builders of workload manifests for the tests against the real control plane
 * (real-cluster.ts): create them with `cluster.create`, and the real controllers and the
 * test kubelet roll them out.
 */

/** A JSON object as the API server serves it: apiVersion, kind, metadata, spec, status... */
export type KubeObject = Record<string, any>;

/** A container list: names (images are made up). */
function containers(names: string[]): KubeObject[] {
	return names.map(name => ({name, image: `registry.local/${name}:1.0`}));
}

/** A workload's common shape: labels on the object, its selector and its pod template. */
function workload(apiVersion: string, kind: string, namespace: string, name: string, labels: Record<string, string>, containerNames: string[], spec: KubeObject = {}): KubeObject {
	return {
		apiVersion,
		kind,
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
		apiVersion: 'batch/v1',
		kind: 'Job',
		metadata: {name, namespace, labels, ...annotations},
		spec: {backoffLimit: fail ? 0 : 6, template: {metadata: {labels, ...annotations}, spec: {restartPolicy: 'Never', containers: containers([name])}}},
	};
}

/** A Zalando `postgresql` manifest (acid.zalan.do/v1) with `users` (name → flags). */
export function postgresql(namespace: string, name: string, instances: number, users: Record<string, string[]>, teamId: string): KubeObject {
	return {
		apiVersion: 'acid.zalan.do/v1',
		kind: 'postgresql',
		metadata: {name, namespace, labels: {team: teamId}},
		spec: {
			teamId,
			numberOfInstances: instances,
			users,
			databases: {},
			postgresql: {version: '14'},
			volume: {size: '10Gi'},
			resources: {requests: {cpu: '100m', memory: '100Mi'}, limits: {cpu: '1', memory: '1Gi'}},
		},
	};
}
