/**
 * The crash harness's results: one record per trial, their sum (the tally), and the
 * tally as a table for the terminal and README.md.
 */

/** What one trial did and found. */
export interface TrialResult {
	/** Which runbook. */
	target: 'demo' | 'synthetic';
	/** Trial number in its series (0-based) and the seed its choices were drawn from. */
	index: number;
	seed: number;
	/** CLI processes started (the run and every resume). */
	sessions: number;
	/** SIGKILLs that hit a running CLI. */
	kills: number;
	/** Kills after which a state temp file was left (the kill hit a state write). */
	killsInStateWrite: number;
	/** Kills before the run's state was first saved (the next session starts the run again). */
	killsBeforeFirstSave: number;
	/** `runbook resume` sessions. */
	resumes: number;
	/** Resumes without --rerun-interrupted that stopped at an interrupted step to ask for the operator's choice. */
	stopsForChoice: number;
	/** Loads that used the last good copy (state.prev.json) because state.json was damaged or missing. */
	recovered: number;
	/** Loads where neither state file held a valid state. */
	damaged: number;
	/** Step starts the state did not allow (see marks.ts checkStarts). */
	illegalReruns: string[];
	/** Step starts the state after them does not record. */
	unrecordedStarts: string[];
	/** Journal lines that are not JSON. */
	tornJournalLines: number;
	/** What is wrong with the end of the trial: wrong result, a failed or hung session. */
	wrongResults: string[];
	/** Processes of the trial left running after a session ended on its own (pid, command). */
	leftoverProcesses: string[];
	/**
	 * Gaps of 10 s or more between two transitions of a step (report/stalls.ts), one
	 * line each: reported, not a failure (a loaded machine may stall; issue 15).
	 */
	stalls: string[];
	durationMs: number;
	/** Folder holding the state, marks and output of a failed trial. */
	keptIn?: string;
}

/** True when a trial found nothing wrong. */
export function trialPassed(trial: TrialResult): boolean {
	return trial.damaged === 0 && trial.illegalReruns.length === 0 && trial.unrecordedStarts.length === 0 && trial.tornJournalLines === 0 && trial.wrongResults.length === 0 && trial.leftoverProcesses.length === 0;
}

/** The sum over trials. Counts; `failures` lists the trials that found something. */
export interface Tally {
	trials: number;
	sessions: number;
	kills: number;
	killsInStateWrite: number;
	killsBeforeFirstSave: number;
	resumes: number;
	stopsForChoice: number;
	recovered: number;
	damaged: number;
	illegalReruns: number;
	unrecordedStarts: number;
	tornJournalLines: number;
	wrongResults: number;
	leftoverProcesses: number;
	/** Stalls of 10 s or more (TrialResult.stalls). */
	stalls: number;
	/** Wall time of the series, ms (trials may overlap). */
	timeMs: number;
	failures: TrialResult[];
}

/** An empty tally. */
export function emptyTally(): Tally {
	return {
		trials: 0,
		sessions: 0,
		kills: 0,
		killsInStateWrite: 0,
		killsBeforeFirstSave: 0,
		resumes: 0,
		stopsForChoice: 0,
		recovered: 0,
		damaged: 0,
		illegalReruns: 0,
		unrecordedStarts: 0,
		tornJournalLines: 0,
		wrongResults: 0,
		leftoverProcesses: 0,
		stalls: 0,
		timeMs: 0,
		failures: [],
	};
}

/** Adds one trial to a tally (in place); returns the tally. */
export function addTrial(tally: Tally, trial: TrialResult): Tally {
	tally.trials++;
	tally.sessions += trial.sessions;
	tally.kills += trial.kills;
	tally.killsInStateWrite += trial.killsInStateWrite;
	tally.killsBeforeFirstSave += trial.killsBeforeFirstSave;
	tally.resumes += trial.resumes;
	tally.stopsForChoice += trial.stopsForChoice;
	tally.recovered += trial.recovered;
	tally.damaged += trial.damaged;
	tally.illegalReruns += trial.illegalReruns.length;
	tally.unrecordedStarts += trial.unrecordedStarts.length;
	tally.tornJournalLines += trial.tornJournalLines;
	tally.wrongResults += trial.wrongResults.length > 0 ? 1 : 0;
	tally.leftoverProcesses += trial.leftoverProcesses.length;
	tally.stalls += trial.stalls.length;
	if (!trialPassed(trial)) tally.failures.push(trial);
	return tally;
}

