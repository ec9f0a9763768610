/**
 * Progress of a stream sent to a pod (`exec.stdin`, `copy`), as one line:
 * `stdin: 412 MiB of 1.0 GiB (40%), 95 MiB/s, ETA 7s`, reported at most every
 * `intervalMs` (the first and last always).
 */

import {formatBytes} from '../../engine/bytes.js';
import {formatDuration} from '../../runbook/duration.js';

/** A rate in MiB/s: `95 MiB/s`, `3.2 MiB/s`, `0.1 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
	const mib = bytesPerSecond / (1024 * 1024);
	return mib < 10 ? `${mib.toFixed(1)} MiB/s` : `${Math.round(mib)} MiB/s`;
}

/** `7s`, `2m05s`, `1h02m`: whole seconds, rounded up (an ETA never reads shorter than it is), in the program's duration format. */
export function formatEta(seconds: number): string {
	const s = Number.isFinite(seconds) ? Math.max(0, Math.ceil(seconds)) : 0;
	return s === 0 ? '0s' : formatDuration(s * 1000);
}

/** Counts bytes sent and reports throttled progress lines. */
export class TransferProgress {
	readonly #label: string;
	readonly #total: number;
	readonly #intervalMs: number;
	readonly #report: (message: string) => void;
	readonly #started = performance.now();
	#sent = 0;
	#lastReport = -Infinity;

	/** `label`: `stdin` or `copy`; `total`: bytes to send; `report` gets each line. */
	constructor(label: string, total: number, intervalMs: number, report: (message: string) => void) {
		this.#label = label;
		this.#total = total;
		this.#intervalMs = intervalMs;
		this.#report = report;
	}

	/** Bytes sent so far. */
	get sent(): number {
		return this.#sent;
	}

	/** Adds `bytes` sent; reports when the interval has passed since the last report. */
	add(bytes: number): void {
		this.#sent += bytes;
		const now = performance.now();
		if (now - this.#lastReport < this.#intervalMs) return;
		this.#lastReport = now;
		this.#report(this.line(now));
	}

	/** The progress line at time `now` (performance.now() ms). */
	line(now = performance.now()): string {
		const seconds = Math.max((now - this.#started) / 1000, 1e-3);
		const rate = this.#sent / seconds;
		const percent = this.#total > 0 ? Math.floor((this.#sent / this.#total) * 100) : 100;
		const eta = rate > 0 ? `, ETA ${formatEta((this.#total - this.#sent) / rate)}` : '';
		return `${this.#label}: ${formatBytes(this.#sent)} of ${formatBytes(this.#total)} (${percent}%), ${formatRate(rate)}${eta}`;
	}

	/** Reports the end: `stdin: 1.0 GiB sent in 11s (93 MiB/s)`. */
	finish(): string {
		const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
		const line = `${this.#label}: ${formatBytes(this.#sent)} sent in ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s (${formatRate(this.#sent / seconds)})`;
		this.#report(line);
		return line;
	}
}

/**
 * Counts bytes received from a pod whose total is not known ahead (`exec.stdout`, `copy`
 * from a pod) and reports throttled lines: `stdout to dump.sql: 412 MiB received, 95 MiB/s`.
 */
export class ReceiveProgress {
	readonly #label: string;
	readonly #intervalMs: number;
	readonly #report: (message: string) => void;
	readonly #started = performance.now();
	#received = 0;
	#lastReport = -Infinity;

	/** `label` starts each line; `report` gets each line, at most every `intervalMs` ms. */
	constructor(label: string, intervalMs: number, report: (message: string) => void) {
		this.#label = label;
		this.#intervalMs = intervalMs;
		this.#report = report;
	}

	/** Adds `bytes` received; reports when the interval has passed since the last report. */
	add(bytes: number): void {
		this.#received += bytes;
		const now = performance.now();
		if (now - this.#lastReport < this.#intervalMs) return;
		this.#lastReport = now;
		const seconds = Math.max((now - this.#started) / 1000, 1e-3);
		this.#report(`${this.#label}: ${formatBytes(this.#received)} received, ${formatRate(this.#received / seconds)}`);
	}

	/** The end, one line: `stdout to dump.sql: 1.0 GiB received in 11s (93 MiB/s)` (not reported: the caller logs it). */
	finish(): string {
		const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
		return `${this.#label}: ${formatBytes(this.#received)} received in ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s (${formatRate(this.#received / seconds)})`;
	}
}
