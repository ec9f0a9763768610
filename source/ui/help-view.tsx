/**
 * The help screen (`?`): every key of the TUI.
 */
import {Box, Text, type Key} from 'ink';
import {helpRows} from './keymap.js';

/** Every key, as `[keys, what they do]` rows, from the key table (keymap.ts `helpRows`). */
export const HELP_KEYS: readonly (readonly [string, string])[] = helpRows();

/** Props of {@link HelpView}. */
export interface HelpViewProps {
	/** Columns available. */
	width: number;
	/** Rows available; rows beyond it are not shown. */
	height: number;
}

/** True for the keys that close the help (Esc, `?`, `q`, Enter); the app's one key handler asks. */
export function helpCloses(input: string, key: Key): boolean {
	return key.escape || input === '?' || input === 'q' || key.return;
}

/** The help screen: a title row and one row per key. */
export function HelpView({width, height}: HelpViewProps) {
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
