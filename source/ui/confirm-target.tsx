/**
 * Before resuming a run against another Kubernetes target than the one it
 * recorded: the operator must type the new context's name to go on.
 */
import type React from 'react';
import {useState} from 'react';
import {Box, Text, render, useInput} from 'ink';
import {TextInput} from '@inkjs/ui';
import {tint} from './color.js';

/** Props of {@link ConfirmTarget}. */
export interface ConfirmTargetProps {
	/** What changed, one item per line (`context a → b`, `server … → …`). */
	changes: string[];
	/** The word to type: the context now in use. */
	word: string;
	/** Called once: true when the word was typed, false on Esc or Ctrl-C. */
	onDone: (accepted: boolean) => void;
}

/** The typed confirmation of a changed Kubernetes target. */
export function ConfirmTarget({changes, word, onDone}: ConfirmTargetProps): React.JSX.Element {
	const [error, setError] = useState<string>();
	const [round, setRound] = useState(0);
	useInput((input, key) => {
		if (key.escape || (key.ctrl && input === 'c')) onDone(false);
	});
	return (
		<Box flexDirection="column">
			<Text bold color={tint('red')}>
				This run was started against another Kubernetes target:
			</Text>
			{changes.map(change => (
				<Text key={change}>{`  ${change}`}</Text>
			))}
			<Text>Its steps would now act on the new one.</Text>
			<Box>
				<Text>{`Type ${word} to continue there (Esc quits): `}</Text>
				<TextInput
					key={round}
					onSubmit={value => {
						if (value === word) return onDone(true);
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
export async function confirmTargetChange(changes: string[], word: string): Promise<boolean> {
	let accepted = false;
	const app = render(
		<ConfirmTarget
			changes={changes}
			word={word}
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
