/**
 * The Markdown report of a run (`runbook report RUN_ID`): what ran, who did it
 * (with the handover between operators), every decision, failures and skips,
 * the timeline, and the total downtime, which seed 004 (Database Restore Guide,
 * "Document restore time: Record start time, Record completion time, Update RTO")
 * asks operators to record.
 *
 * It reads only the saved state and the journal: neither holds secret values,
 * so neither does the report.
 */
import {formatDuration} from '../runbook/duration.js';
import {runStatusWord, type Attempt, type RunState} from '../engine/state.js';
import {describeOutcome} from '../engine/outcome.js';
import {runDowntime} from './downtime.js';
import type {JournalEntry} from '../engine/journal-entry.js';
import {visibleControls} from '../security/terminal-text.js';

/** `2026-11-20 23:15:02` from an ISO-8601 time (UTC). */
function time(iso: string): string {
	return iso.replace('T', ' ').slice(0, 19);
}

/** Text made safe for a table cell: no line breaks, `|` escaped. */
function cell(text: string): string {
	return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

/** `text` as an inline code span, whatever backticks it holds. */
function code(text: string): string {
	const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length));
	const fence = '`'.repeat(longest + 1);
	const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
	return `${fence}${pad}${text}${pad}${fence}`;
}

/** A Markdown table. */
function table(header: string[], rows: string[][]): string {
	const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
	for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
	return lines.join('\n');
}

/** `4m05s (245 s)`. */
function span(ms: number): string {
	const seconds = Number((ms / 1000).toFixed(3));
	return `${formatDuration(ms)} (${seconds} s)`;
}

function attemptMs(attempt: Attempt): number | undefined {
	return attempt.finishedAt ? Date.parse(attempt.finishedAt) - Date.parse(attempt.startedAt) : undefined;
}

/** First non-empty line of a command, at most 80 characters. */
function firstLine(command: string): string {
	const line =
		command
			.split('\n')
			.find(l => l.trim() !== '')
			?.trim() ?? '';
	const more = line.length > 80 || command.trim().includes('\n');
	return line.length > 80 ? `${line.slice(0, 79)}…` : more ? `${line} …` : line;
}

/** One row of the timeline: what happened, in the table's words. */
interface TimelineRow {
	at: string;
	by: string;
	step: string;
	event: string;
	detail: string;
}

function journalRow(entry: JournalEntry): TimelineRow {
	const base = {at: entry.at, by: entry.by, step: entry.step ?? ''};
	switch (entry.event) {
		case 'run-started':
			return {...base, event: entry.resumed ? 'run resumed' : 'run started', detail: `pid ${entry.pid}`};
		case 'step-started':
			return {...base, event: `attempt ${entry.attempt} started`, detail: code(firstLine(entry.command)) + (entry.log ? ` → ${entry.log}` : '')};
		case 'step-status': {
			// A failure's `error` is the outcome's description (engine/outcome.ts), which names the exit code or signal itself.
			const parts = [entry.error ? entry.error : entry.exitCode !== undefined ? (entry.exitCode === null ? 'no exit code' : `exit ${entry.exitCode}`) : '', entry.durationMs !== undefined ? `after ${formatDuration(entry.durationMs)}` : '', entry.note ?? ''];
			return {...base, event: entry.status, detail: parts.filter(Boolean).join('; ')};
		}
		case 'decision':
			return {...base, event: `decision: ${entry.kind}`, detail: entry.detail ?? ''};
		case 'notice':
			return {...base, event: `notice (${entry.level})`, detail: entry.message};
		case 'run-finished':
			return {...base, event: `run ${runStatusWord(entry.status)}`, detail: entry.reason ?? ''};
		default:
			return {...base, event: String((entry as {event: unknown}).event), detail: ''};
	}
}

/** A timeline from the state alone, for runs without a journal. */
function stateTimeline(state: RunState): TimelineRow[] {
	const rows: TimelineRow[] = [{at: state.createdAt, by: state.startedBy, step: '', event: 'run started', detail: ''}];
	for (const id of state.order) {
		for (const a of state.steps[id]?.attempts ?? []) {
			rows.push({at: a.startedAt, by: a.by ?? '', step: id, event: `attempt ${a.n} started`, detail: a.log ?? ''});
			if (a.finishedAt) rows.push({at: a.finishedAt, by: a.by ?? '', step: id, event: a.outcome ?? 'ended', detail: attemptDetail(a)});
		}
	}
	for (const d of state.decisions) rows.push({at: d.at, by: d.by, step: d.stepId ?? '', event: `decision: ${d.kind}`, detail: d.detail ?? ''});
	return rows.sort((a, b) => a.at.localeCompare(b.at));
}

/** What a finished attempt's timeline row says: its outcome (`exit code 3`, `timed out after 5m`), `exit 0` for a success with a process. */
function attemptDetail(a: Attempt): string {
	if (a.result === undefined) return a.exitCode != null ? `exit ${a.exitCode}` : '';
	if (a.result.kind === 'succeeded') return a.result.exitCode === undefined ? '' : `exit ${a.result.exitCode}`;
	return describeOutcome(a.result);
}

