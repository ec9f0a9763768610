/**
 * The top rows of the TUI: runbook title, run id, elapsed time and mode.
 */
import {Box, Text} from 'ink';
import type {RunStatus} from '../engine/state.js';
import {tint} from './color.js';
import {formatClock} from './format.js';

/** Props of {@link Header}. */
export interface HeaderProps {
	/** The runbook's title. */
	title: string;
	/** The run's id (what `runbook resume` takes). */
	runId: string;
	/** Time the run has been going in this process, ms (the caller ticks it while running). */
	elapsedMs: number;
	/** `step`: a gate before each step; `auto`: steps run without asking. */
	mode: 'step' | 'auto';
	/** Status of the run, shown when it is no longer in progress. */
	status: RunStatus;
	/** Width in columns; every row is cut to fit. */
	width: number;
	/** More rows below the first one (the Kubernetes context, for instance), one row each. */
	extra?: readonly string[];
}

/** Rows a {@link Header} takes: one, plus one per extra line. */
export function headerRows(extra?: readonly string[]): number {
	return 1 + (extra?.length ?? 0);
}

/** The header: `▍title` on the left; `run <id> · 03:12 · step mode` on the right. */
export function Header({title, runId, elapsedMs, mode, status, width, extra = []}: HeaderProps) {
	const state = status === 'in-progress' ? '' : ` · ${status}`;
	const right = `run ${runId} · ${formatClock(elapsedMs)} · ${mode} mode${state}`;
	return (
		<Box flexDirection="column" width={width}>
			<Box width={width}>
				<Box flexGrow={1} flexShrink={1} minWidth={0}>
					<Text bold color={tint('cyan')} wrap="truncate-end">
						{title}
					</Text>
				</Box>
				<Box flexShrink={0} marginLeft={1}>
					<Text wrap="truncate-start">{right.length > width - 10 ? right.slice(-(width - 10)) : right}</Text>
				</Box>
			</Box>
			{extra.map((line, index) => (
				<Text key={index} dimColor wrap="truncate-end">
					{line}
				</Text>
			))}
		</Box>
	);
}
