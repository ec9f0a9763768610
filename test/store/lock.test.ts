/**
 * One process per run (source/store/lock.ts), with real processes: a second taker
 * is refused with the holder's pid, user@host and start time; a holder killed
 * with SIGKILL is taken over at once and reported; a live holder keeps its lock
 * even when stale (suspended); a holder on another host is judged by staleness;
 * a reused pid does not keep a dead holder's lock; a lost lock is reported, not
 * thrown; release lets the next process in. Child processes run the built module
 * (source/store/lock.ts, run by node through scripts/source-hooks.ts).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {currentOwner, lockRun, ownerCommand, RunLockedError, type OwnerInfo} from '../../source/store/lock.js';
import {waitUntil} from '../support/wait.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';

const LOCK_MODULE = sourceModule('store/lock.ts');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh run folder `<tmp>/runs/<runId>`. */
function runDir(runId = 'restore-20261120-231500-3fa2'): string {
	const base = mkdtempSync(path.join(os.tmpdir(), 'runbook-lock-test-'));
	cleanups.push(() => rmSync(base, {recursive: true, force: true}));
	const dir = path.join(base, 'runs', runId);
	mkdirSync(dir, {recursive: true});
	return dir;
}

/** A child process that takes the lock of `dir` and holds it until killed; resolves once it holds it. */
async function holder(dir: string): Promise<ChildProcess> {
	const script = `
		import {lockRun, currentOwner} from ${JSON.stringify(LOCK_MODULE)};
		await lockRun(process.argv[1], currentOwner());
		process.stdout.write('locked\\n');
		setInterval(() => {}, 1000);
	`;
	const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '--no-warnings', '-e', script, dir], {stdio: ['ignore', 'pipe', 'pipe']});
	cleanups.push(() => void child.kill('SIGKILL'));
	let err = '';
	child.stderr!.on('data', chunk => (err += chunk));
	await new Promise<void>((resolve, reject) => {
		child.stdout!.once('data', () => resolve());
		child.once('exit', code => reject(new Error(`holder exited with ${code}: ${err}`)));
	});
	return child;
}

/** Kills `child` with `signal` and waits until it is reaped (a zombie would still answer kill(pid, 0)). */
async function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
	const exited = new Promise(resolve => child.once('exit', resolve));
	child.kill(signal);
	await exited;
}

/** Writes a lock folder and owner record as a holder elsewhere would have left them. */
function fakeHolder(dir: string, owner: OwnerInfo, lockAgeMs = 0): void {
	mkdirSync(path.join(dir, 'lock'));
	writeFileSync(path.join(dir, 'lock-owner.json'), JSON.stringify(owner));
	const when = new Date(Date.now() - lockAgeMs);
	utimesSync(path.join(dir, 'lock'), when, when);
}

