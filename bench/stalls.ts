/**
 * Stalls in a measured run's journal (issue 15, report/stalls.ts): gaps of 10 s
 * or more between two transitions of a step, and the longest gap. Loaded from
 * source/ (through bench/ts-resolve.ts), not from the measured build: dist/ is a
 * bundle without a module per file.
 */
import './ts-resolve.ts';

/** What the journal in `runDir` shows: stalls of 10 s or more (one line each) and the longest gap, ms. */
export async function journalStalls(runDir: string): Promise<{stalls: string[]; longestGapMs: number}> {
	// Imported after ts-resolve.ts has registered its hook (static imports resolve before it runs).
	const {describeStall, findStalls, STALL_MS} = await import('../source/report/stalls.ts');
	const {readJournal} = await import('../source/store/journal.ts');
	const gaps = findStalls(readJournal(runDir), 0);
	return {
		stalls: gaps.filter(gap => gap.gapMs >= STALL_MS).map(describeStall),
		longestGapMs: gaps.reduce((longest, gap) => Math.max(longest, gap.gapMs), 0),
	};
}
