/**
 * runbooks/matrix-postgres-backup.yaml and matrix-postgres-upgrade.yaml end to end, without
 * a terminal (`--plain --yes --yes-destructive`), against a real PostgreSQL 15 holding a
 * `homeserver` database with known rows. docker is not available here: the tests pass the
 * plain-server form of the commands through params (PG_DUMP, PSQL), as an operator with an
 * external Postgres server would.
 *
 * The upgrade runs the real `ansible-playbook` (Debian's ansible-core) on
 * test/fixtures/matrix-ansible/setup.yml, a stand-in for matrix-docker-ansible-deploy's
 * playbook that has only the `upgrade-postgres` tag (dump, stop, rename the data
 * directory, initdb, start, restore) plus a task under other tags that fails if it runs.
 * Only PostgreSQL 15 is installed, so the "new version" is the same major: the tests give
 * NEW_MAJOR=15 (the runbook's own check then compares against it), and prove the upgrade
 * happened by the data directory's new system identifier and the renamed old one.
 */
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {gunzipSync} from 'node:zlib';
import {afterEach, describe, expect, it} from 'vitest';
import {stringify as toYaml} from 'yaml';
import {ROOT, stepStatuses, type CliResult, useWorkspaces, type Workspace} from '../cli/helpers.js';
import {pgProgram, psql, startPostgres, type PostgresServer} from '../support/postgres.js';
import {cliEnvFor, paramArgs, shown} from './harness.js';

const workspace = useWorkspaces();
const BACKUP = path.join(ROOT, 'runbooks', 'matrix-postgres-backup.yaml');
const UPGRADE = path.join(ROOT, 'runbooks', 'matrix-postgres-upgrade.yaml');
const PLAYBOOK = path.join(ROOT, 'test', 'fixtures', 'matrix-ansible', 'setup.yml');
const ROWS = 500;

/**
 * `runbook run FILE --plain --yes --yes-destructive` in the workspace with `params`;
 * ansible's home and temporary files inside the workspace.
 */
