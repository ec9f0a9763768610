/**
 * # Test kubelet (a test double: no container runtime can run here)
 *
 * Against a real API server (controlplane.ts), it does what the scheduler and a kubelet
 * would for the pods the tests make:
 * - registers Nodes (`node-1`..`node-3` by default) as Ready, with InternalIP 127.0.0.1
 *   and its own HTTPS port as the kubelet endpoint (the API server proxies exec and logs there);
 * - binds unscheduled pods (`pods/binding`, as kube-scheduler does): a DaemonSet's pod to the
 *   node its affinity names, others round-robin;
 * - "runs" bound pods: phase Running, every condition and container status Ready;
 *   a Job's pod (owner kind Job) then ends Succeeded after `jobRunMs`, or Failed when the
 *   pod carries the annotation `test.runbook/fail: "true"` (a bare pod annotated
 *   `test.runbook/completes: "true"` runs to the end the same way); a pod annotated
 *   `test.runbook/hold: "true"` is bound but stays Pending (an image that never pulls);
 * - a deleted pod (deletionTimestamp) goes after min(its grace period, `terminationDelayMs`)
 *   with the final `gracePeriodSeconds=0` delete a kubelet makes; with `holdDeletions`, it
 *   stays Terminating until the test releases it (`releasePod`), so a test that reads what
 *   a screen shows meanwhile does not race a timer on a loaded machine;
 * - serves exec at `/exec/NS/POD/CONTAINER` over SPDY/3.1 (what the API server speaks to a
 *   kubelet, also when it translates a client's WebSocket): spdy.ts; the command runs as a
 *   local process in the pod's root folder, with a real PostgreSQL for bound pods
 *   (pod-runtime.ts); `/containerLogs/...` answers `pods.setLog` text.
 *
 * What it leaves out: images, probes (readiness is immediate), restarts and crash loops,
 * resources, volumes, init containers, node heartbeats (the controller-manager's
 * nodelifecycle controller is off), pod IPs that route anywhere, port-forward and attach.
 */
import {createServer, type Server} from 'node:https';
import type {Socket} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {apiRequest, apiWatch, freePort, type ControlPlane} from './controlplane.js';
import {runExec, type ExecRequest} from './exec.js';
import {PodRuntime} from './pod-runtime.js';
import {serveSpdyExec} from './spdy.js';

/** Options of startKubelet; delays in ms. */
export interface KubeletOptions {
	/** Node names. Default node-1..node-3. */
	nodes?: string[];
	/** Longest a deleted pod stays Terminating (shorter when its grace period is). Default 200. */
	terminationDelayMs?: number;
	/** From Running to Succeeded/Failed for a Job's pod. Default 200. */
	jobRunMs?: number;
	/** Deleted pods stay Terminating until {@link TestKubelet.releasePod} names them. Default false. */
	holdDeletions?: boolean;
}

/** A running test kubelet. */
export interface TestKubelet {
	nodes: string[];
	/** The HTTPS port it serves exec and logs on. */
	port: number;
	/** Per-pod exec environments: root folders, PostgreSQL bindings, logs. */
	pods: PodRuntime;
	/**
	 * With `holdDeletions`: lets pod `name` of `namespace` finish terminating, now if it is
	 * already Terminating, else as soon as it is deleted (after `terminationDelayMs` either way).
	 */
	releasePod(namespace: string, name: string): void;
	/** Stops watching, serving and every exec process; removes the pods' folders. Leaves the API objects. */
	stop(): Promise<void>;
}

type Pod = {
	metadata: {name: string; namespace: string; uid: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; annotations?: Record<string, string>; ownerReferences?: Array<{kind: string}>};
	spec: {nodeName?: string; containers: Array<{name: string; image?: string}>; affinity?: any};
	status?: {phase?: string};
};

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The node a DaemonSet pod's required node affinity names (`metadata.name In [node]`). */
function affinityNode(pod: Pod): string | undefined {
	const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
	for (const term of terms) {
		for (const field of term.matchFields ?? []) {
			if (field.key === 'metadata.name' && field.operator === 'In') return field.values?.[0];
		}
	}
	return undefined;
}

/**
 * Registers the nodes and starts binding, running and terminating pods.
 * @throws Error when a node cannot be registered or the pod watch cannot start.
 */
