/**
 * The one resolution of a session's secrets (cli/secrets.ts), for new runs and resumes,
 * and the one mapping from errors to exit codes (cli/exit.ts): pure functions, called
 * directly; the CLI tests (exit-codes, resume, secrets) check the same through processes.
 */
import {describe, expect, it} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';
import {resolveSecrets} from '../../source/cli/secrets.js';
import {EXIT, exitCodeFor} from '../../source/cli/exit.js';
import {UsageError} from '../../source/security/usage-error.js';
import {StateError} from '../../source/store/runs.js';
import {StateSaveError} from '../../source/store/state-files.js';

const {runbook} = parseRunbook(
	`version: 1
title: Secrets
params:
  TOKEN: {secret: true, required: true}
  PASSPHRASE: {secret: true}
  WITH_DEFAULT: {secret: true, default: "default-value"}
steps:
  - id: answer
    ask: {prompt: "The new password", var: NEW_PASSWORD, secret: true}
  - id: use
    run: echo done
`,
	'/runbooks/secrets.yaml',
);

describe('resolveSecrets', () => {
	it('takes -p, else RUNBOOK_SECRET_<NAME>, else the default', () => {
		const env = {RUNBOOK_SECRET_TOKEN: 'from-the-environment', RUNBOOK_SECRET_PASSPHRASE: 'passphrase-env'};
		const found = resolveSecrets(runbook, ['TOKEN', 'PASSPHRASE', 'WITH_DEFAULT'], {PASSPHRASE: 'passphrase-p'}, {tui: false, resumed: false}, env);
		expect(found).toEqual({secrets: {TOKEN: 'from-the-environment', PASSPHRASE: 'passphrase-p', WITH_DEFAULT: 'default-value'}, ask: [], missing: []});
		// A resume takes them the same way (secrets are never saved).
		expect(resolveSecrets(runbook, ['TOKEN', 'PASSPHRASE', 'WITH_DEFAULT'], {PASSPHRASE: 'passphrase-p'}, {tui: false, resumed: true}, env)).toEqual(found);
	});

	it('in the TUI, asks every secret without a value, in the order given', () => {
		const found = resolveSecrets(runbook, ['PASSPHRASE', 'TOKEN', 'NEW_PASSWORD'], {}, {tui: true, resumed: true}, {});
		expect(found.ask.map(ask => ask.name)).toEqual(['PASSPHRASE', 'TOKEN', 'NEW_PASSWORD']);
		// A secret an ask step set (no param) is described by its question.
		expect(found.ask[2]!.param).toMatchObject({description: 'The new password', secret: true, required: true});
		expect(found.missing).toEqual([]);
	});

	it('without a terminal: a required secret is missing, an optional one is empty; an ask answer is missing on a resume', () => {
		expect(resolveSecrets(runbook, ['TOKEN', 'PASSPHRASE'], {}, {tui: false, resumed: false}, {})).toEqual({secrets: {PASSPHRASE: ''}, ask: [], missing: ['TOKEN']});
		expect(resolveSecrets(runbook, ['NEW_PASSWORD'], {}, {tui: false, resumed: true}, {}).missing).toEqual(['NEW_PASSWORD']);
	});

	it('refuses a value too short to be masked, without quoting it', () => {
		let thrown: unknown;
		try {
			resolveSecrets(runbook, ['TOKEN'], {TOKEN: 'abc'}, {tui: false, resumed: true}, {});
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(UsageError);
		expect((thrown as UsageError).message).toMatch(/^secret TOKEN: a secret must be at least \d+ characters long/);
		expect((thrown as UsageError).message).not.toContain('abc');
	});
});

describe('exitCodeFor', () => {
	const said = (error: unknown): {code: number | undefined; text: string} => {
		let text = '';
		const code = exitCodeFor(error, chunk => void (text += chunk));
		return {code, text};
	};

	it('a UsageError is exit 2: each problem on a runbook: line, then the next steps indented; controls shown as \\xNN', () => {
		expect(said(new UsageError('run x\u001b[2J was started elsewhere.', ['pass --confirm-context b']))).toEqual({
			code: EXIT.usage,
			text: 'runbook: run x\\x1b[2J was started elsewhere.\n  pass --confirm-context b\n',
		});
		expect(said(new UsageError(['param A is required', 'param B is required'])).text).toBe('runbook: param A is required\nrunbook: param B is required\n');
		// Declined on the screen: exit 2, nothing more to say.
		expect(said(new UsageError([]))).toEqual({code: EXIT.usage, text: ''});
	});

	it('an invalid runbook and an unreadable state are exit 2; a state that could not be saved is 1; anything else is not foreseen', () => {
		let invalid: unknown;
		try {
			parseRunbook('version: 1\ntitle: x\nsteps: 3\n', '/runbooks/bad.yaml');
		} catch (error) {
			invalid = error;
		}
		expect(invalid).toBeInstanceOf(RunbookError);
		const shown = said(invalid);
		expect(shown.code).toBe(EXIT.usage);
		expect(shown.text).toMatch(/^\/runbooks\/bad\.yaml:3:\d+: /);
		expect(said(new StateError('/state/runs/x/state.json', 'no run x'))).toEqual({code: EXIT.usage, text: 'runbook: no run x\n'});
		expect(said(new StateSaveError('/state/runs/x/state.json', 'ENOSPC', 'no space left')).code).toBe(EXIT.failed);
		expect(said(new TypeError('x is undefined'))).toEqual({code: undefined, text: ''});
	});
});

describe('UsageError.fromLines', () => {
	it('splits a formatted refusal into problems and next steps, after the problems given', () => {
		const error = UsageError.fromLines(['runbook: without a terminal this run would stop; nothing was run. Pass:', '  --yes               step a asks to confirm', '  or run it in a terminal.'], ['note: step b was interrupted']);
		expect(error.text()).toBe('runbook: note: step b was interrupted\nrunbook: without a terminal this run would stop; nothing was run. Pass:\n  --yes               step a asks to confirm\n  or run it in a terminal.\n');
	});
});
