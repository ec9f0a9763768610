/**
 * The test cluster's REST surface, with raw HTTP requests: discovery, selectors,
 * optimistic concurrency, error Statuses, patches (merge, JSON, strategic, server-side
 * apply), subresources, Table output, deletecollection.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTestCluster, type TestCluster} from './server.js';
import {api} from './testing.js';

let cluster: TestCluster;
const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string, labels: Record<string, string> = {}): object => ({metadata: {name, labels}, spec: {containers: [{name: 'c', image: 'busybox'}]}});

beforeAll(async () => {
	cluster = await startTestCluster({controllers: false});
});

afterAll(async () => {
	await cluster.stop();
});

describe('discovery', () => {
	it('serves version, API groups and resource lists with short names and subresources', async () => {
		expect((await api(cluster, 'GET', '/version')).body).toMatchObject({major: '1', minor: '32'});
		const groups = await api(cluster, 'GET', '/apis', undefined, {Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'});
		expect(groups.headers.get('content-type')).toBe('application/json');
		expect(groups.body.kind).toBe('APIGroupList');
		expect(groups.body.groups.map((g: {name: string}) => g.name)).toEqual(['apps', 'batch', 'acid.zalan.do']);
		const core = (await api(cluster, 'GET', '/api/v1')).body.resources;
		expect(core.find((r: {name: string}) => r.name === 'pods')).toMatchObject({kind: 'Pod', namespaced: true, shortNames: ['po']});
		const appsList = (await api(cluster, 'GET', '/apis/apps/v1')).body.resources;
		expect(appsList.find((r: {name: string}) => r.name === 'statefulsets')).toMatchObject({shortNames: ['sts'], verbs: expect.arrayContaining(['watch', 'patch'])});
		expect(appsList.find((r: {name: string}) => r.name === 'deployments/scale')).toMatchObject({kind: 'Scale', group: 'autoscaling', version: 'v1'});
		const acid = (await api(cluster, 'GET', '/apis/acid.zalan.do/v1')).body.resources;
		expect(acid.find((r: {name: string}) => r.name === 'postgresqls')).toMatchObject({kind: 'postgresql', singularName: 'postgresql', shortNames: ['pg']});
		expect((await api(cluster, 'GET', '/apis/nope.io/v1')).status).toBe(404);
	});
});

describe('objects', () => {
	it('selects by label (=, ==, !=, in, notin, exists, !key) and field (name, namespace, status.phase)', async () => {
		await api(cluster, 'POST', PODS, pod('s1', {env: 'a', tier: 'db'}));
		await api(cluster, 'POST', PODS, pod('s2', {env: 'b'}));
		await api(cluster, 'POST', PODS, pod('s3', {env: 'c', tier: 'web'}));
		const names = async (query: string): Promise<string[]> => (await api(cluster, 'GET', `${PODS}?${query}`)).body.items.map((p: {metadata: {name: string}}) => p.metadata.name);
		expect(await names('labelSelector=env%3Da')).toEqual(['s1']);
		expect(await names('labelSelector=env%3D%3Db')).toEqual(['s2']);
		expect(await names('labelSelector=env!%3Da')).toEqual(['s2', 's3']);
		expect(await names(`labelSelector=${encodeURIComponent('env in (a, c)')}`)).toEqual(['s1', 's3']);
		expect(await names(`labelSelector=${encodeURIComponent('env notin (a),tier')}`)).toEqual(['s3']);
		expect(await names('labelSelector=!tier')).toEqual(['s2']);
		expect(await names('fieldSelector=metadata.name%3Ds2')).toEqual(['s2']);
		expect(await names('fieldSelector=status.phase%3DPending,metadata.name!%3Ds1')).toEqual(['s2', 's3']);
		expect((await api(cluster, 'GET', `/api/v1/pods?fieldSelector=metadata.namespace%3Ddefault`)).body.items).toHaveLength(3);
		expect((await api(cluster, 'GET', `${PODS}?labelSelector=${encodeURIComponent('a in b')}`)).status).toBe(400);
		const deleted = await api(cluster, 'DELETE', `${PODS}?labelSelector=env&gracePeriodSeconds=0`);
		expect(deleted.body.items).toHaveLength(3);
		expect((await api(cluster, 'GET', PODS)).body.items).toEqual([]);
	});

	it('answers errors as Status objects: AlreadyExists, NotFound, Conflict, Invalid', async () => {
		await api(cluster, 'POST', '/api/v1/namespaces/default/configmaps', {metadata: {name: 'c1'}, data: {a: '1'}});
		const again = await api(cluster, 'POST', '/api/v1/namespaces/default/configmaps', {metadata: {name: 'c1'}});
		expect(again).toMatchObject({status: 409, body: {kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, message: 'configmaps "c1" already exists'}});
		expect((await api(cluster, 'POST', '/api/v1/namespaces/nowhere/configmaps', {metadata: {name: 'x'}})).body).toMatchObject({code: 404, message: 'namespaces "nowhere" not found'});
		const current = (await api(cluster, 'GET', '/api/v1/namespaces/default/configmaps/c1')).body;
		const updated = await api(cluster, 'PUT', '/api/v1/namespaces/default/configmaps/c1', {...current, data: {a: '2'}});
		expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(current.metadata.resourceVersion));
		const stale = await api(cluster, 'PUT', '/api/v1/namespaces/default/configmaps/c1', {...current, data: {a: '3'}});
		expect(stale.body).toMatchObject({code: 409, reason: 'Conflict'});
		const invalid = await api(cluster, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', {metadata: {name: 'Bad_Name'}, spec: {template: {}}});
		expect(invalid.body).toMatchObject({code: 422, reason: 'Invalid'});
		expect(invalid.body.details.causes.map((c: {field: string}) => c.field)).toEqual(['metadata.name', 'spec.selector']);
	});

	it('patches: merge, JSON (test op), strategic (containers merge by name), server-side apply', async () => {
		const path = '/apis/apps/v1/namespaces/default/deployments/web';
		const ssa = {'Content-Type': 'application/apply-patch+yaml'};
		const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: "web:1"}, {name: side, image: "side:1"}]}\n';
		expect((await api(cluster, 'PATCH', path, manifest, ssa)).body).toMatchObject({code: 400, reason: 'BadRequest'});
		const created = await api(cluster, 'PATCH', `${path}?fieldManager=runbook&force=true`, manifest, ssa);
		expect(created.status).toBe(201);
		expect(created.body.metadata.managedFields[0]).toMatchObject({manager: 'runbook', operation: 'Apply'});
		const strategic = await api(cluster, 'PATCH', path, {spec: {template: {spec: {containers: [{name: 'web', image: 'web:2'}]}}}}, {'Content-Type': 'application/strategic-merge-patch+json'});
		expect(strategic.body.spec.template.spec.containers).toEqual([{name: 'web', image: 'web:2'}, {name: 'side', image: 'side:1'}]);
		expect(strategic.body.metadata.generation).toBe(2);
		const merged = await api(cluster, 'PATCH', path, {metadata: {labels: {x: 'y'}}, spec: {paused: null}}, {'Content-Type': 'application/merge-patch+json'});
		expect(merged.body.metadata.labels).toEqual({x: 'y'});
		expect(merged.body.metadata.generation).toBe(2);
		const failedTest = await api(cluster, 'PATCH', path, [{op: 'test', path: '/spec/replicas', value: 5}], {'Content-Type': 'application/json-patch+json'});
		expect(failedTest.body).toMatchObject({code: 422});
		const applied = await api(cluster, 'PATCH', `${path}?fieldManager=runbook`, 'spec: {replicas: 4}', ssa);
		expect(applied.body.spec.replicas).toBe(4);
		expect(applied.body.spec.template.spec.containers).toHaveLength(2);
	});

	it('serves scale and status subresources; main-resource writes keep the status', async () => {
		const sts = {metadata: {name: 'db', labels: {app: 'db'}}, spec: {replicas: 3, selector: {matchLabels: {app: 'db'}}, template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'db'}]}}}};
		await api(cluster, 'POST', '/apis/apps/v1/namespaces/default/statefulsets', sts);
		const scale = await api(cluster, 'GET', '/apis/apps/v1/namespaces/default/statefulsets/db/scale');
		expect(scale.body).toMatchObject({kind: 'Scale', apiVersion: 'autoscaling/v1', spec: {replicas: 3}, status: {selector: 'app=db'}});
		await api(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/scale', {spec: {replicas: 0}}, {'Content-Type': 'application/merge-patch+json'});
		const withStatus = await api(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db/status', {status: {replicas: 7}, spec: {replicas: 9}}, {'Content-Type': 'application/merge-patch+json'});
		expect(withStatus.body.status).toEqual({replicas: 7});
		expect(withStatus.body.spec.replicas).toBe(0);
		const main = await api(cluster, 'PATCH', '/apis/apps/v1/namespaces/default/statefulsets/db', {status: {replicas: 1}}, {'Content-Type': 'application/merge-patch+json'});
		expect(main.body.status).toEqual({replicas: 7});
	});

	it('decodes protobuf bodies (kubectl ≥ 1.30 `create secret generic`) for Secret; refuses other kinds with 415', async () => {
		// Protobuf wire format by hand: field tag = number << 3 | 2 (length-delimited).
		const field = (no: number, value: Buffer | string): Buffer => {
			const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
			return Buffer.concat([Buffer.from([(no << 3) | 2, bytes.length]), bytes]);
		};
		const secret = Buffer.concat([
			field(1, Buffer.concat([field(1, 'pb1'), field(11, Buffer.concat([field(1, 'app'), field(2, 'x')]))])),
			field(2, Buffer.concat([field(1, 'password'), field(2, Buffer.from([0, 255, 1]))])),
		]);
		const envelope = (kind: string, raw: Buffer): Buffer => Buffer.concat([Buffer.from('k8s\0'), field(1, Buffer.concat([field(1, 'v1'), field(2, kind)])), field(2, raw)]);
		const created = await api(cluster, 'POST', '/api/v1/namespaces/default/secrets', envelope('Secret', secret), {'Content-Type': 'application/vnd.kubernetes.protobuf'});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({kind: 'Secret', type: 'Opaque', metadata: {name: 'pb1', labels: {app: 'x'}}, data: {password: Buffer.from([0, 255, 1]).toString('base64')}});
		const refused = await api(cluster, 'POST', '/api/v1/namespaces/default/pods', envelope('Pod', Buffer.alloc(0)), {'Content-Type': 'application/vnd.kubernetes.protobuf'});
		expect(refused.body).toMatchObject({code: 415, reason: 'UnsupportedMediaType'});
	});

	it('returns a Table when kubectl asks for one', async () => {
		await api(cluster, 'POST', PODS, pod('t1'));
		const table = await api(cluster, 'GET', PODS, undefined, {Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'});
		expect(table.body.kind).toBe('Table');
		expect(table.body.columnDefinitions.map((c: {name: string}) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
		expect(table.body.rows[0].cells.slice(0, 4)).toEqual(['t1', '0/1', 'Pending', 0]);
		expect(table.body.rows[0].object).toMatchObject({kind: 'PartialObjectMetadata', metadata: {name: 't1'}});
	});
});
