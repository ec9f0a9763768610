/**
 * Kubernetes benchmark 3d: the whole Spire restore runbook (runbooks/spire-postgres-restore.yaml)
 * on a large dump, against the document's own commands run as a bash script.
 *
 * One real cluster for every round (etcd, kube-apiserver, kube-controller-manager, the test
 * kubelet and the postgres-operator stand-in, seeded with the CSM objects of seed 003), the
 * pods of `spire-postgres` bound to one real PostgreSQL. The dump is written once: a
 * `pg_dumpall` of the seeded `spire` database (roles, 1,000 rows) followed by a table `bulk`
 * loaded with `COPY ... FROM stdin` up to the asked size (lines of random hex), as a large
 * plain dump is. Before each round the `spire` database and its roles are dropped (the damage
 * the restore repairs); after it, the rows of both tables are checked, so a run that lost
 * data cannot pass for a fast one. Both ways start from the same cluster state: a completed
 * restore leaves the cluster as it found it (3 instances Running, spire-server at 3).
 *
 * - ours:   `runbook run spire-postgres-restore.yaml --plain --yes --yes-destructive` with
 *           the manual dump (DUMP_SOURCE=local, MANIFEST=none, SECRETS_MODE=update-passwords),
 *           wall time from spawn to exit;
 * - script: the document's procedure, steps 3 to 22, as one bash script: its `kubectl`
 *           commands and `sleep 2` polling loops as written, `kubectl cp` then `kubectl exec
 *           ... -- psql -U postgres < "$DUMPFILE"`, the secrets read and the passwords set
 *           with `ALTER USER` (the document's update-passwords path, typed into psql by hand
 *           there), wall time from spawn to exit. Departures from the text, all needed to run
 *           it unattended: `exec -i` without `-t` (no terminal); the `pdsh` step is left out
 *           (the runbook takes it as done with --yes). The saved object keeps its uid and
 *           resourceVersion, as in the document: the real API server creates it anyway.
 * Both call the same stand-ins for the node's two programs (fix-spire-on-storage.sh and
 * heartbeat-spire-agent) and use the kubectl of the API server's release.
 *
 * Also shown, not judged: the time of the two data steps (copy, then restore) in each way.
 */
import {spawn} from 'node:child_process';
import {randomFillSync} from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import './ts-resolve.ts';
import {kubectlDir} from './kube-cluster.ts';
import {summarize, type Summary} from './stats.ts';

const {startRealCluster} = await import('../test/support/kube/real-cluster.ts');
const {startPostgresOperator} = await import('../test/support/kube/postgres-operator.ts');
const {seedCsmFixtures} = await import('../test/support/kube/fixtures.ts');
const {startPostgres, psql} = await import('../test/support/postgres.ts');
const {credentials} = await import('../test/runbooks/cluster-checks.ts');
const {dropService, dumpAll, rowsDigest, seedService} = await import('../test/runbooks/database.ts');

const NAMESPACE = 'spire';
const POSTGRESQL = 'spire-postgres';
const SECRETS = ['postgres.spire-postgres.credentials', 'service-account.spire-postgres.credentials', 'spire.spire-postgres.credentials', 'standby.spire-postgres.credentials'];
const DATABASE = 'spire';
const OWNER = 'spire';
/** Roles of the spire database dropped before each round (with the database). */
const ROLES = {service_account: '', spire: '', standby: ''};
/** The dump's file name (as the document's DUMPFILE: no ':'). */
const DUMPFILE = 'spire-postgres-2022-09-14T03-10-04.psql';

/** What {@link benchRestore} measured; times in ms. */
export interface RestoreResult {
	/** Size of the dump, bytes. */
	dumpBytes: number;
	ours: Summary;
	script: Summary;
	/** The copy and restore steps alone (from the copy's start to the restore's end). */
	oursData: Summary;
	scriptData: Summary;
}

