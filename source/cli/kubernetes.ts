/**
 * Kubernetes for a session: connect only when the runbook has Kubernetes steps
 * (the client is imported lazily), record the target (context, cluster server,
 * namespace) with the run, and tell what changed since (kube-target.ts asks the
 * operator to confirm a resume against another target).
 */
import {KUBERNETES_ACTIONS, LOCAL_WAIT_KINDS, type Runbook} from '../runbook/schema.js';
import {interpolate} from '../runbook/variables.js';
import type {KubernetesPort, KubeTarget} from '../engine/kubernetes-port.js';
import type {RunState} from '../engine/state.js';
import {waitKindOf} from '../engine/view.js';
import {checkNamespace} from '../security/kube-names.js';
import {allSteps} from '../runbook/groups.js';

/** Kubernetes options of `run` and `resume` (as kubectl's: `--kubeconfig`, `--context`, `-n`). */
export interface KubeOptions {
	kubeconfig?: string;
	context?: string;
	namespace?: string;
	/** Without a terminal: accept resuming against a different target by naming its context. */
	confirmContext?: string;
}

/** True when a step of the runbook talks to Kubernetes (an action or a wait other than `command`). */
export function needsKubernetes(runbook: Runbook): boolean {
	return allSteps(runbook).some(step => KUBERNETES_ACTIONS.some(key => step[key] !== undefined) || (step.wait !== undefined && !LOCAL_WAIT_KINDS.includes(waitKindOf(step) ?? '')));
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
	return createKubernetesPort({
		...(options.kubeconfig ? {kubeconfig: options.kubeconfig} : {}),
		...(context ? {context} : {}),
		...(namespace ? {namespace} : {}),
	});
}

/** One line for people: `context: prod · server: https://… · namespace: spire`. */
export function describeTarget(target: KubeTarget): string {
	return `context: ${target.context} · server: ${target.server} · namespace: ${target.namespace}`;
}

/** The part of a target a run records. */
export function recordedTarget(target: KubeTarget): NonNullable<RunState['kube']> {
	return {context: target.context, cluster: target.cluster, server: target.server, namespace: target.namespace};
}

/**
 * What changed between the target a run recorded and the one this session
 * connected to: context, cluster server or namespace; empty when the same.
 */
export function targetChanges(recorded: RunState['kube'], now: KubeTarget): string[] {
	if (!recorded) return [];
	const changes: string[] = [];
	if (recorded.context !== now.context) changes.push(`context ${recorded.context} → ${now.context}`);
	if (recorded.server !== now.server) changes.push(`server ${recorded.server} → ${now.server}`);
	if (recorded.namespace !== now.namespace) changes.push(`namespace ${recorded.namespace} → ${now.namespace}`);
	return changes;
}
