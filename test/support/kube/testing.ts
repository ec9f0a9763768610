/**
 * Small helpers for tests against the test cluster: a client-node KubeConfig for it, a
 * kubectl runner (whatever `kubectl` is first on PATH, or `$KUBECTL`), and polling.
 */
import {spawn, spawnSync} from 'node:child_process';
import {KubeConfig} from '@kubernetes/client-node';
import type {TestCluster} from './server.js';

/** A KubeConfig loaded from the cluster's kubeconfig file (context `test`). */
export function kubeConfigFor(cluster: Pick<TestCluster, 'kubeconfigPath'>): KubeConfig {
	const kc = new KubeConfig();
	kc.loadFromFile(cluster.kubeconfigPath);
	return kc;
}

/** The kubectl to run: `$KUBECTL`, else `kubectl` on PATH; undefined when there is none. */
export function findKubectl(): string | undefined {
	const candidate = process.env.KUBECTL ?? 'kubectl';
	const result = spawnSync(candidate, ['version', '--client'], {encoding: 'utf8'});
	return result.status === 0 ? candidate : undefined;
}

/** The client minor version of `kubectl` (e.g. 20, 32); the dispatcher's own for Google's. */
export function kubectlMinor(kubectl: string): number {
	const out = spawnSync(kubectl, ['version', '--client'], {encoding: 'utf8'}).stdout;
	const m = /Minor:"(\d+)|v1\.(\d+)/.exec(out);
	return Number(m?.[1] ?? m?.[2] ?? 0);
}

/** What a kubectl run gave. */
export interface KubectlResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `kubectl --kubeconfig <cluster's> ...args` with optional stdin; never rejects. */
export function runKubectl(kubectl: string, cluster: Pick<TestCluster, 'kubeconfigPath'>, args: string[], options: {input?: string | Buffer; cwd?: string; timeoutMs?: number} = {}): Promise<KubectlResult> {
	return new Promise((resolve) => {
		const child = spawn(kubectl, ['--kubeconfig', cluster.kubeconfigPath, ...args], {cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', (c: Buffer) => out.push(c));
		child.stderr.on('data', (c: Buffer) => err.push(c));
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
		child.on('close', (code) => {
			clearTimeout(timer);
			resolve({code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')});
		});
		child.stdin.on('error', () => {});
		child.stdin.end(options.input ?? '');
	});
}

/** Polls `check` every `intervalMs` until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs = 5000, intervalMs = 20): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) {
			return value as NonNullable<T>;
		}
		if (Date.now() > deadline) {
			throw new Error(`condition not met within ${timeoutMs} ms`);
		}
		await new Promise((r) => setTimeout(r, intervalMs));
	}
}

/** What a raw API request gave: HTTP status, the parsed JSON body (or the text), headers. */
export interface ApiResponse {
	status: number;
	body: any;
	headers: Headers;
}

/**
 * Sends one raw request to the cluster: JSON bodies are serialized, `contentType` defaults
 * to application/json (set it for patches); never rejects on HTTP errors.
 */
export async function api(cluster: Pick<TestCluster, 'url'>, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
	const response = await fetch(`${cluster.url}${path}`, {
		method,
		headers: {'Content-Type': 'application/json', ...headers},
		...(body === undefined ? {} : {body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)}),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// not JSON
	}
	return {status: response.status, body: parsed, headers: response.headers};
}
