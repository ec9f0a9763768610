/**
 * Benchmark 2: a step that prints 1,000,000 lines. The same bash script runs
 * three ways, in alternation within each round:
 *
 * - baseline: `bash -c 'set -euo pipefail;<script>'` with stdout on /dev/null, or,
 *             for the bulk cases (`baseline: 'file'`), into a file in the same
 *             folder as the step logs (the same disk), removed after each round;
 * - drain:    `node bench/drain.js <script>`: the same bash on pipes, its output
 *             read and discarded: the floor of any Node program showing output live;
 * - plain:    `runbook run FILE --plain` with stdout on /dev/null;
 * - tui:      `runbook run FILE --auto` in a pty (`script`), drawing the TUI; Enter is typed
 *             on the start screen (a new run starts with it), `q` when the completed
 *             run's summary shows (it stays until a key).
 *
 * Wall time is spawn to exit. Peak RSS of the runbook node process comes from
 * the process itself (bench/rss-probe.js writes `process.resourceUsage().maxRSS`
 * at exit). Each run's step log is checked to hold every line, so a run that
 * lost output cannot pass for a fast one.
 */
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {runInPty, shellQuote as q} from './pty.ts';
import {journalStalls} from './stalls.ts';
import {summarize, type Summary} from './stats.ts';

/** One command printing many lines. */
export interface OutputCase {
	/** Short name for the tables: `seq`, `chatty`. */
	name: string;
	/** The step's bash script. */
	script: string;
	/** Lines it prints. */
	lines: number;
	/** Measured rounds. */
	runs: number;
	/** Run one unmeasured round first (worth it when a round is cheap). */
	warmup: boolean;
	/** Rounds (the first ones) that also run the Node floor, `drain` (it is context, and costs time). */
	drainRuns: number;
	/** Where the baseline's stdout goes: `devnull` (default) or `file` (the bulk cases: the log is a file too). */
	baseline?: 'devnull' | 'file';
	/**
	 * Run with a secret param (`TOKEN`, given as RUNBOOK_SECRET_TOKEN, a value the output
	 * never holds): a real runbook's run has secrets, and its output is then searched for
	 * them (executors/masked-output.ts).
	 */
	secret?: boolean;
}

/** The secret param's value in a {@link OutputCase.secret} run. */
const SECRET_VALUE = 'bench-secret-Zq8#not-in-the-output';

/** Figures of one way of running a case. Wall times in ms, RSS in MB. */
export interface WayFigures {
	wall: Summary;
	/** Peak RSS of the runbook node process (undefined for the bash baseline). */
	rssMb?: Summary;
	/** The step's own duration as the step log records it (undefined for the baseline). */
	stepMs?: Summary;
}

/** Results of one case. */
export interface OutputResult {
	case: OutputCase;
	baseline: WayFigures;
	drain: WayFigures;
	plain: WayFigures;
	tui: WayFigures;
}

type Way = 'baseline' | 'drain' | 'plain' | 'tui';

interface Sample {
	wallMs: number;
	rssKb?: number;
	/** V8's young generation at exit, MB (it grows under a high allocation rate). */
	newSpaceMb?: number;
	stepMs?: number;
	/** Stalls of 10 s or more the run's journal shows (report/stalls.ts). */
	stalls?: string[];
}

/** The runbook holding one step `print` that runs `script`. */
function runbookText(c: OutputCase): string {
	const body = c.script
		.split('\n')
		.map(line => `      ${line}`)
		.join('\n');
	const params = c.secret ? 'params:\n  TOKEN:\n    secret: true\n' : '';
	return `version: 1\ntitle: Bench ${c.name} (${c.lines} lines)\n${params}steps:\n  - id: print\n    title: Print ${c.lines} lines\n    run: |\n${body}\n`;
}

