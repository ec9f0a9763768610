/**
 * The Kubernetes executor: the engine's KubernetesPort on
 * @kubernetes/client-node 2.x. Loaded lazily (`await import()`) by the session
 * only when a runbook has Kubernetes steps: importing the client takes a
 * second or more.
 *
 * Every action appends what it did and saw to the attempt's log (redacted),
 * reports a failure as one line in the result, and never throws.
 */
import type {KubeActionKind, KubeRequest, KubeResult, KubernetesPort, KubeTarget} from '../../engine/kubernetes-port.js';
import type {StepLogs, StepLogWriter} from '../../engine/step-log-port.js';
import {deleteObjects, patchObject, restart, scale} from './actions.js';
import {apply} from './apply.js';
import {DEFAULT_REQUEST_TIMEOUT_MS, KubeClient} from './client.js';
import {ActionIO, oneLine, type PortContext, type PortSettings} from './context.js';
import {copy} from './copy.js';
import {Discovery} from './discovery.js';
import {exec} from './exec.js';
import {type KubeConfigOptions, loadKubeConfig} from './kubeconfig.js';
import {wait} from './wait.js';
import {DEFAULT_WATCH_SETTINGS, type WatchSettings} from './watch.js';

/** Options of {@link createKubernetesPort}: where to connect, and tunables (tests shorten them). */
export interface KubernetesPortOptions extends KubeConfigOptions {
	/** Longest a plain API request may take, in ms (30 000). */
	requestTimeoutMs?: number;
	/** Watch restarts and retries; `quietMs` defaults to 30 000 (client-node 2.x's inactivity timeout). */
	watch?: Partial<WatchSettings>;
	/** stdin message size in bytes (64 KiB), unwritten bytes allowed (2 MiB), progress interval in ms (250). */
	stdin?: Partial<Pick<PortSettings, 'stdinChunkBytes' | 'stdinWindowBytes' | 'progressIntervalMs'>>;
}

/** A port with a count of the API requests it made (for tests and benchmarks). */
export interface KubernetesPortWithStats extends KubernetesPort {
	/** Plain and watch requests sent so far (exec WebSockets not counted). */
	apiRequests(): number;
}

type Handler = (ctx: PortContext, io: ActionIO) => Promise<KubeResult>;

const HANDLERS: Record<KubeActionKind, Handler> = {
	scale,
	delete: deleteObjects,
	apply,
	patch: patchObject,
	restart,
	exec,
	copy,
	wait,
};

/**
 * Connects to the cluster of the kubeconfig's context (read as kubectl reads
 * it: `kubeconfig`, else KUBECONFIG, else ~/.kube/config; see kubeconfig.ts).
 * Discovery results are cached for the port's life. No request is made until
 * the first action. Each attempt's log is opened through `logs` (the engine's port;
 * store/step-logs.ts in the program).
 * @throws Error with a one-line message when no kubeconfig exists or the
 *   context is not in it: `context X not in kubeconfig Y (contexts: a, b)`.
 */
export function createKubernetesPort(logs: StepLogs, options: KubernetesPortOptions = {}): KubernetesPortWithStats {
	const {kc, target} = loadKubeConfig(options);
	const client = new KubeClient(kc, options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
	const ctx: PortContext = {
		kc,
		client,
		discovery: new Discovery(client),
		target,
		logs,
		settings: {
			watch: {...DEFAULT_WATCH_SETTINGS, ...options.watch},
			stdinChunkBytes: options.stdin?.stdinChunkBytes ?? 64 * 1024,
			stdinWindowBytes: options.stdin?.stdinWindowBytes ?? 2 * 1024 * 1024,
			progressIntervalMs: options.stdin?.progressIntervalMs ?? 250,
		},
	};
	return {
		target: (): KubeTarget => ({...target}),
		execute: request => execute(ctx, request),
		apiRequests: () => client.requests,
	};
}

async function execute(ctx: PortContext, request: KubeRequest): Promise<KubeResult> {
	let log: StepLogWriter;
	try {
		log = await ctx.logs.open(request.logPath);
	} catch (error) {
		return {ok: false, error: `step "${request.stepId}": ${(error as Error).message}; check that its folder is writable`};
	}
	const io = new ActionIO(request, log);
	const what = request.kind === 'wait' ? `wait.${Object.keys(request.spec).join(',')}` : request.kind;
	io.note(`step "${request.stepId}" ${what} started ${new Date().toISOString()} (context ${ctx.target.context}, server ${ctx.target.server}, namespace ${request.namespace})`);
	let result: KubeResult;
	const handler = HANDLERS[request.kind];
	if (!handler) {
		result = {ok: false, error: `unknown Kubernetes action ${String(request.kind)}`};
	} else {
		try {
			result = await handler(ctx, io);
		} catch (error) {
			result = {ok: false, error: describeFailure(error, request)};
		}
	}
	if (result.error) result = {...result, error: request.redact(oneLine(result.error))};
	io.note(result.ok ? `step "${request.stepId}" ${what} succeeded` : `step "${request.stepId}" ${what} failed: ${result.error}`);
	await log.close();
	return result;
}

function describeFailure(error: unknown, request: KubeRequest): string {
	if (request.signal.aborted) return `${request.kind} aborted`;
	const message = error instanceof Error ? error.message : String(error);
	// A bug here must not pass for the cluster's answer: say so plainly.
	if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) {
		return `Kubernetes executor failed for step "${request.stepId}" (a bug; please report it with the log ${request.logPath}): ${message}`;
	}
	return message;
}
