/**
 * The plan of a run, shown before its first step: what the runbook is (title,
 * description, source document, the Kubernetes target it names), the params
 * and their values (secrets `***`), how many steps, which are destructive,
 * which need an answer, and what a run without a terminal needs (the flags of
 * engine/preflight.ts). One builder for every place that shows it: `runbook
 * plan` (cli/plan.ts, text and Markdown, followed by every step), the start of
 * a `--plain` run, and the TUI's start screen (ui/plan-view.tsx). Pure.
 */
import type {ParamResolution} from './params.js';
import {preflightNeeds, preflightRefusal, type PreflightNeed} from './preflight.js';
import type {Runbook} from '../runbook/schema.js';
import {allSteps, isGroup} from '../runbook/groups.js';

/**
 * `text` on one line: a newline (a `-p` value, a title made from one) shows as
 * `\n`, so a value cannot start a line that looks like an event of the plain
 * output (ui/plain.ts does the same).
 */
function oneLine(text: string): string {
	return text.replace(/\r?\n/g, '\\n');
}

/** One param as the plan shows it. */
export interface PlanParam {
	name: string;
	/** The value as shown, on one line: the value, `***` for a set secret, `(empty)`, `MISSING (required)` or `(not set)`. */
	shown: string;
	/** True when a required param has no value yet. */
	missing: boolean;
	description?: string;
}

/** What {@link buildPlan} returns; see the module comment. */
export interface RunPlan {
	title: string;
	description?: string;
	source?: string;
	/** Absolute path of the runbook file. */
	file: string;
	/** The Kubernetes target the runbook names, as one phrase, when it names one. */
	kubernetes?: string;
	params: PlanParam[];
	/** Steps that run something (groups not counted). */
	stepCount: number;
	groupCount: number;
	/** Ids of destructive steps, in order. */
	destructive: string[];
	/** Ids of steps that ask something (confirm, destructive word, ask, manual), in order. */
	answers: string[];
	/** What a run without a terminal and without flags needs, in step order (engine/preflight.ts). */
	needs: PreflightNeed[];
	/** The flags and `-p` values a run without a terminal needs, each once: missing params first. */
	flags: string[];
}

/**
 * The plan of `runbook` (at `file`) with the params as resolved from `-p` and
 * the environment (`resolution`); `values` are the `-p` values as given (they
 * answer `ask` steps too); `askedLater` names the secrets asked during the run,
 * when a step that names them is sure to run. A secret's value never leaves this function.
 */
export function buildPlan(runbook: Runbook, file: string, resolution: Pick<ParamResolution, 'vars' | 'secrets' | 'missing'>, values: Record<string, string>, askedLater: readonly string[] = []): RunPlan {
	const params = Object.entries(runbook.params ?? {}).map(([name, param]): PlanParam => {
		const value = param.secret ? (name in resolution.secrets && resolution.secrets[name] !== '' ? '***' : undefined) : resolution.vars[name];
		// A secret asked when a step that names it is sure to run (engine/secret-timing.ts) is not missing now.
		const later = value === undefined && askedLater.includes(name);
		const missing = value === undefined && !later && resolution.missing.includes(name);
		const shown = later ? 'asked when a step that uses it is sure to run' : value === undefined ? (missing ? 'MISSING (required)' : '(not set)') : value === '' ? '(empty)' : oneLine(value);
		return {name, shown, missing, ...(param.description ? {description: param.description} : {})};
	});
	const every = allSteps(runbook);
	const actions = every.filter(step => !isGroup(step));
	const needs = preflightNeeds(runbook, {}, {...resolution.vars, ...resolution.secrets}, {yes: false, yesDestructive: false, rerunInterrupted: false, values}, new Set(Object.keys(resolution.secrets)));
	const kube = runbook.kubernetes;
	return {
		title: runbook.title,
		...(runbook.description ? {description: runbook.description.trimEnd()} : {}),
		...(runbook.source ? {source: runbook.source} : {}),
		file,
		...(kube ? {kubernetes: `context ${kube.context ?? '(the current one)'}, namespace ${kube.namespace ?? "(the context's)"}`} : {}),
		params,
		stepCount: actions.length,
		groupCount: every.length - actions.length,
		destructive: actions.filter(step => step.destructive).map(step => step.id),
		answers: actions.filter(step => step.confirm !== undefined || step.ask || step.manual || step.destructive).map(step => step.id),
		needs,
		flags: [...new Set([...resolution.missing.map(name => `-p ${name}=VALUE`), ...needs.map(need => need.flag)])],
	};
}

