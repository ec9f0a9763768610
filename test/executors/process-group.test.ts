/**
 * executors/process-group.ts with real processes: finding a command's processes by
 * RUNBOOK_COMMAND_ID inside and outside its group, and the resume's stop of a
 * leftover command, which leaves alone a group that does not carry the id (after a
 * reboot, a saved pgid may name an unrelated group), a saved group without an id,
 * processes older than the attempt, and groups 0, 1 and its own (a hostile state).
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {randomUUID} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {COMMAND_ID_VAR, commandAlive, groupAlive, markedProcesses, stopLeftoverCommand} from '../../source/executors/process-group.js';
import {waitForValue, waitUntil} from '../support/wait.js';
import {useStartedGroups} from '../support/started-groups.js';

const started = useStartedGroups();

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
		const dir = mkdtempSync(join(tmpdir(), 'process-group-'));
		try {
			// Each process says where it is once it is set up: the count of marked processes
			// alone is reached while the forked child is still in the group (before setsid), so
			// the test waits for the setsid'd process's own word that it has left the group.
			// After its word a process neither forks nor execs again: it blocks opening a FIFO
			// no one writes (echo and the redirection are the shell's own), so the listing
			// below sees the processes as they stay, not one in the middle of an exec.
			execFileSync('mkfifo', [join(dir, 'never')]);
			const hold = (name: string) => `sh -c 'echo $$ > "$DIR/${name}"; read line < "$DIR/never"'`;
			const group = startGroup(`setsid ${hold('outside')} & ${hold('inside')} & wait`, {[COMMAND_ID_VAR]: id, DIR: dir});
			const readPid = (name: string): number | undefined => {
				const text = existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '';
				return /^\d+\n$/.test(text) ? Number(text) : undefined;
			};
			const outside = await waitForValue("the setsid'd process to leave the group", () => readPid('outside'));
			const inside = await waitForValue('the process inside the group to start', () => readPid('inside'));
			// bash, the process in the group, the setsid'd one.
			expect(markedProcesses(id).sort((a, b) => a - b)).toEqual([group.pid!, inside, outside].sort((a, b) => a - b));
			expect(markedProcesses(id, group.pid)).toEqual([outside]);
			expect(markedProcesses(randomUUID())).toEqual([]);
			await stopLeftoverCommand({pgid: group.pid!, commandId: id}, 2000);
			expect(groupAlive(group.pid!)).toBe(false);
			expect(markedProcesses(id)).toEqual([]);
			// Gone, or a zombie waiting for its parent to reap it.
			expect(processState(outside)).toMatch(/^(?:gone|Z)$/);
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	test('a process in the middle of exec is found (its environment reads empty until the new image is set up)', () => {
		// Right after a shell writes its pid it runs `exec sleep`; for a moment the kernel
		// shows the new image without its environment, or a read opened on the old image
		// finds it released. Before markedProcesses waited both out, about 1 read in 25 at
		// this point missed the process (a stop would too): 150 rounds miss one almost surely.
		const dir = mkdtempSync(join(tmpdir(), 'process-group-'));
		try {
			for (let round = 0; round < 150; round++) {
				const id = randomUUID();
				const file = join(dir, `pid-${round}`);
				const shell = startGroup(`sh -c 'echo $$ > "${file}"; exec sleep 300'`, {[COMMAND_ID_VAR]: id});
				let pid: number | undefined;
				// A synchronous wait on purpose: it reads the moment the pid is written, which an
				// event-loop poll would mostly miss. It ends if the shell dies without writing
				// (vitest's timeout cannot fire meanwhile).
				while (pid === undefined) {
					if (/^(?:gone|Z)$/.test(processState(shell.pid!)) && !existsSync(file)) throw new Error(`round ${round}: the shell ended without writing its pid`);
					const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
					if (/^\d+\n$/.test(text)) pid = Number(text);
				}
				expect(markedProcesses(id), `round ${round}`).toContain(pid);
			}
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});

	test('a saved group that does not carry the id is not signalled; the processes carrying it are', async () => {
		const id = randomUUID();
		const unrelated = startGroup('sleep 300');
		const ours = startGroup('sleep 300', {[COMMAND_ID_VAR]: id});
		await waitUntil('both groups', () => groupAlive(unrelated.pid!) && markedProcesses(id).length > 0);
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
		await waitUntil('the condition', () => groupAlive(group.pid!));
		expect(await stopLeftoverCommand({pgid: group.pid!}, 2000)).toBe(false);
		expect(groupAlive(group.pid!)).toBe(true);
	});

	test('processes carrying the id that started before the attempt began are not the command: nothing is signalled', async () => {
		const id = randomUUID();
		const group = startGroup('sleep 300', {[COMMAND_ID_VAR]: id});
		await waitUntil('the condition', () => markedProcesses(id).length > 0);
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
			await waitUntil('the condition', () => markedProcesses(id).length === 1);
			const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
			for (const pgid of [ownGroup, 0, 1]) {
				await stopLeftoverCommand({pgid, commandId: id}, 2000);
				expect(processState(bystander.pid!)).toMatch(/^[SR]$/);
			}
			// The carrier itself was signalled as a process of the command.
			await waitUntil('the condition', () => processState(carrier.pid!) !== 'S' && processState(carrier.pid!) !== 'R');
		} finally {
			bystander.kill('SIGKILL');
			carrier.kill('SIGKILL');
		}
	});
});
