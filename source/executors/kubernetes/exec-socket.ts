/**
 * The WebSocket side of `exec`: client-node's `Exec` and WebSocketHandler set
 * up with this exec's own streams and two `ws` options (no compression, a
 * zero mask: see exec.ts), and the channel protocol's status message read as
 * an exit code (k8s.io/apimachinery `pkg/util/remotecommand`: channel 3
 * carries a metav1.Status; a non-zero exit is reason NonZeroExitCode with a
 * cause of reason ExitCode).
 */
import type {Readable, Writable} from 'node:stream';
import {Exec, type KubeConfig, type V1Status} from '@kubernetes/client-node';
import {oneLine} from './context.js';

/** The parts of a `ws` WebSocket used here (client-node types it through isomorphic-ws). */
export interface Socket {
	readonly protocol: string;
	readonly readyState: number;
	send(data: Buffer, options: {binary: boolean}, callback: (error?: Error) => void): void;
	close(): void;
	terminate(): void;
	pause(): void;
	resume(): void;
	on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
	on(event: 'error', listener: (error: Error) => void): void;
}

/** `WebSocket.OPEN`. */
export const OPEN = 1;
/** The stdin channel byte of the exec protocol. */
export const STDIN_CHANNEL = 0;
/** v5's close-stream channel byte: `[255, 0]` ends stdin. */
export const CLOSE_CHANNEL = 255;
/** The protocol that can close stdin alone (Kubernetes >= 1.30). */
export const V5_PROTOCOL = 'v5.channel.k8s.io';

/** The streams an exec connection writes to and reads from. */
export interface ExecStreams {
	stdin: Readable;
	stdout: Writable;
	stderr: Writable;
}

/** An `Exec` whose connections use {@link socketHandler}. */
export function execApi(kc: KubeConfig, streams: ExecStreams): Exec {
	return new Exec(kc, socketHandler(kc, streams));
}

type SocketHandler = NonNullable<ConstructorParameters<typeof Exec>[1]>;
type SocketHandlerClass = new (kc: KubeConfig, socketFactory: undefined, streams: ExecStreams) => SocketHandler;

/**
 * client-node's WebSocketHandler, made with this exec's own streams: by
 * default it would end `process.stdout` when the server closes the stdout
 * channel. The package does not export the class from its root, so it is
 * taken from the handler a plain `Exec` makes (its public `handler`).
 */
function socketHandler(kc: KubeConfig, streams: ExecStreams): SocketHandler {
	const config = socketConfig(kc);
	const HandlerClass = new Exec(config).handler.constructor as SocketHandlerClass;
	return new HandlerClass(config, undefined, streams);
}

/**
 * The kubeconfig as the WebSocket handler sees it, with two WebSocket options
 * added to the connection's TLS and auth options: no per-message compression
 * and a zero mask (see the file comment).
 */
function socketConfig(kc: KubeConfig): KubeConfig {
	const config = Object.create(kc) as KubeConfig;
	config.applyToHTTPSOptions = async (options: Parameters<KubeConfig['applyToHTTPSOptions']>[0]) => {
		await kc.applyToHTTPSOptions(options);
		Object.assign(options, {perMessageDeflate: false, generateMask: (mask: Buffer) => mask.fill(0)});
	};
	return config;
}

/** The exit code from the status channel, or why there is none (no status, a status that is not an exit). */
export function exitOf(status: V1Status | undefined, socketError: Error | undefined): {exitCode: number | null; error?: string} {
	if (!status) {
		const why = socketError ? `: ${socketError.message}` : '';
		return {exitCode: null, error: `the connection closed before the command's exit status arrived${why}`};
	}
	if (status.status === 'Success') return {exitCode: 0};
	const cause = status.details?.causes?.find(c => c.reason === 'ExitCode');
	if (status.reason === 'NonZeroExitCode' && cause?.message !== undefined) {
		const code = Number.parseInt(cause.message, 10);
		if (Number.isInteger(code)) return {exitCode: code};
	}
	return {exitCode: null, error: oneLine(status.message ?? `exec failed (${status.reason ?? 'no reason given'})`)};
}

/** One line for a connection that failed to open (`Unexpected server response: 403`...). */
export function connectError(error: unknown): string {
	const value = error as {message?: string; error?: Error};
	const message = value?.error?.message ?? value?.message ?? String(error);
	const status = /Unexpected server response: (\d+)/.exec(message);
	if (status?.[1] === '403') return 'forbidden (HTTP 403): the kubeconfig user may not exec into pods';
	if (status?.[1] === '404') return 'not found (HTTP 404)';
	return oneLine(message);
}
