/**
 * runbooks/vcs-postgres-restore.yaml end to end, without a terminal (`--plain --yes
 * --yes-destructive`), against the real test cluster (control plane, test kubelet, postgres-operator stand-in) seeded with the CSM objects, with
 * `gitea-vcs-postgres-0` bound to a real PostgreSQL: the dump of a database with known
 * rows is restored through `exec` after the database and its roles were dropped. Both
 * secret paths: update-passwords with a manual dump (no manifest), and
 * recreate-from-manifest with the automatic backup fetched from the bucket by `cray`
 * (a stand-in on PATH).
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';
import {workloadState} from './cluster-checks.js';
import {databaseExists} from './database.js';
import {dumpParams, runbookPath, runPlain, shown} from './harness.js';
import {expectCompletedRun, expectRestored, skippedSteps, type SecretsMode} from './restore-checks.js';
import {useRestoreSuite, VCS_SERVICE as SERVICE} from './suite.js';

const workspace = useWorkspaces();
const suite = useRestoreSuite();

async function restore(mode: SecretsMode, source: 's3' | 'local'): Promise<void> {
	const ws = workspace();
	const pg = suite.pg();
	const {cluster, backup, was} = await suite.prepare(ws, SERVICE, {service_account: '', standby: ''});
	expect(await databaseExists(pg, SERVICE.database)).toBe(false);

	const dump = dumpParams(source, mode, backup);
	const result = await runPlain(ws, runbookPath('vcs'), cluster.kubeconfigPath, {...dump, SECRETS_MODE: mode});
	expect(result.code, shown(result)).toBe(0);
	// The manual step passed with --yes, its instructions printed.
	expect(result.stdout).toContain('check-pvc-backup: taken as done (--yes)');

	expectCompletedRun(ws.state(ws.onlyRunId()), cluster, 'services', skippedSteps(source, mode));
	expect(await workloadState(cluster, 'Deployment', 'services', 'gitea-vcs')).toMatchObject({replicas: 1, readyReplicas: 1});
	const pods = (await workloadState(cluster, 'Deployment', 'services', 'gitea-vcs')).pods;
	expect(Object.values(pods)).toEqual([true]);
	await expectRestored(cluster, pg, SERVICE, backup, was, mode);
	if (source === 's3') {
		expect(ws.lines('cray.calls')).toEqual(['artifacts list postgres-backup --format json', `artifacts get postgres-backup ${backup.name}.psql ${backup.dumpFile}`, `artifacts get postgres-backup ${backup.name}.manifest ${backup.name}.manifest`]);
	}
}

describe('Restore Postgres for VCS, end to end', () => {
	it('update-passwords, from a manual dump', () => restore('update-passwords', 'local'), 240_000);
	it('recreate-from-manifest, from the postgres-backup bucket', () => restore('recreate-from-manifest', 's3'), 240_000);
});
