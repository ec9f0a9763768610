/**
 * The panel while step mode's gate waits after a step ended: the step that just
 * ended (how it went and the last lines it printed) above a compact "Next"
 * section with what Enter will run. An operator sees a fast step's output
 * before running the next one, without pressing ↑.
 */
import {Box, Text} from 'ink';
import type {StepView} from '../engine/ports.js';
import {tint} from './color.js';
import {wrapTextTo} from './format.js';
import {gatePanelRows} from './layout.js';
import {commandRows, descriptionRows, outputRows, varsRows} from './panel-text.js';
import {STATUS_MARKS} from './step-list.js';
import {blockWindow, BlockRows, countLines, OutputLine, outputHeading, STATUS_COLORS, statusText, titleText, type StepPanelProps} from './step-panel.js';

/** Props of {@link GatePanel}. */
export interface GatePanelProps {
	/** The step that just ended, as the step panel would show it (without width and height). */
	ended: Omit<StepPanelProps, 'width' | 'height'>;
	/** The step the gate is for: what Enter runs. */
	next: StepView;
	/** Columns available. */
	width: number;
	/** Rows available. */
	height: number;
}

/**
 * At most `height` rows: `✔ 1/4 Title [run]`, the status (attempt, status,
 * time, exit code, error, note; word-wrapped to 2 rows), the output heading and the output lines that fit, then
 * `▶ Next: 2/4 Title [run]`, up to 2 description rows, the whole command (cut
 * only when it cannot fit) and the `vars:` row. Rows are shared by
 * {@link gatePanelRows}.
 */
export function GatePanel({ended, next, width, height}: GatePanelProps) {
	const description = descriptionRows(next.description, width);
	const block = [...commandRows(next, width), ...varsRows(Object.entries(next.vars), width)];
	const status = wrapTextTo(statusText(ended), width, 2);
	const tail = outputRows(ended.tail, width, Math.max(0, height));
	const rows = gatePanelRows(height, {
		status: status.length,
		output: tail.length,
		nextDescription: description.length,
		nextBlock: block.length,
	});
	const output = rows.output > 0 ? tail.slice(-rows.output) : [];
	const color = STATUS_COLORS[ended.status];
	const mark = ended.status === 'running' ? '…' : STATUS_MARKS[ended.status];
	return (
		<Box flexDirection="column" width={width} height={Math.max(1, height)} overflow="hidden">
			<Text bold wrap="truncate-end">
				<Text color={color ? tint(color) : undefined}>{mark}</Text>
				{` ${titleText(ended.view, ended.stepCount)}`}
			</Text>
			{status.map((row, i) => (
				<Text key={`s${i}`} color={color ? tint(color) : undefined} wrap="truncate-end">
					{row}
				</Text>
			))}
			<Text dimColor wrap="truncate-end">
				{ended.totalLines === 0 ? '── no output ──' : outputHeading(ended.totalLines, countLines(ended.tail, output.length, width), output)}
			</Text>
			{output.map((line, i) => (
				<OutputLine key={`o${i}`} line={line} />
			))}
			<Box flexGrow={1} />
			<Text bold wrap="truncate-end">{`▶ Next: ${titleText(next, ended.stepCount)}`}</Text>
			{description.slice(0, rows.nextDescription).map((line, i) => (
				<Text key={`d${i}`} dimColor wrap="truncate-end">
					{line}
				</Text>
			))}
			<BlockRows rows={blockWindow(block, rows.nextBlock, 0, false).rows} />
		</Box>
	);
}
