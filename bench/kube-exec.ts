/**
 * Kubernetes benchmark 3c: an `exec` step streaming a 1 GiB local file into `sha256sum` in a
 * pod (`stdin:`), against `kubectl exec -i` of the API server's release through the same API
 * server and test kubelet (the judged ratio), and the same command reading the file from a
 * local pipe (context: what the machine does without Kubernetes in the way).
 *
 * - ours:     `runbook run --plain` of one step `exec: {pod, command, stdin: FILE}` against
 *             the test cluster in this process (its pods run commands as local processes,
 *             test/support/kube/pod-runtime.ts); two times: the step's own (its attempt's
 *             start to end in state.json, so node's start-up is not in it) and the runbook
 *             process's, spawn to exit (as kubectl's: start-up and the runbook's load in it);
 *             peak RSS of the runbook process from bench/rss-probe.js;
 * - baseline: `bash -c 'cat FILE | COMMAND'`, wall time;
 * - kubectl:  `kubectl exec -i POD -- COMMAND < FILE` (the API server's release) against the
 *             same cluster, wall time of the bash running it;
 * - idle:     the same runbook process with an exec of `true` and no stdin: the peak RSS
 *             it has anyway (the Kubernetes client loaded), next to the 1 GiB runs'.
 *
 * `sha256sum` is a consumer that does work on each byte, as psql restoring a dump does: the
 * stream must keep it fed. The output of every run is checked (the same hash), so a run that
 * lost data cannot pass for a fast one. The size can be made smaller for a quick run
 * (`--kube-size`); the figures to report are the 1 GiB ones.
 */
import {spawn} from 'node:child_process';
import {randomFillSync} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {kubectlDir, putPod, startCluster, type BenchCluster} from './kube-cluster.ts';
import {summarize, type Summary} from './stats.ts';

/** Bytes streamed by default: 1 GiB. */
export const EXEC_BYTES = 1024 ** 3;

/** What {@link benchExec} measured. */
export interface ExecResult {
	/** Bytes streamed into each command. */
	bytes: number;
	commands: ExecFigures[];
	/** Peak RSS of the runbook process doing an exec without stdin, MB. */
	idleRssMb: Summary;
}

/** Figures of one command. Times in ms, RSS in MB. */
export interface ExecFigures {
	command: string;
	/** The step's own time (state.json). */
	ours: Summary;
	/** The runbook process's wall time, spawn to exit (node's start-up and the runbook's load included), as kubectl's is measured. */
	oursWall: Summary;
	baseline: Summary;
	kubectl: Summary;
	rssMb: Summary;
}

const NAMESPACE = 'bench';
const POD = 'sink';

/** Writes `bytes` of random data to `file` (16 MiB at a time). */
function writeRandomFile(file: string, bytes: number): void {
	const fd = fs.openSync(file, 'w');
	const chunk = Buffer.allocUnsafe(16 * 1024 * 1024);
	try {
		for (let written = 0; written < bytes; written += chunk.length) {
			randomFillSync(chunk);
			fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
		}
	} finally {
		fs.closeSync(fd);
	}
}

/** Runs argv; resolves with its wall time (ms) and stdout; rejects on a non-zero exit. */
function timed(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ms: number; stdout: string}> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(argv[0], argv.slice(1), {env, cwd, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
		child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
		child.once('error', reject);
		child.once('close', code => {
			const ms = performance.now() - started;
			if (code === 0) resolve({ms, stdout});
			else reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
		});
	});
}

/** The first word of a command's output: the hash of sha256sum, the count of wc -c. */
const firstWord = (text: string): string => text.trim().split(/\s+/)[0] ?? '';

