/**
 * A whole test cluster on the real control plane: controlplane.ts (etcd, kube-apiserver,
 * kube-controller-manager) plus the test kubelet (kubelet.ts), with helpers tests share.
 * Starting one takes seconds once the binaries are built, so a test file starts one in
 * `beforeAll` and gives each test its own namespace ({@link RealCluster.namespace}).
 *
 * ```ts
 * const cluster = await startRealCluster();
 * const ns = await cluster.namespace('wait');    // a fresh namespace, e.g. wait-3
 * await cluster.apply(ns, [deployment(...)]);     // create objects (as another client would)
 * await cluster.stop();                           // nothing left running
 * ```
 */
import {apiRequest, startControlPlane, type ApiAnswer, type ControlPlane, type ControlPlaneOptions} from './controlplane.js';
import {startKubelet, type KubeletOptions, type TestKubelet} from './kubelet.js';

/** Options: the control plane's and the kubelet's. */
export interface RealClusterOptions extends ControlPlaneOptions, KubeletOptions {}

/** A running cluster: the control plane, the kubelet, and helpers. */
export interface RealCluster {
	cp: ControlPlane;
	kubelet: TestKubelet;
	/** `https://127.0.0.1:PORT`. */
	url: string;
	/** The kubeconfig (context `test`, namespace `default`). */
	kubeconfigPath: string;
	/** The control plane's folder (certificates). */
	dir: string;
	/** Creates a namespace named `<prefix>-<n>` (unique in this cluster); returns its name. */
	namespace(prefix: string): Promise<string>;
	/** One request as admin (see controlplane.ts apiRequest). */
	api(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiAnswer>;
	/**
	 * Creates each object (its namespace set to `namespace` when it is namespaced and has
	 * none) through its collection URL; returns the created objects.
	 * @throws Error with the server's message when a create is refused.
	 */
	create(namespace: string, objects: any[]): Promise<any[]>;
	/** Reads one object by its URL path; undefined on 404. */
	get(path: string): Promise<any | undefined>;
	/** Stops the kubelet and the control plane. */
	stop(): Promise<void>;
}

let namespaceCounter = 0;

/** Collection URL of an object of `apiVersion`/`kind`; the plural is the lower-case kind + s (the kinds the tests use). */
export function collectionPath(apiVersion: string, kind: string, namespace: string | undefined): string {
	const group = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
	const plural = kind === 'postgresql' ? 'postgresqls' : `${kind.toLowerCase()}${kind.endsWith('s') ? 'es' : 's'}`;
	const clusterScoped = ['Namespace', 'Node', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(kind);
	return clusterScoped || !namespace ? `${group}/${plural}` : `${group}/namespaces/${namespace}/${plural}`;
}

/**
 * Starts the control plane and the kubelet; resolves when both are up.
 * @throws Error from either (everything started is stopped first).
 */
export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
	const cp = await startControlPlane(options);
	let kubelet: TestKubelet;
	try {
		kubelet = await startKubelet(cp, options);
	} catch (error) {
		await cp.stop();
		throw error;
	}
	const api = (method: string, path: string, body?: unknown, contentType?: string): Promise<ApiAnswer> => apiRequest(cp, method, path, body, contentType);
	return {
		cp,
		kubelet,
		url: cp.url,
		kubeconfigPath: cp.kubeconfigPath,
		dir: cp.dir,
		api,
		async namespace(prefix) {
			const name = `${prefix}-${++namespaceCounter}`;
			const created = await api('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}});
			if (created.status !== 201) throw new Error(`creating namespace ${name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
			return name;
		},
		async create(namespace, objects) {
			const out = [];
			for (const object of objects) {
				const ns = object.metadata?.namespace ?? namespace;
				const body = {...object, metadata: {...object.metadata, namespace: ns}};
				const created = await api('POST', collectionPath(object.apiVersion, object.kind, ns), body);
				if (created.status !== 201) throw new Error(`creating ${object.kind} ${object.metadata?.name}: HTTP ${created.status} ${created.body?.message ?? JSON.stringify(created.body)}`);
				out.push(created.body);
			}
			return out;
		},
		async get(path) {
			const answer = await api('GET', path);
			if (answer.status === 404) return undefined;
			if (answer.status !== 200) throw new Error(`GET ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
			return answer.body;
		},
		async stop() {
			await kubelet.stop();
			await cp.stop();
		},
	};
}
