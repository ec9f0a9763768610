/**
 * `npm run bench -- --only scale` (issue 14): the cost of a run as the runbook grows.
 * For each N (default 10, 100, 1,000, 5,000), a generated runbook of N trivial steps
 * (`run: "true"`) is run with `runbook run FILE --plain --yes` (stdout on /dev/null),
 * and, in the same round, a bash loop running `bash -c true` N times (the baseline).
 * In the same round, a runbook of one such step is run the same way: the per-step
 * overhead net of start-up is (wall(N) − wall(1)) / (N − 1) − the baseline's per-step
 * time, so a short run's figure is not its process start spread over ten steps.
 * N below 1,000 runs {@link SMALL_ROUNDS} rounds in turn (medians; peak RSS: the
 * highest); larger N once.
 * Printed per N: our wall time (spawn to exit, ms), per-step time and per-step
 * overhead above the baseline's per-step time (ms), raw and net of start-up, peak RSS of the runbook process
 * (MB, bench/rss-probe.js), and the bytes of the run's state files (state*.json,
 * state*.log) and of its journal (journal.jsonl) at the end, and the run's stalls
 * (issue 15: a gap of 10 s or more between two transitions of a step, with the
 * step and the phase that came late, report/stalls.ts) and its longest such gap.
 * For the sizes in `tuiSizes` (default: the largest), the same runbook also runs in
 * the TUI, `runbook run FILE --auto` in a pty (bench/pty.ts, 80x24), Enter typed at
 * its start screen, timed from its start to the end-of-run summary on screen, and given as a ratio to the plain run's
 * wall time (issue 14 target: at most 1.3x).
 */
import {runInPty, shellQuote} from './pty.ts';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {journalStalls} from './stalls.ts';
import {summarize} from './stats.ts';

/** Figures of one N. */
export interface ScaleResult {
	steps: number;
	/** Wall time of our run, ms. */
	wallMs: number;
	/** Wall time of the bash loop of the same N, ms. */
	bashMs: number;
	/** Peak RSS of the runbook process, MB. */
	rssMb: number;
	/** Bytes of the run's state files (snapshot, last good copy, logs) at the end. */
	stateBytes: number;
	/** Bytes of journal.jsonl at the end. */
	journalBytes: number;
	/** Stalls of 10 s or more in the journal, one line each (report/stalls.ts). */
	stalls: string[];
	/** Longest gap between two transitions of a step before its command ran, ms. */
	longestGapMs: number;
	/** Wall time of a run of one trivial step in the same rounds, ms (start-up and end of a run). */
	oneStepMs: number;
	/** Rounds measured (medians of them). */
	rounds: number;
	/** Wall time of the same run in the TUI (`--auto`, in a pty), ms; when measured. */
	tuiMs?: number;
}

/** Runs `argv` with stdout on /dev/null; resolves its wall time in ms; rejects on a non-zero exit. */
function timed(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(argv[0], argv.slice(1), {cwd, env, stdio: ['ignore', 'ignore', 'pipe']});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')).slice(-4000));
		child.on('error', reject);
		child.on('close', code => {
			if (code === 0) resolve(performance.now() - started);
			else reject(new Error(`${path.basename(argv[argv.length - 1] ?? '')} exited ${code}: ${stderr.slice(-1000)}`));
		});
	});
}

/** Sum of the sizes of the files in `dir` whose names pass `keep`. */
function bytesOf(dir: string, keep: (name: string) => boolean): number {
	let total = 0;
	for (const name of fs.readdirSync(dir)) if (keep(name)) total += fs.statSync(path.join(dir, name)).size;
	return total;
}

/** Rounds of each N below 1,000 (a short run's time swings with the machine's load). */
export const SMALL_ROUNDS = 5;

/**
 * Per-step overhead net of start-up, ms: (wall(N) − wall(1)) / (N − 1) − the baseline's
 * per-step time; for N = 1, the raw per-step overhead.
 */
export function netOverheadMs(r: ScaleResult): number {
	const bash = r.bashMs / r.steps;
	return r.steps > 1 ? (r.wallMs - r.oneStepMs) / (r.steps - 1) - bash : r.wallMs - bash;
}