/** The message of what `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected a rejection');
}

describe('lockRun', () => {
	it('takes a lock left without an owner record once it has gone unrefreshed for the stale period (a process killed before writing its record)', async () => {
		const dir = runDir();
		// As after a SIGKILL right after the lock folder was made: the folder, fresh, and no record.
		mkdirSync(path.join(dir, 'lock'));
		const next = await lockRun(dir, currentOwner(), {staleMs: 2000});
		expect(JSON.parse(readFileSync(path.join(dir, 'lock-owner.json'), 'utf8')).pid).toBe(process.pid);
		await next.release();
	});

	it('refuses a lock without an owner record while a live holder keeps refreshing it (the record deleted by someone else)', async () => {
		const dir = runDir();
		const child = await holder(dir);
		rmSync(path.join(dir, 'lock-owner.json'));
		const error = await rejection(lockRun(dir, currentOwner()));
		expect(error).toBeInstanceOf(RunLockedError);
		expect(error.message).toContain('is in use by another process (its owner record is missing or unreadable)');
		// The holder still has its lock: nothing was removed.
		expect(existsSync(path.join(dir, 'lock'))).toBe(true);
		expect(child.exitCode).toBeNull();
	});

	it('refuses a second taker in the same process, naming pid, user@host and start time; release lets the next in', async () => {
		const dir = runDir();
		const owner = currentOwner(new Date('2026-11-20T23:15:02.456Z'));
		const first = await lockRun(dir, owner);
		expect(first.tookOver).toBeUndefined();
		expect(JSON.parse(readFileSync(path.join(dir, 'lock-owner.json'), 'utf8'))).toEqual(owner);

		const error = await rejection(lockRun(dir, currentOwner()));
		expect(error).toBeInstanceOf(RunLockedError);
		expect(error.message).toBe(`run restore-20261120-231500-3fa2 is in use by pid ${process.pid} (${owner.user}@${os.hostname()}) since 2026-11-20 23:15:02 UTC; wait for it to finish, or stop that process`);
		expect((error as RunLockedError).owner).toEqual(owner);

		await first.release();
		expect(existsSync(path.join(dir, 'lock'))).toBe(false);
		expect(existsSync(path.join(dir, 'lock-owner.json'))).toBe(false);
		const next = await lockRun(dir, currentOwner());
		expect(next.tookOver).toBeUndefined();
		await next.release();
		await next.release(); // twice is harmless
	});

	it('refuses while another process holds the lock, and takes it over at once after that process is SIGKILLed', async () => {
		const dir = runDir();
		const child = await holder(dir);
		const error = await rejection(lockRun(dir, currentOwner()));
		expect(error).toBeInstanceOf(RunLockedError);
		expect(error.message).toContain(`in use by pid ${child.pid} (${os.userInfo().username}@${os.hostname()}) since `);
		const held = JSON.parse(readFileSync(path.join(dir, 'lock-owner.json'), 'utf8')) as OwnerInfo;
		expect(error.message).toContain(held.startedAt.slice(0, 10) + ' ' + held.startedAt.slice(11, 19) + ' UTC');

		await kill(child);
		// The dead holder's lock is still there: it is taken over because its pid is gone, not
		// because it turned stale (a stale time of 10 minutes rules staleness out).
		expect(existsSync(path.join(dir, 'lock'))).toBe(true);
		const lock = await lockRun(dir, currentOwner(), {staleMs: 600_000});
		expect(lock.tookOver).toEqual(held);
		expect(lock.tookOver?.pid).toBe(child.pid);
		expect(JSON.parse(readFileSync(path.join(dir, 'lock-owner.json'), 'utf8')).pid).toBe(process.pid);
		await lock.release();
	});

	it('keeps the lock of a live holder even when it is stale (a suspended run)', async () => {
		const dir = runDir();
		const child = await holder(dir);
		child.kill('SIGSTOP');
		cleanups.push(() => void child.kill('SIGCONT'));
		const old = new Date(Date.now() - 60_000);
		utimesSync(path.join(dir, 'lock'), old, old);
		const error = await rejection(lockRun(dir, currentOwner()));
		expect(error).toBeInstanceOf(RunLockedError);
		expect(error.message).toContain(`pid ${child.pid}`);
	});

	it('a holder on another host keeps a fresh lock and loses a stale one', async () => {
		const elsewhere: OwnerInfo = {pid: 4242, user: 'bob', host: 'db2.example', startedAt: '2026-11-20T23:00:00.000Z', command: 'cli.js resume x'};
		const fresh = runDir();
		fakeHolder(fresh, elsewhere);
		const error = await rejection(lockRun(fresh, currentOwner()));
		expect(error.message).toContain('in use by pid 4242 (bob@db2.example) since 2026-11-20 23:00:00 UTC');

		const stale = runDir();
		fakeHolder(stale, elsewhere, 60_000);
		const lock = await lockRun(stale, currentOwner());
		expect(lock.tookOver).toEqual(elsewhere);
		await lock.release();
	});

	it.skipIf(!existsSync('/proc/self/stat'))('a pid now used by another process (another start time) does not keep the lock', async () => {
		const dir = runDir();
		// This pid runs (it is this process), but not since the recorded start: the holder is gone.
		const gone: OwnerInfo = {...currentOwner(), user: 'alice', processStart: '1'};
		expect(currentOwner().processStart).toMatch(/^\d+$/);
		fakeHolder(dir, gone);
		const lock = await lockRun(dir, currentOwner());
		expect(lock.tookOver).toEqual(gone);
		await lock.release();
	});

	it('takes a lock released by the exit handler (the holder was stopped by a signal) and reports the holder', async () => {
		const dir = runDir();
		const child = await holder(dir);
		await kill(child, 'SIGTERM');
		// proper-lockfile removed the lock folder on the way out; the owner record stayed.
		expect(existsSync(path.join(dir, 'lock'))).toBe(false);
		const lock = await lockRun(dir, currentOwner());
		expect(lock.tookOver?.pid).toBe(child.pid);
		await lock.release();
	});

	it('reports a lost lock through onCompromised instead of throwing', async () => {
		const dir = runDir();
		const messages: string[] = [];
		const lock = await lockRun(dir, currentOwner(), {staleMs: 2000, updateMs: 1000, onCompromised: message => messages.push(message)});
		rmSync(path.join(dir, 'lock'), {recursive: true});
		await waitUntil('the lost lock to be reported', () => messages.length > 0);
		expect(messages).toHaveLength(1);
		expect(messages[0]).toMatch(/^the lock of run restore-20261120-231500-3fa2 was lost \(.+\); another process may take the run over/);
		await lock.release();
		expect(existsSync(path.join(dir, 'lock-owner.json'))).toBe(false);
	});
});

describe('ownerCommand', () => {
	it('hides the values of -p/--param so that no secret reaches the owner record', () => {
		const argv = ['/usr/bin/node', '/opt/runbook/dist/cli.js', 'run', 'restore.yaml', '-p', 'DB_PASSWORD=hunter2', '-pTOKEN=abc', '--param=KEY=v=w', '--param', 'X=1', '--plain'];
		expect(ownerCommand(argv)).toBe('/opt/runbook/dist/cli.js run restore.yaml -p DB_PASSWORD=*** -pTOKEN=*** --param=KEY=*** --param X=*** --plain');
	});
});