/** The document's procedure (see the module comment), with the script's data-step marks written to $BENCH_MARKS. */
function documentScript(): string {
	return `set -euo pipefail
mark() { date +%s%3N >> "$BENCH_MARKS"; }
CLIENT=spire-server
NAMESPACE=spire
POSTGRESQL=spire-postgres
DUMPFILE=${DUMPFILE}

kubectl scale statefulset "\${CLIENT}" -n "\${NAMESPACE}" --replicas=0
while kubectl get pods -n "\${NAMESPACE}" -l "app.kubernetes.io/name=\${CLIENT}" | grep -qv NAME ; do
    echo "  waiting for pods to terminate"; sleep 2
done

kubectl get postgresql "\${POSTGRESQL}" -n "\${NAMESPACE}" -o json | jq 'del(.spec.selector)' |
    jq 'del(.spec.template.metadata.labels."controller-uid")' | jq 'del(.status)' > postgres-cr.json
kubectl delete -f postgres-cr.json
while kubectl get pods -l "application=spilo,cluster-name=\${POSTGRESQL}" -n "\${NAMESPACE}" | grep -qv NAME ; do
    echo "  waiting for pods to terminate"; sleep 2
done

cp postgres-cr.json postgres-orig-cr.json
jq '.spec.numberOfInstances = 1' postgres-orig-cr.json > postgres-cr.json
kubectl create -f postgres-cr.json
while ! kubectl get pods -l "application=spilo,cluster-name=\${POSTGRESQL}" -n "\${NAMESPACE}" | grep -qv NAME ; do
    echo "  waiting for pod to start"; sleep 2
done
while [ $(kubectl get postgresql "\${POSTGRESQL}" -n "\${NAMESPACE}" -o json | jq -r '.status.PostgresClusterStatus') != "Running" ]
do
    echo "  waiting for postgresql to start running"; sleep 2
done

mark
kubectl cp "./\${DUMPFILE}" "\${POSTGRESQL}-0:/home/postgres/\${DUMPFILE}" -c postgres -n "\${NAMESPACE}"
mark
kubectl exec "\${POSTGRESQL}-0" -c postgres -n "\${NAMESPACE}" -i -- psql -U postgres < "\${DUMPFILE}"
mark

statements=""
for secret in postgres.spire-postgres.credentials service-account.spire-postgres.credentials \\
            spire.spire-postgres.credentials standby.spire-postgres.credentials
do
    username=$(kubectl get secret "\${secret}" -n "\${NAMESPACE}" -ojsonpath='{.data.username}' | base64 -d)
    password=$(kubectl get secret "\${secret}" -n "\${NAMESPACE}" -ojsonpath='{.data.password}' | base64 -d)
    echo "secret \${secret} username & password: \${username} ***"
    statements+="ALTER USER \${username} WITH PASSWORD '\${password}';"$'\\n'
done
printf '%s' "$statements" | kubectl exec "\${POSTGRESQL}-0" -n "\${NAMESPACE}" -c postgres -i -- psql postgres postgres

kubectl delete pod -n "\${NAMESPACE}" "\${POSTGRESQL}-0"
while ! kubectl get pods -l "application=spilo,cluster-name=\${POSTGRESQL}" -n "\${NAMESPACE}" | grep -qv NAME ; do
    echo "  waiting for postgresql pod to start"; sleep 2
done

kubectl patch postgresql "\${POSTGRESQL}" -n "\${NAMESPACE}" --type='json' \\
    -p='[{"op" : "replace", "path":"/spec/numberOfInstances", "value" : 3}]'
while [ $(kubectl get postgresql "\${POSTGRESQL}" -n "\${NAMESPACE}" -o json | jq -r '.status.PostgresClusterStatus') != "Running" ]
do
    echo "  waiting for postgresql to start running"; sleep 2
done

kubectl scale statefulset "\${CLIENT}" -n "\${NAMESPACE}" --replicas=3
while [ $(kubectl get pods -n "\${NAMESPACE}" -l "app.kubernetes.io/name=\${CLIENT}" | grep -cv NAME) != 3 ]
do
    echo "  waiting for pods to start"; sleep 2
done

kubectl rollout restart daemonset spire-agent -n "\${NAMESPACE}" &&
    kubectl rollout status daemonset spire-agent -n "\${NAMESPACE}"
kubectl rollout restart deployment spire-jwks -n "\${NAMESPACE}" &&
    kubectl rollout status deployment spire-jwks -n "\${NAMESPACE}"

"$FIX_SPIRE_SCRIPT"
"$HEARTBEAT_SPIRE_AGENT" api fetch jwt -socketPath="$SPIRE_AGENT_SOCKET" -audience test
`;
}

