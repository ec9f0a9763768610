/**
 * The demo's building blocks, usable without a terminal (the tests drive the same flow):
 * a throwaway PostgreSQL with a Synapse-shaped database, an encrypted backup of it, the
 * damage, a stand-in Synapse, and the runbook params that point the Synapse restore
 * runbook (runbooks/synapse-db-restore.yaml) at all of it.
 */
import {spawn, execFile, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {damage, makeGnupgHome, stopGpgAgent, takeBackup, type Backup} from './backup.ts';
import {fakeSynapsePaths, type FakeSynapseConfig} from './fake-synapse.ts';
import {createDatabase, freePort, pgProgram, psql, startPostgres, type PostgresServer} from './postgres.ts';
import {formatCounts, loadSynapseData, synapseCounts, DEFAULT_SIZE, type SynapseCounts, type SynapseDataSize} from './synapse-data.ts';

const run = promisify(execFile);

/** The project root (holds runbooks/ and dist/), from this file's place in demo/. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The runbook the demo runs. */
export const RUNBOOK_PATH = join(PROJECT_ROOT, 'runbooks', 'synapse-db-restore.yaml');
/** The built CLI the demo starts. */
export const CLI_PATH = join(PROJECT_ROOT, 'dist', 'cli.js');
/** The database name, as in the seed. */
export const DATABASE = 'synapse';
/** The environment variable the CLI reads for the secret param BACKUP_PASSPHRASE. */
export const PASSPHRASE_ENV = 'RUNBOOK_SECRET_BACKUP_PASSPHRASE';

/** Cleanup actions, run once, last added first; errors are reported, not thrown. */
export class Cleanups {
	#actions: Array<() => Promise<void> | void> = [];
	#done: Promise<void> | undefined;

	/** Adds an action to run at cleanup. */
	add(action: () => Promise<void> | void): void {
		this.#actions.push(action);
	}

	/** Runs every action (last added first) once; later calls return the same promise. */
	run(): Promise<void> {
		this.#done ??= (async () => {
			for (const action of this.#actions.reverse()) {
				try {
					await action();
				} catch (error) {
					console.error(`cleanup: ${(error as Error).message}`);
				}
			}
		})();
		return this.#done;
	}
}

/** Options of {@link prepareDemo}. */
export interface DemoOptions {
	/** Rows to load; default 200 users, 500 rooms, 20,000 events. */
	size?: SynapseDataSize;
	/** Encrypt the backup (default true); false makes a plain .sql.gz. */
	encrypted?: boolean;
	/** Progress lines (default: none). */
	log?: (line: string) => void;
	/** Where cleanup actions are registered (the caller may run them too). */
	cleanups?: Cleanups;
	/** Aborting stops the setup at the next stage; what was started is cleaned up and the abort reason thrown. */
	signal?: AbortSignal;
	/**
	 * A running server to use instead of starting one (the caller stops it; cleanup
	 * leaves it running): its database {@link DATABASE} is dropped (WITH (FORCE), so
	 * sessions left on it are ended) and made anew. For many demos in a row, as the
	 * crash harness (test/crash) runs them.
	 */
	server?: PostgresServer;
}

/** Everything the demo set up. */
export interface DemoEnvironment {
	/** Temporary directory holding backups/, the stand-in Synapse, the work and state dirs. */
	work: string;
	server: PostgresServer;
	backup: Backup;
	/** The backup's passphrase ('' when not encrypted); a throwaway. */
	passphrase: string;
	/** Counts when the backup was taken. */
	before: SynapseCounts;
	/** Counts after the damage. */
	damaged: SynapseCounts;
	/** `-p` values for the runbook. */
	params: Record<string, string>;
	/** Environment for the CLI (or the steps): the secret passphrase and a private GNUPGHOME. */
	env: Record<string, string>;
	/** `--state-dir` for the CLI. */
	stateDir: string;
	/** The stand-in Synapse's directory (config, pid file, log). */
	synapseDir: string;
	/** Stops everything it started (not a server given in `DemoOptions.server`) and removes the temporary directories; safe to call twice. */
	cleanup(): Promise<void>;
}

/** The stand-in Synapse script next to this file (node runs it as TypeScript). */
export function fakeSynapseScript(): string {
	return join(dirname(fileURLToPath(import.meta.url)), 'fake-synapse.ts');
}

/** Command-line words of the stand-in Synapse (`node fake-synapse.ts`). */
function fakeSynapseCommand(): string[] {
	return [process.execPath, fakeSynapseScript()];
}

/**
 * The runbook's command params (PSQL, PG_DUMP, SYNAPSE_STOP...) are split on spaces by
 * bash, so the paths inside them must have none.
 * @throws Error naming the path and what to do.
 */
