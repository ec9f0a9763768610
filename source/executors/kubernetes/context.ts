/**
 * What every Kubernetes action shares: the connection (client, discovery,
 * settings) and, per request, the step log and the operator's output, with
 * every line redacted before it is written or shown.
 */
import type {KubeConfig} from '@kubernetes/client-node';
import type {KubeRequest, KubeTarget} from '../../engine/kubernetes-port.js';
import type {StepLogs, StepLogWriter} from '../../engine/step-log-port.js';
import type {KubeClient} from './client.js';
import type {Discovery, ResourceInfo} from './discovery.js';
import type {WatchSettings} from './watch.js';

/** Tunables of a port; tests shorten the times. */
export interface PortSettings {
	/** Watch restarts and retries (see watch.ts). */
	watch: WatchSettings;
	/** Size of each stdin message of `exec` / `copy`, in bytes (64 KiB; see exec.ts). */
	stdinChunkBytes: number;
	/**
	 * Most stdin bytes handed to the socket but not yet written, in bytes (2 MiB).
	 * Resident memory grows by about twice this when a stream starts (our buffers,
	 * and native memory beyond them: TLS's encrypted copies, by our reading); 4 MiB
	 * measured no faster against the test cluster, with 3-6 MB more peak RSS
	 * (README, Benchmarks: issue 14 item 3).
	 */
	stdinWindowBytes: number;
	/** Shortest time between two stdin progress messages, in ms (250: at most 4 a second). */
	progressIntervalMs: number;
}

/** The connection of one port. */
export interface PortContext {
	kc: KubeConfig;
	client: KubeClient;
	discovery: Discovery;
	target: KubeTarget;
	settings: PortSettings;
	/** Where attempts' logs are written. */
	logs: StepLogs;
}

/** One request's output: the step log and the operator's screen. */
export class ActionIO {
	readonly request: KubeRequest;
	readonly log: StepLogWriter;

	constructor(request: KubeRequest, log: StepLogWriter) {
		this.request = request;
		this.log = log;
	}

	/** A line for the operator (stdout) and the log, redacted: `statefulset.apps/web scaled`. */
	say(line: string): void {
		const lines = [this.request.redact(line)];
		this.log.writeLines(lines);
		this.request.onOutput({stream: 'stdout', lines});
	}

	/** A note in the log only (`=== runbook: ... ===`), redacted. */
	note(text: string): void {
		this.log.note(this.request.redact(text));
	}

	/** A progress message: shown in the step's status line and written to the log, redacted. */
	progress(message: string): void {
		const text = this.request.redact(message);
		this.log.writeLines([`${new Date().toISOString().slice(11, 23)} ${text}`]);
		this.request.onProgress(text);
	}

	/** The namespace the spec names, else the request's default. */
	namespaceOf(spec: Record<string, unknown>): string {
		return typeof spec.namespace === 'string' && spec.namespace !== '' ? spec.namespace : this.request.namespace;
	}
}

/** `statefulset.apps/web`, `pod/web-0`: how kubectl names an object in its output. */
export function objectRef(info: ResourceInfo, name: string): string {
	return `${info.group ? `${info.singular}.${info.group}` : info.singular}/${name}`;
}

/** A field of a spec as text, or undefined when absent. */
export function textField(spec: Record<string, unknown>, key: string): string | undefined {
	const value = spec[key];
	return value === undefined || value === null || value === '' ? undefined : String(value);
}

/**
 * A required field of a spec as text.
 * @throws Error `<action> needs <key>` when it is absent.
 */
export function requireField(spec: Record<string, unknown>, key: string, action: string): string {
	const value = textField(spec, key);
	if (value === undefined) throw new Error(`${action} needs ${key}`);
	return value;
}

/** `text` on one line: each line break, with the spaces around it, becomes one space; trimmed. */
export function oneLine(text: string): string {
	return text.replace(/\s*\n\s*/g, ' ').trim();
}
