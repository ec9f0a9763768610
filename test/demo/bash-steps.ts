/**
 * A minimal stand-in for the engine, for testing a runbook's scripts before the CLI exists:
 * runs the `run` steps (and `wait.command` steps) of a runbook in order with real bash
 * (`bash -euo pipefail -c SCRIPT`), evaluating `when` itself and passing params, captures
 * and step `env` as environment variables. Nothing is spliced into script text.
 */
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import ms from 'ms';
import {parse} from 'yaml';
import {runbookSchema, type Runbook, type Step, type When} from '../../source/runbook/schema.js';

/** The outcome of one step. */
export interface StepResult {
	id: string;
	status: 'succeeded' | 'failed' | 'skipped';
	exitCode?: number | null;
	stdout: string;
	stderr: string;
}

/** Loads and validates a runbook file with the project's zod schema. @throws ZodError when invalid. */
export function loadRunbook(path: string): Runbook {
	return runbookSchema.parse(parse(readFileSync(path, 'utf8')));
}

/** Param defaults overlaid with `given`. */
export function paramValues(runbook: Runbook, given: Record<string, string>): Record<string, string> {
	const values: Record<string, string> = {};
	for (const [name, param] of Object.entries(runbook.params ?? {})) {
		if (param.default !== undefined) values[name] = param.default;
	}
	return {...values, ...given};
}

/** Evaluates a `when` against the variables (an unset variable is ''). */
export function whenHolds(when: When | undefined, vars: Record<string, string>): boolean {
	if (!when) return true;
	const value = vars[when.var] ?? '';
	if (when.equals !== undefined) return value === when.equals;
	if (when.notEquals !== undefined) return value !== when.notEquals;
	return (when.in ?? []).includes(value);
}

/** Replaces `$NAME` and `${NAME}` in a non-script string, literally (as the format says). */
export function substitute(text: string, vars: Record<string, string>): string {
	return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => {
		const name = (braced ?? bare) as string;
		if (!(name in vars)) throw new Error(`unknown variable ${name}`);
		return vars[name];
	});
}

/** Runs one bash script; resolves with its exit code and output. */
function bash(script: string, env: Record<string, string>, cwd: string): Promise<{exitCode: number | null; stdout: string; stderr: string}> {
	return new Promise((resolve, reject) => {
		const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {env: {...process.env, ...env}, cwd, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
		child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
		child.once('error', reject);
		child.once('close', exitCode => resolve({exitCode, stdout, stderr}));
	});
}

/** Runs a `wait.command` until it exits 0 or the step's timeout (default 1m) passes. */
async function waitFor(step: Step, env: Record<string, string>, cwd: string): Promise<StepResult> {
	const command = step.wait?.command;
	if (!command) throw new Error(`step ${step.id}: only wait.command is supported here`);
	const deadline = Date.now() + ms((step.timeout ?? '1m') as ms.StringValue);
	for (;;) {
		const result = await bash(command.run, env, cwd);
		if (result.exitCode === 0 || Date.now() > deadline) {
			return {id: step.id, status: result.exitCode === 0 ? 'succeeded' : 'failed', ...result};
		}
		await new Promise(resolve => setTimeout(resolve, ms((command.interval ?? '2s') as ms.StringValue)));
	}
}

/**
 * Runs the steps in order until one fails (or after `stopAfter`). `vars` is updated with
 * captures (trimmed stdout). Steps other than `run` and `wait.command` throw.
 * @returns the result of every step reached.
 */
export async function runSteps(
	runbook: Runbook,
	vars: Record<string, string>,
	options: {cwd: string; stopAfter?: string},
): Promise<StepResult[]> {
	const results: StepResult[] = [];
	for (const step of runbook.steps) {
		if (!whenHolds(step.when, vars)) {
			results.push({id: step.id, status: 'skipped', stdout: '', stderr: ''});
		} else if (step.run !== undefined) {
			const result = await bash(step.run, {...vars, ...step.env}, options.cwd);
			const ok = result.exitCode === 0 || (result.exitCode !== null && (step.okExitCodes ?? []).includes(result.exitCode));
			results.push({id: step.id, status: ok ? 'succeeded' : 'failed', ...result});
			if (ok && step.capture) vars[step.capture] = result.stdout.trim();
		} else if (step.wait !== undefined) {
			results.push(await waitFor(step, vars, options.cwd));
		} else {
			throw new Error(`step ${step.id}: this test runner only runs run and wait.command steps`);
		}
		if (results.at(-1)?.status === 'failed' || step.id === options.stopAfter) break;
	}
	return results;
}

/**
 * Upper-case variables a script reads that are not known: params, earlier captures and
 * asks, the step's env, or assigned in the script itself (the loader's rule).
 * @returns `step-id: NAME` for each unknown use.
 */
export function unknownScriptVariables(runbook: Runbook): string[] {
	const known = new Set(Object.keys(runbook.params ?? {}));
	const problems: string[] = [];
	for (const step of runbook.steps) {
		const scripts = [step.run, step.wait?.command?.run].filter((s): s is string => s !== undefined);
		for (const script of scripts) {
			const assigned = new Set([...script.matchAll(/\b([A-Z_][A-Z0-9_]*)=/g)].map(m => m[1]));
			for (const match of script.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
				const name = match[1];
				if (!known.has(name) && !assigned.has(name) && !(step.env && name in step.env)) problems.push(`${step.id}: ${name}`);
			}
		}
		if (step.capture) known.add(step.capture);
		if (step.ask) known.add(step.ask.var);
	}
	return problems;
}
