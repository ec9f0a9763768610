/**
 * Benchmark 1: start-up to first frame. Time from spawning the command in a
 * pty to the first frame on the terminal, for `runbook run` on the shipped
 * Synapse runbook (first frame: the runbook title or the first step's title
 * appears) and for an Ink hello-world (`Hello` appears), measured the same
 * way and in alternation, so both share the machine's noise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {parse} from 'yaml';
import {runInPty, shellQuote as q} from './pty.ts';
import {summarize, type Summary} from './stats.ts';

/** Result of the start-up benchmark. Times in ms. */
export interface StartupResult {
	ours: Summary;
	hello: Summary;
	/** `script` + `stty` + a shell `echo`: the pty's own cost, shared by both. */
	floor: Summary;
	/** ours.median / hello.median. */
	ratio: number;
	/** The strings that counted as the first frame of ours. */
	markers: string[];
}

/** How many characters of a title to look for: the TUI may cut a long title to fit 80 columns. */
const MARKER_CHARS = 16;

/** The first frame's markers: the runbook's title and its first step's title, each cut to {@link MARKER_CHARS}. */
export function firstFrameMarkers(runbookFile: string): string[] {
	const doc = parse(fs.readFileSync(runbookFile, 'utf8')) as {title: string; steps: Array<{id: string; title?: string}>};
	const first = doc.steps[0];
	return [doc.title, first.title ?? first.id].map(text => text.slice(0, MARKER_CHARS));
}

/**
 * Runs `runs` measured rounds (after one warm-up round) of floor, hello and
 * ours (`cli`: the runbook CLI's entry file), the order rotating each round. Throws when a command never draws its
 * marker (with the end of its output, so the cause is visible).
 */
export async function benchStartup(root: string, cli: string, runs: number, log: (line: string) => void): Promise<StartupResult> {
	const node = process.execPath;
	const runbook = path.join(root, 'runbooks', 'synapse-db-restore.yaml');
	const markers = firstFrameMarkers(runbook);
	const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-startup-'));
	const times = {ours: [] as number[], hello: [] as number[], floor: [] as number[]};
	try {
		const kinds = ['floor', 'hello', 'ours'] as const;
		const command = (kind: (typeof kinds)[number], round: number): {command: string; markers: string[]} => {
			if (kind === 'floor') return {command: `echo PTY-READY; sleep 5`, markers: ['PTY-READY']};
			if (kind === 'hello') return {command: `${q(node)} ${q(path.join(root, 'bench', 'hello.js'))}`, markers: ['Hello']};
			const stateDir = path.join(stateRoot, `run-${round}`);
			return {
				command: `${q(node)} ${q(cli)} run ${q(runbook)} -p BACKUP_FILE=/tmp/x.sql.gz -p BACKUP_PASSPHRASE= --state-dir ${q(stateDir)} --new`,
				markers,
			};
		};
		for (let round = 0; round <= runs; round++) {
			// Rotate the order so neither always runs first after a pause.
			const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]);
			for (const kind of order) {
				const {command: line, markers: wanted} = command(kind, round);
				const result = await runInPty({command: line, cwd: root, markers: wanted, timeoutMs: 20_000});
				if (result.markerMs === undefined) {
					throw new Error(`start-up benchmark: ${kind} never drew ${wanted.map(m => `"${m}"`).join(' or ')}` + ` (exit ${result.exitCode ?? 'none'}${result.timedOut ? ', timed out' : ''}); its output ended with:\n${result.tail}`);
				}
				if (round > 0) times[kind].push(result.markerMs);
			}
			if (round === 0) log('  warm-up round done');
			else log(`  round ${round}/${runs}: floor ${Math.round(times.floor.at(-1)!)} ms, hello ${Math.round(times.hello.at(-1)!)} ms, ours ${Math.round(times.ours.at(-1)!)} ms`);
		}
	} finally {
		fs.rmSync(stateRoot, {recursive: true, force: true});
	}
	const ours = summarize(times.ours);
	const hello = summarize(times.hello);
	return {ours, hello, floor: summarize(times.floor), ratio: ours.median / hello.median, markers};
}
