/**
 * The audit journal of a session (store/journal.ts): every event but output, redacted
 * with the secrets known at each write. One that cannot be opened or written (another
 * Unix user's file) never stops a run: the state file and the step logs still record it,
 * and the operator is told.
 */
import type {RunState} from '../engine/state.js';
import type {Runner} from '../engine/runner.js';
import {Journal, JournalError, journalListener} from '../store/journal.js';
import type {Io} from './exit.js';

/** A session's journal, or why there is none (or why it may miss entries). */
export interface RunJournal {
	/** The open journal; undefined when it could not be opened. */
	journal: Journal | undefined;
	/** Why the journal is incomplete, for the warning at the end of the session; undefined while it is complete. */
	failure(): string | undefined;
}

/**
 * Opens the journal of the run in `runDir` and subscribes it to `runner`; `notices` (what
 * the session found before the run) are journalled first. A journal that cannot be opened
 * is said on `io.err` at once.
 * @throws what the journal throws other than JournalError (an unforeseen error).
 */
export function openRunJournal(runDir: string, runner: Runner, by: string, notices: readonly string[], state: RunState, io: Io): RunJournal {
	let failure: string | undefined;
	let journal: Journal | undefined;
	try {
		journal = new Journal(runDir);
	} catch (error) {
		if (!(error instanceof JournalError)) throw error;
		failure = `${error.message}; this session is not journalled`;
		io.err(`runbook: warning: ${failure}\n`);
	}
	if (journal) {
		const journalEvents = journalListener(journal, by, text => runner.redactText(text), {
			onError: error => void (failure ??= `${error.message}; later entries may be missing`),
		});
		runner.subscribe(journalEvents);
		for (const message of notices) journalEvents({type: 'notice', level: 'warn', message}, state);
	}
	return {journal, failure: () => failure};
}
