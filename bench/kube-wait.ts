/**
 * Kubernetes benchmarks 3a and 3b: how fast a `wait` reacts, and how many API requests
 * it makes, against the real control plane with the test kubelet (bench/kube-cluster.ts).
 *
 * 3a. Reaction latency of `wait: deleted {kind: Pod, selector}`: from the moment the last
 *     matching pod is force-deleted through the API (grace period 0: it leaves etcd at once)
 *     to the wait ending —
 *     - port: the Kubernetes port (source/) in this process resolving `execute`;
 *     - cli:  `runbook run --plain` (a runbook of N such waits, one process) printing the
 *             step's `✔ <id> succeeded` line, as read here from its stdout;
 *     - kubectl wait: `kubectl wait --for=delete pod -l SEL` of the API server's release
 *       (one process per wait, its discovery cache filled beforehand), exiting;
 *     - `sleep 2` polling: the document's loop, `while kubectl get pods -n NS -l SEL | grep
 *       -qv NAME; do sleep 2; done`, exiting (its latency is ~1 s on average by construction).
 *     The pod is removed 100-300 ms after the wait started watching (ours: its first progress
 *     message; kubectl wait: its first watch request in the API server's audit log), at a
 *     random moment; for the polling loop 1-3 s after it started.
 * 3b. API requests of one wait (a fresh port: discovery included) that lasts 1 s, 5 s and
 *     20 s, counted from the API server's audit log by user agent (client-node's, kubectl's),
 *     next to the document's loop over the same time on the same cluster, run at the same
 *     time as ours, and to one `kubectl wait --for=delete` over the same time, run after them
 *     (both are kubectl: they cannot share a window). kubectl's discovery cache is filled
 *     beforehand, as on a machine that used kubectl before.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {kubectlDir, kubectlRequestSeen, portOf, putPod, removePod, requestsByClient, sleep, startCluster, startRequest, until, type BenchCluster} from './kube-cluster.ts';

/** Where the measured pods live. */
const NAMESPACE = 'bench';

/** Latency samples in ms, per way of waiting. */
export interface WaitLatency {
	port: number[];
	cli: number[];
	kubectlWait: number[];
	polling: number[];
}

/** Requests of one wait lasting `seconds`: ours (total and per verb) and the polling loop's total. */
export interface WaitRequests {
	seconds: number;
	ours: number;
	oursByVerb: Record<string, number>;
	polling: number;
	kubectlWait: number;
}

const randomDelay = (): number => 100 + Math.random() * 200;

/** The document's polling loop on pods `app=<name>`, as a bash script (kubectl from PATH). */
function pollingLoop(name: string): string {
	return `while kubectl get pods -n ${NAMESPACE} -l app=${name} | grep -qv NAME; do sleep 2; done`;
}

/** Runs `script` with bash with KUBECONFIG set and the control plane's kubectl first on PATH; resolves with performance.now() at its exit. */
function runBash(script: string, kubeconfig: string, cacheDir: string): {done: Promise<number>} {
	const env = {...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir, PATH: `${kubectlDir()}${path.delimiter}${process.env.PATH ?? ''}`};
	const child = spawn('bash', ['-c', script], {env, stdio: ['ignore', 'ignore', 'pipe']});
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	return {
		done: new Promise((resolve, reject) => {
			child.once('error', reject);
			child.once('exit', code => (code === 0 ? resolve(performance.now()) : reject(new Error(`polling loop exited ${code}: ${stderr.trim().split('\n').at(-1)}`))));
		}),
	};
}

/** One `kubectl get pods` against `kubeconfig`, so the polling loop starts with kubectl's discovery cache filled, as on a machine that used kubectl before. */
async function warmKubectl(kubeconfig: string, cacheDir: string): Promise<void> {
	await runBash(`kubectl get pods -n ${NAMESPACE} > /dev/null`, kubeconfig, cacheDir).done;
}

/** `verb n, verb n` in verb order. */
export function verbs(byVerb: Record<string, number>): string {
	return Object.entries(byVerb)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([verb, n]) => `${verb} ${n}`)
		.join(', ');
}

