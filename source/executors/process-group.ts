/**
 * Signalling and watching a step's command: its process group (bash and
 * everything it started) and the processes that left that group. The shell
 * executor starts bash detached, so bash leads a new group whose id is its pid.
 *
 * A process that calls `setsid` (a daemon's double fork, `setsid cmd &`) leaves
 * the group, so `kill(-pgid)` misses it. Every command therefore runs with
 * `RUNBOOK_COMMAND_ID=<uuid>` in its environment, which its children inherit: a
 * stop signals the group and every process whose environment holds that id
 * (read from /proc/<pid>/environ, Linux only). A process that clears its
 * environment (`env -i`, sudo's env_reset) is not found that way; one still in
 * the group is signalled all the same.
 */
import {randomUUID} from 'node:crypto';
import {readdirSync} from 'node:fs';
import {processStartMs, readEnviron, statFields} from '../platform/proc.js';

/**
 * Sends `signal` to every process of group `pgid` (`kill(-pgid, signal)`).
 * Returns false when no process of the group exists (ESRCH); never throws.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false;
	}
}

/**
 * True while a live process of group `pgid` exists. On Linux, zombies (ended,
 * not yet reaped, as under a container init that reaps late) do not count:
 * `/proc/<pid>/stat` is read for the state and group. Elsewhere, `kill(-pgid, 0)`.
 */
export function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
	if (process.platform !== 'linux') return true;
	let pids: string[];
	try {
		pids = readdirSync('/proc');
	} catch {
		return true;
	}
	for (const pid of pids) {
		if (pid.charCodeAt(0) < 48 || pid.charCodeAt(0) > 57) continue;
		const fields = statFields(pid); // undefined: ended meanwhile
		if (fields && Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
	}
	return false;
}

const liveCommands = new Set<CommandProcesses>();
let exitHookInstalled = false;

/**
 * Remembers a running step's command so that, if this program exits (normally or
 * through `process.exit`) while the step runs, it gets SIGTERM (its group and the
 * processes carrying its id, as a stop) instead of running on unseen. (A detached
 * group does not get the terminal's Ctrl-C or hangup: the caller aborts on those.)
 * Returns the function that forgets it.
 */
export function trackCommand(command: CommandProcesses): () => void {
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		process.on('exit', () => {
			for (const tracked of liveCommands) signalCommand(tracked, 'SIGTERM');
		});
	}
	liveCommands.add(command);
	return () => liveCommands.delete(command);
}

/** The variable in every step command's environment that names the command (see the file comment). */
export const COMMAND_ID_VAR = 'RUNBOOK_COMMAND_ID';

/**
 * A new command id, `<runId>.<uuid>` (a bare uuid without a run id). The run id
 * first lets a resume tell its own commands from another run's: anyone who can
 * write the state directory can copy a live command's id from another run's
 * state into this one's, and {@link isCommandOfRun} refuses it.
 */
export function newCommandId(runId?: string): string {
	return runId ? `${runId}.${randomUUID()}` : randomUUID();
}

/** True when `commandId` was made by {@link newCommandId} for `runId` (the run's folder name). */
export function isCommandOfRun(commandId: string, runId: string): boolean {
	return commandId.startsWith(`${runId}.`) && commandId.length > runId.length + 1;
}

/** A step's command as a stop sees it: its process group, and the id its processes carry. */
export interface CommandProcesses {
	/** The process group bash leads (its pid); none: only the processes carrying the id. */
	pgid?: number;
	/** The value of {@link COMMAND_ID_VAR} in its processes' environment (none: the group only). */
	commandId?: string;
	/**
	 * Only processes started at or after this time (ms since the epoch; about a
	 * second of slack for the boot time's precision) count as the command's: a
	 * process carrying the id that is older than the attempt is not its.
	 */
	startedAfter?: number;
}

/** Slack of {@link CommandProcesses.startedAfter}, ms: /proc/stat's boot time is whole seconds. */
const START_SLACK_MS = 2000;

/** True when `pid` started at or after `after` (ms since the epoch), or when `after` is not given. */
function startedAfter(pid: number | string, after: number | undefined): boolean {
	if (after === undefined) return true;
	const start = processStartMs(pid);
	return start !== undefined && start >= after - START_SLACK_MS;
}

/**
 * Pids of the live processes, other than this one, whose environment holds
 * `RUNBOOK_COMMAND_ID=<commandId>`, leaving out those of group `exceptGroup` and
 * those started before `after` (ms since the epoch, see {@link CommandProcesses.startedAfter}).
 * Reads /proc/<pid>/environ, which only the processes' user (or root) can read;
 * others are skipped, as are zombies (their environment is empty); a process in
 * the middle of `execve` is read once its exec is done (platform/proc.ts readEnviron). Not Linux:
 * always empty.
 */
