/**
 * # A real Kubernetes control plane for the tests
 *
 * etcd, kube-apiserver and kube-controller-manager of one pinned release (built from the Go
 * module proxy by test/controlplane/build.sh into a cache folder outside the clone), started
 * on free ports of 127.0.0.1 with certificates made by `openssl` in a temporary folder:
 *
 * ```ts
 * const cp = await startControlPlane();          // ~seconds once the binaries are built
 * runKubectl(kubectlPath(), cp, ['get', 'nodes']); // kubectl of the same release
 * kubeConfigFor(cp).makeApiClient(CoreV1Api);      // client-node, via testing.ts
 * await cp.stop();                                  // every process gone, the folder removed
 * ```
 *
 * - etcd: one member, `--unsafe-no-fsync` (a test database), data in the temp folder.
 * - kube-apiserver: TLS with a serving certificate for 127.0.0.1/localhost signed by a test
 *   CA; client certificates (the kubeconfig's user is `admin`, group `system:masters`);
 *   service-account signing keys; `--authorization-mode=RBAC`; CRDs served by its own
 *   apiextensions server. Admission: the defaults less `ServiceAccount` (it refuses pods in
 *   a namespace until the controller-manager has made its `default` service account, a race
 *   a test namespace made a moment ago would lose) . `watchCache: false` serves every watch
 *   from etcd, so an etcd compaction gives a real 410 Gone (see {@link ControlPlane.compact}).
 * - kube-controller-manager: every default controller (Deployments and ReplicaSets,
 *   StatefulSets, DaemonSets, Jobs, garbage collection, namespaces) except `nodelifecycle`,
 *   which would taint and evict from the test kubelet's nodes (they send no heartbeats), and
 *   `nodeipam` (no pod network here).
 * - No scheduler, kubelet or container runtime: kubelet.ts (a test double) binds and runs pods.
 *
 * The kubeconfig (context `test`, cluster `test-cluster`, user `admin`, namespace `default`)
 * is what client-node, kubectl and helm use.
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {stringify as toYaml} from 'yaml';
import {waitFor} from '../wait.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const BUILD_SCRIPT = join(ROOT, 'test', 'controlplane', 'build.sh');

let binDirCache: string | undefined;

/**
 * The folder holding kube-apiserver, kube-controller-manager, kubectl, etcd and helm:
 * `$RUNBOOK_TUI_CONTROLPLANE_BIN` (set by the vitest global setup), else what
 * test/controlplane/build.sh prints (it builds first when the cache is cold: tens of minutes).
 * @throws Error with the build's output when the build fails (e.g. no Go).
 */
export function controlPlaneBinDir(): string {
	if (process.env.RUNBOOK_TUI_CONTROLPLANE_BIN) return process.env.RUNBOOK_TUI_CONTROLPLANE_BIN;
	if (binDirCache) return binDirCache;
	const result = spawnSync('bash', [BUILD_SCRIPT], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
	const last = result.stdout.trim().split('\n').pop();
	if (result.status !== 0 || !last) throw new Error(`test/controlplane/build.sh failed (exit ${result.status}); see its output above`);
	binDirCache = last;
	return last;
}

/** Path of the kubectl built with the control plane (same release as the API server). */
export function kubectlPath(): string {
	return join(controlPlaneBinDir(), 'kubectl');
}

/** Path of the helm built with the control plane (helm.sh/helm/v4, version in test/controlplane/versions.sh). */
export function helmPath(): string {
	return join(controlPlaneBinDir(), 'helm');
}

/** Options of startControlPlane. */
export interface ControlPlaneOptions {
	/** Run kube-controller-manager (default true). */
	controllers?: boolean;
	/** The API server's watch cache (default true); false serves watches from etcd (real 410 Gone after {@link ControlPlane.compact}). */
	watchCache?: boolean;
	/**
	 * Write the API server's audit log (one JSON line per request when it is received:
	 * verb, URI, user agent; see {@link ControlPlane.auditEvents}). Default false.
	 */
	auditLog?: boolean;
}

/** One request as the API server's audit log records it (stage RequestReceived). */
export interface AuditEvent {
	verb: string;
	requestURI: string;
	userAgent?: string;
}

/** A running control plane. */
export interface ControlPlane {
	/** `https://127.0.0.1:PORT` of kube-apiserver. */
	url: string;
	/** The kubeconfig file (context `test`). */
	kubeconfigPath: string;
	/** The temporary folder (certificates, etcd data, logs). */
	dir: string;
	/** PEM of the test CA, the API server's serving certificate and key (the test kubelet serves with them too). */
	tls: {ca: string; cert: string; key: string};
	/** Process ids of etcd, kube-apiserver and (when run) kube-controller-manager. */
	pids(): number[];
	/** The requests received so far, oldest first ([] without the `auditLog` option). */
	auditEvents(): AuditEvent[];
	/** Compacts etcd up to its current revision: watches from older resourceVersions then get 410 Gone (with `watchCache: false`). */
	compact(): Promise<void>;
	/** Stops every process (SIGTERM, then SIGKILL after 5 s) and removes the folder. */
	stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (free when asked; the kernel does not hand it out again at once). */
export function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer();
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => done(port));
		});
	});
}

