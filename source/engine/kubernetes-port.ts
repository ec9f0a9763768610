/**
 * The Kubernetes port: what the engine needs from a cluster. Implemented with
 * @kubernetes/client-node in source/executors/kubernetes/ (loaded lazily: a
 * runbook without Kubernetes steps never imports the client). Tests run it
 * against a real control plane (test/support/kube/real-cluster.ts).
 */
import type {OutputChunk} from './output.js';
import type {LineCut} from '../runbook/variables.js';

/** Where Kubernetes steps go: read from the kubeconfig as kubectl reads it. */
export interface KubeTarget {
	/** Context name (`--context`, the runbook's `kubernetes.context`, or the kubeconfig's current context). */
	context: string;
	/** Cluster name of that context. */
	cluster: string;
	/** API server URL of that cluster. */
	server: string;
	/** Default namespace of Kubernetes steps (`-n`, the runbook's `kubernetes.namespace`, the context's, or `default`). */
	namespace: string;
	/** User name of that context. */
	user?: string;
}

/** Kubernetes action kinds (step keys) and wait kinds the port runs. */
export type KubeActionKind = 'scale' | 'delete' | 'apply' | 'patch' | 'restart' | 'exec' | 'copy' | 'wait';

/** One Kubernetes action or wait, with every string already resolved (variables replaced). */
export interface KubeRequest {
	stepId: string;
	kind: KubeActionKind;
	/**
	 * The action's object from the runbook with variables resolved, e.g. for `scale`
	 * `{kind: 'StatefulSet', name: 'spire-server', replicas: 0, namespace?: 'spire'}`;
	 * for `wait` the whole wait object (`{deleted: {kind: 'Pod', selector: '...'}}`).
	 */
	spec: Record<string, unknown>;
	/** Namespace to use when the spec names none. */
	namespace: string;
	/** Working directory for relative file paths (`apply.file`, `exec.stdin`, `copy.from`). */
	cwd: string;
	/** Aborted on stop or timeout: watches close, exec streams end. */
	signal: AbortSignal;
	/** Absolute log path of the attempt; the port appends what it did and saw (redacted). */
	logPath: string;
	/** Output of `exec` (and messages worth keeping), as lines. */
	onOutput: (chunk: OutputChunk) => void;
	/** What is left while waiting, in one line: "2 pods left: spire-server-0, spire-server-1". */
	onProgress: (message: string) => void;
	redact: (text: string) => string;
	/** Where `exec` cuts an over-long output line: see ShellRequest.cutLine. */
	cutLine?: LineCut;
	/** Keep exec's stdout for `capture` (bounded like shell capture). */
	capture: boolean;
}

/** How a Kubernetes action ended: a value, never an exception. */
export interface KubeResult {
	ok: boolean;
	/** One line for the operator when not ok: `statefulsets.apps "x" not found`, `job failed: BackoffLimitExceeded`. */
	error?: string;
	/** For `exec`: the command's exit code. */
	exitCode?: number | null;
	/** For `exec` with capture. */
	stdout?: string;
	/** For waits: true when the condition can never hold (a failed Job): no point waiting longer. */
	final?: boolean;
	/**
	 * One line worth keeping in the journal (a notice of the step): what the action acted on
	 * when the runbook did not name it, such as the objects a `scale` by selector scaled.
	 */
	notice?: string;
}

/** A cluster connection. */
export interface KubernetesPort {
	/** The target (context, cluster server, namespace) this port talks to. */
	target(): KubeTarget;
	/** Runs one action or wait. Never throws for API or command failures. */
	execute(request: KubeRequest): Promise<KubeResult>;
}
