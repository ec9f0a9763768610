/**
 * The help screen (`?`): every key of the TUI.
 */
import {Box, Text, useInput} from 'ink';

/** Every key, grouped, as `[keys, what they do]` rows. */
export const HELP_KEYS: readonly (readonly [string, string])[] = [
	['Enter', 'run the step (step mode) / mark a manual step done / tick a checklist item'],
	['Space', 'tick the checklist item shown'],
	['s', 'skip the step (asks first)'],
	['r', 'retry a failed step / re-run an interrupted one'],
	['w', 'wait longer: a wait that timed out waits its timeout again'],
	['m', 'mark the step done (manual, failed or interrupted)'],
	['b', 'after a failure inside a group with a rescue: roll the group back (run its rescue steps)'],
	['y / n', 'answer a yes/no question (default No)'],
	['↑ ↓', 'look at another step (the panel shows it)'],
	['Esc .', 'follow the current step again'],
	['d', 'details of the shown step: whole description, command, variables and where they come from'],
	['PgUp PgDn', 'scroll a command too long for the panel at a confirmation'],
	['l', 'view the log of the shown step (↑↓ PgUp PgDn g G, / search, n N; Esc closes)'],
	['a', 'switch step mode / auto mode (auto stops at questions)'],
	['n', 'show the notes from the start of the run, all of them'],
	['q', 'quit, progress kept (asks; stops a running command); leaves the summary at the end'],
	['Ctrl-C', 'like q; twice stops a running command, again kills it'],
	['?', 'this help (Esc or ? closes)'],
];

/** Props of {@link HelpView}. */
export interface HelpViewProps {
	/** Columns available. */
	width: number;
	/** Rows available; rows beyond it are not shown. */
	height: number;
	/** Esc, `?` or `q` closes the help. */
	onClose: () => void;
	/** False while another part of the UI takes the keys. */
	isActive?: boolean;
}

/** The help screen: a title row and one row per key. */
export function HelpView({width, height, onClose, isActive = true}: HelpViewProps) {
	useInput(
		(input, key) => {
			if (key.escape || input === '?' || input === 'q' || key.return) onClose();
		},
		{isActive},
	);
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Text bold wrap="truncate-end">
				Keys (Esc or ? closes)
			</Text>
			{HELP_KEYS.map(([keys, what]) => (
				<Box key={keys} width={width}>
					<Box width={11} flexShrink={0}>
						<Text bold>{keys}</Text>
					</Box>
					<Box flexShrink={1} minWidth={0}>
						<Text wrap="truncate-end">{what}</Text>
					</Box>
				</Box>
			))}
		</Box>
	);
}
