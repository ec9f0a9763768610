import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import type {OutputChunk} from '../../source/engine/output.js';
import {CAPTURE_LIMIT_BYTES} from '../../source/engine/ports.js';
import {describeShellResult} from '../../source/executors/shell.js';
import {waitUntil} from '../support/wait.js';
import {groupProcesses} from '../support/processes.js';
import {run, tempDir} from './shell-helpers.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

describe('bash -euo pipefail', () => {
	test('exit code 0 and stdout', async () => {
		const {result, stdout, stderr} = await run(dir, 'echo hello');
		expect(result).toMatchObject({exitCode: 0, aborted: false});
		expect(result.error).toBeUndefined();
		expect(result.signal).toBeUndefined();
		expect(stdout).toEqual(['hello']);
		expect(stderr).toEqual([]);
	});

	test('a failing command is a result with its exit code, not an exception', async () => {
		const {result} = await run(dir, 'echo before; exit 3');
		expect(result).toMatchObject({exitCode: 3, aborted: false});
		expect(result.error).toBeUndefined();
	});

	test('-e stops at the first failing command', async () => {
		const {result, stdout} = await run(dir, 'echo one\nfalse\necho two');
		expect(result.exitCode).toBe(1);
		expect(stdout).toEqual(['one']);
	});

	test('pipefail: a failing left side of a pipe fails the step', async () => {
		const {result, stdout} = await run(dir, 'false | cat\necho after');
		expect(result.exitCode).toBe(1);
		expect(stdout).toEqual([]);
	});

	test('-u: reading an unset variable fails the step', async () => {
		const {result, stdout, stderr} = await run(dir, 'echo "value: $RUNBOOK_SURELY_UNSET"\necho after');
		expect(result.exitCode).not.toBe(0);
		expect(stdout).toEqual([]);
		expect(stderr.join('\n')).toContain('RUNBOOK_SURELY_UNSET: unbound variable');
	});

	test('bash reports the runbook script line numbers unchanged', async () => {
		const {stderr} = await run(dir, 'true\ntrue\necho "$NOPE_UNSET"');
		expect(stderr.join('\n')).toMatch(/line 3: NOPE_UNSET: unbound variable/);
	});

	test('runs in request.cwd', async () => {
		const {stdout} = await run(dir, 'pwd');
		expect(stdout).toEqual([dir]);
	});

	test('stdin is /dev/null: a command reading it gets end-of-file instead of hanging', async () => {
		const {result, stdout} = await run(dir, 'cat\nread -r line || echo "eof"');
		expect(result.exitCode).toBe(0);
		expect(stdout).toEqual(['eof']);
	});
});

describe('variables', () => {
	test('request.env reaches the script, over process.env', async () => {
		process.env.RUNBOOK_TEST_INHERITED = 'from-parent';
		process.env.RUNBOOK_TEST_OVERRIDDEN = 'parent';
		try {
			const {stdout} = await run(dir, 'echo "$RUNBOOK_TEST_INHERITED $RUNBOOK_TEST_OVERRIDDEN $NAME"', {
				env: {RUNBOOK_TEST_OVERRIDDEN: 'request', NAME: 'db-1'},
			});
			expect(stdout).toEqual(['from-parent request db-1']);
		} finally {
			delete process.env.RUNBOOK_TEST_INHERITED;
			delete process.env.RUNBOOK_TEST_OVERRIDDEN;
		}
	});

	test('a hostile value is inert: printed literally, nothing runs', async () => {
		const marker1 = join(dir, 'pwned-dollar');
		const marker2 = join(dir, 'pwned-backtick');
		const keep = join(dir, 'keep.txt');
		writeFileSync(keep, 'still here');
		writeFileSync(join(dir, 'glob-match.txt'), '');
		const hostile = `$(touch ${marker1}) \`touch ${marker2}\`; rm -f ${keep}\n"double' single \\ back * ? [a] $HOME \${HOME}`;
		const {result, stdout} = await run(dir, 'printf "%s\\n" "$HOSTILE"\necho "[$HOSTILE]" > /dev/null', {
			env: {HOSTILE: hostile},
			capture: true,
		});
		expect(result.exitCode).toBe(0);
		expect(stdout).toEqual(hostile.split('\n'));
		expect(result.stdout).toBe(hostile + '\n');
		expect(existsSync(marker1)).toBe(false);
		expect(existsSync(marker2)).toBe(false);
		expect(existsSync(keep)).toBe(true);
	});
});

