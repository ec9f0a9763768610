/**
 * The one-line key help at the bottom: the keys valid now, depending on what
 * the TUI shows (a prompt, a question, the log, the help) and whether a
 * command runs.
 */
import {Box, Text} from 'ink';
import {activeKeys, appKeyHint, PROMPT_KEYMAP, QUESTION_KEYS} from './keymap.js';
import type {Prompt} from './prompt.js';

/** What decides the keys valid now. */
export interface KeyContext {
	/** An overlay that takes the keys. */
	overlay?: 'help' | 'log' | 'notices' | 'details';
	/** A y/N question is shown. */
	question?: boolean;
	/** The pending prompt. */
	prompt?: Prompt;
	/** A command or wait is running. */
	busy?: boolean;
	/** The run has ended. */
	finished?: boolean;
	/** Auto mode is on. */
	auto?: boolean;
	/** Another step than the current one is shown. */
	browsing?: boolean;
	/** The command and vars at a confirm or destructive prompt do not fit: PgUp/PgDn scroll them. */
	scrolls?: boolean;
}

/**
 * The keys valid in `context`, each `key action`, most important first. A
 * prompt's own keys come from the key table (keymap.ts): kinds that list them
 * on their row (gate, manual, failure, interrupted, confirm) are not repeated
 * here; the others get them here, the app's keys before the ones that leave the
 * prompt (quit, cancel).
 */
export function keysNow(context: KeyContext): string[] {
	if (context.finished) return [];
	// The views' own keys (log-view.tsx, details-view.tsx, notices-view.tsx, help-view.tsx).
	if (context.overlay === 'log') return ['↑↓ scroll', 'PgUp/PgDn page', 'g/G top/end', '/ search', 'Esc/l close'];
	if (context.overlay === 'help') return ['Esc/? close'];
	if (context.overlay === 'notices') return ['↑↓ scroll', 'Esc/n close'];
	if (context.overlay === 'details') return ['↑↓ scroll', 'PgUp/PgDn page', 'g/G top/end', 'Esc/d close'];
	if (context.question) return [QUESTION_KEYS.yes.text, QUESTION_KEYS.no.text];
	const prompt = context.prompt;
	const scroll = context.scrolls ? [appKeyHint('scroll')] : [];
	const auto = appKeyHint('auto', context.auto);
	if (prompt && PROMPT_KEYMAP[prompt.kind].shown !== 'row') {
		// The start screen's plan scrolls with the keys of scroll-keys.ts.
		const app = prompt.kind === 'start' ? ['↑↓ PgUp/PgDn scroll', auto, appKeyHint('details'), appKeyHint('help')] : scroll;
		const keys = activeKeys(prompt);
		const leaves = keys.findIndex(entry => entry.answer === 'quit' || entry.answer === 'no');
		const at = leaves < 0 ? keys.length : leaves;
		const hints = keys.map(entry => entry.text);
		return [...hints.slice(0, at), ...app, ...hints.slice(at)];
	}
	const global = [...scroll, appKeyHint('steps'), ...(context.browsing ? [appKeyHint('follow')] : []), appKeyHint('details'), appKeyHint('log'), auto, appKeyHint('help')];
	if (prompt) return global;
	return [appKeyHint('quit', context.busy), ...global];
}

/** Props of {@link KeyHelp}. */
export interface KeyHelpProps {
	/** The keys valid now, each `key action` (`a auto`); joined with ` · `. */
	keys: readonly string[];
	/** Columns available; the row is cut to fit. */
	width: number;
}

/** One dim row: the keys valid now. */
export function KeyHelp({keys, width}: KeyHelpProps) {
	return (
		<Box width={width}>
			<Text dimColor wrap="truncate-end">
				{keys.join(' · ') || ' '}
			</Text>
		</Box>
	);
}
