/**
 * The secrets of a session, for a new run and a resume alike. Secrets are never saved
 * (engine/state.ts keeps their names only), so every session takes them again from the
 * command line or the environment, else asks them.
 */
import type {Param, Runbook} from '../runbook/schema.js';
import {allSteps} from '../runbook/groups.js';
import {secretEnvName} from '../engine/params.js';
import {secretProblem} from '../security/secrets.js';
import {UsageError} from '../security/usage-error.js';

/** A param to ask before the run's first step (or before the first step that names it). */
export interface ParamToAsk {
	name: string;
	param: Param;
}

/** What {@link resolveSecrets} found. */
export interface SecretResolution {
	/** Values known now, by name (memory only). */
	secrets: Record<string, string>;
	/** Secrets with no value, to ask in the TUI (in the order of `names`). */
	ask: ParamToAsk[];
	/** Secrets with no value that a run without a terminal cannot do without, in the order of `names`. */
	missing: string[];
}

/**
 * Resolves the secrets `names`: each one's value is `-p NAME=VALUE` (`given`), else
 * `RUNBOOK_SECRET_<NAME>` in `env`, else the param's default. One without a value is asked
 * in the TUI (`tui`); without a terminal it is `missing` when the run needs it (a required
 * param, or, on a resume, the answer of an `ask` step that already ran), else it is empty.
 * A secret named by an `ask` step only (no param) is described by its question.
 * @throws UsageError when a value is too short to be masked (security/secrets.ts); the value is not quoted.
 */
export function resolveSecrets(runbook: Runbook, names: readonly string[], given: Record<string, string>, options: {tui: boolean; resumed: boolean}, env: NodeJS.ProcessEnv = process.env): SecretResolution {
	const result: SecretResolution = {secrets: {}, ask: [], missing: []};
	for (const name of names) {
		const asked = allSteps(runbook).find(step => step.ask?.var === name)?.ask;
		const param: Param = runbook.params?.[name] ?? {description: asked?.prompt ?? name, secret: true, required: true};
		const value = given[name] ?? env[secretEnvName(name)] ?? param.default;
		if (value !== undefined) {
			const problem = secretProblem(value);
			if (problem) throw new UsageError(`secret ${name}: ${problem}`);
			result.secrets[name] = value;
		} else if (options.tui) result.ask.push({name, param});
		else if (param.required || (options.resumed && asked)) result.missing.push(name);
		else result.secrets[name] = '';
	}
	return result;
}
