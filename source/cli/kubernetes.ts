/**
 * Connecting to Kubernetes for a session, only when the runbook has Kubernetes
 * steps (the client is imported lazily). The rules about the target (whether a
 * runbook needs one, what a run records, what changed on resume) are pure and
 * live in engine/kubernetes-target.ts.
 */
import type {Runbook} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import type {KubernetesPort} from '../engine/kubernetes-port.js';
import {checkNamespace} from '../security/kube-names.js';
import {stepLogFiles} from '../store/step-logs.js';

/** Kubernetes options of `run` and `resume` (as kubectl's: `--kubeconfig`, `--context`, `-n`). */
export interface KubeOptions {
	kubeconfig?: string;
	context?: string;
	namespace?: string;
	/** Without a terminal: accept resuming against a different target by naming its context. */
	confirmContext?: string;
}

/**
 * Connects: `--context` beats the runbook's `kubernetes.context`, which beats the
 * kubeconfig's current context; `-n` beats `kubernetes.namespace`, which beats the
 * context's namespace (kubectl's order). Variables in the runbook's values are resolved.
 * @throws Error with a one-line message when the kubeconfig or the context is missing, or
 *   the namespace is not a DNS-1123 label (KubeNameError).
 */
export async function connectKubernetes(runbook: Runbook, options: KubeOptions, vars: Record<string, string>): Promise<KubernetesPort> {
	if (options.kubeconfig) process.env.KUBECONFIG = options.kubeconfig; // scripts' kubectl reads the same file
	const context = options.context ?? (runbook.kubernetes?.context ? interpolate(runbook.kubernetes.context, vars) : undefined);
	const namespace = options.namespace ?? (runbook.kubernetes?.namespace ? interpolate(runbook.kubernetes.namespace, vars) : undefined);
	// Before any request: `-n ..` would change every API path (security/kube-names.ts).
	if (namespace !== undefined) checkNamespace(namespace);
	const {createKubernetesPort} = await import('../executors/kubernetes/index.js');
	return createKubernetesPort(stepLogFiles, {
		...(options.kubeconfig ? {kubeconfig: options.kubeconfig} : {}),
		...(context ? {context} : {}),
		...(namespace ? {namespace} : {}),
	});
}
