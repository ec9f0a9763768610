/**
 * The Kubernetes target rules of a run, pure: whether a runbook needs a cluster,
 * what a run records of the target it ran against, and what changed when a
 * resume connects to another one. Connecting lives in cli/kubernetes.ts.
 */
import {KUBERNETES_ACTIONS, LOCAL_WAIT_KINDS, type Runbook} from '../runbook/schema.js';
import {allSteps} from '../runbook/groups.js';
import type {KubeTarget} from './kubernetes-port.js';
import type {RunState} from './state.js';
import {waitKindOf} from './view.js';

/** True when a step of the runbook talks to Kubernetes (an action or a wait other than `command`). */
export function needsKubernetes(runbook: Runbook): boolean {
	return allSteps(runbook).some(step => KUBERNETES_ACTIONS.some(key => step[key] !== undefined) || (step.wait !== undefined && !LOCAL_WAIT_KINDS.includes(waitKindOf(step) ?? '')));
}

/** One line for people: `context: prod · server: https://… · namespace: spire`. */
export function describeTarget(target: KubeTarget): string {
	return `context: ${target.context} · server: ${target.server} · namespace: ${target.namespace}`;
}

/** The part of a target a run records (the user name is left out). */
export function recordedTarget(target: KubeTarget): NonNullable<RunState['kube']> {
	return {context: target.context, cluster: target.cluster, server: target.server, namespace: target.namespace};
}

/**
 * What changed between the target a run recorded and the one this session
 * connected to: context, cluster server or namespace, one `what old → new` each;
 * empty when the same or when the run recorded none.
 */
export function targetChanges(recorded: RunState['kube'], now: KubeTarget): string[] {
	if (!recorded) return [];
	const changes: string[] = [];
	if (recorded.context !== now.context) changes.push(`context ${recorded.context} → ${now.context}`);
	if (recorded.server !== now.server) changes.push(`server ${recorded.server} → ${now.server}`);
	if (recorded.namespace !== now.namespace) changes.push(`namespace ${recorded.namespace} → ${now.namespace}`);
	return changes;
}

/** A change of Kubernetes target the operator accepted for a resume (cli/kube-target.ts). */
export interface AcceptedTargetChange {
	/** What changed, for people: `context a → b; server … → …; namespace … → …`. */
	detail: string;
	/** The target this session connected to, recorded with the decision (the state keeps the old one until then). */
	kube: NonNullable<RunState['kube']>;
}