describe('output', () => {
	test('stdout and stderr lines arrive in order within each stream, in batches', async () => {
		const script = 'for i in $(seq 1 3000); do echo "out $i"; echo "err $i" >&2; done';
		const {stdout, stderr, chunks} = await run(dir, script);
		expect(stdout).toEqual(Array.from({length: 3000}, (_, i) => `out ${i + 1}`));
		expect(stderr).toEqual(Array.from({length: 3000}, (_, i) => `err ${i + 1}`));
		// Batches: fewer calls than lines, and no empty call.
		expect(chunks.length).toBeLessThan(6000);
		expect(chunks.every(chunk => chunk.lines.length > 0)).toBe(true);
	});

	test('a last line without a newline is delivered, on both streams', async () => {
		const {stdout, stderr, log} = await run(dir, "printf 'a\\nb'; printf 'x\\ny' >&2");
		expect(stdout).toEqual(['a', 'b']);
		expect(stderr).toEqual(['x', 'y']);
		expect(log).toContain('\nb\n');
	});

	test('a line split across writes is delivered once, whole; CRLF loses its CR', async () => {
		const {stdout} = await run(dir, "printf 'hal'; sleep 0.1; printf 'f\\r\\nnext\\n'");
		expect(stdout).toEqual(['half', 'next']);
	});

	test('redaction replaces a secret in the output and the log file; the capture keeps it (the runner refuses such a capture)', async () => {
		const secret = 's3cr3t-Value';
		const {stdout, stderr, log, result} = await run(dir, 'echo "token=$TOKEN"; echo "$TOKEN!" >&2', {
			env: {TOKEN: secret},
			capture: true,
			redact: text => text.replaceAll(secret, '***'),
		});
		expect(stdout).toEqual(['token=***']);
		expect(stderr).toEqual(['***!']);
		expect(result.stdout).toBe(`token=${secret}\n`);
		expect(log).toContain('token=***');
		expect(log).not.toContain(secret);
	});

	test('the log file (in folders it creates) has a header, the full output and a footer', async () => {
		const {log, logPath} = await run(dir, 'seq 1 5000\necho oops >&2\nexit 4');
		expect(logPath.startsWith(join(dir, 'logs', 'nested'))).toBe(true);
		const lines = log.trimEnd().split('\n');
		expect(lines[0]).toMatch(/^=== runbook: step "test-step" started \d{4}-\d\d-\d\dT[\d:.]+Z in .+ ===$/);
		expect(lines.slice(1, 5001)).toEqual(Array.from({length: 5000}, (_, i) => String(i + 1)));
		expect(lines[5001]).toBe('oops');
		expect(lines[5002]).toMatch(/^=== runbook: step "test-step" exit code 4 after \d+ ms ===$/);
		expect(lines).toHaveLength(5003);
	});

	test('a second attempt appends to an existing log', async () => {
		const logPath = join(dir, 'step.log');
		await run(dir, 'echo first', {logPath});
		const {log} = await run(dir, 'echo second', {logPath});
		expect(log.match(/started/g)).toHaveLength(2);
		expect(log.indexOf('first')).toBeLessThan(log.indexOf('second'));
	});
});

describe('capture', () => {
	test('returns stdout (not stderr) when asked, nothing otherwise', async () => {
		const script = 'echo "  line 1"; echo noise >&2; echo "line 2  "';
		const captured = await run(dir, script, {capture: true});
		expect(captured.result.stdout).toBe('  line 1\nline 2  \n');
		const plain = await run(dir, script);
		expect(plain.result.stdout).toBeUndefined();
	});

	test('keeps at most CAPTURE_LIMIT_BYTES and notes the cut in the log; the log keeps everything', async () => {
		// 30,000 lines of 100 "x": 3,030,000 bytes.
		const script = "head -c 3000000 /dev/zero | tr '\\0' x | fold -w 100";
		const {result, log, stdout} = await run(dir, script, {capture: true});
		expect(result.exitCode).toBe(0);
		expect(stdout).toHaveLength(30_000);
		expect(Buffer.byteLength(result.stdout ?? '')).toBe(CAPTURE_LIMIT_BYTES);
		expect(result.stdout?.startsWith('x'.repeat(100) + '\n')).toBe(true);
		expect(log).toContain('=== runbook: capture truncated');
		expect(log.split('\n').filter(line => line === 'x'.repeat(100))).toHaveLength(30_000);
	});

	test('a capture limit never cuts a UTF-8 character in half', async () => {
		const {result} = await run(dir, "printf 'ééé\\n'", {capture: true}, {captureLimitBytes: 5});
		expect(result.stdout).toBe('éé');
	});
});

