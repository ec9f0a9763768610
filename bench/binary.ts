/**
 * Benchmark: the single executable's start-up to the TUI's first frame
 * (dist/runbook-linux-x64, `npm run build:binary`) against the npm-installed
 * CLI (`node dist/cli.js`), measured as the start-up benchmark measures it
 * (bench/startup.ts: `runbook run` on the Synapse runbook in a pty of 80x24,
 * until its title or first step's title appears), the two in alternation, with the
 * Ink hello-world of bench/startup.ts as a third in the same rounds: the single
 * executable is one of issue 14's routes to a first frame at most 0.7x of it.
 * The ratio to the npm-installed CLI is not judged (issue 10 asks for the figure). Both start warm
 * after the warm-up round: the npm-installed CLI loads its chunks through Node's
 * compile cache, the binary its bundle with the V8 code cache it keeps in the
 * user's cache folder (scripts/binary-main.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {runInPty, shellQuote as q} from './pty.ts';
import {firstFrameMarkers} from './startup.ts';
import {summarize, type Summary} from './stats.ts';

/** Result of the single-executable start-up benchmark. Times in ms. */
export interface BinaryStartupResult {
	binary: Summary;
	npm: Summary;
	/** The Ink hello-world (bench/hello.js) in the same rounds. */
	hello: Summary;
	/** binary.median / npm.median. */
	ratio: number;
	/** binary.median / hello.median (issue 14's goal: at most 0.7). */
	helloRatio: number;
	/** The executable's size in bytes. */
	bytes: number;
}

/**
 * Runs one warm-up round and `runs` measured rounds of `binary run …`,
 * `node cli run …` and the Ink hello-world, the order rotating each round. Throws when one never draws
 * its first frame (with the end of its output).
 */
export async function benchBinaryStartup(root: string, cli: string, binary: string, runs: number, log: (line: string) => void): Promise<BinaryStartupResult> {
	const runbook = path.join(root, 'runbooks', 'synapse-db-restore.yaml');
	const markers = firstFrameMarkers(runbook);
	const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-binary-'));
	const times = {binary: [] as number[], npm: [] as number[], hello: [] as number[]};
	const kinds = ['npm', 'binary', 'hello'] as const;
	try {
		for (let round = 0; round <= runs; round++) {
			const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
			for (const kind of order) {
				const program = kind === 'binary' ? q(binary) : `${q(process.execPath)} ${q(cli)}`;
				const stateDir = path.join(stateRoot, `${kind}-${round}`);
				const command = kind === 'hello' ? `${q(process.execPath)} ${q(path.join(root, 'bench', 'hello.js'))}` : `${program} run ${q(runbook)} -p BACKUP_FILE=/tmp/x.sql.gz -p BACKUP_PASSPHRASE= --state-dir ${q(stateDir)} --new`;
				const wanted = kind === 'hello' ? ['Hello'] : markers;
				const result = await runInPty({command, cwd: root, markers: wanted, timeoutMs: 30_000});
				if (result.markerMs === undefined) {
					throw new Error(`binary start-up benchmark: ${kind} never drew ${wanted.map(m => `"${m}"`).join(' or ')} (exit ${result.exitCode ?? 'none'}${result.timedOut ? ', timed out' : ''}); its output ended with:\n${result.tail}`);
				}
				if (round > 0) times[kind].push(result.markerMs);
			}
			if (round === 0) log('  warm-up round done');
			else log(`  round ${round}/${runs}: npm-installed ${Math.round(times.npm.at(-1)!)} ms, single executable ${Math.round(times.binary.at(-1)!)} ms, Ink hello-world ${Math.round(times.hello.at(-1)!)} ms`);
		}
	} finally {
		fs.rmSync(stateRoot, {recursive: true, force: true});
	}
	const binaryTimes = summarize(times.binary);
	const npm = summarize(times.npm);
	const hello = summarize(times.hello);
	return {binary: binaryTimes, npm, hello, ratio: binaryTimes.median / npm.median, helloRatio: binaryTimes.median / hello.median, bytes: fs.statSync(binary).size};
}
