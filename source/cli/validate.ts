/** `runbook validate FILE...`: checks runbooks without running them. */
import {loadRunbook, RunbookError} from '../runbook/load.js';
import {pipeHints} from '../runbook/pipe-hints.js';
import {allSteps, isGroup} from '../runbook/groups.js';
import {EXIT} from './exit.js';

/**
 * `runbook validate FILE...`: prints every problem of every file (each file is checked, so an invalid one
 * is said here, not thrown); exit 0 when all are valid, else 2.
 * A valid file's `ok` line may be followed by hints (runbook/pipe-hints.ts) that do not fail it.
 */
export async function validateFiles(files: string[], write: (text: string) => void = t => void process.stdout.write(t), writeErr: (text: string) => void = t => void process.stderr.write(t)): Promise<number> {
	let bad = 0;
	for (const file of files) {
		try {
			const loaded = await loadRunbook(file);
			const count = allSteps(loaded.runbook).filter(step => !isGroup(step)).length;
			write(`${file}: ok (${count} step${count === 1 ? '' : 's'})\n`);
			for (const hint of pipeHints(loaded.runbook)) write(`${file}: hint: step "${hint.stepId}": ${hint.message}\n`);
		} catch (error) {
			if (!(error instanceof RunbookError)) throw error;
			bad++;
			writeErr(error.format() + '\n');
		}
	}
	return bad === 0 ? EXIT.completed : EXIT.usage;
}