export function markedProcesses(commandId: string, exceptGroup?: number, after?: number): number[] {
	if (process.platform !== 'linux') return [];
	const needle = Buffer.from(`${COMMAND_ID_VAR}=${commandId}\0`);
	let pids: string[];
	try {
		pids = readdirSync('/proc');
	} catch {
		return [];
	}
	const found: number[] = [];
	for (const pid of pids) {
		if (pid.charCodeAt(0) < 48 || pid.charCodeAt(0) > 57 || Number(pid) === process.pid) continue;
		const environ = readEnviron(pid);
		if (!environ) continue; // ended meanwhile, or another user's
		for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
			if (at === 0 || environ[at - 1] === 0) {
				if ((exceptGroup === undefined || groupOf(pid) !== exceptGroup) && startedAfter(pid, after)) found.push(Number(pid));
				break;
			}
		}
	}
	return found;
}

/** The process group of `pid` (from /proc/<pid>/stat), or undefined when it has ended. */
function groupOf(pid: number | string): number | undefined {
	const fields = statFields(pid);
	return fields ? Number(fields[2]) : undefined;
}

/**
 * Sends `signal` to the command's group and to every process that carries its id
 * outside the group. Returns how many such outside processes were signalled;
 * never throws.
 */
export function signalCommand(command: CommandProcesses, signal: NodeJS.Signals): number {
	if (command.pgid !== undefined) signalGroup(command.pgid, signal);
	if (!command.commandId) return 0;
	let outside = 0;
	for (const pid of markedProcesses(command.commandId, command.pgid, command.startedAfter)) {
		try {
			process.kill(pid, signal);
			outside++;
		} catch {
			// ended meanwhile
		}
	}
	return outside;
}

/** True while the command's group has a live process, or a process carries its id. */
export function commandAlive(command: CommandProcesses): boolean {
	return (command.pgid !== undefined && groupAlive(command.pgid)) || (command.commandId !== undefined && markedProcesses(command.commandId, undefined, command.startedAfter).length > 0);
}

/** How often, at most, a wait reads every process's environment (ms): the group is checked every poll. */
const MARKED_SCAN_MS = 250;

/**
 * Resolves true once {@link commandAlive} is false, polling the group every
 * `pollMs` and the processes carrying the id every {@link MARKED_SCAN_MS} (reading
 * every process's environment costs more); resolves false if something is still
 * alive at `deadline` (epoch ms) or when `cancel` is aborted (checked at each poll).
 */
export async function waitCommandGone(command: CommandProcesses, deadline: number, pollMs = 25, cancel?: AbortSignal): Promise<boolean> {
	let marked = command.commandId !== undefined;
	let scannedAt = 0;
	for (;;) {
		if (marked && Date.now() - scannedAt >= MARKED_SCAN_MS) {
			marked = markedProcesses(command.commandId!, command.pgid, command.startedAfter).length > 0;
			scannedAt = Date.now();
		}
		if (!marked && (command.pgid === undefined || !groupAlive(command.pgid))) return true;
		if (Date.now() >= deadline || cancel?.aborted) return false;
		await new Promise(resolve => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
	}
}

/** Our own process group (/proc/self/stat), never signalled as a leftover; undefined without /proc. */
function ownGroup(): number | undefined {
	return groupOf(process.pid);
}

/**
 * Stops a command left running by a process that died (SIGKILL of the runner, a
 * lost terminal): SIGTERM to its group and to the processes carrying its id, then
 * SIGKILL after `graceMs` ms. The command comes from a saved state, which anyone
 * who can write the state directory may have edited, so nothing is signalled on
 * its word alone: only processes that carry the command's id and started after
 * the attempt began (`startedAfter`) count; the saved group is signalled only if
 * such a process is in it, and never group 0 or 1 (`kill(0)` and `kill(-1)` reach
 * this program's group or every process of the user) nor this program's own.
 * Without a `commandId` (a state saved by an older version, or one with the id
 * removed) nothing is signalled.
 * @returns true when something of it was alive and is gone now.
 */
export async function stopLeftoverCommand(command: CommandProcesses, graceMs: number): Promise<boolean> {
	const {pgid, commandId, startedAfter: after} = command;
	if (!commandId) return false;
	const mine = ownGroup();
	const groupAllowed = pgid !== undefined && Number.isSafeInteger(pgid) && pgid > 1 && pgid !== mine && pgid !== process.pid;
	// One scan of the environments: the processes carrying the id, and whether the saved
	// group is still the command's (a process of it carries the id; after a reboot, pids
	// start again and the group may be another's).
	const marked = markedProcesses(commandId, undefined, after);
	const groupIsOurs = groupAllowed && marked.some(pid => groupOf(pid) === pgid);
	if (marked.length === 0) return false;
	const target: CommandProcesses = groupIsOurs ? {pgid, commandId, ...(after !== undefined ? {startedAfter: after} : {})} : {commandId, ...(after !== undefined ? {startedAfter: after} : {})};
	signalCommand(target, 'SIGTERM');
	if (await waitCommandGone(target, Date.now() + graceMs)) return true;
	signalCommand(target, 'SIGKILL');
	await waitCommandGone(target, Date.now() + 2000);
	return true;
}
