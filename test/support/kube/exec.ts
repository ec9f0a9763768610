/**
 * `pods/NAME/exec` of the test cluster: the upgrade request is checked (pod exists, is
 * Running, the container is one of the pod's), then served over WebSocket (client-node,
 * kubectl ≥ 1.30: subprotocols v5.channel.k8s.io, v4.channel.k8s.io; websocket.ts) or
 * SPDY/3.1 (kubectl ≤ 1.29, e.g. Debian's 1.20: spdy.ts). The command runs as a local process (pod-runtime.ts).
 *
 * Channel protocol (k8s.io/apimachinery/pkg/util/remotecommand, kubelet's cri streaming):
 * every WebSocket binary message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr,
 * 3 error/status, 4 resize; v5 adds 255 = close (`[255, 0]` ends stdin). When the command
 * ends, channel 3 carries a metav1.Status: `{"status":"Success"}` or `Failure` with
 * reason NonZeroExitCode and `details.causes[{reason:"ExitCode",message:"<code>"}]`.
 * Stdin has backpressure end to end: when the process's stdin is full the socket stops
 * being read (TCP flow control to the client).
 */
import type {IncomingMessage} from 'node:http';
import type {Socket} from 'node:net';
import {POD, type ClusterContext} from './context.js';
import {statusObject} from './http-util.js';
import type {PodRuntime} from './pod-runtime.js';
import type {KubeObject} from './resources.js';
import {serveSpdyExec} from './spdy.js';
import {acceptWebSocket} from './websocket.js';

/** What an exec transport offers the process runner. */
export interface ExecTransport {
	/** Sends output; returns false when the transport is congested (then call `onDrain`). */
	write(channel: 1 | 2, chunk: Buffer): boolean;
	/** Calls `callback` once the transport can take more output. */
	onDrain(callback: () => void): void;
	/** Sends the final Status and closes. */
	finish(status: KubeObject): void;
}

/** Input side of a running exec, for the transport. */
export interface ExecInput {
	/** Writes stdin; returns false when the process's stdin is full (then wait for `onStdinDrain`). */
	writeStdin(chunk: Buffer): boolean;
	onStdinDrain(callback: () => void): void;
	endStdin(): void;
	/** Kills the process (the client went away). */
	kill(): void;
}

/** The parsed exec request. */
export interface ExecRequest {
	namespace: string;
	pod: string;
	command: string[];
	stdin: boolean;
	stdout: boolean;
	stderr: boolean;
	tty: boolean;
}

/** The Status of an exit code (0 = Success), worded as the kubelet words it. */
export function exitStatus(code: number, command: string[]): KubeObject {
	if (code === 0) {
		return {metadata: {}, status: 'Success'};
	}
	return {
		metadata: {}, status: 'Failure',
		message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
		reason: 'NonZeroExitCode',
		details: {causes: [{reason: 'ExitCode', message: String(code)}]},
	};
}

