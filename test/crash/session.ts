/**
 * One CLI process of a crash trial (a "session"): `node dist/cli.js run|resume ...`
 * without a terminal, its output appended to files, SIGKILLed at a given moment.
 */
import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync, statSync} from 'node:fs';

/** How to start a session. */
export interface SessionSpec {
	/** Path of the built CLI (dist/cli.js). */
	cli: string;
	args: string[];
	cwd: string;
	env: NodeJS.ProcessEnv;
	/** stdout and stderr are appended to these files. */
	stdoutFile: string;
	stderrFile: string;
	/** SIGKILL the CLI this many ms after it was spawned; undefined: never. */
	killAfterMs?: number;
	/** SIGKILL it anyway after this many ms and say it hung (default 180,000). */
	timeoutMs?: number;
}

/** How a session ended. */
export interface SessionResult {
	/** Exit code; null when a signal ended it. */
	code: number | null;
	signal: NodeJS.Signals | null;
	/** True when the harness's kill ended it (not the timeout, not its own end). */
	killed: boolean;
	/** True when the timeout ended it. */
	hung: boolean;
	durationMs: number;
	/** What it wrote to stderr (this session only). */
	stderr: string;
}

/** Runs one session to its end (or its kill). Never rejects for the CLI's exit code; rejects when node cannot be spawned. */
export function runSession(spec: SessionSpec): Promise<SessionResult> {
	const out = openSync(spec.stdoutFile, 'a');
	const err = openSync(spec.stderrFile, 'a');
	const errStart = statSync(spec.stderrFile).size;
	const started = Date.now();
	const child = spawn(process.execPath, [spec.cli, ...spec.args], {cwd: spec.cwd, env: spec.env, stdio: ['ignore', out, err]});
	closeSync(out);
	closeSync(err);
	let killed = false;
	let hung = false;
	const killTimer =
		spec.killAfterMs === undefined
			? undefined
			: setTimeout(() => {
					killed = child.kill('SIGKILL');
				}, spec.killAfterMs);
	const hangTimer = setTimeout(() => {
		hung = child.kill('SIGKILL');
	}, spec.timeoutMs ?? 180_000);
	return new Promise((resolve, reject) => {
		child.once('error', error => {
			clearTimeout(killTimer);
			clearTimeout(hangTimer);
			reject(error);
		});
		child.once('exit', (code, signal) => {
			clearTimeout(killTimer);
			clearTimeout(hangTimer);
			const stderr = readFileSync(spec.stderrFile).subarray(errStart).toString('utf8');
			// A process that ended on its own just before the kill was not killed.
			resolve({code, signal, killed: killed && signal === 'SIGKILL' && !hung, hung, durationMs: Date.now() - started, stderr});
		});
	});
}
