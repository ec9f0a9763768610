/**
 * Helpers for the Kubernetes executor tests: a real test cluster
 * (test/support/kube/real-cluster.ts) with a port connected to it, a temporary
 * folder for logs and files, and `run`, which executes one request and
 * collects what it produced (result, output lines per stream, progress
 * messages, the log's text, the time it took).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {KubeActionKind, KubeRequest, KubeResult} from '../../../source/engine/kubernetes-port.js';
import {createKubernetesPort, type KubernetesPortOptions, type KubernetesPortWithStats} from '../../../source/executors/kubernetes/index.js';
import {stepLogFiles} from '../../../source/store/step-logs.js';
import {collectionPath, startRealCluster, type RealCluster, type RealClusterOptions} from '../../support/kube/real-cluster.js';
import type {KubeObject} from '../../support/kube/fixture-kit.js';
import {waitFor} from '../../support/wait.js';

/** What one request produced. */
export interface Ran {
	result: KubeResult;
	stdout: string[];
	stderr: string[];
	progress: string[];
	/** The log file's text. */
	log: string;
}

/** A cluster, a port on it, and a folder. */
export interface Harness<C = RealCluster> {
	cluster: C;
	port: KubernetesPortWithStats;
	dir: string;
	/** Runs one request; `request` overrides the defaults (namespace `default`, cwd `dir`). */
	run(kind: KubeActionKind, spec: Record<string, unknown>, request?: Partial<KubeRequest>): Promise<Ran>;
	/** Starts a request without waiting, with progress messages visible as they come. */
	start(kind: KubeActionKind, spec: Record<string, unknown>, request?: Partial<KubeRequest>): {done: Promise<Ran>; progress: string[]; stdout: string[]};
	/** Stops the cluster and removes the folder. */
	stop(): Promise<void>;
}

let logCounter = 0;

/** Starts a real cluster (control plane + test kubelet: real-cluster.ts) and a port on it. */
export async function startRealHarness(clusterOptions: RealClusterOptions = {}, portOptions: KubernetesPortOptions = {}): Promise<Harness<RealCluster>> {
	return withPort(await startRealCluster(clusterOptions), portOptions);
}

/** A port (and folder) on an already running cluster; `stop` stops the cluster too. */
export function withPort<C extends {kubeconfigPath: string; stop(): Promise<void>}>(cluster: C, portOptions: KubernetesPortOptions): Harness<C> {
	const dir = mkdtempSync(join(tmpdir(), 'runbook-kube-'));
	const port = createKubernetesPort(stepLogFiles, {kubeconfig: cluster.kubeconfigPath, ...portOptions});
	const start = (kind: KubeActionKind, spec: Record<string, unknown>, request: Partial<KubeRequest> = {}) => {
		const stdout: string[] = [];
		const stderr: string[] = [];
		const progress: string[] = [];
		const logPath = request.logPath ?? join(dir, 'logs', `${++logCounter}-${kind}.log`);
		const done = port
			.execute({
				stepId: 'test-step',
				kind,
				spec,
				namespace: 'default',
				cwd: dir,
				signal: new AbortController().signal,
				logPath,
				onOutput: chunk => (chunk.stream === 'stdout' ? stdout : stderr).push(...chunk.lines),
				onProgress: message => progress.push(message),
				redact: text => text,
				capture: false,
				...request,
			})
			.then(result => {
				let log = '';
				try {
					log = readFileSync(logPath, 'utf8');
				} catch {
					// no log written
				}
				return {result, stdout, stderr, progress, log};
			});
		return {done, progress, stdout};
	};
	return {
		cluster,
		port,
		dir,
		start,
		run: (kind, spec, request) => start(kind, spec, request).done,
		async stop() {
			await cluster.stop();
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

/** A Running, Ready pod object with one container (bare: no controller owns it). */
export function runningPod(name: string, labels: Record<string, string> = {}, namespace = 'default'): KubeObject {
	return {
		metadata: {name, namespace, labels},
		spec: {containers: [{name: 'main', image: 'busybox'}]},
		status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}], containerStatuses: [{name: 'main', ready: true}]},
	};
}

/**
 * Creates `pod` (namespace `default` unless it names one) in a real cluster and waits until
 * its phase is `phase` (default Running).
 */
export async function putPod(cluster: RealCluster, pod: KubeObject, phase = 'Running'): Promise<KubeObject> {
	const namespace: string = pod.metadata.namespace ?? 'default';
	await cluster.create(namespace, [{apiVersion: 'v1', kind: 'Pod', ...pod, status: undefined}]);
	return waitFor(
		`pod ${pod.metadata.name} ${phase}`,
		async () => {
			const got = await cluster.get(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`);
			return got?.status?.phase === phase ? got : undefined;
		},
		{timeoutMs: 60_000, intervalMs: 50},
	);
}

/** apiVersion of the kinds the tests create in a real cluster. */
const API_VERSIONS: Record<string, string> = {
	Pod: 'v1',
	ConfigMap: 'v1',
	Secret: 'v1',
	Namespace: 'v1',
	Service: 'v1',
	StatefulSet: 'apps/v1',
	Deployment: 'apps/v1',
	DaemonSet: 'apps/v1',
	ReplicaSet: 'apps/v1',
	Job: 'batch/v1',
	postgresql: 'acid.zalan.do/v1',
};

/** Creates an object in a real cluster (as another client would); resolves with the stored object. */
export async function putObject(cluster: RealCluster, kind: string, object: KubeObject): Promise<KubeObject> {
	const apiVersion = API_VERSIONS[kind];
	if (!apiVersion) throw new Error(`putObject: no apiVersion known for ${kind}`);
	const [created] = await cluster.create(object.metadata.namespace ?? 'default', [{apiVersion, kind, ...object}]);
	return created;
}

/** Reads an object from a real cluster; undefined when absent. */
export async function getObject(cluster: RealCluster, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
	const apiVersion = API_VERSIONS[kind];
	if (!apiVersion) throw new Error(`getObject: no apiVersion known for ${kind}`);
	return cluster.get(`${collectionPath(apiVersion, kind, namespace)}/${name}`);
}
