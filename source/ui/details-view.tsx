/**
 * The details view of one step (`d`): everything about it, whole and wrapped,
 * scrollable: title, description, command, every variable with its value and
 * where it came from, the Kubernetes target, `when`, timeout, retries and what
 * it asks before it runs. The step panel gives its rows to what matters now;
 * this view is where the rest can always be read.
 */
import {Box, Text, type Key} from 'ink';
import {scrollUpdate} from './scroll-keys.js';
import type {StepView} from '../engine/ports.js';
import type {Runbook} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import {formatCount, wrapText} from './format.js';
import {commandRows, descriptionRows, wrapHard, CONTINUED} from './panel-text.js';
import {titleText} from './step-panel.js';
import {allSteps} from '../runbook/groups.js';

/** Variables every run has (engine/runner.ts `scope()`). */
const BUILT_INS = new Set(['RUN_ID', 'RUN_DIR', 'RUNBOOK_DIR', 'KUBE_CONTEXT']);

/**
 * Where a variable's value comes from: `env of this step`, `param`, `ask
 * (step ID)`, `capture (step ID)`, `built-in`, or `unknown`. Read from the
 * runbook (the value itself is the run's).
 */
export function varSource(name: string, view: StepView, runbook: Runbook): string {
	if (view.step?.env && name in view.step.env) return 'env of this step';
	if (runbook.params && name in runbook.params) return 'param';
	const asked = allSteps(runbook).find(step => step.ask?.var === name);
	if (asked) return `ask (step ${asked.id})`;
	const captured = allSteps(runbook).find(step => step.capture === name);
	if (captured) return `capture (step ${captured.id})`;
	if (BUILT_INS.has(name)) return 'built-in';
	return 'unknown';
}

/** The namespace a Kubernetes action of `view` names itself, if any. */
function stepNamespace(view: StepView): string | undefined {
	const step = view.step as unknown as Record<string, unknown> | undefined;
	const action = step?.[view.action] as Record<string, unknown> | undefined;
	if (action && typeof action.namespace === 'string') return action.namespace;
	if (view.action === 'wait' && action) {
		for (const kind of Object.values(action)) {
			if (kind && typeof kind === 'object' && typeof (kind as Record<string, unknown>).namespace === 'string') return (kind as {namespace: string}).namespace;
		}
	}
	return undefined;
}

/** What {@link detailRows} reads besides the step. */
export interface DetailContext {
	/** The runbook (for where variables come from). */
	runbook: Runbook;
	/** Number of steps, for `3/12`. */
	stepCount: number;
	/** The run's Kubernetes target as the header shows it, when the runbook has one. */
	target?: readonly string[];
	/** The status row of the step as the panel shows it. */
	status?: string;
}

/** A labelled section: `Label:` then its rows indented by 2. */
function section(label: string, rows: readonly string[]): string[] {
	return rows.length === 0 ? [] : [`${label}:`, ...rows.map(row => `  ${row}`)];
}

/**
 * Every row of the details view of `view` at `width` columns: nothing cut,
 * long values continued on rows starting with `↪ `.
 */
