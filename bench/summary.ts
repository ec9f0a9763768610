/**
 * The benchmark's summary: a Markdown table (measure, ours, baseline, ratio,
 * target, met?) that can be pasted into README.md, and the machine it ran on.
 */
import os from 'node:os';
import type {BinaryStartupResult} from './binary.ts';
import type {OutputResult, WayFigures} from './output.ts';
import {PLAN_TARGET, type PlanResult} from './plan.ts';
import type {StartupResult} from './startup.ts';
import {formatMs, formatRatio, type Summary} from './stats.ts';

/** Most ours/baseline start-up ratio (issue: start-up within 1.2x of an Ink hello-world). */
export const STARTUP_TARGET = 1.2;
/** Most ours/baseline wall-time ratio for a step printing 1,000,000 lines. */
export const OUTPUT_TARGET = 1.3;
/** Most ratio of the first frame to the Ink hello-world's (issue 14, item 4: its goal). */
export const BINARY_HELLO_TARGET = 0.7;

/** Most ours/baseline wall-time ratio for a step printing bulk output, against the command writing to a file (issue 15). */
export const BULK_TARGET = 2;
/** Most peak RSS of the runbook process while a step prints 1,000,000 lines, in MB. */
export const RSS_TARGET_MB = 150;

/** One row of the table. */
export interface Row {
	measure: string;
	ours: string;
	baseline: string;
	ratio: string;
	target: string;
	/** `yes`, `**no**`, or `(not judged)` for context rows. */
	met: string;
}

function medianP90(s: Summary, format: (n: number) => string): string {
	return `${format(s.median)} (p90 ${format(s.p90)})`;
}

const mb = (n: number): string => `${Math.round(n)} MB`;

function verdict(ok: boolean, judged: boolean): string {
	if (!judged) return `(not judged) ${ok ? 'yes' : 'no'}`;
	return ok ? 'yes' : '**no**';
}

function wallRow(measure: string, ours: WayFigures, base: WayFigures, baseName: string, judged: boolean, target = OUTPUT_TARGET): Row {
	const ratio = ours.wall.median / base.wall.median;
	return {
		measure,
		ours: medianP90(ours.wall, formatMs),
		baseline: `${baseName}: ${medianP90(base.wall, formatMs)}`,
		ratio: formatRatio(ratio),
		target: `<= ${target}x`,
		met: verdict(ratio <= target, judged),
	};
}

function rssRow(measure: string, ours: WayFigures): Row {
	const rss = ours.rssMb!;
	return {measure, ours: medianP90(rss, mb), baseline: '-', ratio: '-', target: `<= ${RSS_TARGET_MB} MB (p90)`, met: verdict(rss.p90 <= RSS_TARGET_MB, true)};
}

/**
 * The rows: start-up, then per output case the TUI and plain wall times
 * against bash to /dev/null, the Node floor (context), and peak RSS. The wall
 * time target is judged on the case named `judgedCase`.
 */
export function summaryRows(startup: StartupResult | undefined, outputs: readonly OutputResult[], judgedCase: string): Row[] {
	const rows: Row[] = [];
	if (startup) {
		rows.push({
			measure: 'Start-up to first frame (TUI, synapse-db-restore.yaml)',
			ours: medianP90(startup.ours, formatMs),
			baseline: `Ink hello-world: ${medianP90(startup.hello, formatMs)}`,
			ratio: formatRatio(startup.ratio),
			target: `<= ${STARTUP_TARGET}x`,
			met: verdict(startup.ratio <= STARTUP_TARGET, true),
		});
	}
	for (const result of outputs) {
		if (result.case.baseline === 'file') {
			const label = `${result.case.name} (${result.case.lines.toLocaleString('en')} lines${result.case.secret ? ', a run with a secret param' : ''}): ${result.case.script}`;
			rows.push(wallRow(`${label}: TUI wall time`, result.tui, result.baseline, 'bash > file', true, BULK_TARGET));
			rows.push(wallRow(`${label}: --plain wall time`, result.plain, result.baseline, 'bash > file', true, BULK_TARGET));
			rows.push(rssRow(`${label}: TUI peak RSS`, result.tui));
			rows.push(rssRow(`${label}: --plain peak RSS`, result.plain));
			continue;
		}
		const judged = result.case.name === judgedCase;
		const label = `1,000,000 lines, ${result.case.name}`;
		rows.push(wallRow(`${label}: TUI wall time`, result.tui, result.baseline, 'bash > /dev/null', judged));
		rows.push(wallRow(`${label}: --plain wall time`, result.plain, result.baseline, 'bash > /dev/null', judged));
		rows.push(wallRow(`${label}: floor, a Node reader that discards (context)`, result.drain, result.baseline, 'bash > /dev/null', false));
		rows.push(rssRow(`${label}: TUI peak RSS`, result.tui));
		rows.push(rssRow(`${label}: --plain peak RSS`, result.plain));
	}
	return rows;
}

/** The row of `runbook plan` against `runbook validate` (bench/plan.ts), judged on {@link PLAN_TARGET}. */
export function planRow(result: PlanResult): Row {
	return {
		measure: 'runbook plan synapse-db-restore.yaml (wall time, spawn to exit)',
		ours: medianP90(result.plan, formatMs),
		baseline: `runbook validate: ${medianP90(result.validate, formatMs)}`,
		ratio: formatRatio(result.ratio),
		target: `<= ${PLAN_TARGET}x`,
		met: verdict(result.ratio <= PLAN_TARGET, true),
	};
}

/** The row of the single executable's start-up to first frame against the npm-installed CLI (bench/binary.ts); context, no target. */
export function binaryRow(result: BinaryStartupResult): Row {
	return {
		measure: `Start-up to first frame, single executable (${Math.round(result.bytes / 1024 ** 2)} MB)`,
		ours: medianP90(result.binary, formatMs),
		baseline: `node dist/cli.js: ${medianP90(result.npm, formatMs)}`,
		ratio: formatRatio(result.ratio),
		target: '-',
		met: '(not judged)',
	};
}

/** The single executable's first frame against the Ink hello-world of the same rounds (issue 14's goal, {@link BINARY_HELLO_TARGET}). */
export function binaryHelloRow(result: BinaryStartupResult): Row {
	return {
		measure: 'Start-up to first frame, single executable, against the Ink hello-world',
		ours: medianP90(result.binary, formatMs),
		baseline: `Ink hello-world: ${medianP90(result.hello, formatMs)}`,
		ratio: formatRatio(result.helloRatio),
		target: `<= ${BINARY_HELLO_TARGET}x`,
		met: verdict(result.helloRatio <= BINARY_HELLO_TARGET, true),
	};
}

/** The rows as a Markdown table. */
export function markdownTable(rows: readonly Row[]): string {
	const header = ['measure', 'ours', 'baseline', 'ratio', 'target', 'met?'];
	const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
	// A `|` in a cell (a pipeline in a measure's name) would end the cell.
	for (const row of rows) lines.push(`| ${[row.measure, row.ours, row.baseline, row.ratio, row.target, row.met].map(cell => cell.replaceAll('|', '\\|')).join(' | ')} |`);
	return lines.join('\n');
}

/** `2 CPUs (model), Linux 6.1, Node v24.21.0, load average 0.12 0.30 0.25`. */
export function machineLine(): string {
	const cpus = os.cpus();
	const load = os
		.loadavg()
		.map(n => n.toFixed(2))
		.join(' ');
	return `${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${os.type()} ${os.release()}, ${Math.round(os.totalmem() / 1024 ** 3)} GB RAM, Node ${process.version}, load average ${load}`;
}
