/**
 * `npm run bench`: builds, then measures and prints figures (not pass/fail):
 *
 * 1. start-up to the first frame of the TUI, against an Ink hello-world;
 * 2. a step printing 1,000,000 lines, in the TUI and with --plain, against the
 *    same command sent to /dev/null by bash, with the runbook process's peak RSS;
 * 3. Kubernetes (bench/kubernetes.ts), against the real control plane (test/controlplane/,
 *    built by `npm run controlplane:build`) with the test kubelet of test/support/kube/:
 *    wait reaction latency (port and CLI) against the documents' kubectl polling loop,
 *    API requests per wait for 1 s, 5 s and 20 s, and exec with a 1 GiB stdin against
 *    a local pipe, with the runbook process's peak RSS (kubectl: the control plane's).
 *
 * 2c. bulk output (issue 15): a step printing `head -c SIZE /dev/zero | base64`,
 *    and one printing `yes | head -c SIZE` (short lines), against the same
 *    command writing to a file on the same disk, target 2x, peak RSS 150 MB.
 *
 * 4. scale (issue 14, bench/scale.ts): runs of N trivial steps (`run: "true"`, --plain --yes)
 *    against a bash loop of N `bash -c true`: wall time, per-step overhead, peak RSS, state and
 *    journal bytes. Only with --only scale (N = 5,000 is long on the old store).
 *
 * Ends with a Markdown table for README.md. Options (after `npm run bench --`):
 *   --only startup,seq,chatty,bulk-base64,bulk-yes,kubernetes,scale   run only these measures
 *   --scale-sizes N,N,...       step counts of the scale measure (default 10,100,1000,5000)
 *   --scale-tui N,N,...         of those, the ones also run in the TUI (--auto, pty) for the ratio to plain (default: the largest; 0: none)
 *   --bulk-size SIZE            bytes of the bulk cases, as `head -c` takes them (default 512M; the is 2G)
 *   --bulk-runs N               rounds of each bulk case (default 3)
 *   --startup-runs N            rounds of the start-up measure (default 10)
 *   --seq-runs N                rounds of the `seq` case (default 7)
 *   --chatty-runs N             rounds of the chatty case (default 3: one round takes ~35 s)
 *   --kube-wait-runs N          waits measured through the port and through the CLI (default 30)
 *   --kube-poll-runs N          runs of the documents' polling loop (default 5)
 *   --kube-exec-runs N          rounds of each 1 GiB exec (default 2: a sha256sum round takes ~1 min here)
 * Exit code 0 when every run worked (whatever the figures), 1 when one failed.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {benchOutput, type OutputCase, type OutputResult} from './output.ts';
import {benchStartup, type StartupResult} from './startup.ts';
import {formatRatio, formatSummaryMs, type Summary} from './stats.ts';
import {BULK_TARGET, machineLine, markdownTable, OUTPUT_TARGET, RSS_TARGET_MB, STARTUP_TARGET, summaryRows, type Row} from './summary.ts';
import type {KubernetesOptions} from './kubernetes.ts';
import {benchScale, scaleTable} from './scale.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LINES = 1_000_000;
/** The case the 1.3x wall-time target is judged on (see the note printed at the end). */
const JUDGED_CASE = 'chatty';

function log(line: string): void {
	process.stdout.write(line + '\n');
}

