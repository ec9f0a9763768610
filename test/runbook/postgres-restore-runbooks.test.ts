/**
 * The three Cray CSM Postgres restores (runbooks/spire-, keycloak-, vcs-postgres-restore.yaml
 * and their fragments in runbooks/shared/): their shape against the seed document, and the
 * `run` scripts the document has no native step for, run for real with bash against a real
 * PostgreSQL server and a stand-in `kubectl` (and `cray`) that serves fixture Secrets and
 * Jobs and logs its arguments.
 */
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {loadRunbook, type LoadedRunbook} from '../../source/runbook/load.js';
import type {Step} from '../../source/runbook/schema.js';
import {psql, startPostgres, type PostgresServer} from '../support/postgres.js';

const ROOT = join(import.meta.dirname, '..', '..');
const book = (name: string) => loadRunbook(join(ROOT, 'runbooks', `${name}-postgres-restore.yaml`));
const stepOf = (loaded: LoadedRunbook, id: string): Step => {
	const step = loaded.runbook.steps.find(s => s.id === id);
	if (!step) throw new Error(`no step ${id}`);
	return step;
};

/** The steps of the two shared fragments, in order. */
const DOWNLOAD = ['dump-source', 'list-backups', 'choose-backup', 'download-dump', 'download-manifest', 'local-dump', 'local-manifest', 'check-dump'];
const RESTORE = [
	'save-cluster-definition',
	'delete-cluster',
	'cluster-pods-gone',
	'create-single-instance-cluster',
	'cluster-pod-started',
	'cluster-running',
	'copy-dump',
	'restore-dump',
	'secrets-mode',
	'read-credentials',
	'update-passwords',
	'delete-secrets',
	'recreate-secrets',
	'restart-cluster',
	'cluster-pod-restarted',
	'scale-cluster-to-3',
	'cluster-replicas-ready',
	'cluster-running-again',
];

