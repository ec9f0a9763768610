/**
 * Helpers for the shell executor tests: a temporary folder per test, a request
 * with defaults, the output collected per stream, and a look at a process group
 * through `ps` (independent of the executor's own /proc check).
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {OutputChunk} from '../../source/engine/output.js';
import type {ShellRequest, ShellResult} from '../../source/engine/ports.js';
import {createShellExecutor, type ShellExecutorOptions} from '../../source/executors/shell.js';
import {stepLogFiles} from '../../source/store/step-logs.js';

/** A temporary folder, removed by `cleanup`. */
export function tempDir(): {dir: string; cleanup: () => void} {
	const dir = mkdtempSync(join(tmpdir(), 'runbook-shell-'));
	return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

/** What one run produced. */
export interface Ran {
	result: ShellResult;
	stdout: string[];
	stderr: string[];
	chunks: OutputChunk[];
	/** The log file's text ('' when it was not written). */
	log: string;
	logPath: string;
}

/**
 * Runs `script` in `dir` with a fresh executor; `request` overrides the defaults.
 * With `keep: false` the output is passed to `request.onOutput` but not collected
 * (for tests of memory).
 */
export async function run(dir: string, script: string, request: Partial<ShellRequest> = {}, options: ShellExecutorOptions = {}, keep = true): Promise<Ran> {
	const chunks: OutputChunk[] = [];
	const stdout: string[] = [];
	const stderr: string[] = [];
	const logPath = request.logPath ?? join(dir, 'logs', 'nested', 'step.log');
	const onOutput = request.onOutput;
	const result = await createShellExecutor(stepLogFiles, options).run({
		stepId: 'test-step',
		script,
		env: {},
		cwd: dir,
		logPath,
		signal: new AbortController().signal,
		graceMs: 5000,
		capture: false,
		redact: text => text,
		...request,
		onOutput: chunk => {
			if (!keep) return onOutput?.(chunk);
			chunks.push({stream: chunk.stream, lines: [...chunk.lines]});
			(chunk.stream === 'stdout' ? stdout : stderr).push(...chunk.lines);
			onOutput?.(chunk);
		},
	});
	let log = '';
	try {
		log = readFileSync(logPath, 'utf8');
	} catch {
		// not written
	}
	return {result, stdout, stderr, chunks, log, logPath};
}