/** Starts the command and pumps its output into `transport`; returns the input side. */
export function runExec(pods: PodRuntime, request: ExecRequest, transport: ExecTransport): ExecInput {
	const child = pods.spawn(request.namespace, request.pod, request.command);
	let spawnError: Error | undefined;
	child.on('error', (error) => {
		spawnError = error;
	});
	const pump = (stream: NodeJS.ReadableStream, channel: 1 | 2, wanted: boolean): void => {
		stream.on('data', (chunk: Buffer) => {
			if (wanted && !transport.write(channel, chunk)) {
				stream.pause();
				transport.onDrain(() => stream.resume());
			}
		});
	};
	pump(child.stdout!, 1, request.stdout);
	pump(child.stderr!, request.tty ? 1 : 2, request.stderr || request.tty);
	child.stdin!.on('error', () => {
		// the process exited without reading all of stdin (EPIPE): ignore, as a pod would
	});
	if (!request.stdin) {
		child.stdin!.end();
	}
	child.on('close', (code, signal) => {
		if (spawnError) {
			const message = (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
				? `exec: "${request.command[0]}": executable file not found in $PATH` : spawnError.message;
			transport.write(2, Buffer.from(`${message}\n`));
			transport.finish({...exitStatus(127, request.command), message});
			return;
		}
		transport.finish(exitStatus(code ?? (signal ? 128 + 9 : 1), request.command));
	});
	return {
		writeStdin: (chunk) => child.stdin!.writable ? child.stdin!.write(chunk) : true,
		onStdinDrain: (callback) => {
			// Also when the process is gone: nothing will drain, but reading must go on.
			const once = (): void => {
				child.stdin!.off('drain', once);
				child.stdin!.off('close', once);
				callback();
			};
			child.stdin!.on('drain', once);
			child.stdin!.on('close', once);
		},
		endStdin: () => child.stdin!.end(),
		kill: () => {
			if (child.pid && child.exitCode === null) {
				try {
					process.kill(-child.pid, 'SIGKILL');
				} catch {
					// gone
				}
			}
		},
	};
}

function refuse(socket: Socket, code: number, reason: string, message: string): void {
	const body = JSON.stringify(statusObject(code, reason, message));
	socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** Parses and checks an exec upgrade request; undefined after answering an error on `socket`. */
function checkRequest(ctx: ClusterContext, req: IncomingMessage, socket: Socket): ExecRequest | undefined {
	const url = new URL(req.url ?? '/', 'http://localhost');
	const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec\/?$/.exec(url.pathname);
	if (!m) {
		refuse(socket, 404, 'NotFound', 'the server could not find the requested resource');
		return undefined;
	}
	const [namespace, pod] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
	const obj = ctx.store.get(POD, namespace, pod);
	if (!obj) {
		refuse(socket, 404, 'NotFound', `pods "${pod}" not found`);
		return undefined;
	}
	const container = url.searchParams.get('container');
	const names: string[] = (obj.spec?.containers ?? []).map((c: KubeObject) => c.name);
	if (container && !names.includes(container)) {
		refuse(socket, 400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
		return undefined;
	}
	if (obj.status?.phase !== 'Running') {
		refuse(socket, 400, 'BadRequest', `pod ${pod} is not running (phase ${obj.status?.phase ?? 'Pending'})`);
		return undefined;
	}
	const command = url.searchParams.getAll('command');
	if (command.length === 0) {
		refuse(socket, 400, 'BadRequest', 'you must specify at least 1 command');
		return undefined;
	}
	const flag = (name: string): boolean => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
	return {namespace, pod, command, stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty')};
}

/** Runs the exec over an accepted WebSocket (websocket.ts): channel bytes as in the module comment. */
function serveWebSocket(pods: PodRuntime, request: ExecRequest, req: IncomingMessage, socket: Socket, head: Buffer): void {
	let input: ExecInput | undefined;
	let channel = -1;
	let control: Buffer[] = [];
	const ws = acceptWebSocket(req, socket, head, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], {
		onData(chunk, start) {
			let data = chunk;
			if (start) {
				channel = data[0]!;
				data = data.subarray(1);
				control = [];
			}
			if (channel === 0 && request.stdin && input && data.length > 0) {
				if (!input.writeStdin(data)) {
					ws!.pause();
					input.onStdinDrain(() => ws!.resume());
				}
			} else if (channel === 255) {
				control.push(Buffer.from(data));
				const message = Buffer.concat(control);
				if (message.length >= 1 && message[0] === 0) {
					input?.endStdin();
				}
			}
		},
		onClose() {
			input?.endStdin();
			setTimeout(() => input?.kill(), 2000).unref();
		},
	});
	if (!ws) {
		return;
	}
	const transport: ExecTransport = {
		write(ch, chunk) {
			return ws.send([Buffer.from([ch]), chunk]);
		},
		onDrain(callback) {
			ws.onDrain(callback);
		},
		finish(status) {
			ws.send([Buffer.from([3]), Buffer.from(JSON.stringify(status))]);
			ws.close(1000);
		},
	};
	input = runExec(pods, request, transport);
}

/** Serves an upgrade request on the exec URL (WebSocket or SPDY), or refuses it. */
export function handleExecUpgrade(ctx: ClusterContext, pods: PodRuntime, req: IncomingMessage, socket: Socket, head: Buffer): void {
	const request = checkRequest(ctx, req, socket);
	if (!request) {
		return;
	}
	const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
	if (upgrade === 'websocket') {
		serveWebSocket(pods, request, req, socket, head);
	} else if (upgrade.startsWith('spdy/3.1')) {
		serveSpdyExec(req, socket, head, (transport) => runExec(pods, request, transport), request);
	} else {
		refuse(socket, 400, 'BadRequest', `unsupported upgrade protocol: ${upgrade}`);
	}
}
