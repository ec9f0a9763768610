/**
 * Stalls in a run's journal (issue 15): a long gap between two transitions of
 * one step attempt. The transitions are the journal's `step-started` entry,
 * then the phases its shell command passed (journalled on the attempt's
 * `step-status` entry, executors/shell.ts), then the `step-status` entry
 * itself. A gap is named after the transition that ended it: "log open" means
 * the wait was for the step log to open.
 */
import type {StepPhases} from '../engine/ports.js';
import type {JournalEntry} from '../engine/journal-entry.js';

/** Gaps at least this long are stalls by default, in ms (issue 15: 10 s). */
export const STALL_MS = 10_000;

/** One stall: the step attempt, the phase that came late, how late, and when it began. */
export interface Stall {
	step: string;
	attempt?: number;
	/** The transition that ended the gap: `log open`, `spawned`, `start gate` or `recorded`. */
	phase: string;
	/** Length of the gap, ms. */
	gapMs: number;
	/** When the gap began, ISO-8601. */
	from: string;
}

/**
 * The transitions a stall is looked for between, in order. The command's own
 * time (start gate to exit, first output included) and its children's (exit to
 * drained) are its business, not stalls.
 */
const BEFORE_COMMAND: [Exclude<keyof StepPhases, 'startedAt'>, string][] = [
	['logOpen', 'log open'],
	['spawned', 'spawned'],
	['gateOpen', 'start gate'],
];

/**
 * The stalls of at least `minGapMs` in `entries` (a run's journal, in file
 * order), in order: step-started → executor → log open → spawned → start gate,
 * and drained → recorded (the `step-status` entry). Entries without phases
 * (a manual step, a Kubernetes action, an older journal) have none.
 */
export function findStalls(entries: readonly JournalEntry[], minGapMs = STALL_MS): Stall[] {
	const stalls: Stall[] = [];
	const started = new Map<string, number>();
	for (const entry of entries) {
		if (!entry.step) continue;
		if (entry.event === 'step-started') {
			started.set(`${entry.step}#${entry.attempt}`, Date.parse(entry.at));
			continue;
		}
		if (entry.event !== 'step-status' || !entry.phases) continue;
		const {phases, step} = entry;
		const check = (phase: string, from: number | undefined, to: number | undefined): void => {
			if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to)) return;
			if (to - from >= minGapMs) stalls.push({step, ...(entry.attempt === undefined ? {} : {attempt: entry.attempt}), phase, gapMs: to - from, from: new Date(from).toISOString()});
		};
		const at = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : phases.startedAt + offset);
		// From the journal's step-started to the executor taking the step: counted with the log's opening.
		let previous = started.get(`${step}#${entry.attempt}`) ?? phases.startedAt;
		for (const [key, name] of BEFORE_COMMAND) {
			const time = at(phases[key]);
			if (time === undefined) break;
			check(name, previous, time);
			previous = time;
		}
		check('recorded', at(phases.drained), Date.parse(entry.at));
	}
	return stalls;
}

/** `step "restore" attempt 1: 835.2 s before log open (from 2026-...)`: one line per stall. */
export function describeStall(stall: Stall): string {
	const attempt = stall.attempt === undefined ? '' : ` attempt ${stall.attempt}`;
	return `step "${stall.step}"${attempt}: ${(stall.gapMs / 1000).toFixed(1)} s before ${stall.phase} (from ${stall.from})`;
}