/** Writes a runbook of `n` trivial steps to `file`. */
function writeRunbook(file: string, n: number): void {
	const lines = ['version: 1', `title: ${n} trivial steps`, 'steps:'];
	for (let i = 1; i <= n; i++) lines.push(`  - id: s${i}`, `    run: "true"`);
	fs.writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * Measures each N once, or {@link SMALL_ROUNDS} times below 1,000 (a 5,000-step run of the old O(N²) store took 25 min).
 * @param root the project (for bench/rss-probe.js); @param cli dist/cli.js to measure.
 */
export async function benchScale(root: string, cli: string, sizes: number[], log: (line: string) => void, tuiSizes: number[] = sizes.slice(-1)): Promise<ScaleResult[]> {
	const results: ScaleResult[] = [];
	for (const n of sizes) {
		const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-scale-'));
		try {
			const runbook = path.join(work, `scale-${n}.yaml`);
			writeRunbook(runbook, n);
			const single = path.join(work, 'scale-1.yaml');
			writeRunbook(single, 1);
			const loop = path.join(work, 'loop.sh');
			fs.writeFileSync(loop, `for i in $(seq 1 ${n}); do bash -c true; done\n`);
			const rounds = n < 1000 ? SMALL_ROUNDS : 1;
			const walls: number[] = [];
			const bashes: number[] = [];
			const ones: number[] = [];
			let rssMb = 0;
			const stalls: string[] = [];
			let longestGapMs = 0;
			let stateBytes = 0;
			let journalBytes = 0;
			for (let round = 0; round < rounds; round++) {
				bashes.push(await timed(['bash', loop], work, process.env));
				const stateDir = path.join(work, `state-${round}`);
				const rssFile = path.join(work, 'rss.json');
				const argv = [process.execPath, '--import', path.join(root, 'bench', 'rss-probe.js'), cli, 'run', runbook, '--new', '--plain', '--yes', '--state-dir', stateDir];
				walls.push(await timed(argv, work, {...process.env, BENCH_RSS_FILE: rssFile}));
				rssMb = Math.max(rssMb, (JSON.parse(fs.readFileSync(rssFile, 'utf8')) as {maxRssKb: number}).maxRssKb / 1024);
				ones.push(await timed([process.execPath, cli, 'run', single, '--new', '--plain', '--yes', '--state-dir', path.join(work, `state-one-${round}`)], work, process.env));
				const runs = path.join(stateDir, 'runs');
				const runDir = path.join(runs, fs.readdirSync(runs)[0]);
				stateBytes = bytesOf(runDir, name => name.startsWith('state'));
				journalBytes = bytesOf(runDir, name => name === 'journal.jsonl');
				const found = await journalStalls(runDir);
				stalls.push(...found.stalls);
				longestGapMs = Math.max(longestGapMs, found.longestGapMs);
			}
			const wallMs = summarize(walls).median;
			const bashMs = summarize(bashes).median;
			const result: ScaleResult = {steps: n, wallMs, bashMs, rssMb, stateBytes, journalBytes, stalls, longestGapMs, oneStepMs: summarize(ones).median, rounds};
			if (tuiSizes.includes(n)) {
				const tuiState = path.join(work, 'state-tui');
				const command = [process.execPath, cli, 'run', runbook, '--new', '--auto', '--state-dir', tuiState].map(shellQuote).join(' ');
				// The start screen waits for Enter (also in --auto); a completed run's summary stays
				// until a key: its count of steps done is the end of the run.
				const run = await runInPty({
					command,
					cwd: work,
					leave: {marker: 'Enter starts the run', keys: '\r'},
					markers: [`Steps: ${n}/${n} done`],
					timeoutMs: Math.max(300_000, wallMs * 5),
				});
				if (run.markerMs === undefined) {
					throw new Error(`the TUI run of N=${n} ${run.timedOut ? 'timed out' : `exited with ${run.exitCode}`} before its summary; its screen ended with:\n${run.tail}`);
				}
				result.tuiMs = run.markerMs;
			}
			const gap = `, longest gap before a command ${Math.round(result.longestGapMs)} ms`;
			const tui = result.tuiMs === undefined ? '' : `, TUI --auto ${Math.round(result.tuiMs)} ms (${(result.tuiMs / wallMs).toFixed(2)}x plain)`;
			const net = `, overhead per step ${((wallMs - bashMs) / n).toFixed(1)} ms raw, ${netOverheadMs(result).toFixed(1)} ms net of start-up (one-step run ${Math.round(result.oneStepMs)} ms)`;
			log(`  N=${n} (${rounds === 1 ? '1 round' : `medians of ${rounds} rounds`}): ours ${Math.round(wallMs)} ms, bash ${Math.round(bashMs)} ms${net}, peak RSS ${Math.round(rssMb)} MB, state ${result.stateBytes} B, journal ${result.journalBytes} B${gap}${tui}`);
			for (const stall of result.stalls) log(`  stall: ${stall}`);
			results.push(result);
		} finally {
			fs.rmSync(work, {recursive: true, force: true});
		}
	}
	return results;
}

/** The figures as a Markdown table (the issue's columns). */
export function scaleTable(results: ScaleResult[]): string {
	const kb = (bytes: number) => `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`;
	const rows = ['| N | rounds | wall time | per step | overhead per step above `bash -c true` | the same, net of start-up | one-step run | `bash -c true` per step | peak RSS | state files | journal | TUI `--auto` / plain |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
	for (const r of results) {
		const per = r.wallMs / r.steps;
		const bash = r.bashMs / r.steps;
		rows.push(
			`| ${r.steps.toLocaleString('en')} | ${r.rounds} | ${(r.wallMs / 1000).toFixed(2)} s | ${per.toFixed(1)} ms | ${(per - bash).toFixed(1)} ms | ${netOverheadMs(r).toFixed(1)} ms | ${(r.oneStepMs / 1000).toFixed(2)} s | ${bash.toFixed(1)} ms | ${Math.round(r.rssMb)} MB | ${kb(r.stateBytes)} | ${kb(r.journalBytes)} | ${r.tuiMs === undefined ? '' : `${(r.tuiMs / r.wallMs).toFixed(2)}x (${(r.tuiMs / 1000).toFixed(2)} s)`} |`,
		);
	}
	return rows.join('\n');
}