describe('the three runbooks follow the document', () => {
	test('Spire: every step of "Restore Postgres for Spire", in order', async () => {
		const loaded = await book('spire');
		expect(loaded.runbook.steps.map(s => s.id)).toEqual([
			...DOWNLOAD,
			'scale-down-spire',
			'spire-pods-gone',
			...RESTORE,
			'scale-up-spire',
			'spire-pods-started',
			'restart-spire-agent',
			'spire-agent-restarted',
			'restart-spire-jwks',
			'spire-jwks-restarted',
			'restart-spire-agent-on-nodes',
			'fix-spire-on-storage',
			'verify-spire',
		]);
		expect(stepOf(loaded, 'scale-down-spire').scale).toEqual({kind: 'StatefulSet', name: '$CLIENT', replicas: 0});
		expect(stepOf(loaded, 'scale-up-spire').scale).toEqual({kind: 'StatefulSet', name: '$CLIENT', replicas: 3});
		expect(loaded.runbook.params?.CLIENT?.default).toBe('spire-server');
		expect(loaded.runbook.params?.POSTGRES_SECRETS?.default?.split(' ')).toHaveLength(4);
	});

	test('Keycloak: the Job re-runs and the oauth2-proxy restarts come after the scale-up', async () => {
		const loaded = await book('keycloak');
		const ids = loaded.runbook.steps.map(s => s.id);
		expect(ids.slice(0, DOWNLOAD.length + 2 + RESTORE.length)).toEqual([...DOWNLOAD, 'scale-down-keycloak', 'keycloak-pods-gone', ...RESTORE]);
		expect(ids.slice(DOWNLOAD.length + 2 + RESTORE.length)).toEqual([
			'scale-up-keycloak',
			'keycloak-pods-ready',
			'save-keycloak-setup-job',
			'delete-keycloak-setup-job',
			'keycloak-setup-job-deleted',
			'run-keycloak-setup-job',
			'keycloak-setup-complete',
			'save-users-localize-job',
			'delete-users-localize-job',
			'users-localize-job-deleted',
			'run-users-localize-job',
			'users-localize-complete',
			'restart-oauth2-proxy-customer-access',
			'restart-oauth2-proxy-customer-high-speed',
			'restart-oauth2-proxy-customer-management',
			'oauth2-proxy-customer-access-restarted',
			'oauth2-proxy-customer-high-speed-restarted',
			'oauth2-proxy-customer-management-restarted',
			'verify-username',
			'verify-password',
			'verify-keycloak',
		]);
		expect(stepOf(loaded, 'keycloak-pods-ready').wait?.podsReady).toEqual({selector: 'app.kubernetes.io/instance=$CLIENT', count: 3});
		expect(stepOf(loaded, 'run-keycloak-setup-job').apply?.patch).toEqual({
			metadata: {creationTimestamp: null, managedFields: null, resourceVersion: null, selfLink: null, uid: null},
			spec: {selector: null, template: {metadata: {labels: null}}},
			status: null,
		});
		expect(stepOf(loaded, 'keycloak-setup-complete').wait?.jobComplete).toEqual({name: '$SETUP_JOB'});
		expect(stepOf(loaded, 'verify-password').ask?.secret).toBe(true);
	});

	test('VCS: the PVC backup prerequisite first, a Deployment scaled to 0 and back to 1', async () => {
		const loaded = await book('vcs');
		expect(loaded.runbook.steps.map(s => s.id)).toEqual(['check-pvc-backup', ...DOWNLOAD, 'scale-down-vcs', 'vcs-pods-gone', ...RESTORE, 'scale-up-vcs', 'vcs-pods-started']);
		expect(stepOf(loaded, 'scale-down-vcs').scale).toEqual({kind: 'Deployment', name: '$SERVICE', replicas: 0});
		expect(stepOf(loaded, 'scale-up-vcs').scale).toEqual({kind: 'Deployment', name: '$SERVICE', replicas: 1});
		// The document's "${SERVICE}-0" would name no pod: the restore goes to the Postgres member.
		expect(stepOf(loaded, 'restore-dump').exec?.pod).toBe('$POSTGRESQL-0');
	});

	test.each(['spire', 'keycloak', 'vcs'])('%s: shared fragments, two secret paths, destructive steps, no polling loops', async name => {
		const loaded = await book(name);
		expect(loaded.includes.map(f => f.path)).toEqual([join(ROOT, 'runbooks/shared/postgres-dump-download.yaml'), join(ROOT, 'runbooks/shared/zalando-postgres-restore.yaml')]);
		const steps = loaded.runbook.steps;
		expect(stepOf(loaded, 'secrets-mode').ask).toMatchObject({var: 'SECRETS_MODE', choices: ['update-passwords', 'recreate-from-manifest']});
		const branch = (mode: string) => steps.filter(s => s.when?.var === 'SECRETS_MODE' && s.when.equals === mode).map(s => s.id);
		expect(branch('update-passwords')).toEqual(['read-credentials', 'update-passwords']);
		expect(branch('recreate-from-manifest')).toEqual(['delete-secrets', 'recreate-secrets']);
		const destructive = steps.filter(s => s.destructive !== undefined).map(s => [s.id, s.destructive]);
		expect(destructive).toEqual([
			['delete-cluster', true],
			['delete-secrets', '$POSTGRESQL'],
		]);
		expect(stepOf(loaded, 'delete-cluster').delete).toMatchObject({kind: 'postgresql', apiVersion: 'acid.zalan.do/v1', name: '$POSTGRESQL'});
		expect(steps.filter(s => s.continueOnError || s.okExitCodes)).toEqual([]);
		for (const step of steps.filter(s => s.run !== undefined)) {
			expect(step.run, step.id).not.toMatch(/\b(while|until|sleep)\b/);
			// Every kubectl names the run's context and the namespace.
			for (const call of step.run!.match(/kubectl[^\n]*/g) ?? []) expect(call, step.id).toMatch(/^kubectl --context "\$KUBE_CONTEXT" --namespace "\$NAMESPACE" /);
		}
		const restore = stepOf(loaded, 'restore-dump');
		expect(restore.exec).toEqual({pod: '$POSTGRESQL-0', container: 'postgres', command: ['psql', '-U', 'postgres', '-v', 'ON_ERROR_STOP=off'], stdin: '$DUMPFILE', namespace: '$NAMESPACE'});
		expect(restore.description).toContain('"... already exists" can be ignored');
		expect(stepOf(loaded, 'create-single-instance-cluster').apply).toMatchObject({file: '$RUN_DIR/postgres-cr.json', patch: {spec: {numberOfInstances: 1, selector: null}, status: null}});
		expect(stepOf(loaded, 'scale-cluster-to-3').patch).toMatchObject({type: 'json', patch: [{op: 'replace', path: '/spec/numberOfInstances', value: 3}]});
		expect(loaded.runbook.kubernetes).toEqual({namespace: '$NAMESPACE'});
	});

	test('the pdsh restart of the Spire agents is a manual step with the exact command', async () => {
		const loaded = await book('spire');
		const step = stepOf(loaded, 'restart-spire-agent-on-nodes');
		expect(step.manual).toContain(`pdsh -S -w $NCN_NODES 'systemctl restart spire-agent' && echo "No errors"`);
		expect(loaded.runbook.params?.NCN_NODES?.default).toBe('ncn-m00[1-3],ncn-w00[1-3],ncn-s00[1-3]');
		expect(loaded.runbook.steps.filter(s => (s.run ?? '').includes('pdsh'))).toEqual([]);
	});
});

