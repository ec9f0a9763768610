/**
 * The Synapse restore runbook against a real, throwaway PostgreSQL: the demo's setup
 * (Synapse-shaped data, encrypted backup, damage, stand-in Synapse, a forgotten psql
 * session), then the runbook's steps run in order with bash, as the engine would run them.
 * The full CLI run is tested elsewhere once the CLI exists.
 */
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {damage, makeGnupgHome, stopGpgAgent, takeBackup} from '../../source/demo/backup.js';
import {compareCounts, prepareDemo, DATABASE, PASSPHRASE_ENV, RUNBOOK_PATH, type DemoEnvironment} from '../../source/demo/setup.js';
import {synapseCounts} from '../../source/demo/synapse-data.js';
import {createDatabase, psql} from '../support/postgres.js';
import {loadRunbook, paramValues, runSteps, substitute, unknownScriptVariables, type StepResult} from './bash-steps.js';

const runbook = loadRunbook(RUNBOOK_PATH);
let demo: DemoEnvironment;

/** Fails with the failing step's output, so a broken script explains itself. */
function expectAllPassed(results: StepResult[]): void {
	const failed = results.find(result => result.status === 'failed');
	expect(failed, failed && `step ${failed.id} failed (exit ${failed.exitCode}):\n${failed.stdout}\n${failed.stderr}`).toBeUndefined();
}

const statusOf = (results: StepResult[], id: string) => results.find(result => result.id === id)?.status;

beforeAll(async () => {
	demo = await prepareDemo({size: {users: 200, rooms: 500, events: 20_000}});
}, 60_000);

afterAll(async () => {
	await demo?.cleanup();
});

