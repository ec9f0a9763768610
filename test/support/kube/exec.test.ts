/**
 * Exec in the test cluster. "Simulated Postgres pods": the spilo pods of a postgresql cluster bound to a real local
 * PostgreSQL, so the CSM document's restore commands (`kubectl cp` of the dump, then
 * `kubectl exec ... -- psql -U postgres < dump`) run for real. Exec through client-node
 * (WebSocket) and through the kubectl on PATH (WebSocket for ≥ 1.30, SPDY for older);
 * plus raw WebSocket clients: a large stdin (the server must not queue it), and a command
 * that exits without reading its stdin (the session must still end at once).
 */
import {PassThrough, Readable} from 'node:stream';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {Exec, type V1Status} from '@kubernetes/client-node';
import WebSocket from 'ws';
import {seedCsmFixtures} from './fixtures.js';
import {startTestCluster, type TestCluster} from './server.js';
import {findKubectl, kubeConfigFor, runKubectl} from './testing.js';
import {psql, startPostgres, type PostgresServer} from '../postgres.js';

let cluster: TestCluster;
let server: PostgresServer;
const kubectl = findKubectl();

beforeAll(async () => {
	[cluster, server] = await Promise.all([startTestCluster(), startPostgres()]);
	seedCsmFixtures(cluster);
	cluster.pods.bindPostgres({namespace: 'services', cluster: 'keycloak-postgres'}, server);
});

afterAll(async () => {
	await Promise.all([cluster?.stop(), server?.stop()]);
});

/** client-node exec in keycloak-postgres-0; resolves with stdout and the Status. */
async function exec(command: string[], stdin?: Readable): Promise<{stdout: string; stderr: string; status: V1Status}> {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	stdout.on('data', (c: Buffer) => out.push(c));
	stderr.on('data', (c: Buffer) => err.push(c));
	const status = await new Promise<V1Status>((resolve, reject) => {
		new Exec(kubeConfigFor(cluster)).exec('services', 'keycloak-postgres-0', 'postgres', command, stdout, stderr, stdin ?? null, false, resolve).catch(reject);
	});
	return {stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), status};
}

/** A raw v5.channel.k8s.io WebSocket exec in keycloak-postgres-0 with stdin. */
async function openExec(command: string[]): Promise<WebSocket> {
	const query = [...command.map((c) => `command=${encodeURIComponent(c)}`), 'stdin=true', 'stdout=true', 'stderr=true'].join('&');
	const socket = new WebSocket(`${cluster.url.replace('http:', 'ws:')}/api/v1/namespaces/services/pods/keycloak-postgres-0/exec?${query}`, ['v5.channel.k8s.io']);
	await new Promise((resolve, reject) => {
		socket.once('open', resolve);
		socket.once('error', reject);
	});
	return socket;
}

/** Resolves with the text of the next channel-3 (status) message. */
function nextStatus(socket: WebSocket): Promise<string> {
	return new Promise((resolve) => {
		socket.on('message', (data: Buffer) => {
			if (data[0] === 3) {
				resolve(data.subarray(1).toString());
			}
		});
	});
}

