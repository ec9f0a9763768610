/**
 * The life cycle the end-to-end restore tests share (test/runbooks/): one real PostgreSQL
 * for the file, one real test cluster per test (stopped after it), and the starting point of
 * a restore: the stand-in `cray`, the cluster with the service's `postgresql` bound to
 * PostgreSQL, a backup of the service's database, then the damage the runbook repairs
 * (the database and its roles dropped).
 */
import {afterAll, afterEach, beforeAll} from 'vitest';
import type {Workspace} from '../cli/helpers.js';
import type {RealCluster} from '../support/kube/real-cluster.js';
import {startPostgres, type PostgresServer} from '../support/postgres.js';
import {dropService} from './database.js';
import {installCray, prepareBackup, startCsmCluster, type Backup} from './harness.js';
import {before, type Before, type RestoredService} from './restore-checks.js';

/** A service to restore, with the owner of its database. */
export type ServiceUnderTest = RestoredService & {owner: string};

/** The VCS (Gitea) service of the document, as the cluster fixtures have it. */
export const VCS_SERVICE: ServiceUnderTest = {
	namespace: 'services',
	postgresql: 'gitea-vcs-postgres',
	secrets: ['postgres.gitea-vcs-postgres.credentials', 'service-account.gitea-vcs-postgres.credentials', 'standby.gitea-vcs-postgres.credentials'],
	database: 'service_db',
	owner: 'service_account',
};

/** Where a restore starts: the cluster, the backup, and what the checks compare against afterwards. */
export interface RestoreStart {
	cluster: RealCluster;
	backup: Backup;
	was: Before;
}

/** What {@link useRestoreSuite} gives a test file. */
export interface RestoreSuite {
	/** The file's PostgreSQL (started before the first test). */
	pg(): PostgresServer;
	/**
	 * Prepares a restore of `service` in `ws` (see the file comment); the database's
	 * `roles` (name → '') are dropped with it. The cluster is stopped after the test.
	 */
	prepare(ws: Workspace, service: ServiceUnderTest, roles: Record<string, string>): Promise<RestoreStart>;
}

/** Registers the hooks of the file comment and returns the suite's handles. */
export function useRestoreSuite(): RestoreSuite {
	let pg: PostgresServer | undefined;
	let cluster: RealCluster | undefined;
	beforeAll(async () => {
		pg = await startPostgres();
	});
	afterAll(async () => {
		await pg?.stop();
	});
	afterEach(async () => {
		await cluster?.stop();
		cluster = undefined;
	});
	const started = (): PostgresServer => {
		if (!pg) throw new Error('useRestoreSuite: PostgreSQL is not started (call pg() inside a test)');
		return pg;
	};
	return {
		pg: started,
		async prepare(ws, service, roles) {
			installCray(ws);
			cluster = await startCsmCluster(started(), [{namespace: service.namespace, postgresql: service.postgresql}]);
			const backup = await prepareBackup(ws, cluster, started(), service);
			await dropService(started(), {database: service.database, owner: service.owner, roles});
			return {cluster, backup, was: await before(cluster, service)};
		},
	};
}
