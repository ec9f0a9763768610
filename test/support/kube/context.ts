/**
 * Shared state of one test cluster: the store, the timing options, timers (all cleared on
 * stop), and deletion as the API server + garbage collector do it: pods terminate (a
 * `deletionTimestamp`, then gone after `terminationDelayMs`), other objects go at once and
 * take their dependents (objects whose `ownerReferences` name them) unless
 * `propagationPolicy=Orphan`.
 */
import {Store} from './store.js';
import {RESOURCE_TYPES, type KubeObject, type ResourceType} from './resources.js';

/** Timing and shape of the simulated cluster; every delay in milliseconds. */
export interface ClusterOptions {
	/** How long a deleted pod stays Terminating before it disappears. Default 300. */
	terminationDelayMs: number;
	/** Delay before a controller reacts to a change (creates/deletes pods, updates status). Default 50. */
	controllerDelayMs: number;
	/** From pod creation to phase Running and Ready. Default 150. */
	podReadyDelayMs: number;
	/** From Job creation to Complete/Failed. Default 300. */
	jobDurationMs: number;
	/** From a postgresql CR's creation (or change) to status Running, after its pods are ready. Default 200. */
	postgresRunningDelayMs: number;
	/** Change events kept for watches resuming from an old resourceVersion. Default 1000. */
	eventWindow: number;
	/** Interval of BOOKMARK events on watches that ask for them. Default 1000. */
	bookmarkIntervalMs: number;
	/** Simulated node names (DaemonSets put one pod on each). Default node-1..node-3. */
	nodes: string[];
}

/** Defaults of ClusterOptions. */
export const DEFAULT_OPTIONS: ClusterOptions = {
	terminationDelayMs: 300,
	controllerDelayMs: 50,
	podReadyDelayMs: 150,
	jobDurationMs: 300,
	postgresRunningDelayMs: 200,
	eventWindow: 1000,
	bookmarkIntervalMs: 1000,
	nodes: ['node-1', 'node-2', 'node-3'],
};

/** Options of a delete, from the query string or a DeleteOptions body. */
export interface DeleteOptions {
	gracePeriodSeconds?: number;
	propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
}

/** The pod type (used everywhere). */
export const POD = RESOURCE_TYPES.find((t) => t.plural === 'pods')!;

/** The namespace type. */
export const NAMESPACE = RESOURCE_TYPES.find((t) => t.plural === 'namespaces')!;

/** One cluster's state, shared by the HTTP handlers and the controllers. */
export class ClusterContext {
	readonly store: Store;
	readonly options: ClusterOptions;
	private readonly timers = new Set<NodeJS.Timeout>();
	stopped = false;

	constructor(options: Partial<ClusterOptions> = {}) {
		this.options = {...DEFAULT_OPTIONS, ...options};
		this.store = new Store(this.options.eventWindow);
	}

	/** Runs `fn` after `ms` unless the cluster stopped first; errors are swallowed (logged). */
	later(ms: number, fn: () => void): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			if (!this.stopped) {
				try {
					fn();
				} catch (error) {
					if (process.env.KUBE_TEST_DEBUG) {
						console.error('test cluster timer:', error);
					}
				}
			}
		}, ms);
		this.timers.add(timer);
	}

	/** Clears every pending timer. */
	stop(): void {
		this.stopped = true;
		for (const t of this.timers) {
			clearTimeout(t);
		}
		this.timers.clear();
	}

	/**
	 * Deletes an object as the API server would; returns the object as it is after the call
	 * (a terminating pod, or the removed object), or undefined when it did not exist.
	 */
	deleteObject(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject | undefined {
		const current = this.store.get(type, namespace, name);
		if (!current) {
			return undefined;
		}
		if (type === POD && options.gracePeriodSeconds !== 0) {
			if (current.metadata.deletionTimestamp) {
				return current;
			}
			current.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
			current.metadata.deletionGracePeriodSeconds = options.gracePeriodSeconds ?? 30;
			const terminating = this.store.update(type, current);
			this.later(this.options.terminationDelayMs, () => {
				const still = this.store.get(type, namespace, name);
				if (still && still.metadata.uid === current.metadata.uid) {
					this.store.remove(type, namespace, name);
				}
			});
			return terminating;
		}
		if (type.plural === 'namespaces') {
			return this.deleteNamespace(current);
		}
		const removed = this.store.remove(type, namespace, name);
		if (options.propagationPolicy !== 'Orphan') {
			this.collectDependents(current.metadata.uid);
		}
		return removed;
	}

	/** A namespace goes Terminating, its objects are deleted, then it goes (after terminationDelayMs). */
	private deleteNamespace(ns: KubeObject): KubeObject {
		const name: string = ns.metadata.name;
		if (!ns.metadata.deletionTimestamp) {
			ns.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
			ns.status = {phase: 'Terminating'};
			ns = this.store.update(NAMESPACE, ns);
			for (const {type, object} of [...this.store.all()]) {
				if (type.namespaced && object.metadata.namespace === name) {
					this.deleteObject(type, name, object.metadata.name, {});
				}
			}
			this.later(this.options.terminationDelayMs, () => {
				this.store.remove(NAMESPACE, undefined, name);
			});
		}
		return ns;
	}

	/** Deletes every object owned (ownerReferences) by `uid`. */
	collectDependents(uid: string): void {
		for (const {type, object} of [...this.store.all()]) {
			if ((object.metadata.ownerReferences ?? []).some((r: KubeObject) => r.uid === uid)) {
				this.deleteObject(type, object.metadata.namespace, object.metadata.name, {});
			}
		}
	}
}
