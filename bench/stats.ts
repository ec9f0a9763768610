/**
 * Small statistics and formatting helpers for the benchmarks: median and p90
 * of repeated measurements, and numbers printed the same way everywhere.
 */

/** Median and 90th percentile of a sample, plus its size. Values keep their unit (ms, MB). */
export interface Summary {
	median: number;
	p90: number;
	min: number;
	max: number;
	n: number;
}

/**
 * The q-quantile (0..1) by the nearest-rank method: the smallest value with at
 * least q of the sample at or below it (p90 of 7 runs is the 7th value, of 10
 * runs the 9th). Throws a RangeError for an empty sample.
 */
export function quantile(values: readonly number[], q: number): number {
	if (values.length === 0) throw new RangeError('quantile of an empty sample');
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.max(1, Math.ceil(q * sorted.length));
	return sorted[rank - 1];
}

/** Median (mean of the two middle values for an even count) and nearest-rank p90. */
export function summarize(values: readonly number[]): Summary {
	if (values.length === 0) throw new RangeError('summary of an empty sample');
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
	return {median, p90: quantile(sorted, 0.9), min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length};
}

/** Milliseconds for people: `412 ms`, `3.21 s`. */
export function formatMs(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** `median 412 ms, p90 530 ms (n=10)`. */
export function formatSummaryMs(s: Summary): string {
	return `median ${formatMs(s.median)}, p90 ${formatMs(s.p90)} (n=${s.n})`;
}

/** A ratio with two decimals and an `x`: `1.23x`. */
export function formatRatio(ratio: number): string {
	return `${ratio.toFixed(2)}x`;
}