function openssl(dir: string, args: string[]): void {
	const result = spawnSync('openssl', args, {cwd: dir, encoding: 'utf8'});
	if (result.error) throw new Error(`openssl is needed to make the test cluster's certificates: ${result.error.message}`);
	if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** Makes ca.{crt,key}, server.{crt,key} (127.0.0.1, localhost), admin.{crt,key} (system:masters), sa.{key,pub}. */
function makeCertificates(dir: string): void {
	const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
	openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3', '-subj', '/CN=runbook-tui-test-ca']);
	writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
	writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
	for (const [name, subj, ext] of [
		['server', '/CN=kube-apiserver', 'server.ext'],
		['admin', '/O=system:masters/CN=admin', 'client.ext'],
	] as const) {
		openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
		openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '3', '-extfile', ext]);
	}
	openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'sa.key']);
	openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function writeKubeconfig(dir: string, url: string): string {
	const path = join(dir, 'kubeconfig');
	const b64 = (file: string): string => readFileSync(join(dir, file)).toString('base64');
	writeFileSync(
		path,
		toYaml({
			apiVersion: 'v1',
			kind: 'Config',
			clusters: [{name: 'test-cluster', cluster: {server: url, 'certificate-authority-data': b64('ca.crt')}}],
			users: [{name: 'admin', user: {'client-certificate-data': b64('admin.crt'), 'client-key-data': b64('admin.key')}}],
			contexts: [{name: 'test', context: {cluster: 'test-cluster', user: 'admin', namespace: 'default'}}],
			'current-context': 'test',
			preferences: {},
		}),
		{mode: 0o600},
	);
	return path;
}

/** Starts `bin` with its output in `<dir>/<name>.log`; the process is its own group leader (killed as a group). */
function launch(dir: string, name: string, bin: string, args: string[]): ChildProcess {
	const log = openSync(join(dir, `${name}.log`), 'a');
	const child = spawn(bin, args, {stdio: ['ignore', log, log], detached: true});
	closeSync(log);
	child.on('error', () => {});
	return child;
}

function logTail(dir: string, name: string): string {
	try {
		return readFileSync(join(dir, `${name}.log`), 'utf8')
			.split('\n')
			.slice(-15)
			.join('\n');
	} catch {
		return '(no log)';
	}
}

/** Polls `check` (which may throw) until it returns true; fails at once if `child` exits, and with `what` and the log tail after `timeoutMs`. */
async function until(check: () => Promise<boolean>, child: ChildProcess, what: string, dir: string, name: string, timeoutMs = 120_000): Promise<void> {
	await waitFor(`${name}: ${what}`, check, {
		timeoutMs,
		intervalMs: 100,
		giveUp: () => (child.exitCode !== null || child.signalCode !== null ? `${name} exited (${child.exitCode ?? child.signalCode}):\n${logTail(dir, name)}` : undefined),
		detail: () => logTail(dir, name),
	});
}

