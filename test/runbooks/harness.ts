/**
 * The harness of the end-to-end runbook tests (test/runbooks/): a real Kubernetes control
 * plane with the test kubelet and the postgres-operator stand-in (test/support/kube/
 * real-cluster.ts, postgres-operator.ts) seeded with the Cray CSM objects of the document,
 * short kubelet delays, the `<postgresql>-N` pods' exec bound to a real PostgreSQL
 * (test/support/postgres.ts), a workspace (test/cli/helpers.ts) holding the dump, a
 * stand-in `cray` on PATH with a "postgres-backup bucket" folder, and the built CLI run
 * without a terminal (`--plain --yes --yes-destructive`), with kubectl from PATH.
 *
 * The stand-in `cray` (bin/cray in the workspace) serves `cray artifacts list
 * postgres-backup --format json` ({"artifacts":[{"Key": ...}]}, as the Cray CLI prints
 * it) and `cray artifacts get postgres-backup KEY FILE` from `bucket/postgres-backup/`, and
 * appends each call's arguments to `cray.calls`.
 */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {stringify as toYaml} from 'yaml';
import {ROOT, type CliResult, type Workspace} from '../cli/helpers.js';
import type {KubeObject} from '../support/kube/fixture-kit.js';
import {seedCsmFixtures} from '../support/kube/fixtures.js';
import {startPostgresOperator} from '../support/kube/postgres-operator.js';
import {startRealCluster, type RealCluster} from '../support/kube/real-cluster.js';
import type {PostgresServer} from '../support/postgres.js';
import {credentials, mustGet} from './cluster-checks.js';
import {dumpAll, seedService, type RowsDigest, type ServiceDatabase} from './database.js';

/**
 * Test kubelet timings for the runbook tests, ms: a deleted pod goes and a Job's pod ends
 * within tens of ms, so a whole runbook's waits cost little next to its kubectl calls.
 */
export const FAST_KUBELET = {terminationDelayMs: 60, jobRunMs: 120};

/** The shipped runbook `name` (`spire`, `keycloak`, `vcs`), absolute path. */
export function runbookPath(name: 'spire' | 'keycloak' | 'vcs'): string {
	return path.join(ROOT, 'runbooks', `${name}-postgres-restore.yaml`);
}

/**
 * A real cluster (control plane, test kubelet, postgres-operator stand-in) seeded with the
 * CSM objects, settled, with the pods of the postgresql cluster `postgresql` of `namespace`
 * bound to `pg` (their exec reaches it). `stop` stops the operator and the cluster.
 * @throws Error from the start or the seeding (everything started is stopped first).
 */
export async function startCsmCluster(pg: PostgresServer, bind: Array<{namespace: string; postgresql: string}>): Promise<RealCluster> {
	const cluster = await startRealCluster(FAST_KUBELET);
	let operator: {stop(): void} | undefined;
	try {
		operator = await startPostgresOperator(cluster.cp);
		for (const {namespace, postgresql} of bind) cluster.kubelet.pods.bindPostgres({namespace, cluster: postgresql}, pg);
		await seedCsmFixtures(cluster);
	} catch (error) {
		operator?.stop();
		await cluster.stop();
		throw error;
	}
	const stop = cluster.stop;
	return {
		...cluster,
		async stop() {
			operator?.stop();
			await stop();
		},
	};
}

/** What {@link prepareBackup} made: file names in the workspace and the bucket, and the rows dumped. */
export interface Backup {
	/** The backup's name in the bucket, with ':' as the CSM backups have (`spire-postgres-2022-09-14T03:10:04`). */
	name: string;
	/** The dump's file name in the workspace (':' replaced by '-', as the document's DUMPFILE). */
	dumpFile: string;
	/** The secrets manifest's file name in the workspace. */
	manifestFile: string;
	/** The rows the dump holds. */
	rows: RowsDigest;
	/** Secret name → the password in the manifest (the one the dumped role has). */
	passwords: Record<string, string>;
}

/**
 * Seeds the service's database in `pg` with roles whose passwords are the cluster's
 * current Secrets' (as on a live system), dumps the whole server (`pg_dumpall`) and saves
 * the Secrets as a manifest (a `kind: List` as `kubectl get secret -o yaml` prints it, with
 * uid and resourceVersion; no ownerReferences, which the operator sets none of by default);
 * both files go into the workspace (the manual dump) and into the stand-in bucket with the
 * CSM backup's names.
 */