export function detailRows(view: StepView, context: DetailContext, width: number): string[] {
	const inner = Math.max(1, width - 2);
	const step = view.step;
	const rows: string[] = [...wrapText(titleText(view, context.stepCount), width)];
	if (context.status) rows.push(...wrapText(`status: ${context.status}`, width));
	rows.push(...section('Description', descriptionRows(view.description, inner)));
	rows.push(...section(view.action === 'run' ? 'Command' : 'What it does', commandRows(view, inner)));
	const vars = Object.entries(view.vars).flatMap(([name, value]) => {
		const parts = wrapHard(`${name}=${value}  (${varSource(name, view, context.runbook)})`, Math.max(1, inner - 2));
		return [parts[0], ...parts.slice(1).map(part => `${CONTINUED}${part}`)];
	});
	rows.push(...section('Variables (secrets as ***)', vars));
	const facts: string[] = [];
	const namespace = stepNamespace(view);
	if (context.target?.length) facts.push(...context.target.map(line => `Kubernetes: ${line}${namespace ? ` (this step: namespace ${namespace})` : ''}`));
	else if (namespace) facts.push(`Kubernetes namespace: ${namespace}`);
	if (step?.when) {
		const test = step.when.equals !== undefined ? `== ${step.when.equals}` : step.when.notEquals !== undefined ? `!= ${step.when.notEquals}` : `in [${(step.when.in ?? []).join(', ')}]`;
		facts.push(`Runs only when: ${step.when.var} ${test}`);
	}
	if (step?.confirm !== undefined) facts.push(`Asks first: ${step.confirm === true ? 'yes/no' : interpolate(step.confirm, view.vars)}`);
	if (step?.destructive) facts.push(`Destructive: the operator types ${typeof step.destructive === 'string' ? interpolate(step.destructive, view.vars) : 'a word'} to confirm`);
	facts.push(`Timeout: ${step?.timeout ?? 'none'} · Retries: ${formatCount(step?.retries ?? 0)}${step?.retryDelay ? ` (every ${step.retryDelay})` : ''}`);
	if (step?.capture) facts.push(`Captures its output into: ${step.capture}`);
	if (step?.continueOnError) facts.push('A failure does not stop the run (continueOnError)');
	rows.push(...facts.flatMap(fact => wrapText(fact, width)));
	return rows;
}

/** Props of {@link DetailsView}. */
export interface DetailsViewProps extends DetailContext {
	/** The step shown. */
	view: StepView;
	/** Columns available. */
	width: number;
	/** Rows available (the rows + a position row). */
	height: number;
	/** The first row shown (clamped); the app moves it with {@link detailsKey}. */
	top: number;
}

/**
 * What a key does in the details view of `rowCount` rows shown in `height` rows,
 * its first row at `top`: `close` (Esc, `d`, `q`), the new first row (↑/↓ a row,
 * PgUp/PgDn a page, g/G top/end; clamped), or undefined. The app's one key
 * handler calls it: the view has no input hook of its own, so a key typed as
 * it opens is not lost.
 */
export function detailsKey(top: number, input: string, key: Key, rowCount: number, height: number): 'close' | number | undefined {
	if (key.escape || input === 'd' || input === 'q') return 'close';
	const bodyRows = Math.max(1, height - 1);
	const maxTop = Math.max(0, rowCount - bodyRows);
	return scrollUpdate(input, key, bodyRows, maxTop)?.(Math.max(0, Math.min(maxTop, top)));
}

/** The details view; keys ({@link detailsKey}): ↑/↓ a row, PgUp/PgDn a page, g/G top/end, Esc/d/q close. */
export function DetailsView({view, width, height, top, ...context}: DetailsViewProps) {
	const rows = detailRows(view, context, width);
	const bodyRows = Math.max(1, height - 1);
	const maxTop = Math.max(0, rows.length - bodyRows);
	const start = Math.max(0, Math.min(maxTop, top));
	const shown = rows.slice(start, start + bodyRows);
	const end = start + shown.length;
	const position = rows.length <= bodyRows ? 'all shown' : `rows ${start + 1}–${end} of ${rows.length}${end >= rows.length ? ' (end)' : ''}`;
	return (
		<Box flexDirection="column" width={width} height={height} overflow="hidden">
			<Box flexDirection="column" height={bodyRows} overflow="hidden">
				{shown.map((row, i) => (
					<Text key={start + i} bold={start + i === 0} wrap="truncate-end">
						{row || ' '}
					</Text>
				))}
			</Box>
			<Text dimColor wrap="truncate-end">{`Step details: ${position} · ↑↓ PgUp/PgDn g/G scroll · Esc closes`}</Text>
		</Box>
	);
}
