/**
 * Kubernetes benchmarks 3a and 3b: how fast a `wait` reacts, and how many API requests
 * it makes, against the test cluster (test/support/kube/) in this process.
 *
 * 3a. Reaction latency of `wait: deleted {kind: Pod, selector}`: from the moment the last
 *     matching pod is removed from the cluster's store (what the API serves) to the wait
 *     ending —
 *     - port: the Kubernetes port (dist/) in this process resolving `execute`;
 *     - cli:  `runbook run --plain` (a runbook of N such waits, one process) printing the
 *             step's `✔ <id> succeeded` line, as read here from its stdout;
 *     - baseline: the document's loop, `while kubectl get pods -n NS -l SEL | grep -qv
 *       NAME; do sleep 2; done`, exiting (its latency is ~1 s on average by construction).
 *     The pod is removed 100-300 ms after the wait started watching (its first progress
 *     message), at a random moment.
 * 3b. API requests of one wait (a fresh port: discovery included) that lasts 1 s, 5 s and
 *     20 s, counted by the cluster (faults.stats), next to the document's loop over the
 *     same time on a second cluster (kubectl's discovery cache filled beforehand).
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {portOf, putPod, removePod, sleep, startCluster, startRequest, until, type TestCluster} from './kube-cluster.ts';

/** Where the measured pods live. */
const NAMESPACE = 'bench';

/** Latency samples in ms, per way of waiting. */
export interface WaitLatency {
	port: number[];
	cli: number[];
	polling: number[];
}

/** Requests of one wait lasting `seconds`: ours (total and per verb) and the polling loop's total. */
export interface WaitRequests {
	seconds: number;
	ours: number;
	oursByVerb: Record<string, number>;
	polling: number;
}

const randomDelay = (): number => 100 + Math.random() * 200;

/** The document's polling loop on pods `app=<name>`, as a bash script (kubectl from PATH). */
function pollingLoop(name: string): string {
	return `while kubectl get pods -n ${NAMESPACE} -l app=${name} | grep -qv NAME; do sleep 2; done`;
}

/** Runs `script` with bash with KUBECONFIG set; resolves with performance.now() at its exit. */
function runBash(script: string, kubeconfig: string, cacheDir: string): {done: Promise<number>} {
	const child = spawn('bash', ['-c', script], {env: {...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir}, stdio: ['ignore', 'ignore', 'pipe']});
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
async function portLatency(cluster: TestCluster, build: string, runs: number): Promise<number[]> {
	const port = await portOf(build, cluster.kubeconfigPath);
	const samples: number[] = [];
	for (let i = 0; i <= runs; i++) {
		const name = `port-${i}`;
		putPod(cluster, NAMESPACE, name);
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
async function cliLatency(cluster: TestCluster, cli: string, runs: number): Promise<number[]> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kube-cli-'));
	try {
		const steps = Array.from({length: runs + 1}, (_, i) => `  - id: w-${i}\n    timeout: 1m\n    wait:\n      deleted: { kind: Pod, selector: app=cli-${i} }\n`);
		const file = path.join(dir, 'waits.yaml');
		fs.writeFileSync(file, `version: 1\ntitle: Bench waits\nkubernetes:\n  namespace: ${NAMESPACE}\nsteps:\n${steps.join('')}`);
		for (let i = 0; i <= runs; i++) putPod(cluster, NAMESPACE, `cli-${i}`);
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

/** 3a baseline: the document's polling loop, `runs` times; the pod goes 1-3 s after the loop starts. */
async function pollingLatency(cluster: TestCluster, runs: number, cacheDir: string): Promise<number[]> {
	const samples: number[] = [];
	await warmKubectl(cluster.kubeconfigPath, cacheDir);
	for (let i = 0; i < runs; i++) {
		const name = `poll-${i}`;
		putPod(cluster, NAMESPACE, name);
		const loop = runBash(pollingLoop(name), cluster.kubeconfigPath, cacheDir);
		await sleep(1000 + Math.random() * 2000);
		const removedAt = removePod(cluster, NAMESPACE, name);
		samples.push((await loop.done) - removedAt);
	}
	return samples;
}

/** 3a: latency samples of the port, the CLI and the polling loop. */
export async function benchWaitLatency(build: string, cli: string, runs: number, pollingRuns: number, log: (line: string) => void): Promise<WaitLatency> {
	const cluster = await startCluster({controllers: false});
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kubecache-'));
	try {
		const port = await portLatency(cluster, build, runs);
		log(`  port: ${runs} waits measured`);
		const viaCli = await cliLatency(cluster, cli, runs);
		log(`  cli: ${runs} waits measured`);
		const polling = await pollingLatency(cluster, pollingRuns, cacheDir);
		log(`  polling loop: ${pollingRuns} waits measured`);
		return {port, cli: viaCli, polling};
	} finally {
		await cluster.stop();
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
}

/** 3b: API requests of one wait of each duration (seconds), ours and the polling loop's, run side by side. */
export async function benchWaitRequests(build: string, durations: readonly number[], log: (line: string) => void): Promise<WaitRequests[]> {
	const [ours, theirs] = await Promise.all([startCluster({controllers: false}), startCluster({controllers: false})]);
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-kubecache-'));
	try {
		const out: WaitRequests[] = [];
		await warmKubectl(theirs.kubeconfigPath, cacheDir);
		for (const seconds of durations) {
			const name = `req-${seconds}`;
			putPod(ours, NAMESPACE, name);
			putPod(theirs, NAMESPACE, name);
			ours.faults.resetStats();
			theirs.faults.resetStats();
			const port = await portOf(build, ours.kubeconfigPath);
			const wait = startRequest(port, 'wait', {deleted: {kind: 'Pod', selector: `app=${name}`}}, NAMESPACE);
			const loop = runBash(pollingLoop(name), theirs.kubeconfigPath, cacheDir);
			await sleep(seconds * 1000);
			removePod(ours, NAMESPACE, name);
			removePod(theirs, NAMESPACE, name);
			const {result} = await wait.done;
			await loop.done;
			if (!result.ok) throw new Error(`wait of ${seconds} s failed: ${result.error}`);
			out.push({seconds, ours: ours.faults.stats.total, oursByVerb: {...ours.faults.stats.byVerb}, polling: theirs.faults.stats.total});
			log(`  ${String(seconds).padStart(3)} s: ours ${ours.faults.stats.total} requests (${verbs(ours.faults.stats.byVerb)}), polling loop ${theirs.faults.stats.total}`);
		}
		return out;
	} finally {
		await Promise.all([ours.stop(), theirs.stop()]);
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
}