/** GET over TLS with the admin client certificate; resolves with the status and body. */
async function adminGet(url: string, dir: string, path: string): Promise<{status: number; body: string}> {
	const {request} = await import('node:https');
	return new Promise((done, fail) => {
		const req = request(
			`${url}${path}`,
			{
				ca: readFileSync(join(dir, 'ca.crt')),
				cert: readFileSync(join(dir, 'admin.crt')),
				key: readFileSync(join(dir, 'admin.key')),
				timeout: 5000,
			},
			res => {
				let body = '';
				res.setEncoding('utf8');
				res.on('data', (c: string) => (body += c));
				res.on('end', () => done({status: res.statusCode ?? 0, body}));
			},
		);
		req.on('error', fail);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.end();
	});
}

async function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
	const exited = new Promise<void>(done => child.once('exit', () => done()));
	const signal = (sig: NodeJS.Signals): void => {
		try {
			process.kill(-child.pid!, sig);
		} catch {
			// gone
		}
	};
	signal('SIGTERM');
	const timer = setTimeout(() => signal('SIGKILL'), 5000);
	await exited;
	clearTimeout(timer);
}

/** kube-apiserver flags of an audit log of every request at `RequestReceived`, written before the request is served. */
function audit(dir: string): string[] {
	writeFileSync(
		join(dir, 'audit-policy.yaml'),
		toYaml({
			apiVersion: 'audit.k8s.io/v1',
			kind: 'Policy',
			omitStages: ['ResponseStarted', 'ResponseComplete', 'Panic'],
			rules: [{level: 'Metadata'}],
		}),
	);
	return ['--audit-policy-file', join(dir, 'audit-policy.yaml'), '--audit-log-path', join(dir, 'audit.log'), '--audit-log-format', 'json', '--audit-log-mode', 'blocking', '--audit-log-maxsize', '0'];
}

/**
 * Starts etcd and kube-apiserver on free ports of 127.0.0.1 (pushed to `launched` as they
 * start); resolves when the API server is ready and has namespace default.
 * @throws Error when either exits or is not ready within 120 s, with its log's tail.
 */
async function startServers(dir: string, bin: string, options: ControlPlaneOptions, launched: ChildProcess[]): Promise<{etcdUrl: string; url: string}> {
	const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
	const etcdUrl = `http://127.0.0.1:${etcdClient}`;
	const etcd = launch(dir, 'etcd', join(bin, 'etcd'), [
		'--name',
		'test',
		'--data-dir',
		join(dir, 'etcd'),
		'--unsafe-no-fsync',
		'--log-level',
		'warn',
		'--listen-client-urls',
		etcdUrl,
		'--advertise-client-urls',
		etcdUrl,
		'--listen-peer-urls',
		`http://127.0.0.1:${etcdPeer}`,
		'--initial-advertise-peer-urls',
		`http://127.0.0.1:${etcdPeer}`,
		'--initial-cluster',
		`test=http://127.0.0.1:${etcdPeer}`,
	]);
	launched.push(etcd);
	await until(async () => (await fetch(`${etcdUrl}/health`)).ok, etcd, 'answering /health', dir, 'etcd');

	const url = `https://127.0.0.1:${apiPort}`;
	const p = (file: string): string => join(dir, file);
	const apiserver = launch(dir, 'kube-apiserver', join(bin, 'kube-apiserver'), [
		'--etcd-servers',
		etcdUrl,
		'--bind-address',
		'127.0.0.1',
		'--advertise-address',
		'127.0.0.1',
		'--secure-port',
		String(apiPort),
		'--cert-dir',
		p('apiserver-certs'),
		'--tls-cert-file',
		p('server.crt'),
		'--tls-private-key-file',
		p('server.key'),
		'--client-ca-file',
		p('ca.crt'),
		'--authorization-mode',
		'RBAC',
		'--service-account-issuer',
		'https://kubernetes.default.svc.cluster.local',
		'--service-account-key-file',
		p('sa.pub'),
		'--service-account-signing-key-file',
		p('sa.key'),
		'--service-cluster-ip-range',
		'10.0.0.0/24',
		'--disable-admission-plugins',
		'ServiceAccount',
		'--enable-priority-and-fairness=false',
		'--kubelet-client-certificate',
		p('admin.crt'),
		'--kubelet-client-key',
		p('admin.key'),
		'--kubelet-preferred-address-types',
		'InternalIP',
		'--endpoint-reconciler-type',
		'none',
		`--watch-cache=${options.watchCache !== false}`,
		'--profiling=false',
		'--v=1',
		...(options.auditLog ? audit(dir) : []),
	]);
	launched.push(apiserver);
	await until(async () => (await adminGet(url, dir, '/readyz')).status === 200, apiserver, 'answering /readyz', dir, 'kube-apiserver');
	await until(async () => (await adminGet(url, dir, '/api/v1/namespaces/default')).status === 200, apiserver, 'making namespace default', dir, 'kube-apiserver');
	return {etcdUrl, url};
}