describe('the start gate', () => {
	test('no command of the script runs until onStart (which saves the process group) has returned', async () => {
		const marker = join(dir, 'ran');
		const seen: boolean[] = [];
		const {result} = await run(dir, `touch ${marker}\nread -r line || echo "stdin: end of file"`, {
			onStart: () => {
				seen.push(existsSync(marker));
				// Hold onStart for 300 ms (as a slow disk would the state save): still nothing runs.
				Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
				seen.push(existsSync(marker));
			},
		});
		expect(seen).toEqual([false, false]);
		expect(result.exitCode).toBe(0);
		expect(existsSync(marker)).toBe(true);
	});

	test('when onStart throws (the state could not be saved), the script does not run and the step ends with the error', async () => {
		const marker = join(dir, 'ran');
		let pgid = 0;
		const {result, log} = await run(dir, `touch ${marker}`, {
			onStart: started => {
				pgid = started;
				throw new Error('ENOSPC: no space left on device, write');
			},
		});
		expect(result).toMatchObject({exitCode: null, aborted: false});
		expect(result.error).toBe("recording the command's process failed, so it was not run: ENOSPC: no space left on device, write");
		expect(log).toContain('did not run');
		expect(pgid).toBeGreaterThan(0);
		expect(groupProcesses(pgid)).toEqual([]);
		expect(existsSync(marker)).toBe(false);
	});

	test("after the gate, the script reads end-of-file from stdin, and its line numbers are the runbook's", async () => {
		const {result, stdout, stderr} = await run(dir, 'read -r line || echo "stdin: end of file"\nno-such-command-xyz');
		expect(stdout).toEqual(['stdin: end of file']);
		expect(result.exitCode).toBe(127);
		expect(stderr.join('\n')).toMatch(/line 2: no-such-command-xyz: command not found/);
	});

	test('a runner killed (SIGKILL) before the gate opens leaves nothing run and nothing running', async () => {
		const marker = join(dir, 'ran');
		const pidFile = join(dir, 'pgid');
		const program = `
import {writeFileSync} from 'node:fs';
import {createShellExecutor} from ${JSON.stringify(sourceModule('executors/shell.ts'))};
import {stepLogFiles} from ${JSON.stringify(sourceModule('store/step-logs.ts'))};
await createShellExecutor(stepLogFiles).run({
	stepId: 'gated', script: 'touch ' + ${JSON.stringify(marker)}, env: {}, cwd: ${JSON.stringify(dir)},
	logPath: ${JSON.stringify(join(dir, 'gated.log'))}, signal: new AbortController().signal, graceMs: 1000,
	capture: false, redact: text => text, onOutput: () => {},
	onStart: pgid => { writeFileSync(${JSON.stringify(pidFile)}, String(pgid)); process.kill(process.pid, 'SIGKILL'); },
});`;
		expect(() => execFileSync(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '-e', program], {stdio: 'pipe'})).toThrow();
		const pgid = Number(readFileSync(pidFile, 'utf8'));
		expect(pgid).toBeGreaterThan(0);
		// bash read end-of-file at the gate and exited 125 without running the script.
		// Once the group is gone, nothing of the script can write the marker any more.
		await waitUntil('the group to end', () => groupProcesses(pgid).length === 0);
		expect(existsSync(marker)).toBe(false);
	});
});

/** A groupProcesses line of a `sleep` (not the bash whose script mentions it). */
const isSleep = (line: string): boolean => /^\d+ \S+ sleep /.test(line);

