/**
 * Resolving a runbook's params from `-p NAME=VALUE`, the environment (secrets)
 * and defaults, before the first step.
 */
import type {Runbook} from '../runbook/schema.js';
import {checkAnswer} from './answers.js';
import {allSteps} from '../runbook/groups.js';

/** Params resolved for a new run. */
export interface ParamResolution {
	/** Non-secret values (saved with the run). */
	vars: Record<string, string>;
	/** Secret values (memory only). */
	secrets: Record<string, string>;
	/** Required params with no value: asked in the TUI; without a terminal the run cannot start. */
	missing: string[];
	/** Secret params that are not required and have no value: asked in the TUI (may be left empty), empty otherwise. */
	optionalSecrets: string[];
	/** Values given with `-p` that are not allowed (unknown name, not among choices, pattern mismatch). */
	problems: string[];
}

/** Environment variable that carries a secret param's value: `RUNBOOK_SECRET_<NAME>`. */
export function secretEnvName(name: string): string {
	return `RUNBOOK_SECRET_${name}`;
}

/**
 * Resolves params: a `-p` value, else (for secrets) `RUNBOOK_SECRET_<NAME>`, else
 * the default. `-p` may also preset the answer of an `ask` step (by its `var`).
 */
export function resolveParams(runbook: Runbook, given: Record<string, string>, env: NodeJS.ProcessEnv): ParamResolution {
	const params = runbook.params ?? {};
	const askVars = new Set(allSteps(runbook).flatMap(s => (s.ask ? [s.ask.var] : [])));
	const result: ParamResolution = {vars: {}, secrets: {}, missing: [], optionalSecrets: [], problems: []};
	for (const name of Object.keys(given)) {
		if (!(name in params) && !askVars.has(name)) {
			const known = [...Object.keys(params), ...askVars];
			result.problems.push(`-p ${name}: this runbook has no param or ask named ${name}${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
		}
	}
	for (const [name, param] of Object.entries(params)) {
		const value = given[name] ?? (param.secret ? env[secretEnvName(name)] : undefined) ?? param.default;
		if (value === undefined) {
			if (param.required) result.missing.push(name);
			else if (param.secret) result.optionalSecrets.push(name);
			else result.vars[name] = '';
			continue;
		}
		const problem = value === '' && !param.required ? undefined : checkAnswer(value, param.choices, param.pattern, param.secret);
		if (problem) result.problems.push(`param ${name}: ${problem}`);
		if (param.secret) result.secrets[name] = value;
		else result.vars[name] = value;
	}
	return result;
}