function runPlain(ws: Workspace, file: string, params: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
	const env = {...cliEnvFor(ws), ANSIBLE_HOME: ws.path('ansible-home'), ANSIBLE_LOCAL_TEMP: ws.path('ansible-tmp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'false'};
	return ws.cli(['run', file, '--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir, ...paramArgs(params)], {env, timeoutMs});
}

const servers: PostgresServer[] = [];
afterEach(async () => {
	for (const server of servers.splice(0)) await server.stop();
});

/** A started server with the database `homeserver`: table `events` (ROWS rows) and `rooms` (3 rows). */
async function homeserver(): Promise<PostgresServer> {
	const pg = await startPostgres();
	servers.push(pg);
	await psql(pg, 'postgres', 'CREATE DATABASE homeserver;');
	await psql(
		pg,
		'homeserver',
		`CREATE TABLE events (id integer PRIMARY KEY, body text NOT NULL);
		INSERT INTO events SELECT i, md5(i::text) FROM generate_series(1, ${ROWS}) AS i;
		CREATE TABLE rooms (id text PRIMARY KEY); INSERT INTO rooms VALUES ('!a:example.org'), ('!b:example.org'), ('!c:example.org');`,
	);
	return pg;
}

/** Count and md5 of the `events` rows of `database` in `pg`. */
async function digest(pg: PostgresServer, database = 'homeserver'): Promise<string> {
	return (await psql(pg, database, `SELECT count(*) || ':' || md5(string_agg(id || body, ',' ORDER BY id)) FROM events;`)).trim();
}

/** The plain-server commands for the runbooks' PG_DUMP and PSQL params. */
function plainCommands(pg: PostgresServer): {PG_DUMP: string; PSQL: string} {
	const conn = `-h ${pg.host} -p ${pg.port} -U ${pg.user} -d homeserver`;
	return {PG_DUMP: `${pgProgram(pg.bindir, 'pg_dump')} ${conn}`, PSQL: `${pgProgram(pg.bindir, 'psql')} ${conn}`};
}

describe('matrix-postgres-backup.yaml', () => {
	it('dumps the database through pg_dump | gzip into a private file that restores to the same rows', async () => {
		const ws = workspace();
		const pg = await homeserver();
		const before = await digest(pg);
		const file = ws.path('backups/postgres.sql.gz');
		mkdirSync(path.dirname(file));
		const result = await runPlain(ws, BACKUP, {...plainCommands(pg), BACKUP_FILE: file});
		expect(result.code, shown(result)).toBe(0);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toEqual({'check-postgres-running': 'succeeded', dump: 'succeeded', 'check-backup': 'succeeded'});
		expect(result.stdout).toContain('gzip -t: the file is intact.');
		expect(result.stdout).toContain(`${file}: ${statSync(file).size} bytes`);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		expect(readdirSync(path.dirname(file))).toEqual(['postgres.sql.gz']);

		// The dump, loaded into a fresh database, holds the same rows.
		writeFileSync(ws.path('dump.sql'), gunzipSync(readFileSync(file)));
		await psql(pg, 'postgres', 'CREATE DATABASE restored;');
		const load = spawnSync(pgProgram(pg.bindir, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', 'restored', '-f', ws.path('dump.sql')], {encoding: 'utf8'});
		expect(load.status, load.stderr).toBe(0);
		expect(await digest(pg, 'restored')).toBe(before);
	}, 300_000);

	it('keeps an earlier backup when pg_dump fails, and the run stops at the dump', async () => {
		const ws = workspace();
		const pg = await homeserver();
		const file = ws.path('postgres.sql.gz');
		writeFileSync(file, 'earlier backup');
		const commands = plainCommands(pg);
		const result = await runPlain(ws, BACKUP, {...commands, PG_DUMP: commands.PG_DUMP.replace('-d homeserver', '-d no_such_db'), BACKUP_FILE: file});
		expect(result.code, shown(result)).toBe(1);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toMatchObject({dump: 'failed', 'check-backup': 'pending'});
		expect(result.stdout + result.stderr).toContain('no_such_db');
		expect(readFileSync(file, 'utf8')).toBe('earlier backup');
		expect(existsSync(`${file}.part`)).toBe(false);
	}, 300_000);

	it('finds a truncated dump in the check', async () => {
		const ws = workspace();
		const pg = await homeserver();
		// A PG_DUMP that stops half way (as a dump cut off by a lost connection): the first
		// 4 KiB of a real dump.
		const full = spawnSync(pgProgram(pg.bindir, 'pg_dump'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', 'homeserver', '-f', ws.path('full.sql')], {encoding: 'utf8'});
		expect(full.status, full.stderr).toBe(0);
		const file = ws.path('postgres.sql.gz');
		const result = await runPlain(ws, BACKUP, {...plainCommands(pg), PG_DUMP: `head -c 4096 ${ws.path('full.sql')}`, BACKUP_FILE: file});
		expect(result.code, shown(result)).toBe(1);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toMatchObject({dump: 'succeeded', 'check-backup': 'failed'});
		expect(result.stdout + result.stderr).toContain('it is incomplete');
	}, 300_000);
});

/** Writes the playbook checkout (setup.yml + inventory/hosts for `pg`) into the workspace; returns its folder. */
function playbookCheckout(ws: Workspace, pg: PostgresServer): string {
	const dir = ws.path('matrix-docker-ansible-deploy');
	mkdirSync(path.join(dir, 'inventory'), {recursive: true});
	cpSync(PLAYBOOK, path.join(dir, 'setup.yml'));
	const runAs = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
	const host = {
		ansible_connection: 'local',
		ansible_python_interpreter: '/usr/bin/python3',
		matrix_postgres_base_path: ws.path('matrix'),
		matrix_postgres_data_path: pg.dataDir,
		matrix_postgres_log_file: path.join(pg.dir, 'server.log'),
		matrix_postgres_socket_dir: pg.dir,
		matrix_postgres_bindir: pg.bindir,
		matrix_postgres_host: pg.host,
		matrix_postgres_port: pg.port,
		matrix_postgres_superuser: pg.user,
		matrix_postgres_run_as: runAs,
	};
	writeFileSync(path.join(dir, 'inventory', 'hosts'), toYaml({all: {children: {matrix_servers: {hosts: {'matrix.example.com': host}}}}}));
	return dir;
}

/** The data directory's system identifier (new for every initdb). */
function systemIdentifier(pg: PostgresServer, dataDir: string): string {
	const out = spawnSync(pgProgram(pg.bindir, 'pg_controldata'), [dataDir], {encoding: 'utf8'});
	return /Database system identifier:\s+(\d+)/.exec(out.stdout)?.[1] ?? `unreadable: ${out.stderr}`;
}

describe('matrix-postgres-upgrade.yaml', () => {
	it('runs the real ansible-playbook --tags=upgrade-postgres: dump, rename, new data directory, restore; verified on the new server', async () => {
		const ws = workspace();
		const pg = await homeserver();
		const before = await digest(pg);
		const oldId = systemIdentifier(pg, pg.dataDir);
		mkdirSync(ws.path('matrix'));
		mkdirSync(ws.path('dumps'));
		const checkout = playbookCheckout(ws, pg);
		const backupPath = ws.path('matrix/postgres-before-upgrade');
		const params = {
			PLAYBOOK_DIR: checkout,
			BACKUP_DATA_PATH: backupPath,
			DUMP_DIR: ws.path('dumps'),
			DATA_PATH: pg.dataDir,
			PSQL: plainCommands(pg).PSQL,
			NEW_MAJOR: '15',
		};
		const result = await runPlain(ws, UPGRADE, params, 180_000);
		expect(result.code, shown(result)).toBe(0);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toEqual({
			'check-database': 'succeeded',
			'check-other-databases': 'succeeded',
			'check-disk-space': 'succeeded',
			'upgrade-postgres': 'succeeded',
			'verify-new-version': 'succeeded',
			'start-matrix': 'succeeded',
			'delete-auto-upgrade-backup-later': 'succeeded',
		});
		// ansible-playbook ran only the upgrade-postgres tasks.
		expect(result.stdout).toContain('Restore the dump into the new server');
		expect(result.stdout).not.toContain('the install tasks ran');
		expect(result.stdout).toMatch(/Major version: 15 before, 15 now; tables in homeserver: 2 before, 2 now/);
		// The old data directory was renamed to the param's path; a new one serves the same rows.
		expect(systemIdentifier(pg, backupPath)).toBe(oldId);
		expect(systemIdentifier(pg, pg.dataDir)).not.toBe(oldId);
		expect(await digest(pg)).toBe(before);
		expect(readdirSync(ws.path('dumps'))).toEqual([]);
	}, 300_000);

	it('stops before the playbook when another database would be lost', async () => {
		const ws = workspace();
		const pg = await homeserver();
		await psql(pg, 'postgres', 'CREATE DATABASE mautrix_telegram;');
		const checkout = playbookCheckout(ws, pg);
		const oldId = systemIdentifier(pg, pg.dataDir);
		const result = await runPlain(ws, UPGRADE, {PLAYBOOK_DIR: checkout, BACKUP_DATA_PATH: ws.path('backup'), DUMP_DIR: ws.path(''), DATA_PATH: pg.dataDir, PSQL: plainCommands(pg).PSQL});
		expect(result.code, shown(result)).toBe(1);
		expect(stepStatuses(ws.state(ws.onlyRunId()))).toMatchObject({'check-other-databases': 'failed', 'upgrade-postgres': 'pending'});
		expect(result.stdout + result.stderr).toContain('Other databases in this instance: mautrix_telegram.');
		expect(systemIdentifier(pg, pg.dataDir)).toBe(oldId);
	}, 300_000);
});