export async function prepareBackup(ws: Workspace, cluster: RealCluster, pg: PostgresServer, service: {namespace: string; postgresql: string; secrets: readonly string[]; database: string; owner: string}): Promise<Backup> {
	const secrets = await credentials(cluster, service.namespace, service.secrets);
	const roles: ServiceDatabase['roles'] = {};
	const passwords: Record<string, string> = {};
	for (const name of service.secrets) {
		if (!secrets[name]) throw new Error(`the test cluster has no Secret ${service.namespace}/${name}`);
		roles[secrets[name].username] = secrets[name].password;
		passwords[name] = secrets[name].password;
	}
	const rows = await seedService(pg, {database: service.database, owner: service.owner, roles});
	const name = `${service.postgresql}-2022-09-14T03:10:04`;
	const dumpFile = `${name.replaceAll(':', '-')}.psql`;
	const manifestFile = `${name.replaceAll(':', '-')}.manifest`;
	await dumpAll(pg, ws.path(dumpFile));
	// As `kubectl get secret -o yaml` prints them: managedFields left out, uid and resourceVersion kept.
	const items: KubeObject[] = await Promise.all(
		service.secrets.map(async secret => {
			const object = await mustGet(cluster, 'Secret', service.namespace, secret);
			const {managedFields: _, ...metadata} = object.metadata;
			return {...object, metadata};
		}),
	);
	writeFileSync(ws.path(manifestFile), toYaml({apiVersion: 'v1', kind: 'List', items, metadata: {resourceVersion: ''}}), {mode: 0o600});

	const bucket = ws.path('bucket/postgres-backup');
	mkdirSync(bucket, {recursive: true});
	writeFileSync(path.join(bucket, `${name}.psql`), ws.read(dumpFile));
	writeFileSync(path.join(bucket, `${name}.manifest`), ws.read(manifestFile));
	// Another service's backup in the same bucket: the list step must filter it out.
	writeFileSync(path.join(bucket, 'other-postgres-2022-09-13T03:10:04.psql'), '-- not this one\n');
	return {name, dumpFile, manifestFile, rows, passwords};
}

/**
 * The `-p` answers of the dump's steps: `s3` downloads the backup `backup.name` with
 * `cray`; `local` names the manual dump in the workspace, with the manifest for
 * recreate-from-manifest and `none` otherwise (a manual dump without saved secrets).
 */
export function dumpParams(source: 's3' | 'local', mode: 'update-passwords' | 'recreate-from-manifest', backup: Backup): Record<string, string> {
	if (source === 's3') return {DUMP_SOURCE: 's3', BACKUP: backup.name};
	return {DUMP_SOURCE: 'local', DUMPFILE: backup.dumpFile, MANIFEST: mode === 'update-passwords' ? 'none' : backup.manifestFile};
}

/** Writes the stand-in `cray` (see the module comment) into the workspace's bin/. */
export function installCray(ws: Workspace): void {
	mkdirSync(ws.path('bin'), {recursive: true});
	const script = `#!/bin/bash
# A stand-in for the Cray CLI's "artifacts" commands, on the folder $CRAY_TEST_BUCKET.
set -euo pipefail
printf '%s\\n' "$*" >> ${JSON.stringify(ws.path('cray.calls'))}
bucket=${JSON.stringify(ws.path('bucket'))}
case "\${1:-} \${2:-}" in
  "artifacts list")
    [ -d "$bucket/$3" ] || { echo "Error: bucket $3 not found" >&2; exit 1; }
    ls -- "$bucket/$3" | jq -R . | jq -s '{artifacts: map({Key: ., LastModified: "2022-09-14T03:10:05Z"})}' ;;
  "artifacts get")
    [ -f "$bucket/$3/$4" ] || { echo "Error: $4 not found in $3" >&2; exit 1; }
    cp -- "$bucket/$3/$4" "$5" ;;
  *) echo "cray (test stand-in): unsupported: $*" >&2; exit 2 ;;
esac
`;
	writeFileSync(ws.path('bin/cray'), script);
	chmodSync(ws.path('bin/cray'), 0o755);
}

/** The environment of a CLI run: the workspace's bin/ first on PATH, kubectl's cache in the workspace. */
export function cliEnvFor(ws: Workspace): Record<string, string> {
	return {PATH: `${ws.path('bin')}${path.delimiter}${process.env.PATH ?? ''}`, KUBECACHEDIR: ws.path('kube-cache'), RUNBOOK_OPERATOR: 'test-operator'};
}

/** `-p NAME=VALUE` arguments. */
export function paramArgs(params: Record<string, string>): string[] {
	return Object.entries(params).flatMap(([name, value]) => ['-p', `${name}=${value}`]);
}

/**
 * Runs `runbook run FILE --plain --yes --yes-destructive` in the workspace against the
 * kubeconfig, with `params` and `extra` arguments. Fails the test with the CLI's output
 * when it took longer than `timeoutMs` (default 90 s).
 */
export async function runPlain(ws: Workspace, file: string, kubeconfig: string, params: Record<string, string>, extra: string[] = [], timeoutMs = 90_000): Promise<CliResult> {
	const args = ['run', file, '--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir, '--kubeconfig', kubeconfig, ...paramArgs(params), ...extra];
	return ws.cli(args, {env: cliEnvFor(ws), timeoutMs});
}

/** The CLI's output for an assertion message. */
export function shown(result: CliResult): string {
	return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}