describe('exec in a pod bound to a real PostgreSQL', () => {
	it('runs psql -U postgres (and /usr/bin/psql postgres postgres) against the bound server', async () => {
		const result = await exec(['psql', '-U', 'postgres', '-At', '-c', 'select current_user, inet_server_port()']);
		expect(result.status.status).toBe('Success');
		expect(result.stdout.trim()).toBe(`postgres|${server.port}`);
		const absolute = await exec(['/usr/bin/psql', 'postgres', 'postgres', '-At', '-c', 'select 42']);
		expect(absolute.stdout.trim()).toBe('42');
		const other = await new Promise<V1Status>((resolve, reject) => {
			new Exec(kubeConfigFor(cluster)).exec('spire', 'spire-postgres-0', 'postgres', ['sh', '-c', 'test -z "$PGPORT"'], null, null, null, false, resolve).catch(reject);
		});
		expect(other.status).toBe('Success');
	});

	it('restores a dump fed on stdin, as `psql -U postgres < dump` (client-node)', async () => {
		const dump = 'CREATE DATABASE keycloak;\n\\connect keycloak\nCREATE TABLE realm (id text PRIMARY KEY);\nINSERT INTO realm VALUES (\'shasta\');\n';
		const result = await exec(['psql', '-U', 'postgres'], Readable.from([Buffer.from(dump)]));
		expect(result.status.status).toBe('Success');
		expect((await psql(server, 'keycloak', 'SELECT id FROM realm')).trim()).toBe('shasta');
	});

	it.skipIf(!kubectl)('kubectl cp of the dump into the pod, then kubectl exec -i psql < dump', async () => {
		const dumpName = 'keycloak-postgres-2022-09-14T04-10-05.psql';
		const local = join(cluster.pods.baseDir, '..', dumpName);
		writeFileSync(local, 'CREATE DATABASE kc2;\n\\connect kc2\nCREATE TABLE t (a int);\nINSERT INTO t SELECT generate_series(1, 1000);\n');
		const cp = await runKubectl(kubectl!, cluster, ['cp', local, `keycloak-postgres-0:/home/postgres/${dumpName}`, '-c', 'postgres', '-n', 'services']);
		expect(cp.stderr).toBe('');
		expect(cp.code).toBe(0);
		const restore = await runKubectl(kubectl!, cluster, ['exec', 'keycloak-postgres-0', '-c', 'postgres', '-n', 'services', '-i', '--', 'psql', '-U', 'postgres', '-f', `/home/postgres/${dumpName}`]);
		expect(restore.code).toBe(0);
		expect(restore.stdout).toMatch(/INSERT 0 1000/);
		expect((await psql(server, 'kc2', 'SELECT count(*) FROM t')).trim()).toBe('1000');
		const fromStdin = await runKubectl(kubectl!, cluster, ['exec', 'keycloak-postgres-0', '-c', 'postgres', '-n', 'services', '-i', '--', 'psql', '-U', 'postgres', '-d', 'kc2', '-At'], {input: 'SELECT sum(a) FROM t;\n'});
		expect(fromStdin.stdout.trim()).toBe('500500');
	});

	it('a command that stops reading stdin ends the session at once, with its exit code', async () => {
		const socket = await openExec(['sh', '-c', 'head -c 10 > /dev/null; exit 4']);
		const status = nextStatus(socket);
		const closed = new Promise((resolve) => socket.on('close', resolve));
		const chunk = Buffer.alloc(64 * 1024 + 1, 1);
		chunk[0] = 0;
		const started = Date.now();
		for (let sent = 0; sent < 256 * 1024 * 1024 && socket.readyState === WebSocket.OPEN; sent += chunk.length - 1) {
			while (socket.bufferedAmount > 1024 * 1024 && socket.readyState === WebSocket.OPEN) {
				await new Promise((r) => setTimeout(r, 1));
			}
			socket.send(chunk);
		}
		expect(JSON.parse(await status)).toMatchObject({status: 'Failure', details: {causes: [{reason: 'ExitCode', message: '4'}]}});
		await closed;
		expect(Date.now() - started).toBeLessThan(3000);
	});

	it('streams a large stdin with backpressure: the server queues little while 64 MiB go through', async () => {
		// A client that only sends while less than 4 MiB are queued (client-node's Exec does not
		// wait), into a command that reads nothing for a second: without backpressure the
		// server would queue the whole stream in the process's stdin pipe buffer.
		const size = 64 * 1024 * 1024;
		const socket = await openExec(['sh', '-c', 'sleep 1; exec wc -c']);
		expect(socket.protocol).toBe('v5.channel.k8s.io');
		let stdout = '';
		socket.on('message', (data: Buffer) => {
			if (data[0] === 1) {
				stdout += data.subarray(1).toString();
			}
		});
		const status = nextStatus(socket);
		const chunk = Buffer.alloc(1024 * 1024 + 1, 7);
		chunk[0] = 0;
		let peak = 0;
		const sampler = setInterval(() => {
			for (const child of cluster.pods.children) {
				peak = Math.max(peak, child.stdin?.writableLength ?? 0);
			}
		}, 5);
		for (let sent = 0; sent < size; sent += chunk.length - 1) {
			while (socket.bufferedAmount > 4 * 1024 * 1024) {
				await new Promise((r) => setTimeout(r, 1));
			}
			socket.send(chunk);
		}
		socket.send(Buffer.from([255, 0]));
		expect(JSON.parse(await status)).toMatchObject({status: 'Success'});
		clearInterval(sampler);
		expect(stdout.trim()).toBe(String(size));
		expect(peak).toBeLessThan(4 * 1024 * 1024);
		socket.close();
	});
});
