/**
 * Fault switches and request counters of the test cluster, for tests of how a client
 * copes with a flaky API server and for benchmarks that count API requests.
 */
import type {ServerResponse} from 'node:http';

/** Request counts: `total`, and per `"VERB path"` where VERB is get/list/watch/create/update/patch/delete/deletecollection/exec. */
export interface RequestStats {
	total: number;
	byVerb: Record<string, number>;
	/** Key `"list /api/v1/namespaces/spire/pods"` (path without query). */
	byVerbPath: Record<string, number>;
}

/** The switches; all act on the running server at once. */
export class Faults {
	/** Open watch responses (ended by dropWatches). */
	readonly watches = new Set<ServerResponse>();
	private goneCount = 0;
	private pausedUntil = 0;
	private readonly held: Array<() => void> = [];
	private pauseTimer: NodeJS.Timeout | undefined;
	readonly stats: RequestStats = {total: 0, byVerb: {}, byVerbPath: {}};

	/**
	 * Closes every open watch stream. `abrupt` destroys the sockets (as a network cut);
	 * otherwise each response ends cleanly (as the API server's watch timeout). Returns how many.
	 */
	dropWatches(abrupt = false): number {
		const n = this.watches.size;
		for (const res of [...this.watches]) {
			if (abrupt) {
				res.destroy();
			} else {
				res.end();
			}
			this.watches.delete(res);
		}
		return n;
	}

	/** The next `n` watches that give a resourceVersion get an ERROR event with Status 410 Gone. */
	goneOnNextWatch(n = 1): void {
		this.goneCount += n;
	}

	/** Consumes one forced 410 if any is pending (used by the watch handler). */
	takeGone(): boolean {
		if (this.goneCount > 0) {
			this.goneCount--;
			return true;
		}
		return false;
	}

	/** Holds every request (nothing is answered) for `ms`, then answers them in order. */
	pause(ms: number): void {
		this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
		if (this.pauseTimer) {
			clearTimeout(this.pauseTimer);
		}
		this.pauseTimer = setTimeout(() => this.release(), this.pausedUntil - Date.now());
	}

	/** Ends a pause now. */
	resume(): void {
		this.pausedUntil = 0;
		this.release();
	}

	/** Resolves when requests may be answered (at once unless paused). */
	async gate(): Promise<void> {
		if (Date.now() < this.pausedUntil) {
			await new Promise<void>((resolve) => this.held.push(resolve));
		}
	}

	/** Counts one request. */
	count(verb: string, path: string): void {
		this.stats.total++;
		this.stats.byVerb[verb] = (this.stats.byVerb[verb] ?? 0) + 1;
		const key = `${verb} ${path}`;
		this.stats.byVerbPath[key] = (this.stats.byVerbPath[key] ?? 0) + 1;
	}

	/** Zeroes the counters (in place: references to `stats.byVerb`/`byVerbPath` stay valid). */
	resetStats(): void {
		this.stats.total = 0;
		for (const map of [this.stats.byVerb, this.stats.byVerbPath]) {
			for (const key of Object.keys(map)) {
				delete map[key];
			}
		}
	}

	/** Stops timers and lets held requests through (on server stop). */
	dispose(): void {
		this.resume();
	}

	private release(): void {
		if (this.pauseTimer) {
			clearTimeout(this.pauseTimer);
			this.pauseTimer = undefined;
		}
		this.pausedUntil = 0;
		for (const resolve of this.held.splice(0)) {
			resolve();
		}
	}
}
