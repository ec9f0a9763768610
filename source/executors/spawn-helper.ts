/**
 * A small, long-lived helper process that starts steps' bash for this process
 * (issue 14). Node starts a child with fork(2) and waits until it has exec'd,
 * and fork costs in proportion to the forking process's resident memory: some
 * 5 ms for this program at 100 MB, 10 ms at 150 MB (measured on 2 cores), more
 * than a trivial step's whole command. The helper is a bare Node process
 * (`node -e`, about 40 MB, nothing of ours loaded) that forks for us, so a step
 * costs about what a bash loop running `bash -c true` does, whatever the size
 * of this process.
 *
 * What the helper starts is what the shell executor would have started itself
 * (Node's `spawn` with the same file, arguments, cwd, environment and
 * `detached: true`, so bash leads its own process group): the helper changes
 * who forks, not what runs. The child's stdin, stdout and stderr are this
 * process's pipe ends (the start gate and the output FIFOs, fifo.ts), which the
 * helper opens again through `/proc/<our pid>/fd/<fd>` (Linux) and closes once
 * bash has them: so stdin stays a pipe (never a socket, shell.ts) and the start
 * gate is still ours to open or close. Signals, the group and the output go as
 * before (this process signals `-pgid`, reads the FIFOs); the helper reports
 * the child's pid when it has started, and its exit code or signal when it ends.
 *
 * The helper runs in its own session (no Ctrl-C or hangup of the terminal
 * reaches it), with an empty environment and `/` as its folder, and exits when
 * this process goes (its IPC channel closes); commands it started live on as
 * they would have without it (they are detached either way). It is used only
 * once it has said it is ready, only on Linux, and not in the single executable
 * (whose binary does not run `-e`); until then, and if it dies, the shell
 * executor starts bash itself. It is never ready when it cannot read
 * `/proc/<our pid>/fd` (the kernel hides it for a non-dumpable process: an
 * execute-only node binary, file capabilities), and is not used again once it
 * could not open one of our descriptors: it started nothing then, and the shell
 * executor starts that step's bash itself. `ps` shows it as `runbook-spawn-helper`.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {isSea} from 'node:sea';

/** What the helper is asked to start. */
export interface HelperSpawnRequest {
	/** The program (a path, or a name looked up in `env.PATH`, as Node's spawn does). */
	file: string;
	args: string[];
	cwd: string;
	env: Record<string, string>;
	/** This process's descriptors to give the child as its stdin (read end), stdout and stderr (write ends). */
	stdio: [number, number, number];
}

/** How a command started by the helper ended (as Node's `exit` event gives it), or why it could not start. */
export interface HelperExit {
	exitCode: number | null;
	signal: NodeJS.Signals | null;
	/** Set when the command could not start, or when the helper died before it ended (exit unknown). */
	cause?: Error;
}

/** A command the helper has started (`pid` set), or could not start (`error`). */
export interface HelperStart {
	pid?: number;
	/** Resolves once it has ended (at once, with `error`, when it did not start); never rejects. */
	exited: Promise<HelperExit>;
	error?: Error;
	/**
	 * Set with `error` when the helper could not open this process's descriptors
	 * (`/proc/<pid>/fd/<fd>`): it started nothing, so the caller starts the command
	 * itself; the helper is not used again.
	 */
	startHere?: true;
}

/**
 * The helper's program, run with `node -e` (CommonJS). Messages in: `{id, file,
 * args, cwd, env, stdio}`; out: `{ready}`, then per request `{id, pid}` and `{id,
 * exitCode, signal}`, or `{id, error, code, stage}` when it could not start (`stage: 'open'`:
 * it could not open our descriptors, nothing was started). It exits at once, never
 * ready, when it cannot read `/proc/<our pid>/fd` at all.
 */
const HELPER_SOURCE = `'use strict';
const {spawn} = require('node:child_process');
const {openSync, closeSync, readdirSync, constants} = require('node:fs');
const parent = process.ppid;
// What ps shows instead of this source.
process.title = 'runbook-spawn-helper';
// A process the kernel marks non-dumpable (an execute-only node binary, file capabilities)
// keeps its /proc/<pid>/fd from us: then never ready, and the runbook process forks itself.
try { readdirSync('/proc/' + parent + '/fd'); } catch { process.exit(0); }
process.on('disconnect', () => process.exit(0));
process.on('message', m => {
	// Our parent's descriptors only: when it has gone, /proc/<ppid> is another process.
	if (process.ppid !== parent) process.exit(0);
	const fds = [];
	const fail = (e, stage) => process.send({id: m.id, error: String(e && e.message), code: e && e.code, stage});
	let child;
	try {
		fds.push(openSync('/proc/' + parent + '/fd/' + m.stdio[0], constants.O_RDONLY));
		fds.push(openSync('/proc/' + parent + '/fd/' + m.stdio[1], constants.O_WRONLY));
		fds.push(openSync('/proc/' + parent + '/fd/' + m.stdio[2], constants.O_WRONLY));
	} catch (e) {
		for (const fd of fds) try { closeSync(fd); } catch {}
		// Nothing started: the runbook process starts this command itself.
		fail(e, 'open');
		return;
	}
	try {
		child = spawn(m.file, m.args, {cwd: m.cwd, env: m.env, stdio: fds, detached: true});
	} catch (e) {
		fail(e);
		return;
	} finally {
		for (const fd of fds) try { closeSync(fd); } catch {}
	}
	if (child.pid === undefined) {
		child.on('error', e => fail(e));
		return;
	}
	child.on('error', () => {});
	process.send({id: m.id, pid: child.pid});
	child.on('exit', (exitCode, signal) => process.send({id: m.id, exitCode, signal}));
});
process.send({ready: true});
`;

