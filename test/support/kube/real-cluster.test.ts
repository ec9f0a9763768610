/**
 * The real control plane and the test kubelet: up, the real controllers roll workloads
 * out on the kubelet's nodes, kubectl (same release) and helm work with the kubeconfig,
 * exec goes through the API server to the kubelet, and stop leaves no process behind.
 */
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {helmPath, kubectlPath} from './controlplane.js';
import {startRealCluster, type RealCluster} from './real-cluster.js';
import {deployment, job} from './fixture-kit.js';
import {runKubectl} from './testing.js';
import {waitFor} from '../wait.js';

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * The lines of a tool's stderr that are not client-go's klog lines (`I1207 01:42:15.648933
 * 1234 reflector.go:556] ...`, any severity). client-go logs those on its own under load:
 * helm closing its --wait watch (an info line, seen once in CI), a reflector's failed list
 * or client-side throttling. What the tool did is asserted by its exit and the cluster;
 * anything else on stderr (helm's or kubectl's own words) is a failure.
 */
function notKlog(stderr: string): string[] {
	return stderr.split('\n').filter(line => line !== '' && !/^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+ +\d+ [^ \]]+:\d+\] /.test(line));
}

describe('real control plane', () => {
	let cluster: RealCluster;
	beforeAll(async () => {
		cluster = await startRealCluster();
	}, 180_000);
	afterAll(async () => {
		await cluster?.stop();
	});

	it('has Ready nodes that kubectl of the same release lists', async () => {
		const got = await runKubectl(kubectlPath(), cluster, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[0].type}{"\\n"}{end}']);
		expect(got.code).toBe(0);
		expect(notKlog(got.stderr)).toEqual([]);
		expect(got.stdout.trim().split('\n').sort()).toEqual(['node-1=Ready', 'node-2=Ready', 'node-3=Ready']);
		const version = await runKubectl(kubectlPath(), cluster, ['version', '-o', 'json']);
		expect(JSON.parse(version.stdout).serverVersion.gitVersion).toBe(JSON.parse(version.stdout).clientVersion.gitVersion);
	});

	it('rolls a Deployment out and completes a Job with the real controllers', async () => {
		const ns = await cluster.namespace('rollout');
		await cluster.create(ns, [deployment(ns, 'web', 2, {app: 'web'}), job(ns, 'setup', {app: 'setup'})]);
		const rollout = await runKubectl(kubectlPath(), cluster, ['rollout', 'status', '-n', ns, 'deployment/web', '--timeout=60s'], {timeoutMs: 70_000});
		expect(rollout.stdout).toContain('successfully rolled out');
		const done = await runKubectl(kubectlPath(), cluster, ['wait', '-n', ns, '--for=condition=complete', 'job/setup', '--timeout=60s'], {timeoutMs: 70_000});
		expect(done.stdout).toContain('condition met');
	});

	it('runs kubectl exec through the API server to the kubelet, exit code and all', async () => {
		const ns = await cluster.namespace('exec');
		await cluster.create(ns, [deployment(ns, 'shell', 1, {app: 'shell'})]);
		const pod = await waitFor(
			'a Running pod',
			async () => {
				const list = await cluster.api('GET', `/api/v1/namespaces/${ns}/pods`);
				return list.body.items?.find((p: any) => p.status?.phase === 'Running')?.metadata.name as string | undefined;
			},
			{timeoutMs: 60_000, intervalMs: 100},
		);
		const ran = await runKubectl(kubectlPath(), cluster, ['exec', '-i', '-n', ns, pod, '--', 'sh', '-c', 'cat; echo done >&2; exit 4'], {input: 'hello\n'});
		expect(ran).toMatchObject({code: 4, stdout: 'hello\n'});
		expect(ran.stderr).toContain('done');
	});

	it('gives helm the cluster: install, list and uninstall a release', async () => {
		const ns = await cluster.namespace('helm');
		const chart = mkdtempSync(join(tmpdir(), 'chart-'));
		try {
			mkdirSync(join(chart, 'templates'));
			writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
			writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  answer: "42"\n');
			const helm = (...args: string[]) => spawnSync(helmPath(), ['--kubeconfig', cluster.kubeconfigPath, '-n', ns, ...args], {encoding: 'utf8', env: {...process.env, HELM_CACHE_HOME: join(chart, '.c'), HELM_CONFIG_HOME: join(chart, '.cfg'), HELM_DATA_HOME: join(chart, '.d')}});
			const install = helm('install', 'probe', chart, '--wait');
			expect(notKlog(install.stderr)).toEqual([]);
			expect(install.status).toBe(0);
			expect((await cluster.get(`/api/v1/namespaces/${ns}/configmaps/probe-cm`))?.data).toEqual({answer: '42'});
			expect(helm('list', '-o', 'json').stdout).toContain('"name":"probe"');
			expect(helm('uninstall', 'probe', '--wait').status).toBe(0);
			expect(await cluster.get(`/api/v1/namespaces/${ns}/configmaps/probe-cm`)).toBeUndefined();
		} finally {
			rmSync(chart, {recursive: true, force: true});
		}
	});
});

describe('stopping the control plane', () => {
	it('leaves no process and no folder behind', async () => {
		const cluster = await startRealCluster();
		const pids = cluster.cp.pids();
		expect(pids).toHaveLength(3);
		expect(pids.every(alive)).toBe(true);
		await cluster.stop();
		expect(pids.filter(alive)).toEqual([]);
		expect(existsSync(cluster.dir)).toBe(false);
		await expect(fetch(cluster.url)).rejects.toThrow();
	}, 180_000);
});