/** The sum of several tallies (the synthetic and the demo series); time is the longest. */
export function mergeTallies(...tallies: Tally[]): Tally {
	const total = emptyTally();
	for (const tally of tallies) {
		for (const key of Object.keys(total) as Array<keyof Tally>) {
			if (key === 'failures') total.failures.push(...tally.failures);
			else if (key === 'timeMs') total.timeMs = Math.max(total.timeMs, tally.timeMs);
			else total[key] += tally[key];
		}
	}
	return total;
}

/** Rows of the tally table: label, then whether it must be 0. */
const ROWS: Array<[Exclude<keyof Tally, 'failures' | 'timeMs'>, string, boolean]> = [
	['trials', 'trials', false],
	['sessions', 'CLI processes (run + resumes)', false],
	['kills', 'SIGKILLs', false],
	['killsInStateWrite', '  of which during a state write', false],
	['killsBeforeFirstSave', '  of which before the first save', false],
	['resumes', 'resumes', false],
	['stopsForChoice', 'resumes stopped to ask (no --rerun-interrupted)', false],
	['recovered', 'recovered from state.prev.json', false],
	['damaged', 'damaged state (no valid file)', true],
	['illegalReruns', 'steps re-run without the choice', true],
	['unrecordedStarts', 'step starts not recorded', true],
	['tornJournalLines', 'torn journal lines', true],
	['wrongResults', 'trials with a wrong result', true],
	['leftoverProcesses', 'leftover processes', true],
	['stalls', 'stalls of 10 s or more (step, phase: see the trial lines)', false],
];

/** Formats a duration in ms as `12.3 s` or `4 min 05 s`. */
export function formatMs(ms: number): string {
	const seconds = ms / 1000;
	if (seconds < 60) return `${seconds.toFixed(1)} s`;
	const whole = Math.round(seconds);
	return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/**
 * The tallies as a Markdown table, one column per series (e.g. synthetic, demo,
 * total); rows that must be 0 say so.
 */
export function tallyTable(columns: Array<[string, Tally]>): string {
	const header = `| | ${columns.map(([name]) => name).join(' | ')} |`;
	const rule = `| --- | ${columns.map(() => '---:').join(' | ')} |`;
	const lines = [header, rule];
	for (const [key, label, mustBeZero] of ROWS) {
		lines.push(`| ${label}${mustBeZero ? ' (must be 0)' : ''} | ${columns.map(([, tally]) => String(tally[key])).join(' | ')} |`);
	}
	lines.push(`| time | ${columns.map(([, tally]) => formatMs(tally.timeMs)).join(' | ')} |`);
	return lines.join('\n');
}

/** One progress line for a finished trial. */
export function trialLine(trial: TrialResult, done: number, total: number): string {
	const verdict = trialPassed(trial) ? 'ok' : 'FAILED';
	const parts = [
		`${trial.kills} kill${trial.kills === 1 ? '' : 's'}`,
		`${trial.resumes} resume${trial.resumes === 1 ? '' : 's'}`,
		...(trial.killsInStateWrite ? [`${trial.killsInStateWrite} in a state write`] : []),
		...(trial.stopsForChoice ? [`${trial.stopsForChoice} asked`] : []),
		...(trial.recovered ? [`${trial.recovered} recovered`] : []),
		...trial.stalls.map(stall => `stall: ${stall}`),
	];
	return `${trial.target} ${String(done).padStart(String(total).length)}/${total} (trial ${trial.index}, seed ${trial.seed}): ${verdict}, ${parts.join(', ')}, ${formatMs(trial.durationMs)}`;
}

/** What went wrong in a failed trial, several lines. */
export function failureLines(trial: TrialResult): string[] {
	const lines = [`${trial.target} trial ${trial.index} (seed ${trial.seed})${trial.keptIn ? `, files kept in ${trial.keptIn}` : ''}:`];
	if (trial.damaged) lines.push(`  damaged state: ${trial.damaged}`);
	for (const line of trial.illegalReruns) lines.push(`  illegal re-run: ${line}`);
	for (const line of trial.unrecordedStarts) lines.push(`  unrecorded start: ${line}`);
	if (trial.tornJournalLines) lines.push(`  torn journal lines: ${trial.tornJournalLines}`);
	for (const line of trial.wrongResults) lines.push(`  wrong: ${line.replace(/\n/g, '\n    ')}`);
	for (const line of trial.leftoverProcesses) lines.push(`  leftover process: ${line}`);
	for (const line of trial.stalls) lines.push(`  stall: ${line}`);
	return lines;
}