/** 3a through the port: `runs` waits, one at a time, on one port (discovery cached after the first). */
async function portLatency(cluster: BenchCluster, runs: number): Promise<number[]> {
	const port = await portOf(cluster.kubeconfigPath);
	const samples: number[] = [];
	for (let i = 0; i <= runs; i++) {
		const name = `port-${i}`;
		await putPod(cluster, NAMESPACE, name);
		const wait = startRequest(port, 'wait', {deleted: {kind: 'Pod', selector: `app=${name}`}}, NAMESPACE);
		await until(`the wait on ${name} to list`, () => wait.progress.length > 0);
		await sleep(randomDelay());
		const removedAt = removePod(cluster, NAMESPACE, name);
		const {result, at} = await wait.done;
		if (!result.ok) throw new Error(`wait on ${name} failed: ${result.error}`);
		if (i > 0) samples.push(at - removedAt); // round 0 warms up (discovery, connections)
	}
	return samples;
}

/** 3a through the CLI: one `runbook run --plain` of `runs` wait steps; latency to each `✔ w-N succeeded` line. */
async function cliLatency(cluster: BenchCluster, cli: string, runs: number): Promise<number[]> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kube-cli-'));
	try {
		const steps = Array.from({length: runs + 1}, (_, i) => `  - id: w-${i}\n    timeout: 1m\n    wait:\n      deleted: { kind: Pod, selector: app=cli-${i} }\n`);
		const file = path.join(dir, 'waits.yaml');
		fs.writeFileSync(file, `version: 1\ntitle: Bench waits\nkubernetes:\n  namespace: ${NAMESPACE}\nsteps:\n${steps.join('')}`);
		for (let i = 0; i <= runs; i++) await putPod(cluster, NAMESPACE, `cli-${i}`);
		const child = spawn(process.execPath, [cli, 'run', file, '--plain', '--kubeconfig', cluster.kubeconfigPath, '--state-dir', path.join(dir, 'state')], {
			cwd: dir,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stderr = '';
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const removedAt = new Map<number, number>();
		const samples: number[] = [];
		const lines = createInterface({input: child.stdout});
		lines.on('line', line => {
			const now = performance.now();
			const progress = / … w-(\d+): 1 pod left: /.exec(line);
			if (progress) {
				const i = Number(progress[1]);
				setTimeout(() => removedAt.set(i, removePod(cluster, NAMESPACE, `cli-${i}`)), randomDelay());
			}
			const done = / ✔ w-(\d+) succeeded/.exec(line);
			if (done && Number(done[1]) > 0) samples.push(now - removedAt.get(Number(done[1]))!);
		});
		const code = await new Promise<number | null>(resolve => child.once('close', resolve));
		if (code !== 0 || samples.length !== runs) throw new Error(`runbook run of ${runs + 1} waits: exit ${code}, ${samples.length} samples; stderr: ${stderr.trim()}`);
		return samples;
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

/** `kubectl wait --for=delete` on pods `app=<name>`. */
function kubectlWait(name: string): string {
	return `kubectl wait --for=delete pod -n ${NAMESPACE} -l app=${name} --timeout=120s`;
}

/** 3a baseline: `runs` runs of kubectl wait, one process each; the pod goes 100-300 ms after kubectl's watch request reached the API server. */
async function kubectlWaitLatency(cluster: BenchCluster, runs: number, cacheDir: string): Promise<number[]> {
	const samples: number[] = [];
	await warmKubectl(cluster.kubeconfigPath, cacheDir);
	for (let i = 0; i < runs; i++) {
		const name = `kw-${i}`;
		await putPod(cluster, NAMESPACE, name);
		const watching = kubectlRequestSeen(cluster, 'watch');
		const wait = runBash(kubectlWait(name), cluster.kubeconfigPath, cacheDir);
		await until(`kubectl wait on ${name} to watch`, watching, 60_000);
		await sleep(randomDelay());
		const removedAt = removePod(cluster, NAMESPACE, name);
		samples.push((await wait.done) - removedAt);
	}
	return samples;
}

/** 3a baseline: the document's polling loop, `runs` times; the pod goes 1-3 s after the loop starts. */
async function pollingLatency(cluster: BenchCluster, runs: number, cacheDir: string): Promise<number[]> {
	const samples: number[] = [];
	await warmKubectl(cluster.kubeconfigPath, cacheDir);
	for (let i = 0; i < runs; i++) {
		const name = `poll-${i}`;
		await putPod(cluster, NAMESPACE, name);
		const loop = runBash(pollingLoop(name), cluster.kubeconfigPath, cacheDir);
		await sleep(1000 + Math.random() * 2000);
		const removedAt = removePod(cluster, NAMESPACE, name);
		samples.push((await loop.done) - removedAt);
	}
	return samples;
}

/** 3a: latency samples of the port, the CLI and the polling loop. */
export async function benchWaitLatency(cli: string, runs: number, pollingRuns: number, log: (line: string) => void): Promise<WaitLatency> {
	// Each way runs its waits in a row (a port is one process; kubectl one process per wait);
	// the ways run one after the other on the same cluster.
	const cluster = await startCluster();
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kubecache-'));
	try {
		const port = await portLatency(cluster, runs);
		log(`  port: ${runs} waits measured`);
		const viaCli = await cliLatency(cluster, cli, runs);
		log(`  cli: ${runs} waits measured`);
		const viaKubectl = await kubectlWaitLatency(cluster, runs, cacheDir);
		log(`  kubectl wait: ${runs} waits measured`);
		const polling = await pollingLatency(cluster, pollingRuns, cacheDir);
		log(`  polling loop: ${pollingRuns} waits measured`);
		return {port, cli: viaCli, kubectlWait: viaKubectl, polling};
	} finally {
		await cluster.stop();
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
}

/** 3b: API requests of one wait of each duration (seconds), ours and the polling loop's, run side by side on one cluster. */
export async function benchWaitRequests(durations: readonly number[], log: (line: string) => void): Promise<WaitRequests[]> {
	const cluster = await startCluster();
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kubecache-'));
	try {
		const out: WaitRequests[] = [];
		await putPod(cluster, NAMESPACE, 'warm');
		await warmKubectl(cluster.kubeconfigPath, cacheDir);
		for (const seconds of durations) {
			const [ours, theirs] = [`req-port-${seconds}`, `req-poll-${seconds}`];
			await putPod(cluster, NAMESPACE, ours);
			await putPod(cluster, NAMESPACE, theirs);
			const before = requestsByClient(cluster);
			const port = await portOf(cluster.kubeconfigPath);
			const wait = startRequest(port, 'wait', {deleted: {kind: 'Pod', selector: `app=${ours}`}}, NAMESPACE);
			const loop = runBash(pollingLoop(theirs), cluster.kubeconfigPath, cacheDir);
			await sleep(seconds * 1000);
			removePod(cluster, NAMESPACE, ours);
			removePod(cluster, NAMESPACE, theirs);
			const {result} = await wait.done;
			await loop.done;
			if (!result.ok) throw new Error(`wait of ${seconds} s failed: ${result.error}`);
			const after = requestsByClient(cluster);
			const waiter = `req-kw-${seconds}`;
			await putPod(cluster, NAMESPACE, waiter);
			const beforeKubectl = requestsByClient(cluster).kubectl;
			const kubectl = runBash(kubectlWait(waiter), cluster.kubeconfigPath, cacheDir);
			await sleep(seconds * 1000);
			removePod(cluster, NAMESPACE, waiter);
			await kubectl.done;
			const kubectlWaitRequests = requestsByClient(cluster).kubectl - beforeKubectl;
			const byVerb = Object.fromEntries(
				Object.entries(after.portByVerb)
					.map(([verb, n]) => [verb, n - (before.portByVerb[verb] ?? 0)])
					.filter(([, n]) => (n as number) > 0),
			);
			const row = {seconds, ours: after.port - before.port, oursByVerb: byVerb, polling: after.kubectl - before.kubectl, kubectlWait: kubectlWaitRequests};
			out.push(row);
			log(`  ${String(seconds).padStart(3)} s: ours ${row.ours} requests (${verbs(row.oursByVerb)}), \`sleep 2\` polling loop ${row.polling}, kubectl wait ${row.kubectlWait}`);
		}
		return out;
	} finally {
		await cluster.stop();
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
}
