/**
 * runbooks/vcs-postgres-restore.yaml end to end, without a terminal (`--plain --yes
 * --yes-destructive`), against the test cluster seeded with the CSM objects, with
 * `gitea-vcs-postgres-0` bound to a real PostgreSQL: the dump of a database with known
 * rows is restored through `exec` after the database and its roles were dropped. Both
 * secret paths: update-passwords with a manual dump (no manifest), and
 * recreate-from-manifest with the automatic backup fetched from the bucket by `cray`
 * (a stand-in on PATH).
 */
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';
import type {TestCluster} from '../support/kube/server.js';
import {startPostgres, type PostgresServer} from '../support/postgres.js';
import {workloadState} from './cluster-checks.js';
import {databaseExists, dropService} from './database.js';
import {dumpParams, installCray, prepareBackup, runbookPath, runPlain, shown, startCsmCluster} from './harness.js';
import {before, expectCompletedRun, expectRestored, skippedSteps, type RestoredService, type SecretsMode} from './restore-checks.js';

const SERVICE: RestoredService & {owner: string} = {
	namespace: 'services',
	postgresql: 'gitea-vcs-postgres',
	secrets: ['postgres.gitea-vcs-postgres.credentials', 'service-account.gitea-vcs-postgres.credentials', 'standby.gitea-vcs-postgres.credentials'],
	database: 'service_db',
	owner: 'service_account',
};

const workspace = useWorkspaces();
let pg: PostgresServer;
let cluster: TestCluster | undefined;

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

async function restore(mode: SecretsMode, source: 's3' | 'local'): Promise<void> {
	const ws = workspace();
	installCray(ws);
	cluster = await startCsmCluster(pg, [{namespace: SERVICE.namespace, postgresql: SERVICE.postgresql}]);
	const backup = await prepareBackup(ws, cluster, pg, SERVICE);
	await dropService(pg, {database: SERVICE.database, owner: SERVICE.owner, roles: {service_account: '', standby: ''}});
	expect(await databaseExists(pg, SERVICE.database)).toBe(false);
	const was = before(cluster, SERVICE);

	const dump = dumpParams(source, mode, backup);
	const result = await runPlain(ws, runbookPath('vcs'), cluster.kubeconfigPath, {...dump, SECRETS_MODE: mode});
	expect(result.code, shown(result)).toBe(0);
	// The manual step passed with --yes, its instructions printed.
	expect(result.stdout).toContain('check-pvc-backup: taken as done (--yes)');

	expectCompletedRun(ws.state(ws.onlyRunId()), cluster, 'services', skippedSteps(source, mode));
	expect(workloadState(cluster, 'Deployment', 'services', 'gitea-vcs')).toMatchObject({replicas: 1, readyReplicas: 1});
	const pods = workloadState(cluster, 'Deployment', 'services', 'gitea-vcs').pods;
	expect(Object.values(pods)).toEqual([true]);
	await expectRestored(cluster, pg, SERVICE, backup, was, mode);
	if (source === 's3') {
		expect(ws.lines('cray.calls')).toEqual([
			'artifacts list postgres-backup --format json',
			`artifacts get postgres-backup ${backup.name}.psql ${backup.dumpFile}`,
			`artifacts get postgres-backup ${backup.name}.manifest ${backup.name}.manifest`,
		]);
	}
}

describe('Restore Postgres for VCS, end to end', () => {
	it('update-passwords, from a manual dump', () => restore('update-passwords', 'local'), 120_000);
	it('recreate-from-manifest, from the postgres-backup bucket', () => restore('recreate-from-manifest', 's3'), 120_000);
});
