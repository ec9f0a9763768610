/**
 * # Test Kubernetes cluster
 *
 * An HTTP server on 127.0.0.1 (random port, plain HTTP, any bearer token accepted) that
 * speaks enough of the Kubernetes API for `@kubernetes/client-node` 2.x and for kubectl
 * (Google's 1.32 and Debian 12's 1.20.2) — for tests of Kubernetes steps without a cluster.
 *
 * ```ts
 * const cluster = await startTestCluster({terminationDelayMs: 100}); // TestClusterOptions
 * seedCsmFixtures(cluster);                     // fixtures.ts: the CSM document's objects, rolled out
 * cluster.pods.bindPostgres({namespace: 'spire', cluster: 'spire-postgres'}, pgServer);
 * runKubectl('kubectl', cluster, ['get', 'pods', '-n', 'spire']); // testing.ts helpers
 * kubeConfigFor(cluster).makeApiClient(CoreV1Api);                // client-node
 * cluster.faults.dropWatches(); cluster.faults.goneOnNextWatch(); cluster.faults.pause(500);
 * cluster.faults.stats.byVerb.watch;            // request counters (resetStats() first)
 * await cluster.stop();
 * ```
 *
 * The kubeconfig: context `test`, cluster `test-cluster` (`server: http://127.0.0.1:PORT`,
 * `insecure-skip-tls-verify: true` — client-node refuses plain HTTP without it), user
 * `test-user` (a token), namespace `default`.
 *
 * What it serves:
 * - discovery (`/version` says v1.32, `/api`, `/apis`, `/api/v1`, `/apis/G/V`, `/openapi/v2` as an
 *   empty protobuf document, aggregated discovery answered with the plain forms):
 *   discovery.ts; resources: core pods, secrets, configmaps, namespaces, services, events,
 *   nodes; apps statefulsets, deployments, daemonsets, replicasets; batch jobs; acid.zalan.do
 *   postgresqls (kind `postgresql`, short name `pg`): resources.ts;
 * - get, list, watch, create, update (PUT, 409 Conflict on a stale resourceVersion), patch
 *   (merge, JSON, strategic, server-side apply with fieldManager), delete (gracePeriodSeconds,
 *   propagationPolicy, preconditions), deletecollection, `/status`, `/scale`, `?dryRun`:
 *   crud.ts, patch.ts, selectors.ts (label/field selectors), table.ts (`kubectl get`'s Table),
 *   validate.ts (422 Invalid), defaults.ts (API defaulting); errors are Status objects;
 * - one global resourceVersion (store.ts); watches (watch.ts) resume from any RV still in the
 *   event window (`eventWindow`), older ones get an ERROR event with a 410 Status; BOOKMARKs
 *   with `allowWatchBookmarks`; `timeoutSeconds`; legacy `/watch/` URLs;
 * - pods terminate: a delete sets `deletionTimestamp`, the pod goes after `terminationDelayMs`
 *   (at once with `gracePeriodSeconds=0`); deletes take dependents (ownerReferences) unless
 *   Orphan; deleting a namespace deletes its objects (context.ts);
 * - controllers (controllers/): StatefulSets, Deployments, DaemonSets, Jobs, postgresql CRs,
 *   and a kubelet for every pod — pods appear, become Running/Ready, statuses follow as
 *   `kubectl rollout status` and `kubectl wait` read them; `rollout restart` replaces pods;
 * - exec (`pods/NAME/exec`) over WebSocket (v5/v4.channel.k8s.io: client-node, kubectl ≥ 1.30;
 *   websocket.ts) and SPDY/3.1 (kubectl ≤ 1.29, e.g. Debian's 1.20: spdy.ts); the command runs
 *   as a local process (exec.ts) with the pod's own root directory standing for `/`, so
 *   `kubectl cp` works; a pod bound to a real PostgreSQL gets PGHOST/PGPORT/PGUSER=postgres:
 *   pod-runtime.ts. Stdin streams with backpressure (~200 MB/s with kubectl on this machine).
 *
 * kubectl, checked with 1.32 and 1.20.2: get (table, -o json/yaml/name/jsonpath/wide, -w, -A,
 * `get all`), api-resources, describe, create -f, apply -f (client-side), apply --server-side,
 * replace --force, patch (json, merge, strategic), label, annotate, scale, delete (-f, by name,
 * several, waiting for termination), wait (--for=delete, condition=Ready/Available/complete;
 * 1.20 fails `--for=delete -l` with "no matching resources found" when nothing matches any
 * more), rollout status/restart (deployment, statefulset, daemonset), exec (-i, exit codes),
 * cp (both ways), logs (empty unless `pods.setLog`). Not served: `explain` (no schemas),
 * port-forward, attach, `top`, events (empty lists).
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {stringify as toYaml} from 'yaml';
import {ClusterContext, type ClusterOptions} from './context.js';
import {Controllers} from './controllers/index.js';
import {handleResource, verbOf} from './crud.js';
import {handleDiscovery} from './discovery.js';
import {handleExecUpgrade} from './exec.js';
import {Faults} from './faults.js';
import {parseResourcePath, sendStatus} from './http-util.js';
import {PodRuntime} from './pod-runtime.js';
import {RESOURCE_TYPES} from './resources.js';
import type {Store} from './store.js';

/** Options of startTestCluster: the timings of ClusterOptions, plus whether controllers run. */
export interface TestClusterOptions extends Partial<ClusterOptions> {
	/** Run the controllers (default true). Without them, objects just sit in the store. */
	controllers?: boolean;
}