/** Reads the `pid $$` line a test script prints: `pgid` is bash's pid, its process group (0 until printed). */
function pidReporter(): {pgid: number; onOutput: (chunk: OutputChunk) => void} {
	const reporter = {
		pgid: 0,
		onOutput: (chunk: OutputChunk) => {
			const line = chunk.lines.find(text => text.startsWith('pid '));
			if (line) reporter.pgid = Number(line.slice(4));
		},
	};
	return reporter;
}

describe('abort', () => {
	test('SIGTERM reaches the whole process group; nothing of it remains', async () => {
		const controller = new AbortController();
		const pid = pidReporter();
		let before: string[] = [];
		const running = run(dir, 'sleep 300 &\nsleep 300 &\necho "pid $$"\nsleep 300\nwait', {
			signal: controller.signal,
			graceMs: 20_000,
			onOutput: pid.onOutput,
		});
		// Three sleeps seen (a forked child shows as bash until it has exec'd sleep).
		await waitUntil('three sleeps in the group', () => pid.pgid > 0 && groupProcesses(pid.pgid).filter(isSleep).length >= 3);
		before = groupProcesses(pid.pgid);
		controller.abort();
		const {result, log} = await running;
		expect(before.filter(isSleep)).toHaveLength(3);
		expect(result).toMatchObject({aborted: true, exitCode: null, signal: 'SIGTERM'});
		expect(groupProcesses(pid.pgid)).toEqual([]);
		expect(log).toContain(`aborted: SIGTERM sent to process group ${pid.pgid}`);
		expect(log).not.toContain('SIGKILL');
	});

	test('a script that ignores SIGTERM gets SIGKILL after graceMs', async () => {
		const controller = new AbortController();
		const pid = pidReporter();
		const running = run(dir, 'trap \'\' TERM\necho "pid $$"\nwhile true; do sleep 0.05; done', {
			signal: controller.signal,
			graceMs: 600,
			onOutput: pid.onOutput,
		});
		await waitUntil('the script to start', () => pid.pgid > 0);
		controller.abort();
		const {result, log} = await running;
		expect(result).toMatchObject({aborted: true, exitCode: null, signal: 'SIGKILL'});
		expect(groupProcesses(pid.pgid)).toEqual([]);
		// SIGTERM first, SIGKILL only after it (the grace period's length is not timed here).
		expect(log.indexOf('SIGTERM sent to process group')).toBeGreaterThanOrEqual(0);
		expect(log.indexOf('SIGKILL sent to process group')).toBeGreaterThan(log.indexOf('SIGTERM sent to process group'));
	});

	test('a child that outlives bash with its output closed still gets SIGKILL', async () => {
		const controller = new AbortController();
		const pid = pidReporter();
		const script = '(trap \'\' TERM; exec sleep 300) >/dev/null 2>&1 &\necho "pid $$"\nwait';
		const running = run(dir, script, {
			signal: controller.signal,
			graceMs: 500,
			onOutput: pid.onOutput,
		});
		await waitUntil('the sleep to start', () => pid.pgid > 0 && groupProcesses(pid.pgid).some(isSleep));
		controller.abort();
		const {result, log} = await running;
		expect(result.aborted).toBe(true);
		expect(result.exitCode).toBeNull();
		expect(groupProcesses(pid.pgid)).toEqual([]);
		expect(log).toContain('SIGKILL sent to process group');
	});

	test('a second stop (kill) sends SIGKILL at once instead of waiting out the grace period', async () => {
		const controller = new AbortController();
		const kill = new AbortController();
		const pid = pidReporter();
		// The trap outlives SIGTERM and says so, so the test knows the signal arrived (the
		// sleep it kills fails, which `|| :` absorbs under -e).
		const lines: string[] = [];
		const running = run(dir, 'trap \'echo TERM received\' TERM\necho "pid $$"\nwhile true; do sleep 0.05 || :; done', {
			signal: controller.signal,
			kill: kill.signal,
			// Longer than the test's timeout: an end at all means the kill ended it.
			graceMs: 60_000,
			onOutput: chunk => {
				lines.push(...chunk.lines);
				pid.onOutput(chunk);
			},
		});
		await waitUntil('the script to start', () => pid.pgid > 0);
		controller.abort();
		await waitUntil('the SIGTERM to arrive', () => lines.includes('TERM received'));
		expect(groupProcesses(pid.pgid).length).toBeGreaterThan(0);
		kill.abort();
		const {result, log} = await running;
		expect(result).toMatchObject({aborted: true, exitCode: null, signal: 'SIGKILL'});
		expect(groupProcesses(pid.pgid)).toEqual([]);
		expect(log).toContain(`aborted: SIGTERM sent to process group ${pid.pgid}`);
		expect(log).toContain(`SIGKILL sent to process group ${pid.pgid}`);
	});

	test('the kill also ends the wait for a child that outlived bash', async () => {
		const controller = new AbortController();
		const kill = new AbortController();
		const pid = pidReporter();
		const script = '(trap \'\' TERM; exec sleep 300) >/dev/null 2>&1 &\necho "pid $$"\nwait';
		const running = run(dir, script, {
			signal: controller.signal,
			kill: kill.signal,
			graceMs: 60_000,
			onOutput: pid.onOutput,
		});
		await waitUntil('the sleep to start', () => pid.pgid > 0 && groupProcesses(pid.pgid).some(isSleep));
		controller.abort();
		// bash ends on SIGTERM; the sleep ignores it and lives on.
		await waitUntil('only the sleep left', () => groupProcesses(pid.pgid).length === 1);
		kill.abort();
		const {result, log} = await running;
		expect(result.aborted).toBe(true);
		expect(groupProcesses(pid.pgid)).toEqual([]);
		expect(log).toContain('SIGKILL sent to process group');
	});

	test('an already aborted signal runs nothing', async () => {
		const controller = new AbortController();
		controller.abort();
		const marker = join(dir, 'ran');
		const {result} = await run(dir, `touch ${marker}`, {signal: controller.signal});
		expect(result).toMatchObject({aborted: true, exitCode: null});
		expect(existsSync(marker)).toBe(false);
	});
});

