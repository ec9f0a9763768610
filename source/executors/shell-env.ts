/**
 * The clean shell of a step (issue 15): the options bash starts with, what it
 * runs before the script (the start gate), and the environment it gets; what a
 * step inherits, gets added and loses is documented in docs/runbook-format.md
 * ("The step's shell").
 */
import {COMMAND_ID_VAR} from './process-group.js';

/**
 * What bash runs before the script, on its first line: the start gate (one line
 * read from stdin, else exit 125; see the file comment), stdin from /dev/null,
 * and the options every script runs under (runbook-format.md: `bash -euo pipefail`).
 */
export const BASH_PREFIX = 'IFS= read -r __runbook_start || exit 125; unset __runbook_start; exec </dev/null; set -euo pipefail;';

/** Options bash starts with: no rc file, no profile, whatever the environment or stdin. */
export const BASH_OPTIONS = ['--norc', '--noprofile'] as const;

/**
 * Where a runbook's own `BASH_ENV` (set in `env:`) waits for the start gate: bash
 * would source `BASH_ENV` at startup, before the gate, so it gets the value
 * under this name and sources it after the gate ({@link bashPrefix}).
 */
const DEFERRED_BASH_ENV = '__RUNBOOK_BASH_ENV';

/**
 * Variables of the runbook process's environment that a step's bash does not
 * inherit, because bash would run code or change its options from them before
 * the script (bash(1): INVOCATION, Shell Variables). Exported bash functions
 * (`BASH_FUNC_<name>%%`) are dropped too. A runbook may still set any of these
 * names in a step's `env:`.
 */
export const REMOVED_VARIABLES = ['BASH_ENV', 'ENV', 'SHELLOPTS', 'BASHOPTS'] as const;

/**
 * The environment of a step's bash: `inherited` (the runbook process's) without
 * {@link REMOVED_VARIABLES} and exported functions, then the step's variables
 * (`added`), then `RUNBOOK_COMMAND_ID`. A `BASH_ENV` in `added` is passed as
 * `__RUNBOOK_BASH_ENV`, sourced after the start gate (see {@link bashPrefix}).
 */
export function stepEnvironment(inherited: NodeJS.ProcessEnv, added: Record<string, string>, commandId: string): Record<string, string> {
	const env: Record<string, string> = {};
	const removed = new Set<string>(REMOVED_VARIABLES);
	for (const [name, value] of Object.entries(inherited)) {
		if (value === undefined || removed.has(name) || name.startsWith('BASH_FUNC_')) continue;
		env[name] = value;
	}
	Object.assign(env, added);
	if (Object.hasOwn(added, 'BASH_ENV')) {
		delete env.BASH_ENV;
		env[DEFERRED_BASH_ENV] = added.BASH_ENV;
	}
	env[COMMAND_ID_VAR] = commandId;
	return env;
}

/**
 * {@link BASH_PREFIX}, plus, when the step sets `BASH_ENV`, the sourcing of that
 * file right after the gate (before `set -euo pipefail`, as bash itself would
 * source it before the command), with `BASH_ENV` exported again for the
 * script's own bash children.
 */
export function bashPrefix(env: Record<string, string>): string {
	if (!Object.hasOwn(env, DEFERRED_BASH_ENV)) return BASH_PREFIX;
	const [gate, rest] = BASH_PREFIX.split(' exec </dev/null;');
	return `${gate} exec </dev/null; export BASH_ENV="$${DEFERRED_BASH_ENV}"; unset ${DEFERRED_BASH_ENV}; if [ -n "$BASH_ENV" ]; then . "$BASH_ENV"; fi;${rest}`;
}
