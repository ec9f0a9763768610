/**
 * Test support: the environment a CLI under test gets. Plain Node (no vitest), so
 * the crash harness can use it from scripts/crash-harness.ts too.
 */

/** Variables of this process that never reach the CLI: a developer's settings and secrets, the crash harness's marks. */
const PRIVATE_PREFIXES = ['RUNBOOK_', 'CRASH_'];

/**
 * This process's environment without RUNBOOK_* and CRASH_* variables (so a developer's
 * RUNBOOK_STATE_DIR or RUNBOOK_SECRET_* cannot leak in), plus `extra`; an undefined
 * value in `extra` removes the variable.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) if (!PRIVATE_PREFIXES.some(prefix => name.startsWith(prefix))) env[name] = value;
	for (const [name, value] of Object.entries(extra)) {
		if (value === undefined) delete env[name];
		else env[name] = value;
	}
	return env;
}
