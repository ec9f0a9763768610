/**
 * The object actions against the real API server (real-cluster.ts): scale, delete, apply, patch,
 * restart — what reaches the cluster, what the operator sees, what the log
 * keeps, and the one-line errors.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {stringify} from 'yaml';
import {installPostgresqlCrd} from '../../support/kube/postgres-operator.js';
import type {RealCluster} from '../../support/kube/real-cluster.js';
import {getObject, putObject, runningPod, startRealHarness, type Harness} from './harness.js';

let h: Harness<RealCluster>;
beforeAll(async () => {
	h = await startRealHarness();
	await installPostgresqlCrd(h.cluster.cp);
	await putObject(h.cluster, 'Namespace', {metadata: {name: 'spire'}});
}, 180_000);

/** The fields a manager set through `subresource` ('' for the object itself), from the server's managedFields. */
const managers = (object: any): string[] => (object?.metadata.managedFields ?? []).map((f: any) => `${f.operation}${f.subresource ? ` ${f.subresource}` : ''}`);
afterAll(async () => {
	await h?.stop();
});

const statefulSet = (name: string, replicas: number, namespace = 'spire') => ({
	metadata: {name, namespace},
	spec: {replicas, selector: {matchLabels: {app: name}}, template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'main', image: 'busybox'}]}}},
});

