/**
 * Before a run starts in a terminal: when unfinished runs of the same runbook
 * exist, offer to resume one, start a new run, or quit.
 */
import React from 'react';
import {Box, Text, render, useInput} from 'ink';
import {Select, ThemeProvider} from '@inkjs/ui';
import {uiTheme} from './color.js';

/** An unfinished run offered for resuming. */
export interface ResumeCandidate {
	runId: string;
	/** One line: status, steps done, where it stopped, who started it. */
	label: string;
}

/** Props of {@link ResumeChooser}. */
export interface ResumeChooserProps {
	/** The runbook's title. */
	title: string;
	/** Unfinished runs, newest first. */
	runs: ResumeCandidate[];
	/** Called once with a run id, `new` or `quit`. */
	onChoice: (choice: string) => void;
}

/** The chooser: a Select of the unfinished runs, "start a new run" and "quit". */
export function ResumeChooser({title, runs, onChoice}: ResumeChooserProps): React.JSX.Element {
	useInput((input, key) => {
		if (input === 'q' || key.escape) onChoice('quit');
	});
	const options = [
		...runs.map(run => ({label: `Resume ${run.label}`, value: run.runId})),
		{label: 'Start a new run', value: 'new'},
		{label: 'Quit', value: 'quit'},
	];
	// The theme honours NO_COLOR (Select's focus colour), as the run's TUI does.
	return (
		<ThemeProvider theme={uiTheme()}>
			<Box flexDirection="column">
				<Text bold>{title}</Text>
				<Text>
					{runs.length === 1 ? 'An unfinished run of this runbook exists.' : `${runs.length} unfinished runs of this runbook exist.`} Resume it, or start anew?
				</Text>
				<Select options={options} onChange={onChoice} visibleOptionCount={Math.min(options.length, 8)} />
				<Text dimColor>↑/↓ choose · Enter select · q quit</Text>
			</Box>
		</ThemeProvider>
	);
}

/**
 * Shows {@link ResumeChooser} and resolves with the operator's choice: a run id,
 * `new`, or `quit`.
 */
export async function chooseResume(title: string, runs: ResumeCandidate[]): Promise<string> {
	let chosen = 'quit';
	const app = render(<ResumeChooser title={title} runs={runs} onChoice={choice => {
		chosen = choice;
		app.unmount();
	}} />, {exitOnCtrlC: true, interactive: true});
	await app.waitUntilExit();
	return chosen;
}