/** How {@link planLines} writes the plan. */
export interface PlanLineOptions {
	/** Markdown (a list, a code block for the refusal) instead of text. */
	markdown?: boolean;
	/** Leave out the params' descriptions (the TUI's start screen: the values matter, the rows are few). */
	short?: boolean;
	/** What a missing required param reads as, instead of `MISSING (required)` (the TUI asks for it). */
	missing?: string;
	/** Leave out the title line (the TUI's header shows it). */
	noTitle?: boolean;
}

/**
 * `text`'s lines joined into paragraphs, as Markdown reads them: a line joins
 * the one before unless either is empty or it starts a list item or is
 * indented (a runbook's YAML block breaks its prose at ~90 columns; a screen
 * wraps it at its own width).
 */
export function reflow(text: string): string[] {
	const out: string[] = [];
	let joinable = false;
	for (const line of text.split('\n')) {
		const starts = line.trim() === '' || /^(\s|[-*•] |\d+[.)] )/.test(line);
		if (joinable && !starts) out[out.length - 1] += ` ${line.trim()}`;
		else out.push(line.trimEnd());
		joinable = line.trim() !== '';
	}
	return out;
}

/**
 * The plan as lines (no newlines inside, none at the end): title, description,
 * source, file, Kubernetes target, params, the steps line and what a run
 * without a terminal needs. With `short` (the TUI's start screen, where rows
 * are few), the description is reflowed and the steps line and what a run
 * without a terminal needs come right after it, before the source and params.
 * Lines hold runbook text as it is: the caller makes control characters
 * visible (security/terminal-text.ts).
 */
export function planLines(plan: RunPlan, options: PlanLineOptions = {}): string[] {
	const md = options.markdown === true;
	const item = md ? '- ' : '';
	const out: string[] = [];
	if (!options.noTitle) out.push(md ? `# ${oneLine(plan.title)}` : `Plan: ${oneLine(plan.title)}`);
	if (plan.description) out.push(...(out.length > 0 ? [''] : []), ...(options.short ? reflow(plan.description) : plan.description.split('\n')));
	if (options.short) out.push(...(out.length > 0 ? [''] : []), ...stepsLines(plan, md));
	if (out.length > 0) out.push('');
	if (plan.source) out.push(`${item}Source: ${oneLine(plan.source)}`);
	out.push(`${item}File: ${oneLine(plan.file)}`);
	if (plan.kubernetes) out.push(`${item}Kubernetes: ${oneLine(plan.kubernetes)}`);
	if (plan.params.length > 0) {
		out.push('', ...(md ? ['## Params', ''] : ['Params:']));
		for (const param of plan.params) {
			const shown = param.missing && options.missing ? options.missing : param.shown;
			const value = md && !param.missing && param.shown !== '(not set)' && param.shown !== '(empty)' ? `\`${shown}\`` : shown;
			out.push(`${md ? '- ' : '  '}${param.name} = ${value}${param.description && !options.short ? ` — ${oneLine(param.description)}` : ''}`);
		}
	}
	if (!options.short) out.push('', ...stepsLines(plan, md));
	return out;
}

/** The steps line (how many, which are destructive, which need an answer) and what a run without a terminal needs. */
function stepsLines(plan: RunPlan, md: boolean): string[] {
	const groups = plan.groupCount ? ` (and ${plan.groupCount} group${plan.groupCount === 1 ? '' : 's'})` : '';
	const out = [`${plan.stepCount} step${plan.stepCount === 1 ? '' : 's'}${groups}; destructive: ${plan.destructive.join(', ') || 'none'}; need an answer: ${plan.answers.join(', ') || 'none'}.`, `Without a terminal it needs: ${plan.flags.length > 0 ? plan.flags.join(' ') : 'nothing more'}.`];
	// Its lines name asks and destructive words, which may hold values: each on one line.
	const refusal = preflightRefusal(plan.needs).slice(1, -1).map(oneLine);
	if (refusal.length > 0) out.push(...(md ? ['', '```', ...refusal.map(line => line.trim()), '```'] : refusal));
	return out;
}