describe('scale', () => {
	test('patches the scale subresource; the output and the log say so', async () => {
		await putObject(h.cluster, 'StatefulSet', statefulSet('spire-server', 3));
		const ran = await h.run('scale', {kind: 'StatefulSet', name: 'spire-server', replicas: 0}, {namespace: 'spire'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual(['statefulset.apps/spire-server scaled to 0']);
		expect((await getObject(h.cluster, 'StatefulSet', 'spire', 'spire-server'))?.spec.replicas).toBe(0);
		expect(ran.log).toContain('=== runbook: scale statefulset.apps/spire-server in spire to 0 ===');
		expect(ran.log).toContain('statefulset.apps/spire-server scaled to 0\n');
	});

	test('the spec namespace wins; kinds are found by short name or lower case', async () => {
		await putObject(h.cluster, 'Deployment', {...statefulSet('web', 1, 'spire')});
		const ran = await h.run('scale', {kind: 'deploy', name: 'web', replicas: 2, namespace: 'spire'});
		expect(ran.result.ok).toBe(true);
		expect(ran.stdout).toEqual(['deployment.apps/web scaled to 2']);
		expect((await getObject(h.cluster, 'Deployment', 'spire', 'web'))?.spec.replicas).toBe(2);
	});

	test('errors: a missing object, a kind without scale, an unknown kind', async () => {
		expect((await h.run('scale', {kind: 'StatefulSet', name: 'nope', replicas: 1}, {namespace: 'spire'})).result).toEqual({ok: false, error: 'statefulsets.apps "nope" not found'});
		expect((await h.run('scale', {kind: 'ConfigMap', name: 'x', replicas: 1})).result).toEqual({ok: false, error: 'ConfigMap has no scale subresource: it cannot be scaled'});
		expect((await h.run('scale', {kind: 'StatefulSett', name: 'x', replicas: 1})).result.error).toBe('kind StatefulSett is not served by the cluster; check its spelling, or give apiVersion for a custom resource');
	});
});

describe('scale by selector (format 1.1)', () => {
	const labelled = (name: string, component: string) => {
		const object = statefulSet(name, 1, 'spire');
		return {...object, metadata: {...object.metadata, labels: {'app.kubernetes.io/component': component}}};
	};

	test('scales every matching object of the kind in name order, naming each; others keep their replicas', async () => {
		await putObject(h.cluster, 'StatefulSet', labelled('synapse-main', 'matrix-server'));
		await putObject(h.cluster, 'StatefulSet', labelled('synapse-a', 'matrix-server'));
		await putObject(h.cluster, 'StatefulSet', labelled('postgres', 'matrix-db'));
		await putObject(h.cluster, 'Deployment', labelled('synapse-web', 'matrix-server'));
		const ran = await h.run('scale', {kind: 'sts', selector: 'app.kubernetes.io/component=matrix-server', replicas: '0'}, {namespace: 'spire'});
		expect(ran.result).toEqual({ok: true, notice: 'scaled 2 statefulsets matching app.kubernetes.io/component=matrix-server in spire to 0: synapse-a, synapse-main'});
		expect(ran.stdout).toEqual(['statefulset.apps/synapse-a scaled to 0', 'statefulset.apps/synapse-main scaled to 0']);
		expect(ran.log).toContain('=== runbook: scale statefulsets matching app.kubernetes.io/component=matrix-server in spire to 0 ===');
		expect(ran.log).toContain('=== runbook: 2 statefulsets match: synapse-a, synapse-main ===');
		for (const name of ['synapse-a', 'synapse-main']) expect((await getObject(h.cluster, 'StatefulSet', 'spire', name))?.spec.replicas).toBe(0);
		expect((await getObject(h.cluster, 'StatefulSet', 'spire', 'postgres'))?.spec.replicas).toBe(1);
		expect((await getObject(h.cluster, 'Deployment', 'spire', 'synapse-web'))?.spec.replicas).toBe(1);
	});

	test('no match is an error that says so, and nothing is scaled', async () => {
		const ran = await h.run('scale', {kind: 'Deployment', selector: 'app.kubernetes.io/component=nothing', replicas: 0}, {namespace: 'spire'});
		expect(ran.result).toEqual({ok: false, error: 'no deployments match app.kubernetes.io/component=nothing in namespace spire: nothing was scaled'});
		expect((await getObject(h.cluster, 'Deployment', 'spire', 'synapse-web'))?.spec.replicas).toBe(1);
	});

	test('replicas that are not a whole number are refused before any request; name and selector not both', async () => {
		for (const replicas of ['', '-1', '1.5', 'three', 2 ** 31]) {
			expect((await h.run('scale', {kind: 'StatefulSet', selector: 'app.kubernetes.io/component=matrix-db', replicas}, {namespace: 'spire'})).result).toEqual({ok: false, error: 'scale needs replicas, a whole number >= 0'});
		}
		expect((await getObject(h.cluster, 'StatefulSet', 'spire', 'postgres'))?.spec.replicas).toBe(1);
		expect((await h.run('scale', {kind: 'StatefulSet', name: 'postgres', selector: 'a=b', replicas: 0})).result).toEqual({ok: false, error: 'scale takes name or selector, not both (as kubectl)'});
	});
});

describe('delete', () => {
	test('one object by name, with background propagation', async () => {
		await putObject(h.cluster, 'ConfigMap', {metadata: {name: 'settings', namespace: 'spire'}, data: {a: '1'}});
		const ran = await h.run('delete', {kind: 'ConfigMap', name: 'settings', namespace: 'spire'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual(['configmap/settings deleted']);
		expect(await getObject(h.cluster, 'ConfigMap', 'spire', 'settings')).toBeUndefined();
	});

	test('a named object that does not exist is an error', async () => {
		const ran = await h.run('delete', {kind: 'ConfigMap', name: 'ghost'});
		expect(ran.result).toEqual({ok: false, error: 'configmaps "ghost" not found in namespace default: nothing was deleted'});
	});

	test('every object matching a selector; none matching is fine', async () => {
		for (const name of ['a-0', 'a-1', 'a-2']) await putObject(h.cluster, 'Pod', runningPod(name, {app: 'batch'}));
		await putObject(h.cluster, 'Pod', runningPod('other', {app: 'keep'}));
		const ran = await h.run('delete', {kind: 'Pod', selector: 'app=batch'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual(['pod/a-0 deleted', 'pod/a-1 deleted', 'pod/a-2 deleted']);
		expect((await getObject(h.cluster, 'Pod', 'default', 'a-0'))?.metadata.deletionTimestamp ?? 'gone').toBeTruthy();
		expect((await getObject(h.cluster, 'Pod', 'default', 'other'))?.metadata.deletionTimestamp).toBeUndefined();
		const none = await h.run('delete', {kind: 'Pod', selector: 'app=nothing-here'});
		expect(none.result).toEqual({ok: true});
		expect(none.stdout).toEqual(['nothing to delete: no pods match app=nothing-here in namespace default']);
	});

	test('a custom resource by kind and apiVersion', async () => {
		await putObject(h.cluster, 'postgresql', {apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: {name: 'spire-postgres', namespace: 'spire'}, spec: {numberOfInstances: 1, teamId: 'spire', postgresql: {version: '14'}, volume: {size: '1Gi'}}});
		const ran = await h.run('delete', {kind: 'postgresql', apiVersion: 'acid.zalan.do/v1', name: 'spire-postgres'}, {namespace: 'spire'});
		expect(ran.stdout).toEqual(['postgresql.acid.zalan.do/spire-postgres deleted']);
		expect(await getObject(h.cluster, 'postgresql', 'spire', 'spire-postgres')).toBeUndefined();
	});

	test('name and selector together, or neither, are refused', async () => {
		expect((await h.run('delete', {kind: 'Pod', name: 'x', selector: 'a=b'})).result.error).toBe('delete takes name or selector, not both (as kubectl)');
		expect((await h.run('delete', {kind: 'Pod'})).result.error).toBe('delete needs name or selector');
	});
});

describe('apply', () => {
	test('every document of a file (relative to cwd), server-side', async () => {
		writeFileSync(join(h.dir, 'objects.yaml'), ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  k: v', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: two\n  namespace: spire\nstringData:\n  password: s3cret'].join('\n---\n'));
		const ran = await h.run('apply', {file: 'objects.yaml'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual(['configmap/one serverside-applied', 'secret/two serverside-applied']);
		expect((await getObject(h.cluster, 'ConfigMap', 'default', 'one'))?.data).toEqual({k: 'v'});
		expect(await getObject(h.cluster, 'Secret', 'spire', 'two')).toBeDefined();
		expect(managers(await getObject(h.cluster, 'ConfigMap', 'default', 'one'))).toEqual(['Apply']);
		expect(managers(await getObject(h.cluster, 'Secret', 'spire', 'two'))).toEqual(['Apply']);
	});

	test("an exported object, re-created after deletion, with a merge patch (the seed's jq edit)", async () => {
		// As `kubectl get postgresql spire-postgres -o json` saves it: server fields, status, selector.
		const exported = {
			apiVersion: 'acid.zalan.do/v1',
			kind: 'postgresql',
			metadata: {name: 'spire-postgres', namespace: 'spire', uid: 'old-uid', resourceVersion: '4711', creationTimestamp: '2024-01-01T00:00:00Z', generation: 7, labels: {team: 'spire'}},
			spec: {numberOfInstances: 3, teamId: 'spire', postgresql: {version: '14'}, volume: {size: '1Gi'}, selector: {matchLabels: {old: 'x'}}},
			status: {PostgresClusterStatus: 'Running'},
		};
		writeFileSync(join(h.dir, 'postgres-cr.json'), JSON.stringify(exported));
		const ran = await h.run('apply', {file: 'postgres-cr.json', patch: {spec: {numberOfInstances: 1, selector: null}, status: null}});
		expect(ran.result).toEqual({ok: true});
		const stored = await getObject(h.cluster, 'postgresql', 'spire', 'spire-postgres');
		expect(stored?.spec).toMatchObject({numberOfInstances: 1, teamId: 'spire'});
		expect(stored?.spec.selector).toBeUndefined();
		expect(stored?.metadata.uid).not.toBe('old-uid');
		expect(stored?.metadata.labels).toEqual({team: 'spire'});
		// Again, now that it exists with another resourceVersion: the stale one in the file must not conflict.
		expect((await h.run('apply', {file: 'postgres-cr.json', patch: {spec: {numberOfInstances: 2, selector: null}, status: null}})).result).toEqual({ok: true});
		expect((await getObject(h.cluster, 'postgresql', 'spire', 'spire-postgres'))?.spec.numberOfInstances).toBe(2);
	});

	test('an inline manifest as text or as a mapping; a patch as YAML text', async () => {
		const text = stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'inline-text'}, data: {a: '1'}});
		expect((await h.run('apply', {manifest: text, patch: 'data: {a: "2"}'})).result.ok).toBe(true);
		expect((await getObject(h.cluster, 'ConfigMap', 'default', 'inline-text'))?.data).toEqual({a: '2'});
		expect((await h.run('apply', {manifest: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'inline-map'}}, namespace: 'spire'})).result.ok).toBe(true);
		expect(await getObject(h.cluster, 'ConfigMap', 'spire', 'inline-map')).toBeDefined();
	});

	test('errors: no such file, bad YAML, both sources, a namespace mismatch, a failing object among good ones', async () => {
		expect((await h.run('apply', {file: 'missing.yaml'})).result.error).toBe(`cannot read ${join(h.dir, 'missing.yaml')}: no such file`);
		writeFileSync(join(h.dir, 'bad.yaml'), 'apiVersion: v1\nkind: [\n');
		expect((await h.run('apply', {file: 'bad.yaml'})).result.error).toMatch(new RegExp(`^${join(h.dir, 'bad.yaml')}: line \\d+: `));
		expect((await h.run('apply', {file: 'a', manifest: 'b'})).result.error).toBe('apply takes file or manifest, not both');
		const mismatch = await h.run('apply', {manifest: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x', namespace: 'spire'}}, namespace: 'default'});
		expect(mismatch.result.error).toBe("ConfigMap/x: the object's namespace spire does not match apply.namespace default");
		const mixed = await h.run('apply', {manifest: ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good-one}', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-one, namespace: no-such-namespace}', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good-two}'].join('\n---\n')});
		expect(mixed.result).toEqual({ok: false, error: 'ConfigMap/bad-one: namespaces "no-such-namespace" not found'});
		expect(mixed.stdout).toEqual(['configmap/good-one serverside-applied', 'configmap/good-two serverside-applied']);
	});
});

describe('patch', () => {
	test('merge and JSON patches, as values or text', async () => {
		await putObject(h.cluster, 'ConfigMap', {metadata: {name: 'p', namespace: 'spire'}, data: {a: '1', b: '2'}});
		const merge = await h.run('patch', {kind: 'ConfigMap', name: 'p', type: 'merge', patch: {data: {a: null, c: '3'}}}, {namespace: 'spire'});
		expect(merge.result).toEqual({ok: true});
		expect(merge.stdout).toEqual(['configmap/p patched']);
		expect((await getObject(h.cluster, 'ConfigMap', 'spire', 'p'))?.data).toEqual({b: '2', c: '3'});
		const json = await h.run('patch', {kind: 'ConfigMap', name: 'p', namespace: 'spire', type: 'json', patch: '[{"op": "replace", "path": "/data/b", "value": "20"}]'});
		expect(json.result).toEqual({ok: true});
		expect((await getObject(h.cluster, 'ConfigMap', 'spire', 'p'))?.data).toEqual({b: '20', c: '3'});
	});

	test('a patch of the wrong shape, or of a missing object, is an error', async () => {
		expect((await h.run('patch', {kind: 'ConfigMap', name: 'p', type: 'merge', patch: '[1]'})).result.error).toBe('a merge patch must be a mapping (type: merge)');
		expect((await h.run('patch', {kind: 'ConfigMap', name: 'p', type: 'json', patch: {a: 1}})).result.error).toBe('a JSON patch must be a list of operations (type: json)');
		expect((await h.run('patch', {kind: 'ConfigMap', name: 'absent', type: 'merge', patch: {data: {a: '1'}}})).result.error).toBe('configmaps "absent" not found');
	});
});

describe('restart', () => {
	test('sets the restartedAt annotation of the pod template, as kubectl rollout restart', async () => {
		await putObject(h.cluster, 'StatefulSet', statefulSet('restart-me', 1));
		const before = Date.now();
		const ran = await h.run('restart', {kind: 'StatefulSet', name: 'restart-me'}, {namespace: 'spire'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual(['statefulset.apps/restart-me restarted']);
		const stamp = (await getObject(h.cluster, 'StatefulSet', 'spire', 'restart-me'))?.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
		expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before - 1000);
		expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.now());
	});

	test('only workloads can be restarted', async () => {
		expect((await h.run('restart', {kind: 'ConfigMap', name: 'x'})).result.error).toBe('restart works on Deployment, StatefulSet and DaemonSet, not ConfigMap');
	});
});

describe('logging and redaction', () => {
	test('output and errors pass through redact', async () => {
		const ran = await h.run('delete', {kind: 'ConfigMap', name: 'topsecret-name'}, {redact: text => text.replaceAll('topsecret', '***')});
		expect(ran.result.error).toBe('configmaps "***-name" not found in namespace default: nothing was deleted');
		expect(ran.log).not.toContain('topsecret');
		expect(ran.log).toContain('***-name');
	});
});