/** A running test cluster. */
export interface TestCluster {
	/** `http://127.0.0.1:PORT`. */
	url: string;
	/** A kubeconfig: context `test`, cluster `test-cluster`, user `test-user` (token), namespace `default`. */
	kubeconfigPath: string;
	/** The object store (read and write objects directly; writes notify watches and controllers). */
	store: Store;
	/** Shared state: options (mutable timings), deleteObject, timers. */
	context: ClusterContext;
	/** The controllers (pods for workloads, job completion, postgresql status). */
	controllers: Controllers;
	/** Fault switches and request counters (`faults.stats`). */
	faults: Faults;
	/** Per-pod exec environments: root directories, PostgreSQL bindings. */
	pods: PodRuntime;
	/** Stops the server, every watch, exec process and timer; removes the temporary directory. */
	stop(): Promise<void>;
}

/** Writes the kubeconfig for `url` into `dir`; returns its path. */
function writeKubeconfig(dir: string, url: string): string {
	const path = join(dir, 'kubeconfig');
	writeFileSync(path, toYaml({
		apiVersion: 'v1',
		kind: 'Config',
		clusters: [{name: 'test-cluster', cluster: {server: url, 'insecure-skip-tls-verify': true}}],
		users: [{name: 'test-user', user: {token: 'test-token'}}],
		contexts: [{name: 'test', context: {cluster: 'test-cluster', user: 'test-user', namespace: 'default'}}],
		'current-context': 'test',
		preferences: {},
	}), {mode: 0o600});
	return path;
}

/** Seeds what every cluster has: namespaces default, kube-system, kube-public; the nodes. */
function seedBasics(ctx: ClusterContext): void {
	const ns = RESOURCE_TYPES.find((t) => t.plural === 'namespaces')!;
	const node = RESOURCE_TYPES.find((t) => t.plural === 'nodes')!;
	for (const name of ['default', 'kube-system', 'kube-public']) {
		ctx.store.create(ns, {metadata: {name}, status: {phase: 'Active'}});
	}
	for (const name of ctx.options.nodes) {
		ctx.store.create(node, {metadata: {name, labels: {'kubernetes.io/hostname': name}}, status: {conditions: [{type: 'Ready', status: 'True'}]}});
	}
}

/**
 * Starts a test cluster on 127.0.0.1 at a random port. Resolves when it listens.
 * Throws only when the server cannot listen.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
	const {controllers: runControllers = true, ...timings} = options;
	const ctx = new ClusterContext(timings);
	const faults = new Faults();
	const dir = mkdtempSync(join(tmpdir(), 'kube-test-'));
	const pods = new PodRuntime(join(dir, 'pods'));
	seedBasics(ctx);
	const controllers = new Controllers(ctx);
	if (runControllers) {
		controllers.start();
	}
	const sockets = new Set<Socket>();
	const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		let pathname = url.pathname;
		const legacyWatch = /^(\/api\/v1|\/apis\/[^/]+\/[^/]+)\/watch\//.exec(pathname);
		if (legacyWatch) {
			pathname = pathname.replace('/watch/', '/');
			url.searchParams.set('watch', 'true');
		}
		const path = parseResourcePath(pathname);
		faults.count(path && path !== 'unknown' ? verbOf(req.method ?? 'GET', path, url) : (req.method ?? 'GET').toLowerCase(), pathname);
		await faults.gate();
		if (handleDiscovery(req, res, pathname)) {
			return;
		}
		if (path === undefined || path === 'unknown') {
			sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
			return;
		}
		if (legacyWatch && path.name) {
			url.searchParams.set('fieldSelector', `metadata.name=${path.name}`);
			delete path.name;
		}
		if (path.type.plural === 'pods' && path.subresource === 'log' && req.method === 'GET') {
			res.writeHead(200, {'Content-Type': 'text/plain'});
			res.end(pods.logOf(path.namespace ?? 'default', path.name ?? ''));
			return;
		}
		if (path.type.plural === 'pods' && path.subresource === 'exec') {
			sendStatus(res, 400, 'BadRequest', 'Upgrade request required');
			return;
		}
		await handleResource(ctx, faults, req, res, path, url);
	};
	const server = createServer((req, res) => {
		serve(req, res).catch((error: unknown) => {
			if (!res.headersSent) {
				sendStatus(res, 500, 'InternalError', String(error));
			}
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.on('upgrade', (req, socket, head) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		faults.count('exec', url.pathname);
		void faults.gate().then(() => handleExecUpgrade(ctx, pods, req, socket as Socket, head));
	});
	server.keepAliveTimeout = 1000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const port = (server.address() as AddressInfo).port;
	const url = `http://127.0.0.1:${port}`;
	const kubeconfigPath = writeKubeconfig(dir, url);
	return {
		url, kubeconfigPath, store: ctx.store, context: ctx, controllers, faults, pods,
		async stop() {
			controllers.stop();
			ctx.stop();
			faults.dispose();
			faults.dropWatches(true);
			pods.stop();
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			for (const s of sockets) {
				s.destroy();
			}
			await closed;
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