describe('runbooks/synapse-db-restore.yaml', () => {
	test('is a valid runbook whose scripts read only known variables', () => {
		expect(runbook.steps.map(step => step.id)).toEqual([
			'check-backup',
			'check-database-access',
			'stop-synapse',
			'safety-backup',
			'decrypt',
			'gunzip',
			'terminate-connections',
			'drop-database',
			'recreate-database',
			'restore',
			'cleanup',
			'start-synapse',
			'synapse-health',
			'synapse-logs',
			'check-database',
			'user-count',
			'room-count',
			'recent-events',
			'summary',
		]);
		expect(unknownScriptVariables(runbook)).toEqual([]);
		expect(runbook.params?.BACKUP_PASSPHRASE?.secret).toBe(true);
		expect(runbook.params?.PSQL?.default).toBe('docker exec -i matrix-postgres psql -U synapse');
		const pattern = new RegExp(runbook.params?.BACKUP_FILE?.pattern ?? '');
		expect(pattern.test('backups/synapse_db_20260216_030001.sql.gz.gpg')).toBe(true);
		expect(pattern.test('backups/synapse_db_20260216_030001.sql.gz')).toBe(true);
		expect(pattern.test('backups/synapse_db_20260216_030001.sql')).toBe(false);
	});

	test('the setup damaged the database', () => {
		expect(demo.before).toMatchObject({users: 200, rooms: 500, events: 20_000});
		expect(demo.damaged.users).toBe(5);
		expect(demo.damaged.rooms).toBeNull();
		expect(demo.damaged.events).toBe(20_250);
		expect(demo.backup.file).toMatch(/\/backups\/synapse_db_\d{8}_\d{6}\.sql\.gz\.gpg$/);
		const comparison = compareCounts(demo.before, demo.damaged);
		expect(comparison.match).toBe(false);
		expect(comparison.lines.at(-1)).toMatch(/^MISMATCH/);
		expect(compareCounts(demo.before, undefined).match).toBe(false);
	});

	test('restores the encrypted backup: the counts equal the backup\'s', async () => {
		// The CLI passes its own environment on (GNUPGHOME) and reads the secret from PASSPHRASE_ENV.
		const vars = paramValues(runbook, {...demo.params, ...demo.env, BACKUP_PASSPHRASE: demo.env[PASSPHRASE_ENV]});
		const results = await runSteps(runbook, vars, {cwd: demo.work});
		expectAllPassed(results);
		expect(results.map(result => result.id)).toEqual(runbook.steps.map(step => step.id));
		expect(statusOf(results, 'decrypt')).toBe('succeeded');
		expect(statusOf(results, 'synapse-health')).toBe('succeeded');
		expect(vars.BACKUP_FORMAT).toBe('encrypted');

		const restored = await synapseCounts(demo.server, DATABASE);
		expect(restored).toEqual(demo.before);
		expect(compareCounts(demo.before, restored).lines.at(-1)).toMatch(/^MATCH/);
		expect(vars.USER_COUNT).toBe(String(demo.before.users));
		expect(vars.ROOM_COUNT).toBe(String(demo.before.rooms));
		expect(Number(vars.TABLE_COUNT)).toBeGreaterThanOrEqual(7);

		// The forgotten session was disconnected, and the decrypted files are gone.
		expect(results.find(r => r.id === 'terminate-connections')?.stdout).toContain('forgotten psql session');
		expect(existsSync(join(vars.WORK_DIR, 'backup.sql'))).toBe(false);
		expect(existsSync(join(vars.WORK_DIR, 'backup.sql.gz'))).toBe(false);
		// The destructive confirmation word is the database name.
		const drop = runbook.steps.find(step => step.id === 'drop-database');
		expect(substitute(String(drop?.destructive), vars)).toBe('synapse');
		// The stand-in Synapse is back and healthy.
		expect(await (await fetch(vars.HEALTH_URL)).text()).toBe('OK');

		// The safety backup holds the damaged database as it was before the drop.
		expect(vars.SAFETY_BACKUP).toMatch(/pre-restore-backup_\d{8}_\d{6}\.sql\.gz$/);
		await createDatabase(demo.server, 'safety_check');
		await psql(demo.server, 'safety_check', `\\! gunzip -c ${vars.SAFETY_BACKUP} > ${demo.work}/safety.sql\n\\i ${demo.work}/safety.sql\n`);
		const safety = await synapseCounts(demo.server, 'safety_check');
		expect({users: safety.users, rooms: safety.rooms, events: safety.events}).toEqual({users: 5, rooms: null, events: 20_250});
	}, 60_000);

	test('a wrong passphrase stops the run at decrypt, before anything is dropped', async () => {
		const gnupgHome = await makeGnupgHome(demo.work);
		try {
			const vars = paramValues(runbook, {...demo.params, BACKUP_PASSPHRASE: 'not the passphrase', GNUPGHOME: gnupgHome});
			const results = await runSteps(runbook, vars, {cwd: demo.work});
			expect(results.at(-1)).toMatchObject({id: 'decrypt', status: 'failed'});
			expect(results.at(-1)?.stderr).toMatch(/decryption failed: Bad session key/);
			expect(await synapseCounts(demo.server, DATABASE)).toEqual(demo.before);
		} finally {
			await stopGpgAgent(gnupgHome);
		}
	}, 30_000);

	test('restores a plain .sql.gz backup: decrypt is skipped and the backup file is kept', async () => {
		const plain = await takeBackup(demo.server, DATABASE, {dir: join(demo.work, 'plain')});
		expect(plain.file).toMatch(/synapse_db_\d{8}_\d{6}\.sql\.gz$/);
		await damage(demo.server, DATABASE);
		expect((await synapseCounts(demo.server, DATABASE)).users).toBe(5);

		const vars = paramValues(runbook, {...demo.params, GNUPGHOME: demo.env.GNUPGHOME, BACKUP_FILE: plain.file, HEALTH_URL: ''});
		const results = await runSteps(runbook, vars, {cwd: demo.work});
		expectAllPassed(results);
		expect(vars.BACKUP_FORMAT).toBe('gzip');
		expect(statusOf(results, 'decrypt')).toBe('skipped');
		expect(statusOf(results, 'synapse-health')).toBe('skipped');
		expect(existsSync(plain.file)).toBe(true);
		expect(await synapseCounts(demo.server, DATABASE)).toEqual(demo.before);
	}, 60_000);
});
