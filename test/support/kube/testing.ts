/**
 * Small helpers for tests against the real test cluster (real-cluster.ts): a client-node
 * KubeConfig for it, a kubectl runner (give it controlplane.ts's kubectlPath(): the
 * API server's release), and polling.
 */
import {spawn} from 'node:child_process';
import {KubeConfig} from '@kubernetes/client-node';

/** A cluster's kubeconfig file (context `test`). */
interface WithKubeconfig {
	kubeconfigPath: string;
}

/** A KubeConfig loaded from the cluster's kubeconfig file (context `test`). */
export function kubeConfigFor(cluster: WithKubeconfig): KubeConfig {
	const kc = new KubeConfig();
	kc.loadFromFile(cluster.kubeconfigPath);
	return kc;
}

/** What a kubectl run gave. */
export interface KubectlResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs `kubectl --kubeconfig <cluster's> ...args` with optional stdin; never rejects (a kubectl still running after `timeoutMs`, default 60,000, is killed: code null). */
export function runKubectl(kubectl: string, cluster: WithKubeconfig, args: string[], options: {input?: string | Buffer; cwd?: string; timeoutMs?: number} = {}): Promise<KubectlResult> {
	return new Promise(resolve => {
		const child = spawn(kubectl, ['--kubeconfig', cluster.kubeconfigPath, ...args], {cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', (c: Buffer) => out.push(c));
		child.stderr.on('data', (c: Buffer) => err.push(c));
		// A guard against a hung kubectl, not a bound: 60 s by default (a loaded machine).
		const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8')});
		});
		child.stdin.on('error', () => {});
		child.stdin.end(options.input ?? '');
	});
}