/** Spawns `argv` with stdout on /dev/null; resolves with the wall time; rejects on a non-zero exit. */
function timeDevNull(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
	return new Promise((resolve, reject) => {
		const devNull = fs.openSync('/dev/null', 'w');
		const started = performance.now();
		const child = spawn(argv[0], argv.slice(1), {cwd, env, stdio: ['ignore', devNull, 'pipe']});
		fs.closeSync(devNull);
		let stderr = '';
		child.stderr?.on('data', (data: Buffer) => {
			stderr = (stderr + data.toString('utf8')).slice(-4000);
		});
		child.on('error', reject);
		child.on('close', code => {
			const wall = performance.now() - started;
			if (code === 0) resolve(wall);
			else reject(new Error(`${path.basename(argv[0])} exited with ${code}: ${stderr.trim()}`));
		});
	});
}

/**
 * Checks the step log of the only run in `stateDir` holds at least `lines`
 * output lines and returns the step duration it records (ms). Throws when not.
 */
function checkStepLog(stateDir: string, lines: number): number {
	const runsDir = path.join(stateDir, 'runs');
	const [runId] = fs.readdirSync(runsDir);
	const logFile = path.join(runsDir, runId, 'logs', 'print.1.log');
	// Read in pieces: a bulk case's log is larger than a string may be.
	const fd = fs.openSync(logFile, 'r');
	const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
	let count = 0;
	let tail = Buffer.alloc(0);
	try {
		for (let bytes; (bytes = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
			const piece = buffer.subarray(0, bytes);
			for (let at = piece.indexOf(10); at !== -1; at = piece.indexOf(10, at + 1)) count++;
			tail = Buffer.from(Buffer.concat([tail, piece]).subarray(-500));
		}
	} finally {
		fs.closeSync(fd);
	}
	const end = tail.toString('utf8');
	// Two note lines: started, ended.
	if (count - 2 < lines) throw new Error(`the step log ${logFile} holds ${count - 2} output lines, expected ${lines}`);
	const match = /exit code 0 after (\d+) ms/.exec(end);
	if (!match) throw new Error(`the step log ${logFile} does not end with "exit code 0": ${end.slice(-300)}`);
	return Number(match[1]);
}

/** Reads what bench/rss-probe.js wrote; throws when it wrote nothing usable. */
function readProbe(file: string): {maxRssKb: number; newSpaceMb: number} {
	const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {maxRssKb?: number; newSpaceMb?: number};
	if (!report.maxRssKb || report.maxRssKb <= 0) throw new Error(`no peak RSS in ${file}`);
	return {maxRssKb: report.maxRssKb, newSpaceMb: report.newSpaceMb ?? 0};
}

/** Runs `c` one way and returns its sample; throws when the run failed. */
async function runOnce(c: OutputCase, way: Way, root: string, cliFile: string, work: string, round: number): Promise<Sample> {
	const runbook = path.join(work, `${c.name}.yaml`);
	if (way === 'baseline') {
		if (c.baseline !== 'file') return {wallMs: await timeDevNull(['bash', '-c', `set -euo pipefail;${c.script}`], work, process.env)};
		const out = path.join(work, `baseline-${round}.out`);
		try {
			return {wallMs: await timeDevNull(['bash', '-c', `set -euo pipefail;{\n${c.script}\n} > ${q(out)}`], work, process.env)};
		} finally {
			fs.rmSync(out, {force: true});
		}
	}
	if (way === 'drain') {
		return {wallMs: await timeDevNull([process.execPath, path.join(root, 'bench', 'drain.js'), c.script], work, process.env)};
	}
	const stateDir = path.join(work, `state-${way}-${round}`);
	const rssFile = path.join(work, `rss-${way}-${round}`);
	const cli = [process.execPath, '--import', path.join(root, 'bench', 'rss-probe.js'), cliFile, 'run', runbook, '--new', '--state-dir', stateDir];
	const secret: NodeJS.ProcessEnv = c.secret ? {RUNBOOK_SECRET_TOKEN: SECRET_VALUE} : {};
	try {
		let wallMs: number;
		if (way === 'plain') {
			wallMs = await timeDevNull([...cli, '--plain'], work, {...process.env, ...secret, BENCH_RSS_FILE: rssFile});
		} else {
			const result = await runInPty({command: [...cli, '--auto'].map(q).join(' '), cwd: work, env: {...secret, BENCH_RSS_FILE: rssFile}, timeoutMs: 300_000, type: [{marker: 'Enter starts the run', keys: '\r'}], leave: {marker: 'Run completed', keys: 'q'}});
			if (result.exitMs === undefined || result.exitCode !== 0) {
				throw new Error(`the TUI run ${result.timedOut ? 'timed out' : `exited with ${result.exitCode}`}; its screen ended with:\n${result.tail}`);
			}
			wallMs = result.exitMs;
		}
		const stepMs = checkStepLog(stateDir, c.lines);
		const runsDir = path.join(stateDir, 'runs');
		const {stalls} = await journalStalls(path.join(runsDir, fs.readdirSync(runsDir)[0]));
		const probe = readProbe(rssFile);
		return {wallMs, rssKb: probe.maxRssKb, newSpaceMb: probe.newSpaceMb, stepMs, stalls};
	} finally {
		fs.rmSync(stateDir, {recursive: true, force: true});
		fs.rmSync(rssFile, {force: true});
	}
}

function figures(samples: Sample[]): WayFigures {
	const out: WayFigures = {wall: summarize(samples.map(s => s.wallMs))};
	if (samples[0]?.rssKb !== undefined) out.rssMb = summarize(samples.map(s => s.rssKb! / 1024));
	if (samples[0]?.stepMs !== undefined) out.stepMs = summarize(samples.map(s => s.stepMs!));
	return out;
}

/**
 * Runs `c.runs` measured rounds (after a warm-up round if `c.warmup`) of
 * baseline, plain and TUI, plus the Node floor in the first `c.drainRuns`
 * rounds; the order rotates each round. `cli` is the runbook CLI's entry
 * file. Throws when a run fails.
 */
export async function benchOutput(root: string, cli: string, c: OutputCase, log: (line: string) => void): Promise<OutputResult> {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), `runbook-bench-${c.name}-`));
	const samples: Record<Way, Sample[]> = {baseline: [], drain: [], plain: [], tui: []};
	try {
		fs.writeFileSync(path.join(work, `${c.name}.yaml`), runbookText(c));
		for (let round = c.warmup ? 0 : 1; round <= c.runs; round++) {
			const ways: Way[] = round === 0 || round <= c.drainRuns ? ['baseline', 'drain', 'plain', 'tui'] : ['baseline', 'plain', 'tui'];
			const order = ways.map((_, i) => ways[(i + round) % ways.length]);
			const got: Partial<Record<Way, Sample>> = {};
			for (const way of order) got[way] = await runOnce(c, way, root, cli, work, round);
			if (round === 0) {
				log(`  warm-up round done`);
				continue;
			}
			for (const way of ways) samples[way].push(got[way]!);
			for (const way of ways) for (const stall of got[way]!.stalls ?? []) log(`  stall in the ${way} run: ${stall}`);
			const mb = (s: Sample) => `${Math.round(s.rssKb! / 1024)} MB, young gen ${s.newSpaceMb} MB`;
			const drain = got.drain ? `, node drain ${Math.round(got.drain.wallMs)} ms` : '';
			log(`  round ${round}/${c.runs}: bash ${Math.round(got.baseline!.wallMs)} ms${drain}, plain ${Math.round(got.plain!.wallMs)} ms (${mb(got.plain!)}), tui ${Math.round(got.tui!.wallMs)} ms (${mb(got.tui!)})`);
		}
	} finally {
		fs.rmSync(work, {recursive: true, force: true});
	}
	return {case: c, baseline: figures(samples.baseline), drain: figures(samples.drain), plain: figures(samples.plain), tui: figures(samples.tui)};
}
