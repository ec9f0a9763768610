/**
 * Faults between a client and the real API server: a TCP proxy on 127.0.0.1 (TLS passes
 * through untouched, so the server's certificate still names 127.0.0.1) with its own
 * kubeconfig, that can drop every open connection (a cut cable, a restarted load balancer)
 * and pause (connections are accepted, nothing is forwarded until it resumes).
 *
 * ```ts
 * const proxy = await startFaultProxy(cluster);   // cluster: {url, kubeconfigPath, dir}
 * createKubernetesPort(stepLogFiles, {kubeconfig: proxy.kubeconfigPath});
 * proxy.dropAll(); proxy.pause(1000); proxy.resume();
 * await proxy.stop();
 * ```
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {connect, createServer, type Socket} from 'node:net';
import {join} from 'node:path';

/** A running proxy. */
export interface FaultProxy {
	/** `https://127.0.0.1:PORT` of the proxy. */
	url: string;
	/** The cluster's kubeconfig with the proxy as server. */
	kubeconfigPath: string;
	/** Open client connections. */
	connections(): number;
	/** Destroys every open connection (both sides); returns how many. */
	dropAll(): number;
	/** Stops forwarding (new connections wait) until resume(), or for `ms` when given. */
	pause(ms?: number): void;
	resume(): void;
	/** Closes the proxy and every connection. */
	stop(): Promise<void>;
}

/**
 * Starts a proxy to `cluster.url` and writes `<dir>/kubeconfig-proxy-<port>`.
 * @throws Error when it cannot listen.
 */
export async function startFaultProxy(cluster: {url: string; kubeconfigPath: string; dir: string}): Promise<FaultProxy> {
	const target = new URL(cluster.url);
	const pairs = new Set<[Socket, Socket]>();
	let paused = false;
	let resumeTimer: NodeJS.Timeout | undefined;
	const waiting: Array<() => void> = [];

	const server = createServer(client => {
		const start = (): void => {
			const upstream = connect(Number(target.port), target.hostname);
			const pair: [Socket, Socket] = [client, upstream];
			pairs.add(pair);
			const end = (): void => {
				pairs.delete(pair);
				client.destroy();
				upstream.destroy();
			};
			client.on('error', end).on('close', end);
			upstream.on('error', end).on('close', end);
			client.pipe(upstream);
			upstream.pipe(client);
			if (paused) {
				client.pause();
				upstream.pause();
			}
		};
		if (paused) waiting.push(start);
		else start();
	});
	await new Promise<void>((done, fail) => {
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => done());
	});
	const port = (server.address() as {port: number}).port;
	const url = `https://127.0.0.1:${port}`;
	const kubeconfigPath = join(cluster.dir, `kubeconfig-proxy-${port}`);
	writeFileSync(kubeconfigPath, readFileSync(cluster.kubeconfigPath, 'utf8').replace(`server: ${cluster.url}`, `server: ${url}`), {mode: 0o600});

	const resume = (): void => {
		clearTimeout(resumeTimer);
		paused = false;
		for (const [a, b] of pairs) {
			a.resume();
			b.resume();
		}
		for (const start of waiting.splice(0)) start();
	};
	return {
		url,
		kubeconfigPath,
		connections: () => pairs.size,
		dropAll() {
			const n = pairs.size;
			for (const [a, b] of [...pairs]) {
				a.destroy();
				b.destroy();
			}
			pairs.clear();
			return n;
		},
		pause(ms) {
			paused = true;
			for (const [a, b] of pairs) {
				a.pause();
				b.pause();
			}
			if (ms !== undefined) {
				clearTimeout(resumeTimer);
				resumeTimer = setTimeout(resume, ms);
			}
		},
		resume,
		async stop() {
			clearTimeout(resumeTimer);
			const closed = new Promise<void>(done => server.close(() => done()));
			for (const [a, b] of pairs) {
				a.destroy();
				b.destroy();
			}
			waiting.length = 0;
			await closed;
		},
	};
}
