/**
 * The controllers of the test cluster: each reconciles one kind. A change to an object of
 * that kind, or to an object it owns (ownerReferences, e.g. its pods), schedules a
 * reconcile of the owner after `controllerDelayMs` (several changes → one reconcile).
 * Reconciles are idempotent: they look at the current state and take one step towards
 * the desired one. The "kubelet" (pods.ts) starts every new Pending pod.
 */
import type {ClusterContext} from '../context.js';
import {RESOURCE_TYPES, type KubeObject, type ResourceType} from '../resources.js';
import type {StoreEvent} from '../store.js';
import {reconcileDaemonSet} from './daemonset.js';
import {reconcileDeployment} from './deployment.js';
import {reconcileJob} from './job.js';
import {startPod} from './pods.js';
import {reconcilePostgresql} from './postgresql.js';
import {reconcileStatefulSet} from './statefulset.js';

/** A reconcile function: takes the object's current state. */
export type Reconcile = (ctx: ClusterContext, obj: KubeObject) => void;

const RECONCILERS: Record<string, Reconcile> = {
	StatefulSet: reconcileStatefulSet,
	Deployment: reconcileDeployment,
	DaemonSet: reconcileDaemonSet,
	Job: reconcileJob,
	postgresql: reconcilePostgresql,
};

/** Starts and stops the controllers of one cluster. */
export class Controllers {
	private readonly ctx: ClusterContext;
	private unsubscribe: (() => void) | undefined;
	private readonly pending = new Set<string>();
	/** Reconciles run so far (tests can check that controllers acted). */
	reconciles = 0;

	constructor(ctx: ClusterContext) {
		this.ctx = ctx;
	}

	/** True while running. */
	get running(): boolean {
		return this.unsubscribe !== undefined;
	}

	/** Starts reacting to store changes, and reconciles every existing workload once. */
	start(): void {
		if (this.unsubscribe) {
			return;
		}
		this.unsubscribe = this.ctx.store.subscribe((event) => this.onEvent(event));
		for (const {type, object} of [...this.ctx.store.all()]) {
			this.onEvent({rv: 0, type: 'ADDED', resource: type, object});
		}
	}

	/** Stops reacting (pending reconciles are dropped). */
	stop(): void {
		this.unsubscribe?.();
		this.unsubscribe = undefined;
	}

	/** Schedules a reconcile of `kind` `namespace/name` now-ish (e.g. after a test changed options). */
	poke(kind: string, namespace: string | undefined, name: string): void {
		this.schedule(kind, namespace, name);
	}

	private onEvent(event: StoreEvent): void {
		const obj = event.object;
		if (event.resource.kind === 'Pod' && event.type === 'ADDED' && obj.status?.phase === 'Pending') {
			startPod(this.ctx, obj);
		}
		if (RECONCILERS[event.resource.kind]) {
			this.schedule(event.resource.kind, obj.metadata.namespace, obj.metadata.name);
		}
		for (const ref of obj.metadata?.ownerReferences ?? []) {
			if (RECONCILERS[ref.kind]) {
				this.schedule(ref.kind, obj.metadata.namespace, ref.name);
			}
		}
	}

	private schedule(kind: string, namespace: string | undefined, name: string): void {
		const key = `${kind}/${namespace ?? ''}/${name}`;
		if (this.pending.has(key)) {
			return;
		}
		this.pending.add(key);
		this.ctx.later(this.ctx.options.controllerDelayMs, () => {
			this.pending.delete(key);
			if (!this.unsubscribe) {
				return;
			}
			const type = RESOURCE_TYPES.find((t) => t.kind === kind) as ResourceType;
			const obj = this.ctx.store.get(type, namespace, name);
			if (obj && !obj.metadata.deletionTimestamp) {
				this.reconciles++;
				RECONCILERS[kind]!(this.ctx, obj);
			}
		});
	}
}
