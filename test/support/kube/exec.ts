/**
 * Exec in the test kubelet (kubelet.ts): the command runs as a local process of the pod
 * runtime (pod-runtime.ts), its output goes to a transport (SPDY/3.1, spdy.ts: what the API
 * server speaks to a kubelet, also when it translates a client's WebSocket).
 *
 * When the command ends, the error channel carries a metav1.Status, worded as the kubelet's
 * (k8s.io/apimachinery/pkg/util/remotecommand): `{"status":"Success"}` or `Failure` with
 * reason NonZeroExitCode and `details.causes[{reason:"ExitCode",message:"<code>"}]`.
 * Stdin has backpressure end to end: when the process's stdin is full the transport stops
 * being read (TCP flow control back through the API server to the client).
 */
import type {KubeObject} from './fixture-kit.js';
import type {PodRuntime} from './pod-runtime.js';

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
		metadata: {},
		status: 'Failure',
		message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
		reason: 'NonZeroExitCode',
		details: {causes: [{reason: 'ExitCode', message: String(code)}]},
	};
}

/** Starts the command and pumps its output into `transport`; returns the input side. */
export function runExec(pods: PodRuntime, request: ExecRequest, transport: ExecTransport): ExecInput {
	const child = pods.spawn(request.namespace, request.pod, request.command);
	let spawnError: Error | undefined;
	child.on('error', error => {
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
			const message = (spawnError as NodeJS.ErrnoException).code === 'ENOENT' ? `exec: "${request.command[0]}": executable file not found in $PATH` : spawnError.message;
			transport.write(2, Buffer.from(`${message}\n`));
			transport.finish({...exitStatus(127, request.command), message});
			return;
		}
		transport.finish(exitStatus(code ?? (signal ? 128 + 9 : 1), request.command));
	});
	return {
		writeStdin: chunk => (child.stdin!.writable ? child.stdin!.write(chunk) : true),
		onStdinDrain: callback => {
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
