/**
 * The top rows of the TUI: runbook title, run id, elapsed time and mode, and
 * extra rows such as the Kubernetes target. The title and the rows come from the
 * runbook and the state (hostile input): they are drawn, and measured, with
 * control characters made visible (`\x1b`; security/terminal-text.ts), where Ink
 * would pass some on or drop escape sequences silently.
 */
import {Box, Text} from 'ink';
import {runStatusWord, type RunStatus} from '../engine/state.js';
import {tint} from './color.js';
import {formatClock, formatDuration, textWidth, truncateEnd, truncateMiddle} from './format.js';
import {visibleControls} from '../security/terminal-text.js';

/** Props of {@link Header}. */
export interface HeaderProps {
	/** The runbook's title. */
	title: string;
	/** The run's id (what `runbook resume` takes). */
	runId: string;
	/** Time the run has been going in this process, ms (the caller ticks it while running). */
	elapsedMs: number;
	/** Estimated time left of the run, ms (from earlier runs of the runbook); omitted: no estimate, nothing shown. */
	leftMs?: number;
	/** `step`: a gate before each step; `auto`: steps run without asking. */
	mode: 'step' | 'auto';
	/** Status of the run, shown when it is no longer in progress. */
	status: RunStatus;
	/** Width in columns; every row is cut to fit. */
	width: number;
	/**
	 * More rows below (the Kubernetes target, for instance), one row each, cut at
	 * the end to fit; a `context: C · server: URL · namespace: N` row is fitted
	 * by cutting the server URL in its middle ({@link fitTargetLine}).
	 */
	extra?: readonly string[];
}

/** Columns kept between the title and the right part of the first row. */
const GAP = 2;

/** An estimate of the time left: `~4m10s left` (whole seconds), `~0s left` once the earlier runs' time is used up. */
export function leftLabel(leftMs: number): string {
	return `~${leftMs < 1000 ? '0s' : formatDuration(Math.round(leftMs / 1000) * 1000)} left`;
}

/** The right part of the first row without the run id: `03:12 · ~4m10s left · step mode` (the estimate while in progress, when there is one; ` · failed` once ended). */
export function headerClock(elapsedMs: number, mode: 'step' | 'auto', status: RunStatus, leftMs?: number): string {
	const left = leftMs === undefined || status !== 'in-progress' ? '' : ` · ${leftLabel(leftMs)}`;
	return `${formatClock(elapsedMs)}${left} · ${mode} mode${status === 'in-progress' ? '' : ` · ${runStatusWord(status)}`}`;
}

/**
 * Whether the run id goes on a row of its own: when `title`, the gap and
 * `run <id> · <clock>` do not fit `width` together. The title has priority:
 * it keeps the first row (with the clock and mode on its right) and the run id
 * moves to the second row, whole. Measured while the run is in progress and
 * under an hour, so the header keeps its shape; the few columns the run's end
 * status or an hour's `h:` add later are taken from the title's end.
 */
export function runIdOnOwnRow(title: string, runId: string, width: number): boolean {
	return textWidth(visibleControls(title)) + GAP + textWidth(`run ${visibleControls(runId)} · ${headerClock(0, 'auto', 'in-progress')}`) > width;
}

/** Rows a {@link Header} takes: one, plus one for the run id when it does not fit beside the title, plus one per extra line. */
export function headerRows(title: string, runId: string, width: number, extra?: readonly string[]): number {
	return 1 + (runIdOnOwnRow(title, runId, width) ? 1 : 0) + (extra?.length ?? 0);
}

/**
 * A header row fitted to `width` columns. `context: C · server: URL ·
 * namespace: N` (the Kubernetes target, engine/kubernetes-target.ts) is cut in the server URL's
 * middle first (its scheme, host start and port stay readable), down to 10
 * columns of URL; anything still too wide, or any other row, is cut at its end.
 */
export function fitTargetLine(line: string, width: number): string {
	if (textWidth(line) <= width) return line;
	const match = /^(context: .*? · server: )(\S+)( · namespace: .*)$/.exec(line);
	if (match) {
		const [, head, server, tail] = match;
		const room = width - textWidth(head) - textWidth(tail);
		const url = truncateMiddle(server, Math.max(10, room));
		return truncateEnd(`${head}${url}${tail}`, width);
	}
	return truncateEnd(line, width);
}

/**
 * The header: `▍title` on the left; `run <id> · 03:12 · step mode` on the
 * right, or, when the title needs the room, `03:12 · step mode` on the right and
 * `run <id>` on a second row (see {@link runIdOnOwnRow}). Then the extra rows.
 */
export function Header({title: rawTitle, runId: rawRunId, elapsedMs, leftMs, mode, status, width, extra: rawExtra = []}: HeaderProps) {
	const title = visibleControls(rawTitle);
	const runId = visibleControls(rawRunId);
	const extra = rawExtra.map(visibleControls);
	const ownRow = runIdOnOwnRow(title, runId, width);
	const clock = headerClock(elapsedMs, mode, status, leftMs);
	const right = ownRow ? clock : `run ${runId} · ${clock}`;
	return (
		<Box flexDirection="column" width={width}>
			<Box width={width}>
				<Box flexGrow={1} flexShrink={1} minWidth={0}>
					<Text bold color={tint('cyan')} wrap="truncate-end">
						{title}
					</Text>
				</Box>
				<Box flexShrink={0} marginLeft={GAP}>
					<Text>{truncateEnd(right, Math.max(1, width - GAP - 1))}</Text>
				</Box>
			</Box>
			{ownRow && (
				<Text dimColor wrap="truncate-end">
					{`run ${runId}`}
				</Text>
			)}
			{extra.map((line, index) => (
				<Text key={index} dimColor>
					{fitTargetLine(line, width)}
				</Text>
			))}
		</Box>
	);
}
