/**
 * The one-line key help at the bottom: the keys valid now, depending on what
 * the TUI shows (a prompt, a question, the log, the help) and whether a
 * command runs.
 */
import {Box, Text} from 'ink';
import type {Prompt} from './operator.js';

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
 * The keys valid in `context`, each `key action`, most important first. Keys a
 * prompt row already lists (gate, manual, failure, interrupted) are not repeated.
 */
export function keysNow(context: KeyContext): string[] {
	if (context.finished) return [];
	if (context.overlay === 'log') return ['↑↓ scroll', 'PgUp/PgDn page', 'g/G top/end', '/ search', 'Esc/l close'];
	if (context.overlay === 'help') return ['Esc/? close'];
	if (context.overlay === 'notices') return ['↑↓ scroll', 'Esc/n close'];
	if (context.overlay === 'details') return ['↑↓ scroll', 'PgUp/PgDn page', 'g/G top/end', 'Esc/d close'];
	if (context.question) return ['y yes', 'n/Enter/Esc no'];
	const prompt = context.prompt;
	if (prompt?.kind === 'start') return ['Enter start', '↑↓ PgUp/PgDn scroll', `a ${context.auto ? 'step mode' : 'auto'}`, 'd details', '? help', 'q quit'];
	const scroll = context.scrolls ? ['PgUp/PgDn scroll'] : [];
	if (prompt?.kind === 'destructive') return ['type the word, Enter confirm', ...scroll, 'Esc cancel', 'Ctrl-C quit'];
	if (prompt?.kind === 'ask' || prompt?.kind === 'param') {
		const choices = prompt.kind === 'ask' ? prompt.ask.choices : prompt.param.choices;
		return choices ? ['↑↓ choose', 'Enter select', 'Esc/Ctrl-C quit'] : ['Enter submit', 'Esc/Ctrl-C quit'];
	}
	const global = [...scroll, '↑↓ steps', ...(context.browsing ? ['Esc follow'] : []), 'd details', 'l log', `a ${context.auto ? 'step mode' : 'auto'}`, '? help'];
	if (prompt) return global;
	return [context.busy ? 'q stop & quit' : 'q quit', ...global];
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
