/**
 * Durations in runbooks (`timeout`, `retryDelay`, `interval`): `500ms`, `30s`, `5m`, `1h`.
 */
import ms from 'ms';
import {DURATION} from './schema.js';

/**
 * Parses a runbook duration into milliseconds.
 * @throws Error when the text is not a duration (the schema rejects those at load time).
 */
export function parseDuration(text: string): number {
	if (!DURATION.test(text)) throw new Error(`not a duration: ${text} (expected 500ms, 30s, 5m or 1h)`);
	return ms(text as ms.StringValue);
}

/**
 * A duration in milliseconds for people: `850ms`, `12s`, `3m04s`, `1h02m` (whole units,
 * cut down, not rounded). Negative or non-finite values read `0ms`. The one duration
 * formatter of the program: the TUI, the plain output, the end-of-run summary, the report
 * and the Kubernetes transfer progress all use it, so a time reads the same everywhere.
 */
export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '0ms';
	if (ms < 1000) return `${Math.round(ms)}ms`;
	const seconds = Math.floor(ms / 1000);
	if (seconds < 60) return `${seconds}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
	const hours = Math.floor(minutes / 60);
	return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * A wait's countdown: `2m10s left of 5m` (`leftMs` rounded up to whole seconds,
 * never below `0s`; `timeout` as the runbook wrote it). The TUI's step panel and
 * plain mode's progress lines show it while a step with a `timeout` runs.
 */
export function formatCountdown(leftMs: number, timeout: string): string {
	const seconds = Number.isFinite(leftMs) ? Math.max(0, Math.ceil(leftMs / 1000)) : 0;
	return `${seconds === 0 ? '0s' : formatDuration(seconds * 1000)} left of ${timeout}`;
}
