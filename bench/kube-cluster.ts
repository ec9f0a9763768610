/**
 * The real test cluster for the Kubernetes benchmarks: etcd, kube-apiserver and
 * kube-controller-manager built by test/controlplane/build.sh, with the test kubelet
 * (test/support/kube/real-cluster.ts), loaded through bench/ts-resolve.ts; the API server's
 * audit log counts each client's requests. The Kubernetes port is loaded from source/ (the
 * bundle in dist/ has no module of its own for it). Also: bare pods created through the API
 * (the kubelet runs them) and force-deleted (the "change in the API" a wait reacts to), and
 * a runner of one port request.
 */
import './ts-resolve.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {KubeRequest, KubeResult} from '../source/engine/kubernetes-port.ts';
import type {KubernetesPortOptions, KubernetesPortWithStats} from '../source/executors/kubernetes/index.ts';
import type {RealCluster} from '../test/support/kube/real-cluster.ts';

const {startRealCluster} = await import('../test/support/kube/real-cluster.ts');
const {kubectlPath} = await import('../test/support/kube/controlplane.ts');

/** A running bench cluster. */
export type BenchCluster = RealCluster;

/** Starts the real control plane (audit log on) and the test kubelet on 127.0.0.1. */
export function startCluster(): Promise<BenchCluster> {
	return startRealCluster({auditLog: true, terminationDelayMs: 0});
}

/** The folder of the kubectl built with the control plane (same release as the API server). */
export function kubectlDir(): string {
	return path.dirname(kubectlPath());
}

/** Requests the API server received so far, per client: `port` (client-node: the port is the only client-node user in the benchmark process), `kubectl`. */
export function requestsByClient(cluster: BenchCluster): {port: number; kubectl: number; portByVerb: Record<string, number>} {
	const out = {port: 0, kubectl: 0, portByVerb: {} as Record<string, number>};
	for (const event of cluster.cp.auditEvents()) {
		const agent = event.userAgent ?? '';
		if (agent.startsWith('kubectl/')) out.kubectl++;
		// client-node sends fetch's default agent: `undici` on Node 24 (`node` on older ones);
		// the test kubelet and apiRequest send none.
		else if (agent.startsWith('kubernetes-client-javascript/') || agent === 'node' || agent === 'undici') {
			out.port++;
			out.portByVerb[event.verb] = (out.portByVerb[event.verb] ?? 0) + 1;
		}
	}
	return out;
}

/**
 * Reads the API server's audit log as it grows (from where the last call stopped): returns a
 * function that resolves true once a request of `verb` from kubectl (user agent `kubectl/...`)
 * arrived since the reader was made. Cheap enough to poll every few ms.
 */
export function kubectlRequestSeen(cluster: BenchCluster, verb: string): () => boolean {
	const file = path.join(cluster.cp.dir, 'audit.log');
	let offset = fs.existsSync(file) ? fs.statSync(file).size : 0;
	let rest = '';
	let seen = false;
	return () => {
		if (seen) return true;
		const size = fs.statSync(file).size;
		if (size <= offset) return false;
		const buffer = Buffer.alloc(size - offset);
		const fd = fs.openSync(file, 'r');
		try {
			fs.readSync(fd, buffer, 0, buffer.length, offset);
		} finally {
			fs.closeSync(fd);
		}
		offset = size;
		const lines = (rest + buffer.toString('utf8')).split('\n');
		rest = lines.pop() ?? '';
		for (const line of lines) {
			const event = JSON.parse(line) as {verb: string; userAgent?: string};
			if (event.verb === verb && event.userAgent?.startsWith('kubectl/')) seen = true;
		}
		return seen;
	};
}

/** The Kubernetes port of source/ (the product's code, type-stripped by Node), on `kubeconfig`. */
export async function portOf(kubeconfig: string, options: KubernetesPortOptions = {}): Promise<KubernetesPortWithStats> {
	const index = await import('../source/executors/kubernetes/index.ts');
	const {stepLogFiles} = await import('../source/store/step-logs.ts');
	return index.createKubernetesPort(stepLogFiles, {kubeconfig, ...options});
}

/** Creates the namespace `name` (nothing when it exists). */
export async function ensureNamespace(cluster: BenchCluster, name: string): Promise<void> {
	const answer = await cluster.api('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name}});
	if (answer.status !== 201 && answer.status !== 409) throw new Error(`creating namespace ${name}: HTTP ${answer.status}`);
}

/** Creates a bare pod `name` labelled `app=<name>` in `namespace`; resolves once the test kubelet runs it (Running, Ready). */
export async function putPod(cluster: BenchCluster, namespace: string, name: string): Promise<void> {
	await ensureNamespace(cluster, namespace);
	await cluster.create(namespace, [{apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace, labels: {app: name}}, spec: {containers: [{name: 'main', image: 'busybox'}]}}]);
	await until(`pod ${name} to run`, async () => (await cluster.get(`/api/v1/namespaces/${namespace}/pods/${name}`))?.status?.phase === 'Running', 60_000);
}

/**
 * Force-deletes pod `name` (grace period 0: it leaves the API at once, as at the end of its
 * termination); returns performance.now() just before the request. A failed delete is
 * printed to stderr (the wait measuring it then times out).
 */
export function removePod(cluster: BenchCluster, namespace: string, name: string): number {
	const at = performance.now();
	void cluster.api('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0}).then(
		answer => {
			if (answer.status !== 200) process.stderr.write(`deleting pod ${name}: HTTP ${answer.status}\n`);
		},
		(error: Error) => process.stderr.write(`deleting pod ${name}: ${error.message}\n`),
	);
	return at;
}

/** One port request under way: its progress messages so far, and its end. */
export interface Started {
	progress: string[];
	stdout: string[];
	/** Resolves with the result and performance.now() at that moment. */
	done: Promise<{result: KubeResult; at: number}>;
}

/** Starts one request on `port` (logs into a temporary folder, nothing redacted). */
export function startRequest(port: KubernetesPortWithStats, kind: KubeRequest['kind'], spec: Record<string, unknown>, namespace: string, cwd = os.tmpdir()): Started {
	const progress: string[] = [];
	const stdout: string[] = [];
	const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kube-log-'));
	const done = port
		.execute({
			stepId: 'bench',
			kind,
			spec,
			namespace,
			cwd,
			signal: new AbortController().signal,
			logPath: path.join(logDir, 'step.log'),
			onOutput: chunk => {
				if (chunk.stream === 'stdout') stdout.push(...chunk.lines);
			},
			onProgress: message => progress.push(message),
			redact: text => text,
			capture: false,
		})
		.then(result => {
			const at = performance.now();
			fs.rmSync(logDir, {recursive: true, force: true});
			return {result, at};
		});
	return {progress, stdout, done};
}

/** Resolves once `check()` is true (polled every 2 ms); rejects after `timeoutMs` naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 2));
	}
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