/** Operators in order of first appearance, with their sessions, the steps they ran and their decisions. */
function operators(state: RunState, journal: JournalEntry[]): string[] {
	type Who = {sessions: string[]; ran: Map<string, number[]>; decided: string[]};
	const people = new Map<string, Who>();
	const who = (name: string): Who => {
		let entry = people.get(name);
		if (!entry) people.set(name, (entry = {sessions: [], ran: new Map(), decided: []}));
		return entry;
	};
	who(state.startedBy);
	const acts: Array<{at: string; by: string; apply: (w: Who) => void}> = [];
	const sessions = journal.flatMap(e => (e.event === 'run-started' ? [e] : []));
	for (const e of sessions) acts.push({at: e.at, by: e.by, apply: w => w.sessions.push(`${e.resumed ? 'resumed' : 'started'} the run at ${time(e.at)}`)});
	// A run begun before journals existed: its start (and resumes) come from the state.
	if (!sessions.some(e => !e.resumed)) acts.push({at: state.createdAt, by: state.startedBy, apply: w => w.sessions.push(`started the run at ${time(state.createdAt)}`)});
	if (sessions.length === 0) for (const d of state.decisions) if (d.kind === 'resume') acts.push({at: d.at, by: d.by, apply: w => w.sessions.push(`resumed the run at ${time(d.at)}`)});
	for (const id of state.order) {
		for (const a of state.steps[id]?.attempts ?? []) {
			acts.push({at: a.startedAt, by: a.by ?? 'unknown', apply: w => w.ran.set(id, [...(w.ran.get(id) ?? []), a.n])});
		}
	}
	for (const d of state.decisions) {
		if (d.kind === 'resume') continue;
		acts.push({at: d.at, by: d.by, apply: w => w.decided.push(d.stepId ? `${code(d.stepId)} ${d.kind}` : d.kind)});
	}
	acts.sort((a, b) => a.at.localeCompare(b.at));
	for (const act of acts) act.apply(who(act.by));
	const lines: string[] = [];
	for (const [name, w] of people) {
		const ran = [...w.ran].map(([id, ns]) => `${code(id)} (attempt${ns.length > 1 ? 's' : ''} ${ns.join(', ')})`);
		lines.push(`- **${name}**`);
		lines.push(`  - sessions: ${w.sessions.join('; ') || 'none recorded'}`);
		lines.push(`  - ran: ${ran.join(', ') || 'no commands'}`);
		lines.push(`  - decided: ${w.decided.join(', ') || 'nothing'}`);
	}
	return lines;
}

/** Who acted on a step: whoever ran its attempts, else whoever decided on it. */
function stepActors(state: RunState, id: string): string {
	const byAttempts = new Set((state.steps[id]?.attempts ?? []).map(a => a.by ?? 'unknown'));
	if (byAttempts.size > 0) return [...byAttempts].join(', ');
	return [...new Set(state.decisions.filter(d => d.stepId === id).map(d => `${d.by} (${d.kind})`))].join(', ');
}

/** Failed attempts, skipped steps and steps marked done after a failure or interruption, with reasons. */
function failuresAndSkips(state: RunState): string[] {
	const lines: string[] = [];
	for (const id of state.order) {
		const step = state.steps[id];
		if (!step) continue;
		for (const a of step.attempts) {
			if (a.result === undefined || a.result.kind === 'succeeded') continue;
			lines.push(`- ${code(id)} attempt ${a.n} ${a.outcome ?? 'failed'} at ${time(a.finishedAt ?? a.startedAt)} (${a.by ?? 'unknown'}): ${describeOutcome(a.result)}${a.log ? `; log ${code(a.log)}` : ''}`);
		}
		// A manual step's own "done" is how it ends, not a failure set aside.
		const closing = state.decisions.filter(d => d.stepId === id && (d.kind === 'skip' || (d.kind === 'mark-done' && d.reason !== 'manual-step'))).at(-1);
		if (step.status === 'skipped') lines.push(`- ${code(id)} skipped${closing ? ` by ${closing.by} at ${time(closing.at)}` : ''}: ${step.note ?? 'no reason recorded'}`);
		else if (step.status === 'succeeded' && closing?.kind === 'mark-done') lines.push(`- ${code(id)} marked done by ${closing.by} at ${time(closing.at)}: ${step.note ?? closing.detail ?? ''}`);
	}
	return lines;
}

/** The report's summary row for groups that were rolled back (format 1.1), or none. */
function rolledBackRows(state: RunState): string[][] {
	const rolled = Object.entries(state.groups ?? {}).filter(([, g]) => g.outcome === 'rolled-back');
	if (rolled.length === 0) return [];
	return [['Rolled back', rolled.map(([id, g]) => `group ${code(id)}: ${g.phase === 'rescue' ? 'its rescue did not finish' : 'failed, rolled back'}${g.failedStep ? ` (step ${code(g.failedStep)} failed)` : ''}`).join('; ')]];
}