function assertNoSpaces(paths: string[]): void {
	const bad = paths.find(path => /\s/.test(path));
	if (bad) throw new Error(`The demo cannot use the path "${bad}": it contains a space, and the runbook's command params are split on spaces. Move the project or set TMPDIR to a path without spaces.`);
}

/**
 * Sets up the demo: PostgreSQL, the Synapse data, the backup (counts taken), the damage
 * (counts taken), a stand-in Synapse holding a database connection, and a forgotten psql
 * session on the database (so the runbook's terminate-connections step has work to do).
 * On an error everything started so far is cleaned up before the error is rethrown.
 * @throws Error from any part (PostgreSQL, gpg, psql).
 */
export async function prepareDemo(options: DemoOptions = {}): Promise<DemoEnvironment> {
	const log = options.log ?? (() => {});
	const cleanups = options.cleanups ?? new Cleanups();
	// Stages cannot be interrupted halfway (initdb, pg_ctl); an abort takes effect between them.
	const checkpoint = () => options.signal?.throwIfAborted();
	try {
		checkpoint();
		const work = await mkdtemp(join(tmpdir(), 'runbook-demo-'));
		cleanups.add(() => rm(work, {recursive: true, force: true}));
		assertNoSpaces([work, ...fakeSynapseCommand()]);

		let server: PostgresServer;
		if (options.server) {
			server = options.server;
			await psql(server, 'postgres', `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE);`);
		} else {
			log('Starting a throwaway PostgreSQL...');
			const started = await startPostgres();
			server = started;
			cleanups.add(() => started.stop());
		}
		log(`PostgreSQL listening on ${server.host}:${server.port} (data in ${server.dataDir})`);
		assertNoSpaces([server.bindir]);
		checkpoint();

		const size = options.size ?? DEFAULT_SIZE;
		log(`Loading a Synapse-shaped database: ${size.users} users, ${size.rooms} rooms, ${size.events} events...`);
		await createDatabase(server, DATABASE);
		await loadSynapseData(server, DATABASE, size);
		checkpoint();

		const encrypted = options.encrypted ?? true;
		const passphrase = encrypted ? randomBytes(12).toString('base64url') : '';
		const backupHome = await makeGnupgHome(work);
		cleanups.add(() => stopGpgAgent(backupHome));
		const before = await synapseCounts(server, DATABASE);
		const backup = await takeBackup(server, DATABASE, {dir: work, gnupgHome: backupHome, passphrase: encrypted ? passphrase : undefined});
		log(`Backup taken: ${backup.file} (${backup.sizeBytes} bytes)`);
		log(`  it holds: ${formatCounts(before)}`);
		if (encrypted) log(`  passphrase: ${passphrase} (a throwaway; the CLI reads it from ${PASSPHRASE_ENV})`);

		await damage(server, DATABASE);
		const damaged = await synapseCounts(server, DATABASE);
		log(`Database damaged: ${formatCounts(damaged)}`);
		checkpoint();

		const synapseDir = join(work, 'synapse');
		await mkdir(synapseDir);
		const config: FakeSynapseConfig = {port: await freePort(), psql: pgProgram(server.bindir, 'psql'), pgEnv: server.psqlEnv, database: DATABASE};
		await writeFile(fakeSynapsePaths(synapseDir).config, JSON.stringify(config, null, '\t'));
		const [node, script] = fakeSynapseCommand();
		cleanups.add(async () => {
			await run(node, [script, 'stop', synapseDir]);
		});
		await run(node, [script, 'start', synapseDir]);
		checkpoint();
		log(`Stand-in Synapse running on http://127.0.0.1:${config.port} (log: ${fakeSynapsePaths(synapseDir).log})`);

		const stray = forgottenSession(server);
		log('A forgotten psql session is connected to the database too.');
		cleanups.add(() => {
			stray.kill('SIGTERM');
		});

		const restoreHome = await makeGnupgHome(work);
		cleanups.add(() => stopGpgAgent(restoreHome));
		const psqlWords = `${pgProgram(server.bindir, 'psql')} -h ${server.host} -p ${server.port} -U ${server.user}`;
		const params: Record<string, string> = {
			BACKUP_FILE: backup.file,
			PSQL: psqlWords,
			PG_DUMP: `${pgProgram(server.bindir, 'pg_dump')} -h ${server.host} -p ${server.port} -U ${server.user}`,
			SYNAPSE_STOP: `${node} ${script} stop ${synapseDir}`,
			SYNAPSE_START: `${node} ${script} start ${synapseDir}`,
			SYNAPSE_LOGS: `tail -n 15 ${fakeSynapsePaths(synapseDir).log}`,
			DB_NAME: DATABASE,
			WORK_DIR: join(work, 'restore-tmp'),
			SAFETY_BACKUP_DIR: join(work, 'safety-backups'),
			HEALTH_URL: `http://127.0.0.1:${config.port}/health`,
		};
		const env: Record<string, string> = {GNUPGHOME: restoreHome};
		if (encrypted) env[PASSPHRASE_ENV] = passphrase;
		return {
			work,
			server,
			backup,
			passphrase,
			before,
			damaged,
			params,
			env,
			stateDir: join(work, 'state'),
			synapseDir,
			cleanup: () => cleanups.run(),
		};
	} catch (error) {
		await cleanups.run();
		throw error;
	}
}

