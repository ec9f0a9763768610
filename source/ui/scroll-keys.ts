/**
 * The scroll keys of the TUI's full-screen views (the details view, the log
 * view, the summary screen, the start screen's plan), as `less` has them: ↑/k and ↓/j a row, PgUp/b and PgDn/space a page,
 * Home/g the start, End/G the end.
 */
import type {Key} from 'ink';

/**
 * The update of the top row (rows from 0) that `input`/`key` asks for, clamped
 * to 0…`maxTop`; `page` is the rows shown. Undefined for a key that does not scroll.
 */
export function scrollUpdate(input: string, key: Key, page: number, maxTop: number): ((top: number) => number) | undefined {
	const clamp = (n: number) => Math.max(0, Math.min(maxTop, n));
	if (key.upArrow || input === 'k') return top => clamp(top - 1);
	if (key.downArrow || input === 'j') return top => clamp(top + 1);
	if (key.pageUp || input === 'b') return top => clamp(top - page);
	if (key.pageDown || input === ' ') return top => clamp(top + page);
	if (key.home || input === 'g') return () => 0;
	if (key.end || input === 'G') return () => maxTop;
	return undefined;
}