/**
 * Starts etcd, kube-apiserver and (unless `controllers: false`) kube-controller-manager;
 * resolves once the API server answers `/readyz` and the `default` namespace exists.
 * @throws Error naming the process and the tail of its log when one exits or is not ready
 * within 2 minutes (everything started is stopped first).
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
	const bin = controlPlaneBinDir();
	const dir = mkdtempSync(join(tmpdir(), 'kube-cp-'));
	const children: ChildProcess[] = [];
	const stop = async (): Promise<void> => {
		await Promise.all(children.reverse().map(stopChild));
		rmSync(dir, {recursive: true, force: true});
	};
	try {
		makeCertificates(dir);
		// A port picked free can be taken before etcd or the API server binds it (another test
		// file's server, a client's ephemeral port): then both start again on new ports.
		let servers: {etcdUrl: string; url: string} | undefined;
		for (let attempt = 1; !servers; attempt++) {
			const launched: ChildProcess[] = [];
			try {
				servers = await startServers(dir, bin, options, launched);
				children.push(...launched);
			} catch (error) {
				await Promise.all(launched.map(stopChild));
				if (attempt >= 3 || !/address already in use/.test(`${logTail(dir, 'etcd')}\n${logTail(dir, 'kube-apiserver')}`)) throw error;
				rmSync(join(dir, 'etcd'), {recursive: true, force: true});
				for (const name of ['etcd', 'kube-apiserver']) rmSync(join(dir, `${name}.log`), {force: true});
			}
		}
		const {etcdUrl, url} = servers;
		const p = (file: string): string => join(dir, file);
		const kubeconfigPath = writeKubeconfig(dir, url);

		if (options.controllers !== false) {
			const kcm = launch(dir, 'kube-controller-manager', join(bin, 'kube-controller-manager'), [
				'--kubeconfig',
				kubeconfigPath,
				'--leader-elect=false',
				'--secure-port=0',
				'--controllers',
				'*,-nodelifecycle,-nodeipam',
				'--service-account-private-key-file',
				p('sa.key'),
				'--root-ca-file',
				p('ca.crt'),
				'--cluster-signing-cert-file',
				p('ca.crt'),
				'--cluster-signing-key-file',
				p('ca.key'),
				'--concurrent-gc-syncs',
				'5',
				'--profiling=false',
				'--v=1',
			]);
			children.push(kcm);
		}
		return {
			url,
			kubeconfigPath,
			dir,
			tls: {ca: readFileSync(p('ca.crt'), 'utf8'), cert: readFileSync(p('server.crt'), 'utf8'), key: readFileSync(p('server.key'), 'utf8')},
			pids: () => children.map(c => c.pid!).filter(Boolean),
			auditEvents() {
				if (!options.auditLog || !existsSync(p('audit.log'))) return [];
				return readFileSync(p('audit.log'), 'utf8')
					.split('\n')
					.filter(Boolean)
					.map(line => JSON.parse(line) as AuditEvent);
			},
			async compact() {
				// etcd's JSON gateway (the gRPC KV API over HTTP): the current revision, then compact to it.
				const range = await fetch(`${etcdUrl}/v3/kv/range`, {method: 'POST', body: JSON.stringify({key: 'AA=='})});
				const revision = ((await range.json()) as {header: {revision: string}}).header.revision;
				const compaction = await fetch(`${etcdUrl}/v3/kv/compaction`, {method: 'POST', body: JSON.stringify({revision, physical: true})});
				if (!compaction.ok) throw new Error(`etcd compaction failed: HTTP ${compaction.status} ${await compaction.text()}`);
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** What one API request gave: HTTP status and the parsed JSON body (or the text). */
export interface ApiAnswer {
	status: number;
	body: any;
}