describe('could not start', () => {
	test('a missing cwd gives a clear one-line error and no throw', async () => {
		const cwd = join(dir, 'no-such-dir');
		const {result, log} = await run(dir, 'echo hi', {cwd});
		expect(result.exitCode).toBeNull();
		expect(result.aborted).toBe(false);
		expect(result.error).toBe(`the working directory ${cwd} of step "test-step" does not exist; create it or fix the step's cwd`);
		expect(log).toContain('did not run: the working directory');
	});

	test('a missing bash gives an error naming it', async () => {
		const {result} = await run(dir, 'echo hi', {}, {bash: join(dir, 'no-bash')});
		expect(result.exitCode).toBeNull();
		expect(result.error).toMatch(/^could not start .*no-bash for step "test-step": .*ENOENT/);
	});

	test('a log path that cannot be created gives an error naming it', async () => {
		writeFileSync(join(dir, 'a-file'), '');
		const logPath = join(dir, 'a-file', 'step.log');
		const marker = join(dir, 'ran');
		const {result} = await run(dir, `touch ${marker}`, {logPath});
		expect(result.exitCode).toBeNull();
		expect(result.error).toContain(`cannot open the log file ${logPath}`);
		expect(result.error).not.toContain('\n');
		expect(existsSync(marker)).toBe(false);
	});
});

describe('describeShellResult', () => {
	test('says how a command ended', () => {
		expect(describeShellResult({exitCode: 3, durationMs: 5, aborted: false})).toBe('exit code 3');
		expect(describeShellResult({exitCode: null, signal: 'SIGKILL', durationMs: 5, aborted: true})).toBe('killed by SIGKILL (aborted)');
		expect(describeShellResult({exitCode: null, signal: 'SIGSEGV', durationMs: 5, aborted: false})).toBe('killed by SIGSEGV');
		expect(describeShellResult({exitCode: null, durationMs: 0, aborted: false, error: 'no bash'})).toBe('could not start: no bash');
	});

	test('a command killed by a signal it sent itself is not "aborted"', async () => {
		const {result, log} = await run(dir, 'kill -KILL $$');
		expect(result).toMatchObject({exitCode: null, signal: 'SIGKILL', aborted: false});
		expect(log).toContain('killed by SIGKILL after');
	});
});