/** A stand-in kubectl: checks the global flags, serves files from $FAKE, logs every call. */
const FAKE_KUBECTL = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >> "$FAKE/kubectl.log"
if [ "$1" != --context ] || [ "$3" != --namespace ]; then echo "fake kubectl: --context and --namespace must come first: $*" >&2; exit 2; fi
ns=$4
shift 4
case "$1 $2" in
  "get secret")
    field=\${5#jsonpath=\\{.data.}
    file="$FAKE/secrets/$ns/$3.\${field%\\}}"
    if [ ! -f "$file" ]; then echo "Error from server (NotFound): secrets \\"$3\\" not found" >&2; exit 1; fi
    cat "$file" ;;
  "get postgresql")
    if [ ! -f "$FAKE/postgresql.json" ]; then echo "Error from server (NotFound): postgresqls \\"$3\\" not found" >&2; exit 1; fi
    cat "$FAKE/postgresql.json" ;;
  "get job") cat "$FAKE/jobs.json" ;;
  "delete secret") ;;
  "exec -i")
    [ "$3 $4 $5 $6" = "$EXPECT_POD -c postgres --" ] || { echo "fake kubectl: unexpected exec target: $*" >&2; exit 2; }
    shift 6
    exec "$@" ;;
  *) echo "fake kubectl: unexpected call: $*" >&2; exit 2 ;;
esac
`;

/** A stand-in cray: `cray artifacts get postgres-backup SRC DEST` writes DEST. */
const FAKE_CRAY = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >> "$FAKE/cray.log"
[ "$1 $2 $3" = "artifacts get postgres-backup" ] || { echo "fake cray: unexpected call: $*" >&2; exit 2; }
printf 'content of %s\\n' "$4" > "$5"
`;

interface Result {
	code: number | null;
	stdout: string;
	stderr: string;
}

