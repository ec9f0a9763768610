/**
 * The Kubernetes target of a session: connected only when the runbook needs it; the run
 * records its target, and a resume against another one needs the operator's typed word
 * (the context's name in the TUI, or `--confirm-context NAME`), which the Runner records
 * as a `context-change-accepted` decision.
 */
import type {KubernetesPort} from '../engine/kubernetes-port.js';
import type {RunState} from '../engine/state.js';
import type {AcceptedTargetChange} from '../engine/kubernetes-target.js';
import {UsageError} from '../security/usage-error.js';
import {needsKubernetes, recordedTarget, targetChanges} from '../engine/kubernetes-target.js';
import {connectKubernetes} from './kubernetes.js';
import {wantsTui, type RunOptions} from './options.js';
import type {RunPlan} from './run-plan.js';

/** What {@link connectTarget} found. */
export interface SessionTarget {
	/** The port, when the runbook needs Kubernetes. */
	kubernetes?: KubernetesPort;
	/**
	 * The state to drive: with the target this session connected to recorded, or, when the
	 * target changed, with the recorded one kept (the Runner records the new one with the decision).
	 */
	state: RunState;
	/** The change from the recorded target the operator accepted, when there was one. */
	acceptedChange?: AcceptedTargetChange;
}

/**
 * Connects to the target of the plan's runbook (cli/kubernetes.ts connectKubernetes) when
 * it needs one; against a target other than the one the run recorded, asks the operator
 * to confirm it.
 * @throws UsageError when the connection cannot be made (a missing kubeconfig or context,
 *   a bad namespace), or the operator does not confirm another target.
 */
export async function connectTarget(plan: Pick<RunPlan, 'loaded' | 'state'>, options: RunOptions): Promise<SessionTarget> {
	const {state} = plan;
	if (!needsKubernetes(plan.loaded.runbook)) return {state};
	let kubernetes: KubernetesPort;
	try {
		kubernetes = await connectKubernetes(plan.loaded.runbook, options, state.vars);
	} catch (error) {
		throw new UsageError(`cannot connect to Kubernetes: ${(error as Error).message}`);
	}
	const target = kubernetes.target();
	const changes = targetChanges(state.kube, target);
	const kube = recordedTarget(target);
	if (changes.length === 0) return {kubernetes, state: {...state, kube}};
	if (wantsTui(options)) {
		const {confirmTargetChange} = await import('../ui/confirm-target.js');
		// Declined on the screen: the operator was told there; nothing more to say.
		if (!(await confirmTargetChange(changes, target.context))) throw new UsageError([]);
	} else if (options.confirmContext !== target.context) {
		throw new UsageError(`run ${state.runId} was started against another Kubernetes target (${changes.join('; ')}).`, [`to continue against ${target.context}, pass --confirm-context ${target.context}; or choose the recorded one with --context ${state.kube?.context}`]);
	}
	// The state keeps the recorded target: the Runner records the new one with the decision.
	return {kubernetes, state, acceptedChange: {detail: changes.join('; '), kube}};
}
