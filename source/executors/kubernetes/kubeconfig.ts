/**
 * Reading the kubeconfig as kubectl reads it: `--kubeconfig`, else the
 * KUBECONFIG list (colon-separated; missing files skipped; for clusters, users
 * and contexts, the first file naming one wins, and so does the first
 * `current-context`), else `~/.kube/config`. Rules from kubectl's loading
 * rules (client-go `tools/clientcmd/loader.go`, ClientConfigLoadingRules).
 */
import {existsSync} from 'node:fs';
import {homedir} from 'node:os';
import {delimiter, resolve} from 'node:path';
import {KubeConfig, type Cluster, type Context, type User} from '@kubernetes/client-node';
import type {KubeTarget} from '../../engine/kubernetes-port.js';

/** Where to connect: every field optional, as on kubectl's command line. */
export interface KubeConfigOptions {
	/** Path of a kubeconfig file (`--kubeconfig`); default: KUBECONFIG, else ~/.kube/config. */
	kubeconfig?: string;
	/** Context name (`--context`); default: the kubeconfig's current-context. */
	context?: string;
	/** Default namespace of steps (`-n`); default: the context's namespace, else `default`. */
	namespace?: string;
}

/** A loaded kubeconfig with its current context set to the chosen one. */
export interface LoadedKubeConfig {
	kc: KubeConfig;
	target: KubeTarget;
	/** The files read, for messages (`a.yaml:b.yaml`). */
	files: string;
}

/**
 * Loads the kubeconfig and selects the context (see the file comment for the
 * rules). Throws an Error with a one-line message the operator can act on when
 * no kubeconfig exists, a file cannot be read or parsed, the context is not in
 * it (`context X not in kubeconfig Y (contexts: a, b)`), or the context names
 * a cluster the kubeconfig lacks.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): LoadedKubeConfig {
	const files = configFiles(options, env);
	const names = files.join(delimiter);
	const clusters = new Map<string, Cluster>();
	const users = new Map<string, User>();
	const contexts = new Map<string, Context>();
	let currentContext = '';
	for (const file of files) {
		const one = new KubeConfig();
		try {
			one.loadFromFile(file);
		} catch (error) {
			throw new Error(`cannot read kubeconfig ${file}: ${firstLine((error as Error).message)}`);
		}
		for (const cluster of one.getClusters()) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
		for (const user of one.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
		for (const context of one.getContexts()) if (!contexts.has(context.name)) contexts.set(context.name, context);
		if (!currentContext && one.getCurrentContext()) currentContext = one.getCurrentContext();
	}
	const known = [...contexts.keys()];
	const list = known.length > 0 ? known.join(', ') : 'none';
	const contextName = options.context || currentContext;
	if (!contextName) {
		throw new Error(`kubeconfig ${names} sets no current-context; name one with --context or the runbook's kubernetes.context (contexts: ${list})`);
	}
	const context = contexts.get(contextName);
	if (!context) throw new Error(`context ${contextName} not in kubeconfig ${names} (contexts: ${list})`);
	const cluster = clusters.get(context.cluster);
	if (!cluster) throw new Error(`context ${contextName} names cluster ${context.cluster}, which is not in kubeconfig ${names}`);
	if (!cluster.server) throw new Error(`cluster ${cluster.name} in kubeconfig ${names} has no server address`);

	const kc = new KubeConfig();
	kc.loadFromOptions({clusters: [...clusters.values()].map(plainHttp), users: [...users.values()], contexts: [...contexts.values()], currentContext: contextName});
	const user = context.user && users.has(context.user) ? context.user : undefined;
	return {
		kc,
		files: names,
		target: {
			context: contextName,
			cluster: cluster.name,
			server: cluster.server,
			namespace: options.namespace || context.namespace || 'default',
			...(user ? {user} : {}),
		},
	};
}

/**
 * kubectl talks to an `http://` server as it is; client-node 2.x refuses one
 * unless `insecure-skip-tls-verify` is set. There is no TLS to verify on such a
 * connection, so the flag is set for it (and only for it).
 */
function plainHttp(cluster: Cluster): Cluster {
	return cluster.server.startsWith('http:') && !cluster.skipTLSVerify ? {...cluster, skipTLSVerify: true} : cluster;
}

/** The kubeconfig files to read, in order; throws when there is none. */
function configFiles(options: KubeConfigOptions, env: NodeJS.ProcessEnv): string[] {
	if (options.kubeconfig) {
		const file = resolve(options.kubeconfig);
		if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist; check the --kubeconfig path`);
		return [file];
	}
	const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
	if (fromEnv.length > 0) {
		const present = fromEnv.map(file => resolve(file)).filter(file => existsSync(file));
		if (present.length === 0) throw new Error(`no kubeconfig: none of the files in KUBECONFIG exists (${fromEnv.join(delimiter)})`);
		return present;
	}
	const home = env.HOME || homedir();
	const file = resolve(home, '.kube', 'config');
	if (!existsSync(file)) throw new Error(`no kubeconfig: ${file} does not exist; set KUBECONFIG or pass --kubeconfig`);
	return [file];
}

function firstLine(text: string): string {
	return text.split('\n')[0].trim();
}
