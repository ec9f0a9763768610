/**
 * The real PostgreSQL behind a simulated Zalando cluster, for the runbook tests: a service
 * database with known rows and roles whose passwords are those of the cluster's credential
 * Secrets (as on a live system), a `pg_dumpall` dump of it (what the CSM backup job or an
 * operator's manual dump holds), the damage the restore repairs (database and roles
 * dropped), and the checks afterwards (the rows are back; a role's stored SCRAM verifier
 * matches a given password).
 */
import {createHash, createHmac, pbkdf2Sync} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {$} from 'zx';
import {pgProgram, psql, type PostgresServer} from '../support/postgres.js';

/** The database of a service and the roles of its cluster. */
export interface ServiceDatabase {
	/** The service's database (`spire`, `service_db`). */
	database: string;
	/** Its owner among the roles. */
	owner: string;
	/** Role name → password (from the cluster's Secrets); `postgres` is among them. */
	roles: Record<string, string>;
}

/** Rows the test database holds: how many, and a digest of their content in order. */
export interface RowsDigest {
	count: number;
	md5: string;
}

/** How many rows the `entries` table gets. */
export const ROWS = 1000;

const ident = (name: string): string => {
	if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
	return `"${name}"`;
};
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** Drops the service's database and every role of it but `postgres`, whatever exists. */
export async function dropService(pg: PostgresServer, db: ServiceDatabase): Promise<void> {
	await psql(pg, 'postgres', `DROP DATABASE IF EXISTS ${ident(db.database)} WITH (FORCE);`);
	const others = Object.keys(db.roles).filter(role => role !== 'postgres');
	if (others.length > 0) await psql(pg, 'postgres', `DROP ROLE IF EXISTS ${others.map(ident).join(', ')};`);
	await psql(pg, 'postgres', 'ALTER ROLE postgres PASSWORD NULL;');
}

/**
 * Creates the roles with their passwords (`standby` with REPLICATION) and the database
 * owned by `owner`, with the table `entries` (ROWS rows: id, md5 of the id); returns the
 * digest of the rows.
 */
export async function seedService(pg: PostgresServer, db: ServiceDatabase): Promise<RowsDigest> {
	await dropService(pg, db);
	const roles = Object.entries(db.roles).map(([role, password]) => (role === 'postgres' ? `ALTER ROLE postgres PASSWORD ${literal(password)};` : `CREATE ROLE ${ident(role)} LOGIN${role === 'standby' ? ' REPLICATION' : ''} PASSWORD ${literal(password)};`));
	await psql(pg, 'postgres', `${roles.join('\n')}\nCREATE DATABASE ${ident(db.database)} OWNER ${ident(db.owner)};`);
	await psql(
		pg,
		db.database,
		`SET ROLE ${ident(db.owner)};
		CREATE TABLE entries (id integer PRIMARY KEY, note text NOT NULL);
		INSERT INTO entries SELECT i, md5(i::text) FROM generate_series(1, ${ROWS}) AS i;`,
	);
	return rowsDigest(pg, db.database);
}

/** Count and md5 of the `entries` rows of `database`; throws (psql's error) when the table is missing. */
export async function rowsDigest(pg: PostgresServer, database: string): Promise<RowsDigest> {
	const out = await psql(pg, database, `SELECT count(*), md5(string_agg(id || ':' || note, ',' ORDER BY id)) FROM entries;`);
	const [count, md5] = out.trim().split('|');
	return {count: Number(count), md5};
}

/** Whether `database` exists in the server. */
export async function databaseExists(pg: PostgresServer, database: string): Promise<boolean> {
	return (await psql(pg, 'postgres', `SELECT count(*) FROM pg_database WHERE datname = ${literal(database)};`)).trim() === '1';
}

/** Writes a `pg_dumpall` of the whole server to `file` (the document's dump: plain SQL for psql). */
export async function dumpAll(pg: PostgresServer, file: string): Promise<void> {
	const result = await $({quiet: true, env: {...process.env, ...pg.psqlEnv}})`${pgProgram(pg.bindir, 'pg_dumpall')}`;
	writeFileSync(file, result.stdout);
}

/** The stored password verifier of `role` (`SCRAM-SHA-256$...`), or '' when it has none. */
export async function storedPassword(pg: PostgresServer, role: string): Promise<string> {
	return (await psql(pg, 'postgres', `SELECT coalesce(rolpassword, '') FROM pg_authid WHERE rolname = ${literal(role)};`)).trim();
}

/**
 * True when the SCRAM-SHA-256 verifier `stored` (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`,
 * as PostgreSQL keeps it in pg_authid) was made from `password` (RFC 5802: StoredKey =
 * H(HMAC(PBKDF2(password, salt, i), "Client Key"))). ASCII passwords only (no SASLprep).
 */
export function scramMatches(stored: string, password: string): boolean {
	const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
	if (!m) return false;
	const salted = pbkdf2Sync(password, Buffer.from(m[2], 'base64'), Number(m[1]), 32, 'sha256');
	const clientKey = createHmac('sha256', salted).update('Client Key').digest();
	return createHash('sha256').update(clientKey).digest('base64') === m[3];
}
