/**
 * The test Kubernetes cluster (test/support/kube/) for the Kubernetes benchmarks, loaded
 * through bench/ts-resolve.ts, and the built Kubernetes port (dist/executors/kubernetes,
 * from the benchmark's snapshot of the build). Also: bare pods put into and taken out of
 * the cluster's store directly (the "change in the API" a wait reacts to), and a runner
 * of one port request.
 */
import './ts-resolve.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {KubeRequest, KubeResult} from '../source/engine/kubernetes-port.ts';
import type {KubernetesPortOptions, KubernetesPortWithStats} from '../source/executors/kubernetes/index.ts';
import type {TestCluster, TestClusterOptions} from '../test/support/kube/server.ts';

const {startTestCluster} = await import('../test/support/kube/server.ts');
const {POD} = await import('../test/support/kube/context.ts');

export type {TestCluster};

/** Starts a test cluster on 127.0.0.1 (see test/support/kube/server.ts). */
export function startCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
	return startTestCluster(options);
}

/** The Kubernetes port of the build in `buildDir` (the snapshot of dist/), on `kubeconfig`. */
export async function portOf(buildDir: string, kubeconfig: string, options: KubernetesPortOptions = {}): Promise<KubernetesPortWithStats> {
	const index = (await import(path.join(buildDir, 'dist', 'executors', 'kubernetes', 'index.js'))) as typeof import('../source/executors/kubernetes/index.ts');
	return index.createKubernetesPort({kubeconfig, ...options});
}

/** Stores a Running, Ready bare pod `name` labelled `app=<name>` in `namespace`. */
export function putPod(cluster: TestCluster, namespace: string, name: string): void {
	cluster.store.create(POD, {
		metadata: {name, namespace, labels: {app: name}},
		spec: {containers: [{name: 'main', image: 'busybox'}]},
		status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}], containerStatuses: [{name: 'main', ready: true}]},
	});
}

/** Removes pod `name` from the store at once (as the end of its termination does); returns performance.now() just before. */
export function removePod(cluster: TestCluster, namespace: string, name: string): number {
	const at = performance.now();
	cluster.store.remove(POD, namespace, name);
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
export async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise(resolve => setTimeout(resolve, 2));
	}
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
	return new Promise(resolve => setTimeout(resolve, ms));
}