/**
 * Renders the report of a run as Markdown.
 * @param state the run's saved state.
 * @param journal the run's journal entries, oldest first (may be empty: the timeline
 * is then built from the state's attempts and decisions).
 * @param titles step titles by id, from the runbook when it can still be read; ids otherwise.
 * @returns Markdown text ending with a newline, its control characters but tab and newline
 * written `\xNN` (titles, errors, notes and answers are hostile input, and the report is
 * read on a terminal: security/terminal-text.ts).
 */
export function renderReport(state: RunState, journal: JournalEntry[], titles: Record<string, string> = {}): string {
	const out: string[] = [];
	const downtime = runDowntime(state);
	const finished = journal.filter(e => e.event === 'run-finished').at(-1);
	const counts = new Map<string, number>();
	for (const id of state.order) counts.set(state.steps[id]?.status ?? 'missing', (counts.get(state.steps[id]?.status ?? 'missing') ?? 0) + 1);

	out.push(`# Run report: ${state.title}`, '');
	out.push(
		table(
			['', ''],
			[
				['Run id', code(state.runId)],
				['Runbook', code(state.runbookPath)],
				['Status', `**${runStatusWord(state.status)}**${finished?.event === 'run-finished' && finished.reason ? ` (${finished.reason})` : ''}`],
				['Started', `${time(state.createdAt)} UTC by ${state.startedBy}`],
				['Last activity', `${time(state.updatedAt)} UTC`],
				['Steps', [...counts].map(([status, n]) => `${n} ${status}`).join(', ') + ` (of ${state.order.length})`],
				['Downtime', downtime ? span(downtime.ms) : 'no step was run'],
				...rolledBackRows(state),
			],
		),
		'',
	);

	out.push('## Downtime', '');
	if (downtime) {
		out.push(
			`Total downtime, from the first step's start (${time(downtime.startAt)} UTC) to the last step's end (${time(downtime.endAt)} UTC): **${span(downtime.ms)}**.` + (state.status === 'completed' ? '' : ` The run is ${runStatusWord(state.status)}: this is the time so far.`),
			'',
			'Record it as the restore time and compare it with the RTO (seed 004: "Document restore time").',
			'',
		);
	} else out.push('No step was run.', '');

	out.push('## Operators', '', `Started by **${state.startedBy}**.`, '', ...operators(state, journal), '');

	out.push('## Steps', '');
	const stepRows = state.order.map((id, i) => {
		const step = state.steps[id];
		const last = step?.attempts.at(-1);
		const ms = last ? attemptMs(last) : undefined;
		return [
			String(i + 1),
			code(id),
			titles[id] ?? '',
			// A group (format 1.1): its status with how it ended ("failed, rolled back").
			state.groups?.[id] ? `${step?.status ?? 'missing'} (group${step?.note ? `: ${step.note}` : ''})` : (step?.status ?? 'missing'),
			String(step?.attempts.length ?? 0),
			last ? (last.exitCode != null ? String(last.exitCode) : (last.signal ?? '')) : '',
			ms !== undefined ? formatDuration(ms) : '',
			stepActors(state, id),
		];
	});
	out.push(table(['#', 'step', 'title', 'status', 'attempts', 'exit code', 'duration', 'by'], stepRows), '');

	const groups = Object.entries(state.groups ?? {});
	if (groups.length > 0) {
		out.push('## Groups', '');
		out.push(
			table(
				['group', 'where', 'outcome', 'failed step'],
				groups.map(([id, g]) => [code(id), g.phase, g.outcome === 'rolled-back' ? 'failed, rolled back (its rescue ran)' : (g.outcome ?? ''), g.failedStep ? code(g.failedStep) : '']),
			),
			'',
		);
	}

	out.push('## Decisions', '');
	if (state.decisions.length === 0) out.push('None.', '');
	else
		out.push(
			table(
				['time (UTC)', 'who', 'step', 'decision', 'detail'],
				state.decisions.map(d => [time(d.at), d.by, d.stepId ? code(d.stepId) : '', d.kind, d.detail ?? '']),
			),
			'',
		);

	out.push('## Failures and skips', '');
	const problems = failuresAndSkips(state);
	out.push(...(problems.length > 0 ? problems : ['None.']), '');

	out.push('## Timeline', '');
	const rows = journal.length > 0 ? journal.map(journalRow) : stateTimeline(state);
	if (journal.length === 0) out.push('This run has no journal; the timeline is rebuilt from its saved state.', '');
	out.push(
		table(
			['time (UTC)', 'who', 'step', 'event', 'detail'],
			rows.map(r => [time(r.at), r.by, r.step ? code(r.step) : '', r.event, r.detail]),
		),
		'',
	);

	return visibleControls(out.join('\n'));
}