/** One run of ours: the step's time from state.json, the process's wall time, its output's first word, the process's peak RSS. */
async function runOurs(root: string, cli: string, cluster: BenchCluster, dir: string, file: string | undefined, command: string[], round: number): Promise<{ms: number; wallMs: number; word: string; rssMb: number}> {
	const runDir = path.join(dir, `ours-${command[0]}-${round}`);
	fs.mkdirSync(runDir);
	const runbook = path.join(runDir, 'exec.yaml');
	const stdin = file === undefined ? '' : `, stdin: ${JSON.stringify(file)}`;
	fs.writeFileSync(runbook, `version: 1\ntitle: Bench exec\nkubernetes:\n  namespace: ${NAMESPACE}\nsteps:\n  - id: feed\n    exec: { pod: ${POD}, command: ${JSON.stringify(command)}${stdin} }\n`);
	const rssFile = path.join(runDir, 'rss.json');
	const stateDir = path.join(runDir, 'state');
	const argv = [process.execPath, '--import', path.join(root, 'bench', 'rss-probe.js'), cli, 'run', runbook, '--plain', '--kubeconfig', cluster.kubeconfigPath, '--state-dir', stateDir];
	const {ms: wallMs, stdout} = await timed(argv, {...process.env, BENCH_RSS_FILE: rssFile}, runDir);
	const [runId] = fs.readdirSync(path.join(stateDir, 'runs'));
	const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'runs', runId, 'state.json'), 'utf8')) as {steps: Record<string, {attempts: Array<{startedAt: string; finishedAt: string}>}>};
	const attempt = state.steps.feed.attempts[0];
	const word = firstWord(/^feed\| (.*)$/m.exec(stdout)?.[1] ?? '');
	const rss = JSON.parse(fs.readFileSync(rssFile, 'utf8')) as {maxRssKb: number};
	return {ms: Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt), wallMs, word, rssMb: rss.maxRssKb / 1024};
}

/**
 * Measures `rounds` rounds per command (baseline, ours, kubectl in rotating order), after
 * writing the 1 GiB file into a temporary folder (removed at the end).
 * @throws Error when a run fails or its output differs from the baseline's.
 */
export async function benchExec(root: string, cli: string, rounds: number, bytes: number, log: (line: string) => void): Promise<ExecResult> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-exec-'));
	const cluster = await startCluster();
	try {
		await putPod(cluster, NAMESPACE, POD);
		const file = path.join(dir, 'data.bin');
		const started = performance.now();
		writeRandomFile(file, bytes);
		log(`  wrote ${bytes / 1024 ** 2} MiB of random data in ${Math.round(performance.now() - started)} ms`);
		const env = {...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: path.join(dir, 'kube-cache'), PATH: `${kubectlDir()}${path.delimiter}${process.env.PATH ?? ''}`};
		const out: ExecFigures[] = [];
		const idle: number[] = [];
		for (let round = 0; round < rounds; round++) idle.push((await runOurs(root, cli, cluster, dir, undefined, ['true'], round)).rssMb);
		log(`  exec of true without stdin: peak RSS ${idle.map(Math.round).join(', ')} MB`);
		for (const command of [['sha256sum']]) {
			const name = command.join(' ');
			const times = {ours: [] as number[], oursWall: [] as number[], baseline: [] as number[], kubectl: [] as number[], rss: [] as number[]};
			let expected: string | undefined;
			const check = (way: string, word: string): void => {
				if (word !== expected) throw new Error(`exec benchmark (${name}): ${way} printed "${word}", the baseline "${expected}"`);
			};
			for (let round = 0; round < rounds; round++) {
				const ways = ['baseline', 'ours', 'kubectl'] as const;
				for (const way of ways.map((_, i) => ways[(i + round) % ways.length])) {
					if (way === 'baseline') {
						const r = await timed(['bash', '-c', `cat ${JSON.stringify(file)} | ${name}`], env, dir);
						expected ??= firstWord(r.stdout);
						times.baseline.push(r.ms);
					} else if (way === 'ours') {
						const r = await runOurs(root, cli, cluster, dir, file, command, round);
						times.ours.push(r.ms);
						times.oursWall.push(r.wallMs);
						times.rss.push(r.rssMb);
						if (expected !== undefined) check('ours', r.word);
						else expected = r.word;
					} else {
						const r = await timed(['bash', '-c', `kubectl exec -i -n ${NAMESPACE} ${POD} -- ${name} < ${JSON.stringify(file)}`], env, dir);
						times.kubectl.push(r.ms);
						if (expected !== undefined) check('kubectl', firstWord(r.stdout));
						else expected = firstWord(r.stdout);
					}
				}
				log(`  ${name} round ${round + 1}/${rounds}: baseline ${Math.round(times.baseline.at(-1)!)} ms, ours ${Math.round(times.ours.at(-1)!)} ms (process ${Math.round(times.oursWall.at(-1)!)} ms, peak RSS ${Math.round(times.rss.at(-1)!)} MB), kubectl ${Math.round(times.kubectl.at(-1)!)} ms`);
			}
			out.push({command: name, ours: summarize(times.ours), oursWall: summarize(times.oursWall), baseline: summarize(times.baseline), kubectl: summarize(times.kubectl), rssMb: summarize(times.rss)});
		}
		return {bytes, commands: out, idleRssMb: summarize(idle)};
	} finally {
		await cluster.stop();
		fs.rmSync(dir, {recursive: true, force: true});
	}
}