/** Writes the dump: `pg_dumpall` of the seeded database, then a `bulk` table of random hex lines until `bytes` in all. Returns the rows of `bulk`. */
function appendBulk(file: string, bytes: number): number {
	const fd = fs.openSync(file, 'a');
	try {
		fs.writeSync(fd, `\n\\connect ${DATABASE}\nCREATE TABLE public.bulk (id integer NOT NULL, payload text NOT NULL);\nALTER TABLE public.bulk OWNER TO ${OWNER};\nCOPY public.bulk (id, payload) FROM stdin;\n`);
		const random = Buffer.allocUnsafe(512);
		const lines: string[] = [];
		let size = fs.fstatSync(fd).size;
		let rows = 0;
		while (size < bytes) {
			randomFillSync(random);
			const line = `${++rows}\t${random.toString('hex')}\n`;
			lines.push(line);
			size += line.length;
			if (lines.length === 4096) {
				fs.writeSync(fd, lines.join(''));
				lines.length = 0;
			}
		}
		fs.writeSync(fd, `${lines.join('')}\\.\n\nALTER TABLE ONLY public.bulk ADD CONSTRAINT bulk_pkey PRIMARY KEY (id);\n`);
		return rows;
	} finally {
		fs.closeSync(fd);
	}
}

/** Runs `argv` in `cwd` with `env`, its output drained; resolves with the wall time (ms). @throws Error with the output's tail on a non-zero exit. */
function timed(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const started = performance.now();
		const child = spawn(argv[0], argv.slice(1), {env, cwd, stdio: ['ignore', 'pipe', 'pipe']});
		let tail = '';
		const keep = (chunk: Buffer): void => {
			tail = (tail + chunk.toString('utf8')).slice(-4000);
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.once('error', reject);
		child.once('close', code => {
			const ms = performance.now() - started;
			if (code === 0) resolve(ms);
			else reject(new Error(`${path.basename(argv[0])} ${argv.slice(1, 3).join(' ')} exited ${code}:\n${tail.trim().split('\n').slice(-12).join('\n')}`));
		});
	});
}

/** The stand-ins for the node's two programs, in `dir`/bin; returns the runbook's params for them. */
function nodeTools(dir: string): Record<string, string> {
	const bin = path.join(dir, 'bin');
	fs.mkdirSync(bin, {recursive: true});
	const tools: Record<string, [string, string]> = {
		FIX_SPIRE_SCRIPT: ['fix-spire-on-storage.sh', 'echo "Spire token fixed (bench stand-in)"'],
		HEARTBEAT_SPIRE_AGENT: ['heartbeat-spire-agent', 'echo "eyJhbGciOiJSUzI1NiJ9.bench-token"'],
	};
	const params: Record<string, string> = {SPIRE_AGENT_SOCKET: path.join(dir, 'agent.sock')};
	for (const [param, [name, body]] of Object.entries(tools)) {
		const file = path.join(bin, name);
		fs.writeFileSync(file, `#!/bin/bash\n${body}\n`, {mode: 0o755});
		params[param] = file;
	}
	return params;
}

/**
 * Measures `rounds` rounds of ours and the script (alternating which goes first) on a dump of
 * about `dumpBytes` bytes, logging each run.
 * @throws Error when a run fails or the data is not restored.
 */
