/**
 * executors/process-group.ts with real processes: finding a command's processes by
 * RUNBOOK_COMMAND_ID inside and outside its group, and the resume's stop of a
 * leftover command, which leaves alone a group that does not carry the id (after a
 * reboot, a saved pgid may name an unrelated group), a saved group without an id,
 * processes older than the attempt, and groups 0, 1 and its own (a hostile state).
 */
import {spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {afterEach, describe, expect, test} from 'vitest';
import {COMMAND_ID_VAR, commandAlive, groupAlive, markedProcesses, stopLeftoverCommand} from '../../source/executors/process-group.js';
import {until} from './shell-helpers.js';

const started: ChildProcess[] = [];
afterEach(() => {
	for (const child of started.splice(0)) {
		try {
			process.kill(-child.pid!, 'SIGKILL');
		} catch {
			// gone
		}
	}
});

/** The state letter of `pid` (/proc/<pid>/stat), or `gone`. */
function processState(pid: number): string {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
	} catch {
		return 'gone';
	}
}

/** Starts `script` under bash as the leader of a new group, with `env` added. */
function startGroup(script: string, env: Record<string, string> = {}): ChildProcess {
	const child = spawn('bash', ['-c', script], {detached: true, stdio: 'ignore', env: {...process.env, ...env}});
	started.push(child);
	return child;
}

describe('a command found by its id', () => {
	test('markedProcesses finds the processes carrying the id, and leaves out those of a given group', async () => {
		const id = randomUUID();
		const group = startGroup('setsid sleep 300 & sleep 300', {[COMMAND_ID_VAR]: id});
		// bash, its sleep, the setsid'd sleep, once setsid has left the group (it forks first).
		await until(() => markedProcesses(id).length === 3 && markedProcesses(id, group.pid).length === 1);
		expect(markedProcesses(randomUUID())).toEqual([]);
		const outside = markedProcesses(id, group.pid)[0];
		await stopLeftoverCommand({pgid: group.pid!, commandId: id}, 2000);
		expect(groupAlive(group.pid!)).toBe(false);
		expect(markedProcesses(id)).toEqual([]);
		// Gone, or a zombie waiting for its parent to reap it.
		expect(processState(outside)).toMatch(/^(?:gone|Z)$/);
	});

	test('a saved group that does not carry the id is not signalled; the processes carrying it are', async () => {
		const id = randomUUID();
		const unrelated = startGroup('sleep 300');
		const ours = startGroup('sleep 300', {[COMMAND_ID_VAR]: id});
		await until(() => groupAlive(unrelated.pid!) && markedProcesses(id).length > 0);
		// As after a reboot: the saved pgid now names the unrelated group.
		expect(await stopLeftoverCommand({pgid: unrelated.pid!, commandId: id}, 2000)).toBe(true);
		expect(groupAlive(unrelated.pid!)).toBe(true);
		expect(groupAlive(ours.pid!)).toBe(false);
		// Nothing left of the command: a second stop finds nothing.
		expect(commandAlive({commandId: id})).toBe(false);
		expect(await stopLeftoverCommand({pgid: unrelated.pid!, commandId: id}, 2000)).toBe(false);
		expect(groupAlive(unrelated.pid!)).toBe(true);
	});

	test('without an id (an older state, or one with the id removed) the saved group is left alone', async () => {
		const group = startGroup('sleep 300');
		await until(() => groupAlive(group.pid!));
		expect(await stopLeftoverCommand({pgid: group.pid!}, 2000)).toBe(false);
		expect(groupAlive(group.pid!)).toBe(true);
	});

	test('processes carrying the id that started before the attempt began are not the command: nothing is signalled', async () => {
		const id = randomUUID();
		const group = startGroup('sleep 300', {[COMMAND_ID_VAR]: id});
		await until(() => markedProcesses(id).length > 0);
		// As a state whose attempt began after these processes started (a reused id).
		expect(await stopLeftoverCommand({pgid: group.pid!, commandId: id, startedAfter: Date.now() + 60_000}, 2000)).toBe(false);
		expect(groupAlive(group.pid!)).toBe(true);
		// With the attempt's real start, they are.
		expect(await stopLeftoverCommand({pgid: group.pid!, commandId: id, startedAfter: Date.now() - 60_000}, 2000)).toBe(true);
		expect(groupAlive(group.pid!)).toBe(false);
	});

	test('the own process group and groups 0 and 1 are never signalled, even when a process in them carries the id', async () => {
		const id = randomUUID();
		// A bystander in our own group (not detached), and a process of it carrying the id.
		const bystander = spawn('sleep', ['300'], {stdio: 'ignore'});
		const carrier = spawn('sleep', ['300'], {stdio: 'ignore', env: {...process.env, [COMMAND_ID_VAR]: id}});
		try {
			await until(() => markedProcesses(id).length === 1);
			const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
			for (const pgid of [ownGroup, 0, 1]) {
				await stopLeftoverCommand({pgid, commandId: id}, 2000);
				expect(processState(bystander.pid!)).toMatch(/^[SR]$/);
			}
			// The carrier itself was signalled as a process of the command.
			await until(() => processState(carrier.pid!) !== 'S' && processState(carrier.pid!) !== 'R');
		} finally {
			bystander.kill('SIGKILL');
			carrier.kill('SIGKILL');
		}
	});
});
