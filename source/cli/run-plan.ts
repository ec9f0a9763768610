/**
 * The plan of a session: what a run needs before its first step (the loaded runbook, the
 * state to start from, the secrets, the params to ask and the notices for the operator),
 * built for a new run here and for a resume in resume-plan.ts. Nothing here runs a step;
 * what the operator can fix is thrown as a UsageError (exit 2) before anything ran.
 */
import type {LoadedRunbook} from '../runbook/load.js';
import {allSteps} from '../runbook/groups.js';
import {systemClock} from '../engine/clock.js';
import {resolveParams, secretEnvName} from '../engine/params.js';
import {preflightNeeds, preflightRefusal} from '../engine/preflight.js';
import type {RunState} from '../engine/state.js';
import {newRunState} from '../engine/transitions.js';
import type {RunsRepository} from '../store/runs.js';
import {UsageError} from '../security/usage-error.js';
import {operatorName, plainAnswers, wantsTui, type RunOptions} from './options.js';
import {resolveSecrets, type ParamToAsk} from './secrets.js';

/** What a run needs: built by {@link planNewRun} or resume-plan.ts, run by drive.ts. */
export interface RunPlan {
	loaded: LoadedRunbook;
	/** The state to start from: new, or reconciled for the resume. */
	state: RunState;
	repo: RunsRepository;
	/** Secret values (memory only). */
	secrets: Record<string, string>;
	/** Params to ask in the TUI before the first step (or before the first step naming a secret: drive.ts). */
	askFirst: ParamToAsk[];
	resumed: boolean;
	/** What the operator is told before the first step (a resume's findings), shown and journalled. */
	notices: string[];
}

/**
 * Without a terminal, a run that would stop at a question the flags do not answer is
 * refused before its first step (engine/preflight.ts); what the resume found (`notices`:
 * an interrupted step, a leftover command stopped) is said with it.
 * @throws UsageError naming every flag the run needs.
 */
export function refuseWithoutTerminal(plan: Pick<RunPlan, 'loaded' | 'state' | 'secrets' | 'notices'>, options: RunOptions, problems: readonly string[] = []): void {
	const {runbook} = plan.loaded;
	const refusal = preflightRefusal(preflightNeeds(runbook, plan.state.steps, {...plan.state.vars, ...plan.secrets}, plainAnswers(options), new Set(Object.keys(plan.secrets))));
	if (refusal.length > 0 || problems.length > 0) throw UsageError.fromLines(refusal, [...plan.notices.map(notice => `note: ${notice}`), ...problems]);
}

/**
 * The plan of a new run of `loaded`: params from `-p` and the environment, the new state
 * (its run id is new; its folder is not made here). Without a terminal, a missing param
 * or a question the flags do not answer refuses the run, every flag named at once.
 * @throws UsageError for a `-p` value that is not allowed, or a refusal without a terminal.
 */
export function planNewRun(loaded: LoadedRunbook, repo: RunsRepository, options: RunOptions): RunPlan {
	const {runbook} = loaded;
	const params = runbook.params ?? {};
	const tui = wantsTui(options);
	const resolution = resolveParams(runbook, options.params, process.env);
	if (resolution.problems.length > 0) throw new UsageError(resolution.problems);
	const secretNames = Object.keys(params).filter(name => params[name]!.secret);
	const found = resolveSecrets(runbook, secretNames, resolution.secrets, {tui, resumed: false});
	// Required params first, then optional secrets, each in the runbook's order.
	const order = Object.keys(params);
	const askFirst = [...resolution.missing.filter(name => !params[name]!.secret).map(name => ({name, param: params[name]!})), ...found.ask].sort((a, b) => Number(!a.param.required) - Number(!b.param.required) || order.indexOf(a.name) - order.indexOf(b.name));

	const at = systemClock.now();
	const state = newRunState({
		runId: repo.newRunId(loaded.path, at),
		runbookPath: loaded.path,
		runbookHash: loaded.hash,
		title: runbook.title,
		stepIds: allSteps(runbook).map(s => s.id),
		by: operatorName(),
		at,
		cwd: process.cwd(),
		vars: resolution.vars,
		secretVars: secretNames,
	});
	const plan: RunPlan = {loaded, state, repo, secrets: found.secrets, askFirst, resumed: false, notices: []};
	if (!tui) {
		const missing = resolution.missing.map(name => (params[name]!.secret ? `secret param ${name} is required: set ${secretEnvName(name)} in the environment (or pass -p ${name}=VALUE)` : `param ${name} is required: pass -p ${name}=VALUE${params[name]!.description ? ` (${params[name]!.description})` : ''}`));
		// Every flag the run needs is named at once: the missing params, then the steps' questions.
		// Refused before the run's folder is made: nothing of it is left behind.
		refuseWithoutTerminal(plan, options, missing);
	}
	return plan;
}
