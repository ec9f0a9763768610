/**
 * What every one of the three Postgres restores must leave behind, checked the same way
 * for Spire, Keycloak and VCS: the postgresql cluster re-created (a new uid) with 3
 * Running, ready instances; the credential Secrets present, and either new passwords set
 * in PostgreSQL (update-passwords) or the manifest's Secrets back (recreate-from-manifest);
 * the dumped rows back in the real PostgreSQL; the run completed and its Kubernetes target
 * recorded.
 */
import {expect} from 'vitest';
import type {RunState} from '../../source/engine/state.js';
import type {PostgresServer} from '../support/postgres.js';
import {credentials, postgresqlState, type Cluster} from './cluster-checks.js';
import {rowsDigest, scramMatches, storedPassword} from './database.js';
import type {Backup} from './harness.js';

/** The service under restore: its namespace, postgresql cluster, Secrets and database. */
export interface RestoredService {
	namespace: string;
	postgresql: string;
	secrets: readonly string[];
	database: string;
}

/** How the Secrets came back. */
export type SecretsMode = 'update-passwords' | 'recreate-from-manifest';

/** The cluster before the run: the postgresql object's uid and each Secret's uid. */
export interface Before {
	postgresqlUid: string;
	secretUids: Record<string, string>;
}

/** Notes the postgresql object's and the Secrets' uids before the run. */
export async function before(cluster: Cluster, service: RestoredService): Promise<Before> {
	const secrets = await credentials(cluster, service.namespace, service.secrets);
	return {
		postgresqlUid: (await postgresqlState(cluster, service.namespace, service.postgresql)).uid,
		secretUids: Object.fromEntries(Object.entries(secrets).map(([name, c]) => [name, c.uid])),
	};
}

/** Asserts the postgresql cluster, the Secrets and the database after a completed restore. */
export async function expectRestored(cluster: Cluster, pg: PostgresServer, service: RestoredService, backup: Backup, was: Before, mode: SecretsMode): Promise<void> {
	const {namespace, postgresql} = service;
	const state = await postgresqlState(cluster, namespace, postgresql);
	expect(state.uid, 'the postgresql object was deleted and created again').not.toBe(was.postgresqlUid);
	expect({instances: state.instances, status: state.status, pods: state.pods}).toEqual({
		instances: 3,
		status: 'Running',
		pods: {[`${postgresql}-0`]: true, [`${postgresql}-1`]: true, [`${postgresql}-2`]: true},
	});

	const secrets = await credentials(cluster, namespace, service.secrets);
	expect(Object.keys(secrets).sort()).toEqual([...service.secrets].sort());
	for (const name of service.secrets) {
		const secret = secrets[name];
		// `postgres.<cluster>.credentials` → user postgres; `service-account.…` → service_account.
		expect(secret.username, name).toBe(name.split('.')[0].replaceAll('-', '_'));
		expect(secret.uid, `${name} is a new Secret`).not.toBe(was.secretUids[name]);
		const verifier = await storedPassword(pg, secret.username);
		expect(scramMatches(verifier, secret.password), `the password of role ${secret.username} in PostgreSQL is the one of Secret ${name}`).toBe(true);
		if (mode === 'update-passwords') {
			// The new cluster made new passwords; ALTER USER set them in PostgreSQL.
			expect(secret.password, `${name} has the new cluster's password`).not.toBe(backup.passwords[name]);
		} else {
			// The manifest's Secrets are back (its passwords are the dumped roles').
			expect(secret.password, `${name} has the manifest's password`).toBe(backup.passwords[name]);
		}
		// The operator's default (enable_owner_references: false): its Secrets have no owner.
		expect(secret.ownerReferences, `${name}: no ownerReferences`).toEqual([]);
	}

	expect(await rowsDigest(pg, service.database), 'the dumped rows are back').toEqual(backup.rows);
}

/** Asserts the run's saved state: completed, every step succeeded or skipped as listed, the target recorded. */
export function expectCompletedRun(state: RunState, cluster: {url: string}, namespace: string, skipped: readonly string[]): void {
	expect(state.status).toBe('completed');
	const notDone = state.order.filter(id => state.steps[id].status !== 'succeeded' && !skipped.includes(id));
	expect(notDone.map(id => `${id}: ${state.steps[id].status}`)).toEqual([]);
	expect(state.order.filter(id => state.steps[id].status === 'skipped').sort()).toEqual([...skipped].sort());
	expect(state.kube).toEqual({context: 'test', cluster: 'test-cluster', server: cluster.url, namespace});
}

/** The steps of the shared fragments skipped in each combination of dump source and secrets mode. */
export function skippedSteps(source: 's3' | 'local', mode: SecretsMode): string[] {
	const download = source === 's3' ? ['local-dump', 'local-manifest'] : ['list-backups', 'choose-backup', 'download-dump', 'download-manifest'];
	const secrets = mode === 'update-passwords' ? ['delete-secrets', 'recreate-secrets'] : ['read-credentials', 'update-passwords'];
	return [...download, ...secrets];
}
