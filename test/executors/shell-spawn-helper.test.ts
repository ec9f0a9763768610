/**
 * The spawn helper (source/executors/spawn-helper.ts): once it is ready, steps'
 * bash is forked by it, not by this process, with the same guarantees as when
 * this process starts bash itself (shell.ts): its own process group and session,
 * the start gate and the output as FIFOs (stdin a pipe, never a socket), exit
 * codes and signals as they were, a missing bash named; and a helper that dies
 * costs the step it was running its exit status, never a later step.
 */
import {existsSync, readFileSync, realpathSync, statSync, writeFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import {afterEach, beforeAll, beforeEach, describe, expect, test, vi} from 'vitest';
import {createShellExecutor} from '../../source/executors/shell.js';
import {stepLogFiles} from '../../source/store/step-logs.js';
import {type HelperStart, readySpawnHelper, spawnHelperPid} from '../../source/executors/spawn-helper.js';
import {groupProcesses} from '../support/processes.js';
import {waitUntil} from '../support/wait.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session. */
function procStat(pid: number): {ppid: number; pgrp: number; session: number} {
	const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	return {ppid: Number(fields[1]), pgrp: Number(fields[2]), session: Number(fields[3])};
}

beforeAll(async () => {
	createShellExecutor(stepLogFiles);
	await vi.waitFor(() => expect(spawnHelperPid()).toBeDefined(), {timeout: 60_000, interval: 20});
}, 70_000);

describe.runIf(process.platform === 'linux')('bash started by the spawn helper', () => {
	test('its parent is the helper; it leads its own group and session; stdin, stdout and stderr are FIFOs until the gate opens', async () => {
		const helperPid = spawnHelperPid();
		let seen: {stat: ReturnType<typeof procStat>; fifos: boolean[]} | undefined;
		const {result, stdout} = await run(dir, 'echo "ppid $PPID"', {
			onStart: pgid => {
				seen = {stat: procStat(pgid), fifos: [0, 1, 2].map(fd => statSync(`/proc/${pgid}/fd/${fd}`).isFIFO())};
				expect(seen.stat).toEqual({ppid: helperPid, pgrp: pgid, session: pgid});
			},
		});
		expect(result).toMatchObject({exitCode: 0, aborted: false});
		expect(seen?.fifos).toEqual([true, true, true]);
		expect(seen?.stat.ppid).toBe(helperPid);
		expect(stdout).toEqual([`ppid ${helperPid}`]);
		expect(helperPid).not.toBe(process.pid);
	});

	test('exit codes and signals come back as they were', async () => {
		expect((await run(dir, 'exit 3')).result).toMatchObject({exitCode: 3, aborted: false});
		const killed = (await run(dir, 'kill -KILL $$')).result;
		expect(killed).toMatchObject({exitCode: null, signal: 'SIGKILL', aborted: false});
		expect(killed.error).toBeUndefined();
	});

	test("the environment is the step's (command id set, BASH_ENV of this process not passed)", async () => {
		process.env.BASH_ENV = '/nonexistent/bash-env';
		try {
			const {stdout} = await run(dir, 'echo "id=${RUNBOOK_COMMAND_ID:+set} bash_env=${BASH_ENV:-none} name=$NAME"', {env: {NAME: 'db-1'}});
			expect(stdout).toEqual(['id=set bash_env=none name=db-1']);
		} finally {
			delete process.env.BASH_ENV;
		}
	});

	test('the environment holds the same variables as when this process starts bash (nothing of the helper, no BASH_FUNC_* or SHELLOPTS)', async () => {
		process.env['BASH_FUNC_stray%%'] = '() { echo stray; }';
		process.env.SHELLOPTS = 'xtrace';
		try {
			const names = async (spawnHelper: boolean) => (await run(dir, 'env -0 | tr "\\0\\n" "\\n " | cut -d= -f1 | grep -v "^_$" | sort', {}, {spawnHelper})).stdout;
			const viaHelper = await names(true);
			const direct = await names(false);
			expect(viaHelper).toEqual(direct);
			expect(viaHelper).toContain('RUNBOOK_COMMAND_ID');
			expect(viaHelper.filter(name => /^(BASH_FUNC_|SHELLOPTS$|NODE_CHANNEL)/.test(name))).toEqual([]);
		} finally {
			delete process.env['BASH_FUNC_stray%%'];
			delete process.env.SHELLOPTS;
		}
	});

	test('ps shows the helper by a short name, not its source', () => {
		const args = readFileSync(`/proc/${spawnHelperPid()}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
		expect(args).toBe('runbook-spawn-helper');
	});

	test('a missing bash is named, with the reason', async () => {
		const {result} = await run(dir, 'true', {}, {bash: `${dir}/no-bash`});
		expect(result.exitCode).toBeNull();
		expect(result.error).toMatch(/^could not start .*no-bash for step "test-step": .*ENOENT/);
	});

	test('without the helper (spawnHelper: false), this process starts bash', async () => {
		const {stdout} = await run(dir, 'echo "ppid $PPID"', {}, {spawnHelper: false});
		expect(stdout).toEqual([`ppid ${process.pid}`]);
	});

	test("a relative folder is this process's, as when it starts bash itself (the helper runs in /)", async () => {
		const {result, stdout} = await run(dir, 'pwd', {cwd: relative(process.cwd(), dir)});
		expect(result.exitCode).toBe(0);
		expect(stdout).toEqual([realpathSync(dir)]);
	});

	test('a stop while the helper is starting bash: the gate stays shut, so nothing of the script runs', async () => {
		const helper = readySpawnHelper()!;
		const controller = new AbortController();
		const start = helper.start.bind(helper);
		// The stop lands in the one await between the executor's checks and the gate: the helper's start.
		const spy = vi.spyOn(helper, 'start').mockImplementation(request => {
			const started = start(request);
			controller.abort();
			return started;
		});
		try {
			const {result, log} = await run(dir, `echo ran > ${dir}/ran`, {signal: controller.signal});
			expect(spy).toHaveBeenCalledOnce();
			expect(result).toMatchObject({exitCode: null, aborted: true});
			expect(log).toContain('aborted before it started');
			expect(log).not.toContain('SIGTERM sent');
			expect(existsSync(`${dir}/ran`)).toBe(false);
		} finally {
			spy.mockRestore();
		}
	});

	test("a log that cannot be opened (it opens while the helper starts bash): that bash ends at its gate, exit 125, before the step's result, having run nothing", async () => {
		const helper = readySpawnHelper()!;
		const start = helper.start.bind(helper);
		let started: Promise<HelperStart> | undefined;
		let endedBeforeResult = false;
		const spy = vi.spyOn(helper, 'start').mockImplementation(request => {
			started = start(request);
			void started.then(bash => bash.exited.then(() => (endedBeforeResult = true)));
			return started;
		});
		try {
			writeFileSync(join(dir, 'a-file'), '');
			const logPath = join(dir, 'a-file', 'step.log');
			const {result} = await run(dir, `echo ran > ${dir}/ran`, {logPath});
			const ended = endedBeforeResult;
			expect(spy).toHaveBeenCalledOnce();
			expect(result).toMatchObject({exitCode: null, aborted: false});
			expect(result.error).toContain(`cannot open the log file ${logPath}`);
			const bash = await started!;
			expect(bash.pid).toBeGreaterThan(0);
			expect(await bash.exited).toMatchObject({exitCode: 125, signal: null});
			expect(ended).toBe(true);
			expect(existsSync(`${dir}/ran`)).toBe(false);
		} finally {
			spy.mockRestore();
		}
	});

	test('a helper killed while a step runs: that step fails with its exit unknown (not "not started"), lasts until its group is gone; the next step runs', async () => {
		const helperPid = spawnHelperPid()!;
		let pgid = 0;
		const running = run(dir, 'echo started\nread -r -t 30 line < <(sleep 30) || true\necho finished', {
			onStart: started => {
				pgid = started;
			},
		});
		await waitUntil('the step to start', () => pgid > 0);
		process.kill(helperPid, 'SIGKILL');
		await waitUntil('the helper to be gone', () => spawnHelperPid() === undefined);
		// bash itself lives on (as it would without a helper): stop it, so the step ends.
		process.kill(-pgid, 'SIGKILL');
		const {result, log} = await running;
		expect(result).toMatchObject({exitCode: null, aborted: false});
		expect(result.error).toBeUndefined();
		expect(log).toContain('the spawn helper ended while the command ran: its exit status is unknown');
		// Reparented when the helper died, it is reaped by whoever adopted it.
		await waitUntil('the group to end', () => groupProcesses(pgid).length === 0);
		const next = await run(dir, 'echo "ppid $PPID"');
		expect(next.result).toMatchObject({exitCode: 0});
		expect(next.stdout).toEqual([`ppid ${process.pid}`]);
	});
});
