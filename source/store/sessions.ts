/**
 * The time a run was worked on before this process, from its journal: the
 * clock of the TUI and the end summary count the run, not this process.
 */
import type {EarlierSessions} from '../engine/run-summary.js';
import type {JournalEntry} from '../engine/journal-entry.js';
import {readJournal} from './journal.js';

/**
 * The earlier sessions of a run from its journal entries: each `run-started`
 * begins one, which lasts until the last entry of the same process (pid) before
 * the next `run-started` (a process that died without `run-finished` counts to
 * its last entry; what another process wrote meanwhile, such as a resume's
 * notices, does not extend it). Time between sessions is not counted.
 */
export function earlierSessions(entries: readonly JournalEntry[]): EarlierSessions {
	let ms = 0;
	let count = 0;
	let session: {pid: number; start: number; last: number} | undefined;
	const close = () => {
		if (session) ms += Math.max(0, session.last - session.start);
	};
	for (const entry of entries) {
		const at = Date.parse(entry.at);
		if (Number.isNaN(at)) continue;
		if (entry.event === 'run-started') {
			close();
			count++;
			session = {pid: entry.pid, start: at, last: at};
		} else if (session && entry.pid === session.pid) {
			session.last = at;
		}
	}
	close();
	return {ms, count};
}

/**
 * {@link earlierSessions} of the run in `runDir`, read now (call it before this
 * process's run starts). A journal that cannot be read counts as none.
 */
export function readEarlierSessions(runDir: string): EarlierSessions {
	try {
		return earlierSessions(readJournal(runDir));
	} catch {
		return {ms: 0, count: 0};
	}
}