export async function benchRestore(root: string, cli: string, rounds: number, dumpBytes: number, log: (line: string) => void): Promise<RestoreResult> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-bench-restore-'));
	const pg = await startPostgres();
	const cluster = await startRealCluster({terminationDelayMs: 200});
	let operator: {stop(): void} | undefined;
	try {
		operator = await startPostgresOperator(cluster.cp);
		cluster.kubelet.pods.bindPostgres({namespace: NAMESPACE, cluster: POSTGRESQL}, pg);
		await seedCsmFixtures(cluster);
		const secrets = await credentials(cluster, NAMESPACE, SECRETS);
		const roles = Object.fromEntries(Object.values(secrets).map(s => [s.username, s.password]));
		const entries = await seedService(pg, {database: DATABASE, owner: OWNER, roles});
		const dump = path.join(dir, DUMPFILE);
		const started = performance.now();
		await dumpAll(pg, dump);
		const bulkRows = appendBulk(dump, dumpBytes);
		const size = fs.statSync(dump).size;
		log(`  dump: ${(size / 1024 ** 2).toFixed(0)} MiB (${bulkRows.toLocaleString('en')} rows of bulk), written in ${Math.round(performance.now() - started)} ms`);

		const params = {DUMP_SOURCE: 'local', DUMPFILE, MANIFEST: 'none', SECRETS_MODE: 'update-passwords', ...nodeTools(dir)};
		const env = {
			...process.env,
			KUBECONFIG: cluster.kubeconfigPath,
			KUBECACHEDIR: path.join(dir, 'kube-cache'),
			PATH: `${kubectlDir()}${path.delimiter}${process.env.PATH ?? ''}`,
			...params,
		};
		const times = {ours: [] as number[], script: [] as number[], oursData: [] as number[], scriptData: [] as number[]};
		const check = async (way: string): Promise<void> => {
			const digest = await rowsDigest(pg, DATABASE);
			const bulk = Number((await psql(pg, DATABASE, 'SELECT count(*) FROM bulk;')).trim());
			if (digest.md5 !== entries.md5 || bulk !== bulkRows) throw new Error(`restore benchmark (${way}): ${digest.count} entries and ${bulk} bulk rows after the restore, not ${entries.count} and ${bulkRows}`);
		};
		for (let round = 0; round < rounds; round++) {
			for (const way of round % 2 === 0 ? (['ours', 'script'] as const) : (['script', 'ours'] as const)) {
				await dropService(pg, {database: DATABASE, owner: OWNER, roles: ROLES});
				const runDir = path.join(dir, `${way}-${round}`);
				fs.mkdirSync(runDir);
				// A hard link: kubectl cp would copy a symbolic link as a link.
				fs.linkSync(dump, path.join(runDir, DUMPFILE));
				if (way === 'ours') {
					const stateDir = path.join(runDir, 'state');
					const args = ['run', path.join(root, 'runbooks', 'spire-postgres-restore.yaml'), '--plain', '--yes', '--yes-destructive', '--state-dir', stateDir, '--kubeconfig', cluster.kubeconfigPath];
					for (const [name, value] of Object.entries(params)) args.push('-p', `${name}=${value}`);
					times.ours.push(await timed([process.execPath, cli, ...args], env, runDir));
					const [runId] = fs.readdirSync(path.join(stateDir, 'runs'));
					const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'runs', runId, 'state.json'), 'utf8')) as {steps: Record<string, {attempts: Array<{startedAt: string; finishedAt: string}>}>};
					const took = (id: string): number => Date.parse(state.steps[id].attempts.at(-1)!.finishedAt) - Date.parse(state.steps[id].attempts.at(-1)!.startedAt);
					times.oursData.push(Date.parse(state.steps['restore-dump'].attempts.at(-1)!.finishedAt) - Date.parse(state.steps['copy-dump'].attempts[0].startedAt));
					const slowest = Object.keys(state.steps)
						.filter(id => state.steps[id].attempts.length > 0)
						.sort((a, b) => took(b) - took(a))
						.slice(0, 6);
					log(`    runbook's slowest steps: ${slowest.map(id => `${id} ${(took(id) / 1000).toFixed(1)} s`).join(', ')}`);
				} else {
					const marks = path.join(runDir, 'marks');
					times.script.push(await timed(['bash', '-c', documentScript()], {...env, BENCH_MARKS: marks}, runDir));
					const [from, copied, to] = fs.readFileSync(marks, 'utf8').trim().split('\n').map(Number);
					times.scriptData.push(to - from);
					log(`    script: kubectl cp ${((copied - from) / 1000).toFixed(1)} s, kubectl exec psql ${((to - copied) / 1000).toFixed(1)} s`);
				}
				await check(way);
				fs.rmSync(runDir, {recursive: true, force: true});
			}
			const last = (values: number[]): string => `${(values.at(-1)! / 1000).toFixed(1)} s`;
			log(`  round ${round + 1}/${rounds}: runbook ${last(times.ours)} (copy+restore ${last(times.oursData)}), document's script ${last(times.script)} (copy+restore ${last(times.scriptData)})`);
		}
		return {dumpBytes: size, ours: summarize(times.ours), script: summarize(times.script), oursData: summarize(times.oursData), scriptData: summarize(times.scriptData)};
	} finally {
		operator?.stop();
		await cluster.stop();
		await pg.stop();
		fs.rmSync(dir, {recursive: true, force: true});
	}
}