export async function startKubelet(cp: ControlPlane, options: KubeletOptions = {}): Promise<TestKubelet> {
	const nodes = options.nodes ?? ['node-1', 'node-2', 'node-3'];
	const terminationDelayMs = options.terminationDelayMs ?? 200;
	const jobRunMs = options.jobRunMs ?? 200;
	/** Pods released by name, and the final deletes of held pods waiting for their release. */
	const released = new Set<string>();
	const heldDeletions = new Map<string, () => void>();
	const dir = mkdtempSync(join(tmpdir(), 'kubelet-'));
	const pods = new PodRuntime(join(dir, 'pods'));
	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	let stopped = false;
	const later = (ms: number, fn: () => Promise<unknown>): void => {
		const t = setTimeout(() => {
			timers.delete(t);
			if (!stopped) fn().catch(() => {});
		}, ms);
		timers.add(t);
	};

	const server: Server = createServer({cert: cp.tls.cert, key: cp.tls.key}, (req, res) => {
		const m = /^\/containerLogs\/([^/]+)\/([^/]+)\//.exec(req.url ?? '');
		if (req.method === 'GET' && m) {
			res.writeHead(200, {'Content-Type': 'text/plain'});
			res.end(pods.logOf(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)));
			return;
		}
		res.writeHead(404).end();
	});
	server.on('connection', (s: Socket) => {
		sockets.add(s);
		s.on('close', () => sockets.delete(s));
	});
	server.on('upgrade', (req, socket: Socket, head: Buffer) => {
		const url = new URL(req.url ?? '/', 'https://localhost');
		const m = /^\/exec\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
		if (!m) {
			socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
			return;
		}
		const flag = (name: string): boolean => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
		const request: ExecRequest = {
			namespace: decodeURIComponent(m[1]!),
			pod: decodeURIComponent(m[2]!),
			command: url.searchParams.getAll('command'),
			stdin: flag('input'),
			stdout: flag('output'),
			stderr: flag('error'),
			tty: flag('tty'),
		};
		serveSpdyExec(req, socket, head, transport => runExec(pods, request, transport), request);
	});
	const port = await freePort();
	await new Promise<void>((done, fail) => {
		server.once('error', fail);
		server.listen(port, '127.0.0.1', () => done());
	});

	for (const name of nodes) {
		const created = await apiRequest(cp, 'POST', '/api/v1/nodes', {
			apiVersion: 'v1',
			kind: 'Node',
			metadata: {name, labels: {'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64'}},
		});
		if (created.status !== 201 && created.status !== 409) throw new Error(`registering node ${name}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
		// Admission puts the not-ready taint on a new node; the node is ready, and no
		// nodelifecycle controller runs to take the taint off.
		await apiRequest(cp, 'PATCH', `/api/v1/nodes/${name}`, {spec: {taints: null}}, 'application/merge-patch+json');
		const t = now();
		const status = await apiRequest(
			cp,
			'PATCH',
			`/api/v1/nodes/${name}/status`,
			{
				status: {
					conditions: [{type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test kubelet', lastHeartbeatTime: t, lastTransitionTime: t}],
					addresses: [
						{type: 'InternalIP', address: '127.0.0.1'},
						{type: 'Hostname', address: name},
					],
					daemonEndpoints: {kubeletEndpoint: {Port: port}},
					capacity: {cpu: '8', memory: '32Gi', pods: '250'},
					allocatable: {cpu: '8', memory: '32Gi', pods: '250'},
					nodeInfo: {kubeletVersion: 'v1.37.2-test', containerRuntimeVersion: 'test://1', operatingSystem: 'linux', architecture: 'amd64', machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: 'test', kubeProxyVersion: ''},
				},
			},
			'application/merge-patch+json',
		);
		if (status.status !== 200) throw new Error(`setting node ${name} Ready: HTTP ${status.status} ${JSON.stringify(status.body)}`);
	}

	let nextNode = 0;
	let nextIp = 2;
	const handled = new Map<string, string>(); // uid → what was done last (bound, running, done, deleting)
	const podPath = (pod: Pod): string => `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
	const patchStatus = (pod: Pod, status: unknown): Promise<unknown> => apiRequest(cp, 'PATCH', `${podPath(pod)}/status`, {metadata: {uid: pod.metadata.uid}, status}, 'application/merge-patch+json');

	const containerStatuses = (pod: Pod, state: object, ready: boolean): object[] =>
		pod.spec.containers.map(c => ({
			name: c.name,
			image: c.image ?? 'test',
			imageID: `test://${c.image ?? 'test'}`,
			containerID: `test://${pod.metadata.uid}-${c.name}`,
			ready,
			started: ready,
			restartCount: 0,
			state,
		}));
	const conditions = (ready: boolean, reason?: string): object[] => {
		const t = now();
		return ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map(type => {
			const on = ready || type === 'Initialized' || type === 'PodScheduled' || type === 'PodReadyToStartContainers';
			return {type, status: on ? 'True' : 'False', lastTransitionTime: t, ...(!on && reason ? {reason} : {})};
		});
	};

	const react = async (pod: Pod): Promise<void> => {
		const uid = pod.metadata.uid;
		if (pod.metadata.deletionTimestamp) {
			if (handled.get(uid) === 'deleting') return;
			handled.set(uid, 'deleting');
			const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
			const finish = (): void =>
				later(Math.min(grace, terminationDelayMs), async () => {
					await apiRequest(cp, 'DELETE', podPath(pod), {apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: {uid}});
					handled.delete(uid);
				});
			const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
			if (options.holdDeletions && !released.has(key)) heldDeletions.set(key, finish);
			else finish();
			return;
		}
		const nodeName = pod.spec.nodeName;
		if (!nodeName) {
			if (handled.get(uid) === 'binding') return;
			handled.set(uid, 'binding');
			const target = affinityNode(pod) ?? nodes[nextNode++ % nodes.length]!;
			await apiRequest(cp, 'POST', `${podPath(pod)}/binding`, {apiVersion: 'v1', kind: 'Binding', metadata: {name: pod.metadata.name, uid}, target: {apiVersion: 'v1', kind: 'Node', name: target}});
			return;
		}
		if (!nodes.includes(nodeName)) return;
		const phase = pod.status?.phase ?? 'Pending';
		if (pod.metadata.annotations?.['test.runbook/hold'] === 'true') return;
		if (phase === 'Pending' && handled.get(uid) !== 'running') {
			handled.set(uid, 'running');
			const t = now();
			await patchStatus(pod, {
				phase: 'Running',
				hostIP: '127.0.0.1',
				hostIPs: [{ip: '127.0.0.1'}],
				podIP: `10.1.${(nextIp >> 8) & 255}.${nextIp & 255}`,
				startTime: t,
				conditions: conditions(true),
				containerStatuses: containerStatuses(pod, {running: {startedAt: t}}, true),
			});
			nextIp++;
			if (pod.metadata.ownerReferences?.some(o => o.kind === 'Job') || pod.metadata.annotations?.['test.runbook/completes'] === 'true') {
				const fail = pod.metadata.annotations?.['test.runbook/fail'] === 'true';
				later(jobRunMs, async () => {
					const e = now();
					await patchStatus(pod, {
						phase: fail ? 'Failed' : 'Succeeded',
						conditions: conditions(false, 'PodCompleted'),
						containerStatuses: containerStatuses(pod, {terminated: {exitCode: fail ? 1 : 0, reason: fail ? 'Error' : 'Completed', startedAt: t, finishedAt: e}}, false),
					});
				});
			}
		}
	};

	let abortWatch: (() => void) | undefined;
	const watchPods = async (): Promise<void> => {
		const list = await apiRequest(cp, 'GET', '/api/v1/pods');
		if (list.status !== 200) throw new Error(`listing pods: HTTP ${list.status}`);
		for (const pod of list.body.items as Pod[]) void react(pod).catch(() => {});
		abortWatch = await apiWatch(
			cp,
			'/api/v1/pods',
			list.body.metadata.resourceVersion,
			event => {
				if (event.type === 'ADDED' || event.type === 'MODIFIED') void react(event.object as Pod).catch(() => {});
				if (event.type === 'DELETED') handled.delete(event.object.metadata.uid);
			},
			() => {
				// The watch ended (timeout, a cut): list and watch again.
				if (!stopped) later(50, watchPods);
			},
		);
	};
	await watchPods();

	return {
		nodes,
		port,
		pods,
		releasePod(namespace, name) {
			const key = `${namespace}/${name}`;
			released.add(key);
			const finish = heldDeletions.get(key);
			heldDeletions.delete(key);
			finish?.();
		},
		async stop() {
			stopped = true;
			for (const t of timers) clearTimeout(t);
			abortWatch?.();
			pods.stop();
			const closed = new Promise<void>(done => server.close(() => done()));
			for (const s of sockets) s.destroy();
			await closed;
			rmSync(dir, {recursive: true, force: true});
		},
	};
}