function positive(value: string | undefined, fallback: number, name: string): number {
	if (value === undefined) return fallback;
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} expects a whole number >= 1, got "${value}"`);
	return n;
}

/** `512M`, `2G`, `1000`: a `head -c` size; returns the bytes. Throws for anything else. */
function byteSize(value: string): number {
	const match = /^(\d+)([KMG]?)$/.exec(value);
	if (!match) throw new Error(`--bulk-size expects a size as head -c takes it (512M, 2G), got "${value}"`);
	return Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2] || ' ');
}

function checkTools(): void {
	const script = spawnSync('script', ['--version'], {encoding: 'utf8'});
	if (script.error || script.status !== 0) {
		throw new Error('`script` (util-linux) is needed to give the TUI a terminal: install util-linux (apt-get install util-linux)');
	}
	if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run `npm run build` (npm run bench does)');
}

/**
 * Copies dist/ to a temporary folder (with node_modules linked and the
 * package.json copied, so imports resolve as in the project) and returns that
 * folder: the figures then come from one build, even if dist/ is rebuilt while
 * the benchmark runs. The caller removes the folder.
 */
function snapshotBuild(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-build-'));
	fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), {recursive: true});
	fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
	fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
	return dir;
}

const mbText = (s: Summary): string => `median ${Math.round(s.median)} MB, p90 ${Math.round(s.p90)} MB`;

function printStartup(result: StartupResult): void {
	log(`  ours (runbook run, first frame):  ${formatSummaryMs(result.ours)}`);
	log(`  Ink hello-world:                  ${formatSummaryMs(result.hello)}`);
	log(`  pty floor (script + stty + echo): ${formatSummaryMs(result.floor)}`);
	log(`  ratio ours/hello (medians): ${formatRatio(result.ratio)}, target <= ${STARTUP_TARGET}x: ${result.ratio <= STARTUP_TARGET ? 'target met' : 'target NOT met'}`);
	log(`  (fastest runs: ours ${Math.round(result.ours.min)} ms, hello ${Math.round(result.hello.min)} ms, ratio ${formatRatio(result.ours.min / result.hello.min)})`);
}

function printOutput(result: OutputResult): void {
	const base = result.baseline.wall.median;
	const target = result.case.baseline === 'file' ? BULK_TARGET : OUTPUT_TARGET;
	const line = (name: string, wall: Summary, extra = ''): void => {
		const ratio = wall.median / base;
		log(`  ${name.padEnd(30)} ${formatSummaryMs(wall)}  ratio ${formatRatio(ratio)}${extra}`);
	};
	log(`  ${(result.case.baseline === 'file' ? 'bash > file (baseline)' : 'bash > /dev/null (baseline)').padEnd(30)} ${formatSummaryMs(result.baseline.wall)}`);
	line('node drain (floor, context)', result.drain.wall);
	for (const way of ['plain', 'tui'] as const) {
		const figures = result[way];
		const ratio = figures.wall.median / base;
		const verdict = ratio <= target ? 'target met' : 'target NOT met';
		const rssVerdict = figures.rssMb!.p90 <= RSS_TARGET_MB ? 'target met' : 'target NOT met';
		line(way === 'tui' ? 'runbook run (TUI, pty)' : 'runbook run --plain > /dev/null', figures.wall, ` (<= ${target}x: ${verdict})`);
		log(`  ${''.padEnd(30)} step's own time ${formatSummaryMs(figures.stepMs!)}; peak RSS ${mbText(figures.rssMb!)} (<= ${RSS_TARGET_MB} MB: ${rssVerdict})`);
	}
}

async function main(): Promise<void> {
	const {values} = parseArgs({
		options: {
			only: {type: 'string'},
			'startup-runs': {type: 'string'},
			'seq-runs': {type: 'string'},
			'chatty-runs': {type: 'string'},
			'kube-wait-runs': {type: 'string'},
			'kube-poll-runs': {type: 'string'},
			'kube-exec-runs': {type: 'string'},
			'bulk-size': {type: 'string'},
			'bulk-runs': {type: 'string'},
			'scale-sizes': {type: 'string'},
			'scale-tui': {type: 'string'},
		},
	});
	const measures = ['startup', 'seq', 'chatty', 'bulk-base64', 'bulk-yes', 'kubernetes', 'scale'];
	// scale is long (N = 5,000): only when asked for.
	const only = new Set((values.only ?? measures.filter(m => m !== 'scale').join(',')).split(',').map(s => s.trim()));
	for (const name of only) if (!measures.includes(name)) throw new Error(`--only: unknown measure "${name}" (${measures.join(', ')})`);
	const bulkSize = values['bulk-size'] ?? '512M';
	const bulkBytes = byteSize(bulkSize);
	const bulkRuns = positive(values['bulk-runs'], 3, 'bulk-runs');
	const kube: KubernetesOptions = {
		waitRuns: positive(values['kube-wait-runs'], 30, 'kube-wait-runs'),
		pollingRuns: positive(values['kube-poll-runs'], 5, 'kube-poll-runs'),
		durations: [1, 5, 20],
		execRuns: positive(values['kube-exec-runs'], 2, 'kube-exec-runs'),
	};
	const seqRuns = positive(values['seq-runs'], 7, 'seq-runs');
	const cases: OutputCase[] = [
		{name: 'seq', script: `seq ${LINES}`, lines: LINES, runs: seqRuns, warmup: true, drainRuns: seqRuns},
		{
			name: 'chatty',
			script: `for i in $(seq 1 ${LINES}); do echo "row $i: INSERT 0 1"; done`,
			lines: LINES,
			runs: positive(values['chatty-runs'], 3, 'chatty-runs'),
			warmup: false,
			drainRuns: 1,
		},
		{
			name: 'bulk-base64',
			script: `head -c ${bulkSize} /dev/zero | base64`,
			// base64 wraps at 76 characters.
			lines: Math.ceil((Math.ceil(bulkBytes / 3) * 4) / 76),
			runs: bulkRuns,
			warmup: false,
			drainRuns: 1,
			baseline: 'file',
		},
		{
			name: 'bulk-yes',
			// yes gets SIGPIPE when head is done (exit 141 under pipefail): not a failure here.
			script: `(yes || true) | head -c ${bulkSize}`,
			lines: Math.floor(bulkBytes / 2),
			runs: bulkRuns,
			warmup: false,
			drainRuns: 1,
			baseline: 'file',
		},
	];
	checkTools();
	const build = snapshotBuild();
	try {
		const scaleSizes = (values['scale-sizes'] ?? '10,100,1000,5000').split(',').map(n => positive(n.trim(), 10, 'scale-sizes'));
		const scaleTui = values['scale-tui'] === undefined ? scaleSizes.slice(-1) : values['scale-tui'].split(',').map(n => Number(n.trim())).filter(n => n > 0);
		await measure(only, cases, build, values['startup-runs'], kube, scaleSizes, scaleTui);
	} finally {
		fs.rmSync(build, {recursive: true, force: true});
	}
}

