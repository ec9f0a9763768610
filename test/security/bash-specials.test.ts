/**
 * Variables bash sets itself (`$PPID`, `$RANDOM`, `$SECONDS`...) are known to
 * `validate` in `run` scripts (issue 9, item 7); an unknown one still is not.
 */
import {describe, expect, it} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';

describe('bash special variables', () => {
	it('are known in run scripts; an unknown upper-case name is still reported', () => {
		const text = (script: string) => `version: 1\ntitle: P\nsteps:\n  - id: one\n    run: ${JSON.stringify(script)}\n`;
		expect(() => parseRunbook(text('echo "$PPID $BASHPID $RANDOM $SECONDS $UID $LINENO ${PIPESTATUS[0]} $OLDPWD"'), 'p.yaml')).not.toThrow();
		expect(() => parseRunbook(text('echo "$NOT_A_BASH_VAR"'), 'p.yaml')).toThrow(RunbookError);
	});
});
