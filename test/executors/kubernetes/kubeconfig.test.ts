/**
 * Reading the kubeconfig as kubectl does: --kubeconfig, KUBECONFIG lists
 * (first file wins), ~/.kube/config; the target; the errors an operator sees.
 */
import {createServer, type AddressInfo} from 'node:net';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {stringify} from 'yaml';
import {createKubernetesPort} from '../../../source/executors/kubernetes/index.js';
import {loadKubeConfig} from '../../../source/executors/kubernetes/kubeconfig.js';
import {stepLogFiles} from '../../../source/store/step-logs.js';

let dir: string;
beforeEach(() => {
	dir = mkdtempSync(join(tmpdir(), 'runbook-kubeconfig-'));
});
afterEach(() => rmSync(dir, {recursive: true, force: true}));

function config(name: string, contexts: Array<{name: string; cluster: string; user?: string; namespace?: string}>, current?: string, servers: Record<string, string> = {}): string {
	const path = join(dir, name);
	const clusters = [...new Set(contexts.map(c => c.cluster))].map(cluster => ({name: cluster, cluster: {server: servers[cluster] ?? `https://${cluster}.example:6443`}}));
	writeFileSync(
		path,
		stringify({
			apiVersion: 'v1',
			kind: 'Config',
			clusters,
			users: contexts.filter(c => c.user).map(c => ({name: c.user, user: {token: 't'}})),
			contexts: contexts.map(c => ({name: c.name, context: {cluster: c.cluster, ...(c.user ? {user: c.user} : {}), ...(c.namespace ? {namespace: c.namespace} : {})}})),
			...(current ? {'current-context': current} : {}),
		}),
	);
	return path;
}

describe('loadKubeConfig', () => {
	test('--kubeconfig: current context, its namespace, cluster, server, user', () => {
		const path = config(
			'a',
			[
				{name: 'prod', cluster: 'c1', user: 'admin', namespace: 'spire'},
				{name: 'dev', cluster: 'c2'},
			],
			'prod',
		);
		expect(loadKubeConfig({kubeconfig: path}, {}).target).toEqual({context: 'prod', cluster: 'c1', server: 'https://c1.example:6443', namespace: 'spire', user: 'admin'});
	});

	test('--context and --namespace win; a context without namespace gives default', () => {
		const path = config(
			'a',
			[
				{name: 'prod', cluster: 'c1', user: 'admin', namespace: 'spire'},
				{name: 'dev', cluster: 'c2'},
			],
			'prod',
		);
		expect(loadKubeConfig({kubeconfig: path, context: 'dev'}, {}).target).toEqual({context: 'dev', cluster: 'c2', server: 'https://c2.example:6443', namespace: 'default'});
		expect(loadKubeConfig({kubeconfig: path, namespace: 'vault'}, {}).target.namespace).toBe('vault');
	});

	test('KUBECONFIG: files merged, the first naming a context or current-context wins, missing files skipped', () => {
		const first = config('first', [{name: 'shared', cluster: 'from-first'}], 'shared');
		const second = config(
			'second',
			[
				{name: 'shared', cluster: 'from-second'},
				{name: 'only-second', cluster: 'c3'},
			],
			'only-second',
		);
		const env = {KUBECONFIG: [join(dir, 'missing'), first, second].join(':')};
		expect(loadKubeConfig({}, env).target).toMatchObject({context: 'shared', cluster: 'from-first'});
		expect(loadKubeConfig({context: 'only-second'}, env).target).toMatchObject({context: 'only-second', cluster: 'c3'});
	});

	test('~/.kube/config when nothing else is given', () => {
		mkdirSync(join(dir, '.kube'));
		writeFileSync(join(dir, '.kube', 'config'), stringify({clusters: [{name: 'h', cluster: {server: 'https://h:6443'}}], contexts: [{name: 'home', context: {cluster: 'h'}}], 'current-context': 'home', users: []}));
		expect(loadKubeConfig({}, {HOME: dir}).target).toMatchObject({context: 'home', server: 'https://h:6443'});
	});

	test('errors say what is missing and what to do', () => {
		const path = config('a', [
			{name: 'prod', cluster: 'c1'},
			{name: 'dev', cluster: 'c2'},
		]);
		expect(() => loadKubeConfig({kubeconfig: path, context: 'staging'}, {})).toThrow(`context staging not in kubeconfig ${path} (contexts: prod, dev)`);
		expect(() => loadKubeConfig({kubeconfig: path}, {})).toThrow(`kubeconfig ${path} sets no current-context; name one with --context or the runbook's kubernetes.context (contexts: prod, dev)`);
		expect(() => loadKubeConfig({kubeconfig: join(dir, 'nope')}, {})).toThrow(`kubeconfig ${join(dir, 'nope')} does not exist; check the --kubeconfig path`);
		expect(() => loadKubeConfig({}, {KUBECONFIG: join(dir, 'x')})).toThrow(`no kubeconfig: none of the files in KUBECONFIG exists (${join(dir, 'x')})`);
		expect(() => loadKubeConfig({}, {HOME: dir})).toThrow(`no kubeconfig: ${join(dir, '.kube', 'config')} does not exist; set KUBECONFIG or pass --kubeconfig`);
		writeFileSync(join(dir, 'broken'), 'clusters: [unclosed');
		expect(() => loadKubeConfig({kubeconfig: join(dir, 'broken')}, {})).toThrow(new RegExp(`^cannot read kubeconfig ${join(dir, 'broken')}: `));
	});

	test('createKubernetesPort throws the same clear error and gives the target', () => {
		const path = config('a', [{name: 'prod', cluster: 'c1', user: 'admin'}], 'prod', {c1: 'http://127.0.0.1:1'});
		expect(() => createKubernetesPort(stepLogFiles, {kubeconfig: path, context: 'x'})).toThrow(`context x not in kubeconfig ${path} (contexts: prod)`);
		expect(createKubernetesPort(stepLogFiles, {kubeconfig: path, namespace: 'spire'}).target()).toEqual({context: 'prod', cluster: 'c1', server: 'http://127.0.0.1:1', namespace: 'spire', user: 'admin'});
	});
});

describe('a server that cannot be reached', () => {
	test('an action fails with one line naming the server, and the log says so', async () => {
		const closed = await closedPort();
		const path = config('a', [{name: 'prod', cluster: 'c1'}], 'prod', {c1: `http://127.0.0.1:${closed}`});
		const port = createKubernetesPort(stepLogFiles, {kubeconfig: path});
		const result = await port.execute({
			stepId: 's',
			kind: 'scale',
			spec: {kind: 'StatefulSet', name: 'x', replicas: 0},
			namespace: 'default',
			cwd: dir,
			signal: new AbortController().signal,
			logPath: join(dir, 'logs', 'x.log'),
			onOutput: () => {},
			onProgress: () => {},
			redact: t => t,
			capture: false,
		});
		expect(result.ok).toBe(false);
		expect(result.error).toMatch(new RegExp(`^cannot reach the API server http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`));
		expect(readFileSync(join(dir, 'logs', 'x.log'), 'utf8')).toContain(`=== runbook: step "s" scale failed: ${result.error} ===`);
	});
});

/** A local TCP port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as AddressInfo;
	await new Promise<void>(resolve => server.close(() => resolve()));
	return port;
}