interface Pending {
	started: (start: HelperStart) => void;
	ended?: (exit: HelperExit) => void;
}

type HelperMessage = {ready?: boolean; id?: number; pid?: number; exitCode?: number | null; signal?: NodeJS.Signals | null; error?: string; code?: string; stage?: string};

/** One helper process; see the module comment. */
class SpawnHelper {
	#child: ChildProcess;
	#ready = false;
	#broken = false;
	/** It could not open this process's descriptors once: not asked again (it would fail the same way). */
	#refused = false;
	#nextId = 1;
	#pending = new Map<number, Pending>();

	constructor() {
		this.#child = spawn(process.execPath, ['-e', HELPER_SOURCE], {stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true, cwd: '/', env: {}, serialization: 'json'});
		this.#child.on('error', () => this.#fail());
		this.#child.on('exit', () => this.#fail());
		this.#child.on('message', (message: HelperMessage) => this.#receive(message));
		this.#idle();
	}

	/** True once the helper has started and while it lives. */
	get usable(): boolean {
		return this.#ready && !this.#broken && !this.#refused;
	}

	/** True once the helper has died (or could not start). */
	get broken(): boolean {
		return this.#broken;
	}

	/** The helper's pid (undefined when it could not start). */
	get pid(): number | undefined {
		return this.#child.pid;
	}

	/** Asks the helper to start a command; see {@link HelperStart}. Never rejects. */
	start(request: HelperSpawnRequest): Promise<HelperStart> {
		if (!this.usable) return Promise.resolve(notStarted(new Error('the spawn helper is not running')));
		const id = this.#nextId++;
		return new Promise(resolve => {
			this.#pending.set(id, {started: resolve});
			this.#busy();
			try {
				this.#child.send({id, ...request});
			} catch (error) {
				this.#pending.delete(id);
				resolve(notStarted(error as Error));
			}
		});
	}

	#receive(message: HelperMessage): void {
		if (message.ready) {
			this.#ready = true;
			return;
		}
		const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
		if (!pending) return;
		if (message.error !== undefined) {
			this.#done(message.id!);
			const error = Object.assign(new Error(message.error), message.code ? {code: message.code} : {});
			if (message.stage === 'open') this.#refused = true;
			pending.started(message.stage === 'open' ? {...notStarted(error), startHere: true} : notStarted(error));
		} else if (message.pid !== undefined) {
			const exited = new Promise<HelperExit>(resolve => (pending.ended = resolve));
			pending.started({pid: message.pid, exited});
		} else {
			this.#done(message.id!);
			pending.ended?.({exitCode: message.exitCode ?? null, signal: message.signal ?? null});
		}
	}

	/** The helper died: what it was starting did not start; what it started ended, how is unknown. */
	#fail(): void {
		if (this.#broken) return;
		this.#broken = true;
		const error = new Error('the helper process that started it ended');
		for (const pending of this.#pending.values()) {
			if (pending.ended) pending.ended({exitCode: null, signal: null, cause: error});
			else pending.started(notStarted(error));
		}
		this.#pending.clear();
		this.#idle();
	}

	#done(id: number): void {
		this.#pending.delete(id);
		if (this.#pending.size === 0) this.#idle();
	}

	/** While a request is out, the helper's channel keeps this process alive (its answer is awaited). */
	#busy(): void {
		this.#child.ref();
		this.#child.channel?.ref();
	}

	/** Idle, the helper never keeps this process from exiting. */
	#idle(): void {
		this.#child.unref();
		this.#child.channel?.unref();
	}
}

function notStarted(error: Error): HelperStart {
	return {error, exited: Promise.resolve({exitCode: null, signal: null, cause: error})};
}

let helper: SpawnHelper | undefined;

/**
 * Starts the helper where it can run (Linux, not the single executable), unless
 * one runs already; a helper that died is replaced. It needs a moment to start:
 * {@link readySpawnHelper} gives it only once it is ready.
 */
export function startSpawnHelper(): void {
	if ((helper && !helper.broken) || process.platform !== 'linux' || isSea()) return;
	try {
		helper = new SpawnHelper();
	} catch {
		// no helper: the shell executor starts bash itself
	}
}

/** The helper, when it is ready and alive; otherwise undefined (start bash directly). */
export function readySpawnHelper(): Pick<SpawnHelper, 'start'> | undefined {
	return helper?.usable ? helper : undefined;
}

/** The pid of the helper when it is ready and alive (for tests and diagnostics). */
export function spawnHelperPid(): number | undefined {
	return helper?.usable ? helper.pid : undefined;
}
