/**
 * How the test cluster runs a command "in a pod": as a real local process with the pod's
 * own environment.
 * - Each pod has a root directory (`<cluster dir>/pods/<namespace>/<pod>`, with `tmp/` and
 *   `home/postgres/`) standing for its filesystem `/`. Absolute paths among the command's
 *   arguments are mapped under it (`cat /tmp/x` reads `<root>/tmp/x`); for `tar` they become
 *   relative and tar runs in the root, so archives carry the same member names as in a real
 *   pod and `kubectl cp` works both ways. Paths inside `sh -c` scripts are NOT mapped
 *   (scripts can use `$POD_ROOT`).
 * - A pod bound to a real PostgreSQL (`bindPostgres`) gets PGHOST/PGPORT/PGUSER=postgres and
 *   the server's programs first on PATH, so `psql -U postgres` inside the "pod" reaches it
 *   (the binding creates the `postgres` superuser role in the server if missing).
 * - The command itself is found on PATH (an absolute one like `/usr/bin/psql` too, by its
 *   base name, unless the pod's root has that file).
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import {basename, join} from 'node:path';

/** A real PostgreSQL to bind pods to (the shape of test/support/postgres.ts's PostgresServer). */
export interface PostgresTarget {
	host: string;
	port: number;
	/** A superuser of the server, used once to create the `postgres` role. */
	user: string;
	/** Directory of the PostgreSQL programs, '' when on PATH. */
	bindir: string;
}

/** Which pods a binding covers: one namespace, and a pod name, name pattern, or postgresql cluster name (`<cluster>-N`). */
export interface PodMatch {
	namespace: string;
	name?: string | RegExp;
	/** postgresql cluster name: matches `<cluster>-0`, `<cluster>-1`... */
	cluster?: string;
}

/** The command line and environment for one exec. */
export interface PodCommand {
	file: string;
	args: string[];
	cwd: string;
	env: NodeJS.ProcessEnv;
}

/** Per-pod exec environments and the processes they run. */
export class PodRuntime {
	private readonly bindings: Array<{match: PodMatch; target: PostgresTarget}> = [];
	private readonly logs = new Map<string, string>();
	readonly children = new Set<ChildProcess>();
	readonly baseDir: string;

	constructor(baseDir: string) {
		this.baseDir = baseDir;
	}

	/** The pod's root directory (created with tmp/ and home/postgres/ on first use). */
	rootOf(namespace: string, pod: string): string {
		const root = join(this.baseDir, namespace, pod);
		if (!existsSync(root)) {
			mkdirSync(join(root, 'tmp'), {recursive: true});
			mkdirSync(join(root, 'home', 'postgres'), {recursive: true});
		}
		return root;
	}

	/**
	 * Binds matching pods to a real PostgreSQL; creates the `postgres` superuser role there
	 * when missing. Throws when psql fails (with its stderr).
	 */
	bindPostgres(match: PodMatch, target: PostgresTarget): void {
		const psql = target.bindir ? join(target.bindir, 'psql') : 'psql';
		const sql = `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN CREATE ROLE postgres SUPERUSER LOGIN; END IF; END $$;`;
		const result = spawnSync(psql, ['-X', '-q', '-h', target.host, '-p', String(target.port), '-U', target.user, '-d', 'postgres', '-c', sql], {encoding: 'utf8'});
		if (result.status !== 0) {
			throw new Error(`cannot create role postgres in the PostgreSQL at ${target.host}:${target.port}: ${result.stderr || result.error?.message}`);
		}
		this.bindings.unshift({match, target});
	}

	/** The PostgreSQL a pod is bound to, if any. */
	postgresOf(namespace: string, pod: string): PostgresTarget | undefined {
		return this.bindings.find(
			({match}) =>
				match.namespace === namespace &&
				((match.name instanceof RegExp && match.name.test(pod)) || (typeof match.name === 'string' && match.name === pod) || (match.cluster !== undefined && new RegExp(`^${match.cluster.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`).test(pod)) || (match.name === undefined && match.cluster === undefined)),
		)?.target;
	}

	/** Sets what `pods/<pod>/log` returns. */
	setLog(namespace: string, pod: string, text: string): void {
		this.logs.set(`${namespace}/${pod}`, text);
	}

	/** The pod's log text ('' when none was set). */
	logOf(namespace: string, pod: string): string {
		return this.logs.get(`${namespace}/${pod}`) ?? '';
	}

	/** Maps a command to the local process that stands for it. */
	commandFor(namespace: string, pod: string, command: string[]): PodCommand {
		const root = this.rootOf(namespace, pod);
		const [first = 'sh', ...rest] = command;
		const pg = this.postgresOf(namespace, pod);
		const env: NodeJS.ProcessEnv = {
			...process.env,
			HOME: join(root, 'home', 'postgres'),
			HOSTNAME: pod,
			POD_NAME: pod,
			POD_NAMESPACE: namespace,
			POD_ROOT: root,
		};
		delete env.KUBECONFIG;
		if (pg) {
			Object.assign(env, {PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: 'postgres', PGDATABASE: 'postgres'});
			if (pg.bindir) {
				env.PATH = `${pg.bindir}:${process.env.PATH ?? ''}`;
			}
		}
		const file = first.startsWith('/') && !existsSync(join(root, first)) ? basename(first) : first.startsWith('/') ? join(root, first) : first;
		const isTar = basename(first) === 'tar';
		const args = rest.map(arg => {
			if (!arg.startsWith('/') || arg.startsWith(root)) {
				return arg;
			}
			return isTar ? arg.replace(/^\/+/, '') || '.' : join(root, arg);
		});
		return {file, args, cwd: root, env};
	}

	/** Spawns the command (own process group; killed on stop). */
	spawn(namespace: string, pod: string, command: string[]): ChildProcess {
		const c = this.commandFor(namespace, pod, command);
		const child = spawn(c.file, c.args, {cwd: c.cwd, env: c.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true});
		this.children.add(child);
		child.on('close', () => this.children.delete(child));
		return child;
	}

	/** Kills every running exec process (SIGKILL to its group). */
	stop(): void {
		for (const child of this.children) {
			if (child.pid && child.exitCode === null) {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					// already gone
				}
			}
		}
		this.children.clear();
	}
}
