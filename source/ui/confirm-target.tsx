/**
 * Before resuming a run against another Kubernetes target than the one it
 * recorded: the operator must type the new context's name to go on. The same
 * screen, with other words, confirms a runbook whose content is not the one the
 * run recorded (cli/kube-target.ts, cli/resume-plan.ts, store/started.ts).
 */
import type React from 'react';
import {useState} from 'react';
import {Box, Text, render, useInput} from 'ink';
import {TextInput} from '@inkjs/ui';
import {tint} from './color.js';
import {fieldText, visibleControls} from '../security/terminal-text.js';

/** Props of {@link ConfirmTarget}. */
export interface ConfirmTargetProps {
	/** What changed, one item per line (`context a → b`, `server … → …`). */
	changes: string[];
	/** The word to type: the context now in use. */
	word: string;
	/** Called once: true when the word was typed, false on Esc or Ctrl-C. */
	onDone: (accepted: boolean) => void;
	/** Other words for the screen (default: the Kubernetes target's). */
	words?: ConfirmWords;
}

/** The first and last lines of {@link ConfirmTarget}. */
export interface ConfirmWords {
	/** The first line, in red: what is not as the run recorded. */
	heading: string;
	/** After the changes: what going on means. */
	consequence: string;
}

const TARGET_WORDS: ConfirmWords = {heading: 'This run was started against another Kubernetes target:', consequence: 'Its steps would now act on the new one.'};

/** The typed confirmation of a changed Kubernetes target. */
export function ConfirmTarget({changes, word, onDone, words = TARGET_WORDS}: ConfirmTargetProps): React.JSX.Element {
	const [error, setError] = useState<string>();
	const [round, setRound] = useState(0);
	useInput((input, key) => {
		if (key.escape || (key.ctrl && input === 'c')) onDone(false);
	});
	return (
		<Box flexDirection="column">
			<Text bold color={tint('red')}>
				{visibleControls(words.heading)}
			</Text>
			{changes.map(change => (
				<Text key={change}>{`  ${visibleControls(change)}`}</Text>
			))}
			<Text>{visibleControls(words.consequence)}</Text>
			<Box>
				<Text>{`Type ${visibleControls(word)} to continue (Esc quits): `}</Text>
				<TextInput
					key={round}
					onSubmit={value => {
						if (fieldText(value) === word) return onDone(true);
						setError(`That is not "${word}".`);
						setRound(r => r + 1);
					}}
				/>
			</Box>
			<Text color={tint('red')}>{error ?? ' '}</Text>
		</Box>
	);
}

/** Shows {@link ConfirmTarget}; resolves true when the operator typed the word. */
export async function confirmTargetChange(changes: string[], word: string, words?: ConfirmWords): Promise<boolean> {
	let accepted = false;
	const app = render(
		<ConfirmTarget
			changes={changes}
			word={word}
			{...(words ? {words} : {})}
			onDone={ok => {
				accepted = ok;
				app.unmount();
			}}
		/>,
		{exitOnCtrlC: false, interactive: true},
	);
	await app.waitUntilExit();
	return accepted;
}
