/**
 * The format 1.1 Kubernetes shapes run end to end: the built CLI without a terminal
 * (`--plain --yes`), against the real control plane (kube-apiserver, etcd, the
 * controller-manager's StatefulSet and Deployment controllers) with the test kubelet
 * (test/support/kube/kubelet.ts: it leaves out the container runtime; "pods" run exec
 * commands as local processes under a folder standing for their filesystem).
 * Each test has its own namespace; what the run did is read back from the cluster, the
 * local files, the state and the journal.
 */
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startRealCluster, type RealCluster} from '../support/kube/real-cluster.js';
import {useWorkspaces, type Workspace} from './helpers.js';
import {cliEnvFor, shown} from '../runbooks/harness.js';

const workspace = useWorkspaces();
let cluster: RealCluster;

beforeAll(async () => {
	cluster = await startRealCluster({terminationDelayMs: 60, jobRunMs: 120});
}, 180_000);
afterAll(async () => {
	await cluster?.stop();
});

/** Runs `runbook run FILE --plain --yes` in `namespace` of the test cluster. */
function runPlain(ws: Workspace, file: string, namespace: string, extra: string[] = []) {
	return ws.cli(['run', file, '--plain', '--yes', '--state-dir', ws.stateDir, '--kubeconfig', cluster.kubeconfigPath, '-n', namespace, ...extra], {env: cliEnvFor(ws), timeoutMs: 120_000});
}

/** A StatefulSet (or Deployment) with `replicas`, labelled `component`, whose pods carry the same label. */
function workload(kind: 'StatefulSet' | 'Deployment', name: string, replicas: number, component: string) {
	const labels = {'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component};
	return {
		apiVersion: 'apps/v1',
		kind,
		metadata: {name, labels},
		spec: {replicas, selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {containers: [{name: 'main', image: 'busybox'}]}}},
	};
}

const replicasOf = async (namespace: string, plural: string, name: string): Promise<number> => (await cluster.get(`/apis/apps/v1/namespaces/${namespace}/${plural}/${name}`))?.spec?.replicas;

describe('scale by selector, counts from variables, podsReady without count', () => {
	const book = `version: 1.1
title: Scale the Matrix server by label
params:
  REPLICAS: {default: "0"}
steps:
  - id: scale-down
    scale: {kind: sts, selector: app.kubernetes.io/component=matrix-server, replicas: $REPLICAS}
  - id: scale-up
    scale: {kind: statefulset, selector: app.kubernetes.io/component=matrix-server, replicas: 2}
  - id: ready
    timeout: 2m
    wait: {podsReady: {selector: app.kubernetes.io/component=matrix-server}}
`;

	it('scales every matching StatefulSet down and up, then waits for all their pods', async () => {
		const ws = workspace();
		const ns = await cluster.namespace('scale');
		await cluster.create(ns, [workload('StatefulSet', 'synapse-main', 1, 'matrix-server'), workload('StatefulSet', 'synapse-worker', 1, 'matrix-server'), workload('StatefulSet', 'postgres', 1, 'matrix-db')]);
		const file = ws.write('scale.yaml', book);
		const result = await runPlain(ws, file, ns);
		expect(result.code, shown(result)).toBe(0);
		expect(result.stdout).toContain('statefulset.apps/synapse-main scaled to 0');
		expect(result.stdout).toContain('statefulset.apps/synapse-worker scaled to 0');
		expect(result.stdout).toContain('statefulset.apps/synapse-worker scaled to 2');
		expect(result.stdout).not.toContain('statefulset.apps/postgres scaled');
		// The journal says which objects each scale by selector acted on.
		const journal = readFileSync(join(ws.stateDir, 'runs', ws.onlyRunId(), 'journal.jsonl'), 'utf8')
			.split('\n')
			.filter(Boolean)
			.map(line => JSON.parse(line));
		expect(journal.filter(e => e.event === 'notice' && e.step === 'scale-down').map(e => e.message)).toEqual([`scaled 2 statefulsets matching app.kubernetes.io/component=matrix-server in ${ns} to 0: synapse-main, synapse-worker`]);
		expect(await replicasOf(ns, 'statefulsets', 'synapse-main')).toBe(2);
		expect(await replicasOf(ns, 'statefulsets', 'postgres')).toBe(1);
		const pods = await cluster.get(`/api/v1/namespaces/${ns}/pods?labelSelector=app.kubernetes.io/component%3Dmatrix-server`);
		expect(pods.items.map((p: any) => p.metadata.name).sort()).toEqual(['synapse-main-0', 'synapse-main-1', 'synapse-worker-0', 'synapse-worker-1']);
	});

	it('a count variable that is not a whole number fails the step before anything is scaled, naming the step and the variable', async () => {
		const ws = workspace();
		const ns = await cluster.namespace('scale');
		await cluster.create(ns, [workload('StatefulSet', 'synapse-main', 1, 'matrix-server')]);
		const file = ws.write('scale.yaml', book);
		const result = await runPlain(ws, file, ns, ['-p', 'REPLICAS=none']);
		expect(result.code, shown(result)).toBe(1);
		expect(result.stdout + result.stderr).toContain('step scale-down: scale.replicas is $REPLICAS, whose value "none" is not a whole number >= 0; give REPLICAS a count such as 0 or 3');
		expect(await replicasOf(ns, 'statefulsets', 'synapse-main')).toBe(1);
	});

	it('no matching object is an error that says so', async () => {
		const ws = workspace();
		const ns = await cluster.namespace('scale');
		const file = ws.write('scale.yaml', book);
		const result = await runPlain(ws, file, ns);
		expect(result.code, shown(result)).toBe(1);
		expect(result.stdout + result.stderr).toContain(`no statefulsets match app.kubernetes.io/component=matrix-server in namespace ${ns}: nothing was scaled`);
	});
});