describe('the scripts of the shared steps, run with bash', () => {
	let server: PostgresServer;
	let fake: string;
	let runDir: string;
	let restore: LoadedRunbook;
	let download: LoadedRunbook;
	let keycloak: LoadedRunbook;

	/** Passwords that quoting mistakes would break: quotes, backslashes, $( ), a newline, non-ASCII. */
	const users: Record<string, string> = {
		postgres: 'postgres-ABCXYZ',
		service_account: `it's a "quote" \\ back\\slash $(touch /tmp/pwned) ;-- ''`,
		spire: 'pässwörd 🔑\nsecond line',
		standby: '123456',
	};
	const secretName = (user: string) => `${user.replaceAll('_', '-')}.spire-postgres.credentials`;
	const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

	beforeAll(async () => {
		server = await startPostgres();
		await psql(server, 'postgres', 'CREATE ROLE postgres SUPERUSER LOGIN; CREATE ROLE service_account LOGIN; CREATE ROLE spire LOGIN; CREATE ROLE standby LOGIN REPLICATION;');
		fake = mkdtempSync(join(tmpdir(), 'runbook-fake-kube-'));
		runDir = join(fake, 'run');
		mkdirSync(join(fake, 'bin'));
		mkdirSync(runDir);
		mkdirSync(join(fake, 'secrets', 'spire'), {recursive: true});
		writeFileSync(join(fake, 'bin', 'kubectl'), FAKE_KUBECTL);
		writeFileSync(join(fake, 'bin', 'cray'), FAKE_CRAY);
		chmodSync(join(fake, 'bin', 'kubectl'), 0o755);
		chmodSync(join(fake, 'bin', 'cray'), 0o755);
		for (const [user, password] of Object.entries(users)) {
			writeFileSync(join(fake, 'secrets', 'spire', `${secretName(user)}.username`), b64(user));
			writeFileSync(join(fake, 'secrets', 'spire', `${secretName(user)}.password`), b64(password));
		}
		restore = await loadRunbook(join(ROOT, 'runbooks/shared/zalando-postgres-restore.yaml'));
		download = await loadRunbook(join(ROOT, 'runbooks/shared/postgres-dump-download.yaml'));
		keycloak = await book('keycloak');
	}, 60_000);

	afterAll(async () => {
		await server?.stop();
		if (fake) rmSync(fake, {recursive: true, force: true});
	});

	/** Runs a step's script as the engine does (bash -euo pipefail) with the run's variables in the environment. */
	function run(loaded: LoadedRunbook, id: string, vars: Record<string, string> = {}): Result {
		const script = stepOf(loaded, id).run!;
		const result = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
			cwd: fake,
			stdio: ['ignore', 'pipe', 'pipe'],
			encoding: 'utf8',
			env: {
				PATH: [join(fake, 'bin'), server.bindir, process.env.PATH].filter(Boolean).join(delimiter),
				HOME: fake,
				FAKE: fake,
				EXPECT_POD: 'spire-postgres-0',
				...server.psqlEnv,
				PGOPTIONS: '-c password_encryption=md5',
				KUBE_CONTEXT: 'test-context',
				RUN_DIR: runDir,
				NAMESPACE: 'spire',
				POSTGRESQL: 'spire-postgres',
				POSTGRES_SECRETS: Object.keys(users).map(secretName).join(' '),
				...vars,
			},
		});
		return {code: result.status, stdout: result.stdout, stderr: result.stderr};
	}
	const log = (name: string) => (existsSync(join(fake, name)) ? readFileSync(join(fake, name), 'utf8') : '');
	const clearLogs = () => {
		rmSync(join(fake, 'kubectl.log'), {force: true});
		rmSync(join(fake, 'cray.log'), {force: true});
	};
	const leaks = (result: Result) =>
		Object.values(users)
			.flatMap(p => [p, b64(p)])
			.filter(secret => `${result.stdout}${result.stderr}`.includes(secret));

	test("update-passwords sets each user's password from its Secret, exactly, without printing one", async () => {
		clearLogs();
		const result = run(restore, 'update-passwords');
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(result.stdout.match(/^ALTER ROLE$/gm)).toHaveLength(4);
		expect(result.stdout).toContain('secret service-account.spire-postgres.credentials: user service_account');
		expect(leaks(result)).toEqual([]);
		const stored = await psql(server, 'postgres', `SELECT rolname || '=' || rolpassword FROM pg_authid WHERE rolname IN ('postgres', 'service_account', 'spire', 'standby') ORDER BY rolname;`);
		const md5 = (user: string) =>
			`md5${createHash('md5')
				.update(users[user]! + user, 'utf8')
				.digest('hex')}`;
		expect(stored.trim().split('\n')).toEqual(['postgres', 'service_account', 'spire', 'standby'].map(user => `${user}=${md5(user)}`));
		expect(existsSync('/tmp/pwned')).toBe(false);
		expect(log('kubectl.log')).toContain('--context test-context --namespace spire exec -i spire-postgres-0 -c postgres -- psql -X -v ON_ERROR_STOP=1 -U postgres -d postgres');
	});

	test('update-passwords stops before touching Postgres when a Secret is missing', () => {
		clearLogs();
		const result = run(restore, 'update-passwords', {POSTGRES_SECRETS: `${secretName('postgres')} nope.spire-postgres.credentials`});
		expect(result.code).not.toBe(0);
		expect(result.stderr).toContain('secrets "nope.spire-postgres.credentials" not found');
		expect(log('kubectl.log')).not.toContain(' exec ');
	});

	test('read-credentials lists each user and the length of the password, not the password', () => {
		const result = run(restore, 'read-credentials');
		expect(result.code).toBe(0);
		const lines = result.stdout.trim().split('\n');
		expect(lines).toHaveLength(4);
		Object.keys(users).forEach((user, i) => expect(lines[i]).toMatch(new RegExp(`^secret ${secretName(user).replaceAll('.', '\\.')}: user ${user} \\(password: \\d+ characters\\)$`)));
		expect(lines[3]).toBe(`secret ${secretName('standby')}: user standby (password: 6 characters)`);
		expect(leaks(result)).toEqual([]);
	});

	test('delete-secrets deletes nothing without a manifest that names every Secret', () => {
		clearLogs();
		expect(run(restore, 'delete-secrets', {MANIFEST: 'none'})).toMatchObject({code: 1, stderr: expect.stringContaining('Choose update-passwords')});
		const partial = join(fake, 'partial.manifest');
		writeFileSync(partial, `items:\n- metadata: {name: ${secretName('postgres')}}\n`);
		const result = run(restore, 'delete-secrets', {MANIFEST: partial});
		expect(result.code).toBe(1);
		expect(result.stderr).toContain(`does not contain the Secret ${secretName('service_account')}`);
		expect(log('kubectl.log')).toBe('');
	});

	test('delete-secrets deletes every Secret of the list in one kubectl call when the manifest has them all', () => {
		clearLogs();
		const manifest = join(fake, 'spire.manifest');
		writeFileSync(
			manifest,
			Object.keys(users)
				.map(u => `- metadata: {name: ${secretName(u)}}\n`)
				.join(''),
		);
		const result = run(restore, 'delete-secrets', {MANIFEST: manifest});
		expect(result).toMatchObject({code: 0, stderr: ''});
		expect(log('kubectl.log')).toBe(`--context test-context --namespace spire delete secret ${Object.keys(users).map(secretName).join(' ')} --ignore-not-found\n`);
	});

	test('save-cluster-definition saves the object, and a retry after the delete keeps the saved file', () => {
		const object = {apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: {name: 'spire-postgres', uid: 'u1'}, spec: {numberOfInstances: 3}, status: {PostgresClusterStatus: 'Running'}};
		writeFileSync(join(fake, 'postgresql.json'), JSON.stringify(object));
		const first = run(restore, 'save-cluster-definition');
		expect(first.code).toBe(0);
		expect(first.stdout).toContain('Saved postgresql/spire-postgres: 3 instances, status Running');
		expect(JSON.parse(readFileSync(join(runDir, 'postgres-cr.json'), 'utf8'))).toEqual(object);
		rmSync(join(fake, 'postgresql.json'));
		const retry = run(restore, 'save-cluster-definition');
		expect(retry.code).toBe(1);
		expect(retry.stderr).toContain('not found');
		expect(JSON.parse(readFileSync(join(runDir, 'postgres-cr.json'), 'utf8'))).toEqual(object);
	});

	test('download-dump and download-manifest fetch the backup; the dump\'s local name has no ":"', () => {
		clearLogs();
		const dump = run(download, 'download-dump', {BACKUP: 'spire-postgres-2022-09-14T03:10:04.psql'});
		expect(dump).toMatchObject({code: 0});
		expect(dump.stdout).toBe('spire-postgres-2022-09-14T03-10-04.psql\n');
		expect(readFileSync(join(fake, 'spire-postgres-2022-09-14T03-10-04.psql'), 'utf8')).toBe('content of spire-postgres-2022-09-14T03:10:04.psql\n');
		const manifest = run(download, 'download-manifest', {BACKUP: 'spire-postgres-2022-09-14T03:10:04'});
		expect(manifest.stdout).toBe('spire-postgres-2022-09-14T03:10:04.manifest\n');
		expect(log('cray.log').trim().split('\n')).toEqual(['artifacts get postgres-backup spire-postgres-2022-09-14T03:10:04.psql spire-postgres-2022-09-14T03-10-04.psql', 'artifacts get postgres-backup spire-postgres-2022-09-14T03:10:04.manifest spire-postgres-2022-09-14T03:10:04.manifest']);
	});

	test('save-keycloak-setup-job saves the first Job of the label and prints its name', () => {
		clearLogs();
		const job = (name: string) => ({apiVersion: 'batch/v1', kind: 'Job', metadata: {name, uid: name}, spec: {template: {metadata: {labels: {'controller-uid': name}}}}});
		writeFileSync(join(fake, 'jobs.json'), JSON.stringify({apiVersion: 'v1', kind: 'List', items: [job('keycloak-setup-2'), job('keycloak-setup-1')]}));
		const result = run(keycloak, 'save-keycloak-setup-job', {NAMESPACE: 'services'});
		expect(result.code).toBe(0);
		expect(result.stdout).toBe('keycloak-setup-2\n');
		expect(result.stderr).toContain('Warning: 2 Jobs match');
		expect(JSON.parse(readFileSync(join(runDir, 'keycloak-setup.json'), 'utf8'))).toEqual(job('keycloak-setup-2'));
		expect(log('kubectl.log')).toBe('--context test-context --namespace services get job -l app.kubernetes.io/instance=cray-keycloak -o json\n');
	});
});

describe('the scripts use no kubectl flag newer than 1.20 (Debian 12 ships kubectl 1.20)', () => {
	test.each(['spire', 'keycloak', 'vcs'])('%s', async name => {
		const loaded = await book(name);
		const flags = new Set(
			loaded.runbook.steps
				.flatMap(s => (s.run ?? '').match(/kubectl[^\n|]*/g) ?? [])
				.flatMap(call => call.split(' -- ')[0]!.match(/\s--?[a-z][\w-]*/g) ?? [])
				.map(f => f.trim()),
		);
		for (const flag of flags) expect(['--context', '--namespace', '-o', '-l', '-i', '-c', '--ignore-not-found']).toContain(flag);
	});
});
