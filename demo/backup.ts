/**
 * The demo's backup job and the "accident": takes a backup the way the seed's backup job
 * names it (`backups/synapse_db_YYYYMMDD_HHMMSS.sql.gz.gpg`: pg_dump | gzip | gpg
 * --symmetric), then damages the database so that the restore visibly changes it.
 */
import {mkdir, mkdtemp, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {$} from 'zx';
import {pgProgram, psql, type PostgresServer} from './postgres.ts';

/** A backup file on disk. */
export interface Backup {
	/** Absolute path: `<dir>/backups/synapse_db_YYYYMMDD_HHMMSS.sql.gz[.gpg]`. */
	file: string;
	/** Whether it is gpg-encrypted (symmetric, AES256). */
	encrypted: boolean;
	/** Size in bytes. */
	sizeBytes: number;
}

/** Options of {@link takeBackup}. */
export interface BackupOptions {
	/** Directory under which `backups/` is created. */
	dir: string;
	/** With a passphrase the dump is encrypted with gpg --symmetric; without, it stays .sql.gz. */
	passphrase?: string;
	/** GNUPGHOME for gpg (a private one, see {@link makeGnupgHome}); required with a passphrase. */
	gnupgHome?: string;
	/** Time used in the file name (local time, as `date +%Y%m%d_%H%M%S`); defaults to now. */
	now?: Date;
}

/** `YYYYMMDD_HHMMSS` in local time, as the seed's backup job stamps its files. */
export function backupStamp(date: Date): string {
	const two = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}_${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/**
 * Creates a private GNUPGHOME (mode 0700, as mkdtemp makes it) under `parent`, so gpg never touches the
 * operator's ~/.gnupg. Stop its agent with {@link stopGpgAgent} when done.
 * @returns the directory's absolute path.
 */
export async function makeGnupgHome(parent: string): Promise<string> {
	return mkdtemp(join(parent, 'gnupg-'));
}

/** Stops the gpg-agent that gpg started for `gnupgHome` (no error when none runs). */
export async function stopGpgAgent(gnupgHome: string): Promise<void> {
	await $({quiet: true, nothrow: true})`gpgconf --homedir ${gnupgHome} --kill gpg-agent`;
}

/**
 * Takes a backup of `database`: pg_dump | gzip, then gpg --symmetric (batch mode, loopback
 * pinentry, passphrase on file descriptor 3, symmetric cache off) when a passphrase is given.
 * @throws zx's ProcessOutput when a command of the pipeline fails (pipefail is on).
 */
export async function takeBackup(server: PostgresServer, database: string, options: BackupOptions): Promise<Backup> {
	const backups = join(options.dir, 'backups');
	await mkdir(backups, {recursive: true});
	const encrypted = options.passphrase !== undefined;
	const file = join(backups, `synapse_db_${backupStamp(options.now ?? new Date())}.sql.gz${encrypted ? '.gpg' : ''}`);
	const pgDump = pgProgram(server.bindir, 'pg_dump');
	const env = {...process.env, ...server.psqlEnv};
	if (encrypted) {
		if (!options.gnupgHome) throw new Error('takeBackup: an encrypted backup needs gnupgHome');
		await $({quiet: true, env: {...env, DEMO_PASSPHRASE: options.passphrase}})`${pgDump} -d ${database} | gzip | gpg --homedir ${options.gnupgHome} --batch --yes --no-symkey-cache --pinentry-mode loopback --passphrase-fd 3 --symmetric --cipher-algo AES256 --output ${file} 3<<<"$DEMO_PASSPHRASE"`;
		await stopGpgAgent(options.gnupgHome);
	} else {
		await $({quiet: true, env})`${pgDump} -d ${database} | gzip > ${file}`;
	}
	return {file, encrypted, sizeBytes: (await stat(file)).size};
}

/** How many users {@link damage} keeps. */
export const USERS_KEPT = 5;
/** How many junk events {@link damage} inserts. */
export const JUNK_EVENTS = 250;

/**
 * The accident to recover from: deletes all users but {@link USERS_KEPT}, drops the rooms
 * table and inserts {@link JUNK_EVENTS} junk events at the end of the stream.
 * @throws zx's ProcessOutput when psql fails.
 */
export async function damage(server: PostgresServer, database: string): Promise<void> {
	await psql(
		server,
		database,
		`BEGIN;
DELETE FROM users WHERE name NOT IN (SELECT name FROM users ORDER BY name LIMIT ${USERS_KEPT});
DROP TABLE rooms;
INSERT INTO events (topological_ordering, event_id, type, room_id, content, processed, outlier, stream_ordering, sender)
	SELECT 1, '$junk' || i, 'm.room.message', '!junk:example.invalid', '{"body":"junk"}', true, false, m.top + i, '@spam:example.invalid'
	FROM generate_series(1, ${JUNK_EVENTS}) AS i, (SELECT max(stream_ordering) AS top FROM events) AS m;
COMMIT;`,
	);
}