/** The admin TLS options of a control plane (read once per folder). */
const tlsCache = new Map<string, {ca: Buffer; cert: Buffer; key: Buffer}>();
function adminTls(cp: Pick<ControlPlane, 'dir'>): {ca: Buffer; cert: Buffer; key: Buffer} {
	let tls = tlsCache.get(cp.dir);
	if (!tls) {
		tls = {ca: readFileSync(join(cp.dir, 'ca.crt')), cert: readFileSync(join(cp.dir, 'admin.crt')), key: readFileSync(join(cp.dir, 'admin.key'))};
		tlsCache.set(cp.dir, tls);
	}
	return tls;
}

/**
 * One request to the API server as `admin` (system:masters). JSON bodies are serialized
 * (with Content-Length: the API server needs it on DELETE bodies); `contentType` defaults to
 * application/json (give the patch type for PATCH). Never rejects on an HTTP error status.
 * @throws Error when the connection fails.
 */
export async function apiRequest(cp: Pick<ControlPlane, 'url' | 'dir'>, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiAnswer> {
	const {request} = await import('node:https');
	const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
	return new Promise((done, fail) => {
		const req = request(
			`${cp.url}${path}`,
			{
				method,
				...adminTls(cp),
				agent: false,
				headers: {Accept: 'application/json', ...(payload ? {'Content-Type': contentType, 'Content-Length': payload.length} : {})},
			},
			res => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed: unknown = text;
					try {
						parsed = JSON.parse(text);
					} catch {
						// not JSON
					}
					done({status: res.statusCode ?? 0, body: parsed});
				});
				res.on('error', fail);
			},
		);
		req.on('error', fail);
		req.end(payload);
	});
}

/**
 * Watches `path` (a list URL) from `resourceVersion`, calling `onEvent` per event; resolves
 * with an abort function once the response started. `onEnd` is called when the stream ends
 * (server timeout, error, abort).
 */
export async function apiWatch(cp: Pick<ControlPlane, 'url' | 'dir'>, path: string, resourceVersion: string, onEvent: (event: {type: string; object: any}) => void, onEnd: (error?: Error) => void): Promise<() => void> {
	const {request} = await import('node:https');
	const sep = path.includes('?') ? '&' : '?';
	return new Promise((done, fail) => {
		const req = request(
			`${cp.url}${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`,
			{
				method: 'GET',
				...adminTls(cp),
				agent: false,
				headers: {Accept: 'application/json'},
			},
			res => {
				if (res.statusCode !== 200) {
					res.resume();
					fail(new Error(`watch ${path}: HTTP ${res.statusCode}`));
					return;
				}
				let rest = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => {
					rest += chunk;
					let nl;
					while ((nl = rest.indexOf('\n')) >= 0) {
						const line = rest.slice(0, nl);
						rest = rest.slice(nl + 1);
						if (line.trim()) onEvent(JSON.parse(line) as {type: string; object: any});
					}
				});
				res.on('end', () => onEnd());
				res.on('error', e => onEnd(e));
				done(() => req.destroy());
			},
		);
		req.on('error', e => {
			fail(e);
			onEnd(e);
		});
		req.end();
	});
}