async function measure(only: Set<string>, cases: OutputCase[], build: string, startupRuns: string | undefined, kube: KubernetesOptions, scaleSizes: number[], scaleTui: number[]): Promise<void> {
	const cli = path.join(build, 'dist', 'cli.js');
	const started = Date.now();
	log(`runbook-tui benchmarks, ${new Date().toISOString()}`);
	log(`machine: ${machineLine()}`);
	log('Times are wall times, spawn to event; each measure runs its variants in alternation, round after round.');

	let startup: StartupResult | undefined;
	if (only.has('startup')) {
		log('');
		log('1. Start-up to first frame (pty 80x24; first frame = the runbook title or the first step title appears)');
		startup = await benchStartup(root, cli, positive(startupRuns, 10, 'startup-runs'), log);
		printStartup(startup);
	}

	const outputs: OutputResult[] = [];
	for (const c of cases) {
		if (!only.has(c.name)) continue;
		log('');
		const number = {seq: '2a', chatty: '2b', 'bulk-base64': '2c', 'bulk-yes': '2d'}[c.name] ?? '2';
		log(`${number}. A step printing ${c.lines.toLocaleString('en')} lines, ${c.name}: ${c.script}`);
		const result = await benchOutput(root, cli, c, log);
		printOutput(result);
		outputs.push(result);
	}

	let kubeRows: Row[] = [];
	let kubeNote = '';
	if (only.has('kubernetes')) {
		// Loaded only when measured: it loads the test cluster from test/ (bench/ts-resolve.ts).
		const {benchKubernetes, kubernetesRows, KUBERNETES_NOTE} = await import('./kubernetes.ts');
		kubeRows = kubernetesRows(await benchKubernetes(root, cli, kube, log));
		kubeNote = KUBERNETES_NOTE;
	}

	let scale = '';
	if (only.has('scale')) {
		log('');
		log('4. Scale: N trivial steps (run: "true"), runbook run --plain --yes, against N `bash -c true` in a bash loop; the TUI (--auto, pty) against plain');
		scale = scaleTable(await benchScale(root, cli, scaleSizes, log, scaleTui));
	}

	log('');
	log('Summary (Markdown, for README.md):');
	log('');
	log(markdownTable([...summaryRows(startup, outputs, JUDGED_CASE), ...kubeRows]));
	if (scale) log('\n' + scale);
	log('');
	log(`Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}; \`npm run bench\`, ${Math.round((Date.now() - started) / 1000)} s.`);
	log(
		'The 1.3x wall-time target is judged on the chatty case: `seq` finishes in ~10-20 ms, so its ratio measures ' +
			"node's start-up (~0.5-1 s), not the cost of the output; the chatty step (bash writes each line with its own " +
			'write) makes the command itself take seconds, so the ratio shows what handling a million lines costs. ' +
			'The "floor" row is a Node program that only reads and discards the same output: what streaming it live costs ' +
			'at the least (bash writing to a socket instead of /dev/null).',
	);
	if (kubeNote) log(kubeNote);
}

try {
	await main();
} catch (error) {
	process.stderr.write(`bench: ${(error as Error).message}\n`);
	process.exitCode = 1;
}
