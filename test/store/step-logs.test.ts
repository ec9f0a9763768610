/**
 * Step logs have one home (store/step-logs.ts): an executor writes one through the engine's
 * port, and the UI reads it back through the run handle (`RunHandle.readLog`), bounded, with
 * the same one-line errors as before the move. Real files in a temporary run folder.
 */
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test, vi} from 'vitest';
import {Runner} from '../../source/engine/runner.js';
import {newRunState} from '../../source/engine/transitions.js';
import type {StepLogs} from '../../source/engine/step-log-port.js';
import {runbookSchema} from '../../source/runbook/schema.js';
import {LOG_NOTE_PREFIX, readStepLog, stepLogFiles} from '../../source/store/step-logs.js';
import {FakeClock, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-step-logs-'));
afterAll(() => fs.rmSync(runDir, {recursive: true, force: true}));

/** A Runner on `runDir` (never started): only its handle side is used. */
function runner(stepLogs?: StepLogs): Runner {
	const runbook = runbookSchema.parse({version: 1, title: 'Logs', steps: [{id: 'dump', title: 'Dump', run: 'true'}]});
	const clock = new FakeClock();
	const state = newRunState({runId: 'r1', runbookPath: '/rb/logs.yaml', runbookHash: 'h', title: 'Logs', stepIds: ['dump'], by: 'alice@host', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
	return new Runner({
		runbook,
		runbookDir: '/rb',
		state,
		runDir,
		ports: {shell: new FakeShell(), store: new MemoryStore(), clock, operator: new ScriptedOperator(), ...(stepLogs ? {stepLogs} : {})},
		secrets: {},
		by: 'alice@host',
		resumed: false,
	});
}

describe('step logs through the store port and the run handle', () => {
	test('a log written through the port reads back whole through the handle, at logs/<step>.<attempt>.log', async () => {
		const handle = runner(stepLogFiles);
		expect(handle.logPath('dump', 1)).toBe(path.join(runDir, 'logs', 'dump.1.log'));
		const log = await stepLogFiles.open(handle.logPath('dump', 1));
		log.note('step "dump" started');
		log.writeLines(['first', 'second']);
		log.writeBytes(Buffer.from('third\n'));
		await log.close();
		expect(log.failure).toBeUndefined();

		const read = handle.readLog('dump', 1, 1024 * 1024);
		expect(read).toEqual({text: `${LOG_NOTE_PREFIX}step "dump" started ===\nfirst\nsecond\nthird\n`, sizeBytes: fs.statSync(log.path).size, truncated: false});
	});

	test('a large piece lent with writeBytes (issue 15) is written from its own buffer, after what was gathered, and given back once written', async () => {
		const log = await stepLogFiles.open(path.join(runDir, 'logs', 'lend.1.log'));
		log.writeBytes(Buffer.from('small, gathered\n'), () => {
			throw new Error('a small piece is copied, never lent');
		});
		const big = Buffer.alloc(256 * 1024, 'y\n');
		let kept = 0;
		let givenBack = 0;
		log.writeBytes(big, () => {
			kept++;
			return () => givenBack++;
		});
		expect(kept).toBe(1);
		log.writeLines(['after']);
		await log.close();
		expect(givenBack).toBe(1);
		expect(log.failure).toBeUndefined();
		const text = fs.readFileSync(log.path, 'utf8');
		expect(text).toBe(`small, gathered\n${big.toString('utf8')}after\n`);
	});

	test('a write that failed before anyone listened (the first note, on a full disk) is still told', async () => {
		const log = await stepLogFiles.open(path.join(runDir, 'logs', 'full.1.log'));
		const full = vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
			throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
		});
		log.note('step "full" started');
		full.mockRestore();
		const told = await new Promise<string>(resolve => log.onFailure(resolve));
		expect(told).toBe(`writing the log file ${path.join(runDir, 'logs', 'full.1.log')} failed: ENOSPC: no space left on device, write`);
		await log.close();
	});

	test('a log over the limit reads only its end, from the first whole line', () => {
		const handle = runner(stepLogFiles);
		const lines = Array.from({length: 200}, (_, i) => `line ${String(i).padStart(3, '0')}`);
		fs.writeFileSync(handle.logPath('dump', 2), `${lines.join('\n')}\n`);
		const read = handle.readLog('dump', 2, 100);
		expect(read.truncated).toBe(true);
		expect(read.sizeBytes).toBe(200 * 9);
		expect(Buffer.byteLength(read.text)).toBeLessThanOrEqual(100);
		expect(read.text.split('\n')[0]).toMatch(/^line \d{3}$/);
		expect(read.text.endsWith('line 199\n')).toBe(true);
	});

	test('a missing log and a run without the port give one-line errors, never a throw', () => {
		expect(runner(stepLogFiles).readLog('dump', 9, 100)).toEqual({text: '', sizeBytes: 0, truncated: false, error: `No log yet at ${path.join(runDir, 'logs', 'dump.9.log')}`});
		expect(runner().readLog('dump', 1, 100).error).toMatch(/^Cannot read the log .*dump\.1\.log: this run has no step log store$/);
	});

	test('a FIFO or a symbolic link put where a log goes (a shared run folder) is refused at once, never followed or waited on', () => {
		const handle = runner(stepLogFiles);
		const fifo = handle.logPath('dump', 3);
		fs.mkdirSync(path.dirname(fifo), {recursive: true});
		execFileSync('mkfifo', [fifo]);
		expect(handle.readLog('dump', 3, 100)).toEqual({text: '', sizeBytes: 0, truncated: false, error: `Cannot read the log ${fifo}: it is not a regular file`});
		const outside = path.join(runDir, 'outside.txt');
		fs.writeFileSync(outside, 'not a log of this run\n');
		fs.symlinkSync(outside, handle.logPath('dump', 4));
		expect(handle.readLog('dump', 4, 100).error).toBe(`Cannot read the log ${handle.logPath('dump', 4)}: it is a symbolic link`);
		// A logs folder that is itself a link (to a folder holding a log of that name).
		const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-elsewhere-'));
		try {
			fs.writeFileSync(path.join(elsewhere, 'dump.1.log'), 'from elsewhere\n');
			const linked = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-tui-linked-run-'));
			fs.symlinkSync(elsewhere, path.join(linked, 'logs'));
			const read = readStepLog(path.join(linked, 'logs', 'dump.1.log'), 100);
			expect(read.text).toBe('');
			expect(read.error).toMatch(/its folder is a symbolic link$/);
			fs.rmSync(linked, {recursive: true, force: true});
		} finally {
			fs.rmSync(elsewhere, {recursive: true, force: true});
		}
	});

	test('notes written directly (nothing queued) and output through the stream keep their order; a note after close is dropped, and the file closes', async () => {
		const file = path.join(runDir, 'logs', 'order.1.log');
		const log = await stepLogFiles.open(file);
		const fds = () =>
			fs.readdirSync('/proc/self/fd').filter(fd => {
				try {
					return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
				} catch {
					return false;
				}
			});
		expect(fds()).toHaveLength(1);
		log.note('started');
		// Written at once, before any turn of the event loop: nothing was queued.
		expect(fs.readFileSync(file, 'utf8')).toBe(`${LOG_NOTE_PREFIX}started ===\n`);
		log.writeLines(['out 1', 'out 2']);
		log.note('between');
		log.writeLines(['out 3']);
		log.note('ended');
		await log.close();
		log.note('after close');
		const expected = [`${LOG_NOTE_PREFIX}started ===`, 'out 1', 'out 2', `${LOG_NOTE_PREFIX}between ===`, 'out 3', `${LOG_NOTE_PREFIX}ended ===`, ''].join('\n');
		expect(fs.readFileSync(file, 'utf8')).toBe(expected);
		if (process.platform === 'linux') await vi.waitFor(() => expect(fds()).toEqual([]), {timeout: 10_000});
		expect(fs.readFileSync(file, 'utf8')).toBe(expected);
	});

	test.runIf(process.platform === 'linux')('close() closes the descriptor itself (not later, through the thread pool), after queued writes; a second close() leaves a file that took the same number open', async () => {
		/** This process's descriptors open on `file`. */
		const fdsOn = (file: string) =>
			fs.readdirSync('/proc/self/fd').filter(fd => {
				try {
					return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
				} catch {
					return false;
				}
			});
		const idle = path.join(runDir, 'logs', 'idle.1.log');
		const idleLog = await stepLogFiles.open(idle);
		idleLog.note('started');
		idleLog.note('ended');
		await idleLog.close();
		expect(fdsOn(idle)).toEqual([]);

		const busy = path.join(runDir, 'logs', 'busy.1.log');
		const busyLog = await stepLogFiles.open(busy);
		busyLog.writeLines(Array.from({length: 1000}, (_, i) => `line ${i}`));
		busyLog.note('ended');
		await busyLog.close();
		expect(fdsOn(busy)).toEqual([]);
		expect(fs.readFileSync(busy, 'utf8').split('\n')).toHaveLength(1002);

		// The number the closed log had is given to the next file opened: a second close must not close it.
		const other = path.join(runDir, 'other.txt');
		const otherFd = fs.openSync(other, 'w');
		try {
			await idleLog.close();
			await busyLog.close();
			// Nor may a write after close reach that number: the flush timer a write arms would send
			// it there. The timer is fired at once (faked), then a file operation queued after any
			// write it made in the thread pool is awaited.
			vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']});
			try {
				for (const log of [idleLog, busyLog]) {
					log.writeLines(['LATE LINE']);
					log.writeBytes(Buffer.from('LATE BYTES\n'));
					log.note('late note');
				}
				vi.runOnlyPendingTimers();
			} finally {
				vi.useRealTimers();
			}
			await fs.promises.stat(other);
			fs.writeSync(otherFd, 'still open');
			expect(fdsOn(other)).toEqual([String(otherFd)]);
			expect(fs.readFileSync(other, 'utf8')).toBe('still open');
			expect(idleLog.failure).toBeUndefined();
		} finally {
			fs.closeSync(otherFd);
		}
	});
});
