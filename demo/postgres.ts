/**
 * A throwaway PostgreSQL server for the demo and the tests: `initdb` and `pg_ctl` in a
 * temporary directory, listening on 127.0.0.1 only (a free port) with its unix socket in
 * that directory, trust authentication, and a superuser named `synapse` (as in the seed's
 * docker compose setup, where the database owner is `synapse`).
 *
 * Running as root: PostgreSQL refuses to start as root ("cannot be run as root"). When
 * `process.getuid() === 0`, `initdb`, `pg_ctl` and so the server run as the unprivileged user
 * `postgres` (created by Debian's postgresql package) through `runuser -u postgres --`, and
 * the temporary directory is handed to that user. Clients (`psql`, `pg_dump`) connect over
 * TCP and may run as any user.
 */
import {existsSync} from 'node:fs';
import {chown, mkdtemp, readFile, rm} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {$} from 'zx';

/** The database superuser the server is created with (`initdb -U synapse`). */
export const SUPERUSER = 'synapse';
/** The unprivileged system user the server runs as when this process is root. */
export const SERVER_OS_USER = 'postgres';
/** The host the server listens on: loopback only. */
export const HOST = '127.0.0.1';
/** Where Debian 12 installs the PostgreSQL 15 programs. */
const DEBIAN_BINDIR = '/usr/lib/postgresql/15/bin';

/** A running throwaway server. */
export interface PostgresServer {
	/** Always `127.0.0.1`. */
	host: string;
	/** TCP port. */
	port: number;
	/** The cluster's data directory (inside {@link PostgresServer.dir}). */
	dataDir: string;
	/** The temporary directory holding the data directory, the socket and `server.log`. */
	dir: string;
	/** Database superuser, `synapse`. */
	user: string;
	/** Directory of the PostgreSQL programs, or `''` when they are found through PATH. */
	bindir: string;
	/** libpq environment to reach the server: PGHOST, PGPORT, PGUSER. */
	psqlEnv: Record<string, string>;
	/** Stops the server (`pg_ctl stop -m immediate`) and removes the temporary directory; safe to call twice. */
	stop(): Promise<void>;
}

/**
 * Finds the PostgreSQL programs: `$PG_BINDIR`, then /usr/lib/postgresql/15/bin, then
 * `pg_config --bindir`, then PATH (returns `''`).
 * @throws Error when `initdb` is nowhere to be found (with what to install).
 */
export async function findBindir(): Promise<string> {
	const candidates = [process.env.PG_BINDIR, DEBIAN_BINDIR];
	for (const dir of candidates) {
		if (dir && existsSync(join(dir, 'initdb'))) return dir;
	}
	const fromConfig = await $({quiet: true, nothrow: true})`pg_config --bindir`;
	const configured = fromConfig.stdout.trim();
	if (fromConfig.exitCode === 0 && configured && existsSync(join(configured, 'initdb'))) return configured;
	const onPath = (process.env.PATH ?? '').split(delimiter).some(dir => dir && existsSync(join(dir, 'initdb')));
	if (onPath) return '';
	throw new Error('PostgreSQL server programs not found (initdb). Install them (Debian: apt-get install postgresql) or set PG_BINDIR.');
}

/** The path of a PostgreSQL program in `bindir` (or its bare name when `bindir` is `''`). */
export function pgProgram(bindir: string, name: string): string {
	return bindir ? join(bindir, name) : name;
}

/** Asks the kernel for a free TCP port on 127.0.0.1 (it may be taken again before use; callers retry). */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, HOST, () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** The command prefix that runs a server program as the unprivileged user when we are root. */
function asServerUser(command: string[]): string[] {
	return process.getuid?.() === 0 ? ['runuser', '-u', SERVER_OS_USER, '--', ...command] : command;
}

