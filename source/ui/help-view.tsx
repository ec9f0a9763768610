/**
 * The help screen (`?`): every key of the TUI, from the key tables (keymap.ts).
 */
import {Box, Text, type Key} from 'ink';
import {APP_KEYS, NO_HELP, PROMPT_KEYMAP, QUESTION_KEYS, YES_HELP, type KeyName, type PromptKey} from './keymap.js';
import type {PromptKind} from './prompt.js';

/** How the help screen shows a key name. */
const HELP_NAMES: Partial<Record<KeyName, string>> = {'↑↓': '↑ ↓'};

/**
 * The help screen's rows, `[keys, what they do]`: one per key, made from every
 * key table of keymap.ts (the prompts' keys, the app's, a y/N question's), in the order
 * of `order` (key names that share a row: `Esc .`), then any other key name.
 * What a key does at each prompt is joined with ` / `; an `also` key joins the
 * row of the key it stands for (Ctrl-C: its own row).
 */
export function helpRows(): [string, string][] {
	const order: KeyName[][] = [['Enter'], ['Space'], ['s'], ['r'], ['w'], ['m'], ['b'], ['y'], ['n'], ['↑↓'], ['Esc', '.'], ['d'], ['PgUp', 'PgDn'], ['l'], ['a'], ['q'], ['Ctrl-C'], ['?']];
	const says = new Map<KeyName, string[]>();
	const add = ({keys, also = [], help}: {keys: readonly KeyName[]; also?: readonly KeyName[]; help?: string}) => {
		for (const name of also) says.set(name, says.get(name) ?? []);
		for (const name of keys) {
			const list = says.get(name) ?? [];
			// Words already said on the row (a longer text holding them) are not repeated.
			if (help && !list.some(said => said.includes(help))) list.push(help);
			says.set(name, list);
		}
	};
	// An `also` key is named without words of its own: it stands for the key listed with it.
	for (const entry of APP_KEYS) add(entry);
	for (const kind of Object.keys(PROMPT_KEYMAP) as PromptKind[]) {
		for (const entry of PROMPT_KEYMAP[kind].keys as readonly PromptKey<PromptKind>[]) add(entry);
	}
	add({...QUESTION_KEYS.yes, help: YES_HELP});
	add({...QUESTION_KEYS.no, help: NO_HELP});
	// Upper-case letters are the lower-case key's row; Ctrl-C's row says what it does everywhere.
	says.delete('Y');
	says.delete('N');
	says.set('Ctrl-C', ['like q; twice stops a running command, again kills it']);
	const rows: [string, string][] = [];
	for (const names of [...order, ...[...says.keys()].filter(name => !order.flat().includes(name)).map(name => [name])]) {
		const present = names.filter(name => says.has(name));
		if (present.length === 0) continue;
		const what = present.flatMap(name => says.get(name)!).filter((help, i, all) => all.indexOf(help) === i);
		rows.push([present.map(name => HELP_NAMES[name] ?? name).join(' '), what.join(' / ')]);
	}
	return rows;
}

/** Every key, as `[keys, what they do]` rows, from the key tables ({@link helpRows}). */
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