/** An idle psql session on the database, as an administrator might have left open. */
function forgottenSession(server: PostgresServer): ChildProcess {
	const child = spawn(pgProgram(server.bindir, 'psql'), ['-X', '-q', '-d', DATABASE], {
		env: {...process.env, ...server.psqlEnv, PGAPPNAME: 'forgotten psql session'},
		stdio: ['pipe', 'ignore', 'ignore'],
	});
	child.on('error', () => {});
	return child;
}

/**
 * Runs the CLI on the Synapse restore runbook with the demo's params:
 * `node dist/cli.js run runbooks/synapse-db-restore.yaml -p K=V... --state-dir DIR ...extraArgs`,
 * stdio inherited (the TUI on a terminal, plain lines otherwise).
 * @returns the CLI's exit code (128 + signal number when a signal ended it).
 * @throws Error when dist/cli.js does not exist (build first).
 */
export async function runCli(demo: DemoEnvironment, extraArgs: string[], onStart?: (child: ChildProcess) => void): Promise<number> {
	if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} not found: run npm run build first.`);
	const args = [CLI_PATH, 'run', RUNBOOK_PATH];
	for (const [name, value] of Object.entries(demo.params)) args.push('-p', `${name}=${value}`);
	args.push('--state-dir', demo.stateDir, ...extraArgs);
	const child = spawn(process.execPath, args, {stdio: 'inherit', env: {...process.env, ...demo.env}});
	onStart?.(child);
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
	});
}

/** The number of a signal name (SIGINT → 2), for exit codes. */
function signalNumber(signal: NodeJS.Signals): number {
	const numbers: Partial<Record<NodeJS.Signals, number>> = {SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15};
	return numbers[signal] ?? 1;
}

/** The verdict of {@link compareCounts}. */
export interface Comparison {
	match: boolean;
	/** A small table: backup vs restored, one line per measure, then MATCH or MISMATCH. */
	lines: string[];
}

/**
 * Compares the counts at backup time with the restored ones: users, rooms, events and the
 * 10 newest event ids (all 10 must be the same; the table shows the newest, shortened).
 */
export function compareCounts(backup: SynapseCounts, restored: SynapseCounts | undefined): Comparison {
	const show = (value: number | null | undefined) => (value === null || value === undefined ? 'missing' : String(value));
	const newest = (counts: SynapseCounts | undefined) => {
		const id = counts?.latestEventIds[0];
		return id === undefined ? 'missing' : id.length > 13 ? `${id.slice(0, 12)}…` : id;
	};
	const rows: Array<[string, string, string]> = [
		['users', show(backup.users), show(restored?.users)],
		['rooms', show(backup.rooms), show(restored?.rooms)],
		['events', show(backup.events), show(restored?.events)],
		['newest event', newest(backup), newest(restored)],
	];
	const sameLatest = restored !== undefined && restored.latestEventIds.join('\n') === backup.latestEventIds.join('\n');
	const match = restored !== undefined && rows.slice(0, 3).every(([, a, b]) => a === b) && sameLatest;
	const lines = [`${'measure'.padEnd(16)}${'backup'.padStart(15)}${'restored'.padStart(15)}`];
	for (const [name, a, b] of rows) lines.push(`${name.padEnd(16)}${a.padStart(15)}${b.padStart(15)}`);
	if (restored === undefined) lines.push(`The database ${DATABASE} does not exist: the run stopped between drop-database and recreate-database.`);
	lines.push(match ? 'MATCH: the restored database equals the backup.' : 'MISMATCH: the restored database differs from the backup.');
	return {match, lines};
}

/** Counts in the demo's database, or undefined when it does not exist (a run stopped between drop and recreate). */
export async function restoredCounts(server: PostgresServer): Promise<SynapseCounts | undefined> {
	try {
		return await synapseCounts(server, DATABASE);
	} catch {
		return undefined;
	}
}
