/**
 * `runbook plan FILE [-p NAME=VALUE ...] [--format text|markdown]`: what a run
 * of the runbook would do, without running anything: title, description,
 * source document, the Kubernetes target the runbook names, the params and
 * their values (secrets `***`), every step in order with its command and the
 * values it uses, which steps are destructive or need an answer, `when`
 * conditions evaluated where the values are known, and what a run without a
 * terminal needs (engine/preflight.ts). Markdown is a rendered runbook for
 * review and the change ticket.
 */
import {loadRunbook} from '../runbook/load.js';
import {resolveParams} from '../engine/params.js';
import {whenHolds, type Known} from '../engine/preflight.js';
import {buildPlan, planLines} from '../engine/plan.js';
import {actionOf, stepView} from '../engine/view.js';
import type {Step} from '../runbook/schema.js';
import {visibleControls} from '../security/terminal-text.js';
import {UsageError} from '../security/usage-error.js';
import {redactor} from '../runbook/variables.js';
import {allSteps, flatSteps, isGroup} from '../runbook/groups.js';

/** Options of {@link planRunbook}. */
export interface PlanOptions {
	/** `-p NAME=VALUE` values (params, and answers of `ask` steps). */
	params: Record<string, string>;
	/** `text` (default) or `markdown`. */
	format?: string;
}

/** How a step's `when` reads before the run: it runs, it is skipped, or it is decided during the run. */
function whenLine(step: Step, known: Known): {text: string; skipped: boolean; holds: boolean | undefined} | undefined {
	const when = step.when;
	if (!when) return undefined;
	const test = when.equals !== undefined ? `equals "${when.equals}"` : when.notEquals !== undefined ? `is not "${when.notEquals}"` : `is one of ${(when.in ?? []).join(', ')}`;
	const holds = whenHolds(step, known);
	const outcome = holds === undefined ? 'decided during the run' : holds ? 'runs' : 'skipped';
	return {text: `when ${when.var} ${test}: ${outcome}`, skipped: holds === false, holds};
}

/**
 * Prints the plan of `file` with `write`.
 * @returns 0.
 * @throws RunbookError for an invalid runbook; UsageError for a `-p` value that is not allowed
 *   or an unknown format (cli/exit.ts: exit 2).
 */
export async function planRunbook(file: string, options: PlanOptions, rawWrite: (text: string) => void = t => void process.stdout.write(t)): Promise<number> {
	// Titles, commands and values come from a hostile runbook and its params: no raw escapes.
	const write = (text: string): void => rawWrite(visibleControls(text));
	const format = options.format ?? 'text';
	if (format !== 'text' && format !== 'markdown') throw new UsageError(`unknown format ${format}: use text or markdown`);
	const loaded = await loadRunbook(file);
	const {runbook} = loaded;
	const resolution = resolveParams(runbook, options.params, process.env);
	if (resolution.problems.length > 0) throw new UsageError(resolution.problems);
	const md = format === 'markdown';
	// The head is the plan every run shows before its first step (engine/plan.ts); then every step.
	const out: string[] = planLines(buildPlan(runbook, loaded.path, resolution, options.params), {markdown: md});
	const code = (lines: readonly string[], lang = '') => (md ? ['', `\`\`\`${lang}`, ...lines, '```', ''] : lines.map(line => `      ${line}`));
	const every = allSteps(runbook);

	out.push('', md ? '## Steps' : 'Steps:');
	const known: Known = new Map(Object.entries({...resolution.vars, ...resolution.secrets}));
	for (const step of every) for (const name of [step.capture, step.ask?.var]) if (name && !known.has(name)) known.set(name, undefined);
	const scopeSecrets: Record<string, string> = {...resolution.secrets};
	flatSteps(runbook).forEach(({step, depth, role, parentId}, index) => {
		const values: Record<string, string> = {};
		for (const [name, value] of known) if (value !== undefined && !(name in scopeSecrets)) values[name] = value;
		const view = stepView(step, index, {vars: values, secrets: scopeSecrets});
		// Steps inside a group (format 1.1): indented (text) or one heading level deeper (Markdown), rescue and always named.
		const pad = md ? '' : '  '.repeat(depth);
		const heading = md ? `${'#'.repeat(Math.min(6, 3 + depth))} ` : pad;
		const place = role === 'rescue' ? `rescue of ${parentId}: ` : role === 'always' ? `always after ${parentId}: ` : '';
		const group = isGroup(step);
		const tags = group ? [] : [step.destructive ? 'DESTRUCTIVE' : '', step.confirm !== undefined ? 'asks to confirm' : '', actionOf(step) === 'ask' || actionOf(step) === 'manual' ? 'needs an answer' : ''].filter(Boolean);
		out.push('', `${heading}${index + 1}. ${place}${view.title} (${step.id}, ${view.action})${tags.length ? ` — ${tags.join(', ')}` : ''}`);
		const item = md ? '- ' : `${pad}    `;
		const when = whenLine(step, known);
		if (when) out.push(`${item}${when.text}${group && when.skipped ? ' (with every step inside it)' : ''}`);
		if (view.description)
			out.push(
				...(md
					? ['', ...view.description.trimEnd().split('\n')]
					: view.description
							.trimEnd()
							.split('\n')
							.map(line => `${pad}    ${line}`)),
			);
		if (group) {
			out.push(`${item}group: runs ${(step.steps ?? []).map(s => s.id).join(', ')} in order`);
			if (step.rescue) {
				out.push(`${item}when one of them fails: rescue ${step.rescue.map(s => s.id).join(', ')} (b in the TUI; by itself without a terminal unless --no-rescue), then the group ends failed, rolled back, and the run stops`);
			}
			if (step.always) out.push(`${item}always, after the group ends either way: ${step.always.map(s => s.id).join(', ')}`);
			return;
		}
		out.push(
			...(md
				? code(view.command.trimEnd().split('\n'), view.action === 'run' ? 'sh' : '')
				: view.command
						.trimEnd()
						.split('\n')
						.map(line => `${pad}      ${line}`)),
		);
		const vars = Object.entries(view.vars);
		if (vars.length > 0) out.push(`${item}vars: ${vars.map(([name, value]) => `${name}=${value}`).join('  ')}`);
		const extra = [step.timeout ? `timeout ${step.timeout}` : '', step.retries ? `retries ${step.retries}` : '', step.capture ? `captures ${step.capture}` : ''].filter(Boolean);
		if (extra.length > 0) out.push(`${item}${extra.join(' · ')}`);
		// What the step sets is known after it only when it surely runs with a known value (engine/preflight.ts does the same).
		if (step.ask && !when?.skipped) {
			const value = options.params[step.ask.var] ?? step.ask.default;
			const sure = (when === undefined || when.holds === true) && depth === 0;
			known.set(step.ask.var, value !== undefined && !step.ask.secret && (sure || known.get(step.ask.var) === value) ? value : undefined);
		}
		if (step.capture && !when?.skipped) known.set(step.capture, undefined);
	});
	// A secret param's value also written literally in the runbook (a title, a command) shows as `***`.
	const redact = redactor(Object.values(resolution.secrets));
	write(redact(`${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`));
	return 0;
}