describe('copy from a pod, exec to a file, exec into a workload, capture on exec', () => {
	it('writes the dump and the snapshot as 0600 files and captures from the pod kubectl picks', async () => {
		const ws = workspace();
		const ns = await cluster.namespace('files');
		const labels = {app: 'db'};
		await cluster.create(ns, [{apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {name: 'db'}, spec: {replicas: 1, selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {containers: [{name: 'postgres', image: 'postgres'}]}}}}]);
		const snapshot = Buffer.from(Array.from({length: 300_000}, (_, i) => i % 251));
		writeFileSync(join(cluster.kubelet.pods.rootOf(ns, 'db-0'), 'tmp', 'vault-backup.snap'), snapshot);
		const file = ws.write(
			'backup.yaml',
			`version: 1.1
title: Backups out of the pods
params:
  OUT: {default: backup}
steps:
  - id: db-ready
    timeout: 2m
    wait: {podsReady: {selector: app=db}}
  - id: folder
    run: mkdir -p "$OUT"
  - id: dump
    exec: {pod: statefulset/db, command: [sh, -c, 'printf "dump of %s\\n" "$$POD_NAME"; echo dumping >&2'], stdout: $OUT/dump.sql}
  - id: snapshot
    copy: {pod: db-0, from: /tmp/vault-backup.snap, to: $OUT/, direction: fromPod}
  - id: which-pod
    exec: {pod: sts/db, command: [sh, -c, 'echo "$$POD_NAME"']}
    capture: DB_POD
  - id: show
    run: echo "captured $DB_POD" >> marks
`,
		);
		const result = await runPlain(ws, file, ns);
		expect(result.code, shown(result)).toBe(0);
		expect(ws.read('backup/dump.sql')).toBe('dump of db-0\n');
		expect(readFileSync(ws.path('backup/vault-backup.snap')).equals(snapshot)).toBe(true);
		for (const name of ['dump.sql', 'vault-backup.snap']) expect(statSync(ws.path(`backup/${name}`)).mode & 0o777).toBe(0o600);
		expect(readdirSync(ws.path('backup')).sort()).toEqual(['dump.sql', 'vault-backup.snap']);
		expect(result.stdout).toContain('dumping');
		expect(result.stdout).toContain(`stdout written to ${ws.path('backup/dump.sql')} (13 B)`);
		expect(result.stdout).toContain(`copied db-0:/tmp/vault-backup.snap to ${ws.path('backup/vault-backup.snap')} (293 KiB)`);
		expect(ws.lines()).toEqual(['captured db-0']);
		expect(ws.state(ws.onlyRunId()).vars.DB_POD).toBe('db-0');
	});
});