/** Hands `dir` to the unprivileged server user when we are root. */
async function handOver(dir: string): Promise<void> {
	if (process.getuid?.() !== 0) return;
	const ids = await $({quiet: true, nothrow: true})`id -u ${SERVER_OS_USER} && id -g ${SERVER_OS_USER}`;
	if (ids.exitCode !== 0) {
		throw new Error(`PostgreSQL refuses to run as root and there is no user '${SERVER_OS_USER}' to run it as. Create it (Debian's postgresql package does) or run as a normal user.`);
	}
	const [uid, gid] = ids.stdout.trim().split('\n').map(Number);
	await chown(dir, uid, gid);
}

/**
 * Starts a throwaway PostgreSQL server (see the module comment). Takes about 2 s.
 * @returns the running server; call `stop()` when done (also on errors).
 * @throws Error with the server log's tail when the server does not start.
 */
export async function startPostgres(): Promise<PostgresServer> {
	const bindir = await findBindir();
	const dir = await mkdtemp(join(tmpdir(), 'runbook-pg-'));
	const dataDir = join(dir, 'data');
	const logFile = join(dir, 'server.log');
	const removeDir = () => rm(dir, {recursive: true, force: true});
	try {
		await handOver(dir);
		await $({quiet: true})`${asServerUser([pgProgram(bindir, 'initdb'), '-D', dataDir, '-U', SUPERUSER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'])}`;
		let lastError: unknown;
		for (let attempt = 0; attempt < 3; attempt++) {
			const port = await freePort();
			// fsync and friends off: the data is thrown away, speed matters.
			const options = `-h ${HOST} -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
			const started = await $({quiet: true, nothrow: true})`${asServerUser([pgProgram(bindir, 'pg_ctl'), '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', options, 'start'])}`;
			if (started.exitCode === 0) return makeServer({bindir, dir, dataDir, port, removeDir});
			lastError = new Error(`pg_ctl start failed (exit ${started.exitCode}): ${started.stderr.trim()}\n${await logTail(logFile)}`);
		}
		throw lastError;
	} catch (error) {
		await removeDir();
		throw error;
	}
}

/** The last lines of the server log, for error messages. */
async function logTail(logFile: string): Promise<string> {
	try {
		return (await readFile(logFile, 'utf8')).split('\n').slice(-15).join('\n');
	} catch {
		return '(no server log)';
	}
}

/** Builds the handle of a started server. */
function makeServer(parts: {bindir: string; dir: string; dataDir: string; port: number; removeDir: () => Promise<void>}): PostgresServer {
	let stopped: Promise<void> | undefined;
	return {
		host: HOST,
		port: parts.port,
		dataDir: parts.dataDir,
		dir: parts.dir,
		user: SUPERUSER,
		bindir: parts.bindir,
		psqlEnv: {PGHOST: HOST, PGPORT: String(parts.port), PGUSER: SUPERUSER},
		stop() {
			stopped ??= (async () => {
				await $({quiet: true, nothrow: true})`${asServerUser([pgProgram(parts.bindir, 'pg_ctl'), '-D', parts.dataDir, '-m', 'immediate', '-w', 'stop'])}`;
				await parts.removeDir();
			})();
			return stopped;
		},
	};
}

/**
 * Runs SQL with psql (`-X -q -At -v ON_ERROR_STOP=1`, SQL on stdin) against `database`.
 * @returns psql's stdout: unaligned, tuples only, `|` between columns.
 * @throws zx's ProcessOutput (exit code, stderr) when psql fails.
 */
export async function psql(server: PostgresServer, database: string, sql: string): Promise<string> {
	const result = await $({quiet: true, input: sql, env: {...process.env, ...server.psqlEnv}})`${pgProgram(server.bindir, 'psql')} -X -q -At -v ON_ERROR_STOP=1 -d ${database} -f -`;
	return result.stdout;
}

/**
 * Creates a database the way Synapse requires it (and as the seed recreates it):
 * ENCODING 'UTF8', LC_COLLATE='C', LC_CTYPE='C', TEMPLATE=template0.
 * @param name a plain identifier (letters, digits, underscores).
 */
export async function createDatabase(server: PostgresServer, name: string): Promise<void> {
	if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
	await psql(server, 'postgres', `CREATE DATABASE ${name} ENCODING 'UTF8' LC_COLLATE='C' LC_CTYPE='C' TEMPLATE=template0;`);
}
