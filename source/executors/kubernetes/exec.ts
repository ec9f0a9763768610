/**
 * `exec {pod, container?, command, stdin?}`: runs a command in a pod through
 * client-node's `Exec` (a WebSocket, channel protocol v5.channel.k8s.io
 * preferred), as `kubectl exec` does: the pod is read first (a missing pod, a
 * completed pod or an unknown container is a clear error; with no container
 * named, the `kubectl.kubernetes.io/default-container` annotation or the first
 * container is used, as kubectl does: exec-container.ts). stdout and stderr arrive as lines
 * (redacted) for the screen and the log; the exit code comes from the status
 * channel.
 *
 * stdin streams a local file without per-chunk overhead: it is read, 1 MiB
 * per system call, straight into reused buffers that carry the channel byte,
 * and sent as 64 KiB messages, unmasked (a zero WebSocket mask, which the `ws`
 * package sends without copying; masking only protects browsers' proxies) and
 * uncompressed, with at most `stdinWindowBytes` handed to the socket but not
 * yet written (backpressure; stdin-pump.ts). Against a server that stops
 * reading its socket while the command's stdin is full (the test cluster),
 * messages of 256 KiB and more were measured up to 10 times slower (each stall
 * waits for TCP's delayed acknowledgement), while 32 to 128 KiB ran at the
 * speed of a bare `ws` client.
 * The end of stdin is signalled with v5's close-stream message, so the command
 * sees end-of-file and its output and exit status still arrive. client-node's
 * own stdin handling has no backpressure, so it is given a stream that never
 * sends (it only makes the request ask for stdin).
 */
import {open} from 'node:fs/promises';
import {resolve} from 'node:path';
import {Readable} from 'node:stream';
import {finished} from 'node:stream/promises';
import type {V1Status} from '@kubernetes/client-node';
import {CAPTURE_LIMIT_BYTES} from '../../engine/ports.js';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import {CaptureBuffer} from '../capture-buffer.js';
import {createOutputSink} from '../output-sink.js';
import type {ActionIO, PortContext} from './context.js';
import {CLOSE_CHANNEL, connectError, execApi, exitOf, type Socket, STDIN_CHANNEL, V5_PROTOCOL} from './exec-socket.js';
import {formatBytes} from '../../engine/bytes.js';
import {ReceiveProgress, TransferProgress} from './progress.js';
import {PartFile} from './local-file.js';
import {podForWorkload} from './workload-pod.js';
import {pumpStdin} from './stdin-pump.js';
import {chooseContainer} from './exec-container.js';
import {byteWritable, lineWritable, type ByteSink} from './exec-output.js';
import {shellQuote as quote} from '../../runbook/shell-quote.js';

/** What to run. */
export interface ExecPlan {
	namespace: string;
	pod: string;
	container?: string;
	command: string[];
	/** Absolute path of a local file to stream to the command's stdin. */
	stdinFile?: string;
	/** Label of stdin progress lines: `stdin` or `copy`. */
	progressLabel: string;
	/** Keep stdout for `capture`. */
	capture: boolean;
	/** Show stdout to the operator (default true; `copy` reads it itself). */
	showStdout?: boolean;
	/**
	 * Where stdout's bytes go instead of lines (`exec.stdout`, `copy` from a pod): written
	 * as they arrive, neither shown, logged nor captured; the socket is not read while the
	 * sink's buffer is full. stderr is still shown and logged.
	 */
	stdoutTo?: ByteSink;
	/** Label of the received-bytes progress lines when {@link ExecPlan.stdoutTo} is set: `stdout to dump.sql`. */
	stdoutLabel?: string;
}

/** How long to wait for the server to close the connection after the exit status, in ms. */
const CLOSE_GRACE_MS = 1000;

/**
 * `exec` as the runbook gives it. `pod` may name a workload (`statefulset/NAME`,
 * `deployment/NAME`: format 1.1), whose pod kubectl would pick is used (workload-pod.ts).
 * With `stdout: FILE` (format 1.1), the command's stdout goes to that local file (relative
 * to the request's cwd) as `kubectl exec ... > FILE` would write it, but through a part
 * file (0600) renamed over FILE only when the command exited 0 (local-file.ts); on any
 * failure the part file is removed and FILE is left as it was.
 */
export async function exec(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	const command = Array.isArray(spec.command) ? spec.command.map(String) : typeof spec.command === 'string' ? [spec.command] : [];
	if (command.length === 0) return {ok: false, error: 'exec needs command, a list such as [sh, -c, "..."]'};
	if (typeof spec.pod !== 'string' || spec.pod === '') return {ok: false, error: 'exec needs pod'};
	const namespace = io.namespaceOf(spec);
	let pod = spec.pod;
	if (pod.includes('/')) {
		const chosen = await podForWorkload(ctx, io, namespace, pod);
		if (typeof chosen !== 'string') return chosen;
		pod = chosen;
	}
	const plan: ExecPlan = {
		namespace,
		pod,
		...(typeof spec.container === 'string' && spec.container ? {container: spec.container} : {}),
		command,
		...(typeof spec.stdin === 'string' && spec.stdin ? {stdinFile: resolve(io.request.cwd, spec.stdin)} : {}),
		progressLabel: 'stdin',
		capture: io.request.capture,
	};
	if (typeof spec.stdout !== 'string' || spec.stdout === '') return runExec(ctx, io, plan);
	const target = resolve(io.request.cwd, spec.stdout);
	let file: PartFile;
	try {
		file = PartFile.open(target);
	} catch (error) {
		return {ok: false, error: (error as Error).message};
	}
	let result: KubeResult;
	try {
		result = await runExec(ctx, io, {...plan, capture: false, stdoutTo: file, stdoutLabel: `stdout to ${spec.stdout}`});
	} catch (error) {
		await file.discard();
		throw error;
	}
	if (!result.ok) {
		await file.discard();
		io.note(`${target} not written: the command failed (its stdout, ${file.bytes} bytes, was discarded)`);
		return result;
	}
	try {
		await file.commit();
	} catch (error) {
		return {ok: false, error: `cannot write ${target}: ${(error as Error).message}`};
	}
	io.say(`stdout written to ${target} (${formatBytes(file.bytes)})`);
	return result;
}

/** Runs `plan` (see the file comment); never throws for a command's failure. */
export async function runExec(ctx: PortContext, io: ActionIO, plan: ExecPlan): Promise<KubeResult> {
	const container = await chooseContainer(ctx, io, plan);
	if (typeof container !== 'string') return container;

	let stdin: {handle: Awaited<ReturnType<typeof open>>; size: number} | undefined;
	if (plan.stdinFile) {
		try {
			const handle = await open(plan.stdinFile, 'r');
			stdin = {handle, size: (await handle.stat()).size};
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			return {ok: false, error: `cannot read ${plan.stdinFile}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
		}
	}
	try {
		return await stream(ctx, io, plan, container, stdin);
	} finally {
		await stdin?.handle.close();
	}
}

async function stream(ctx: PortContext, io: ActionIO, plan: ExecPlan, container: string, stdin: {handle: Awaited<ReturnType<typeof open>>; size: number} | undefined): Promise<KubeResult> {
	const {signal} = io.request;
	const started = performance.now();
	io.note(`exec in pod ${plan.pod} (container ${container}) in ${plan.namespace}: ${plan.command.map(quote).join(' ')}${stdin ? ` < ${plan.stdinFile} (${stdin.size} bytes)` : ''}`);

	const capture = plan.capture ? new CaptureBuffer(CAPTURE_LIMIT_BYTES) : undefined;
	let socket: Socket | undefined;
	const sink = createOutputSink({
		redact: io.request.redact,
		capture,
		...(io.request.sensitive ? {sensitive: true} : {}),
		captureNote: `capture truncated: stdout beyond ${CAPTURE_LIMIT_BYTES} bytes is not kept`,
		log: io.log,
		hold: () => socket?.pause(),
		release: () => socket?.resume(),
		show: chunk => {
			if (chunk.stream === 'stderr' || plan.showStdout !== false) io.request.onOutput(chunk);
		},
	});
	const deliver = sink.deliver;
	const received = plan.stdoutTo ? new ReceiveProgress(plan.stdoutLabel ?? 'stdout', ctx.settings.progressIntervalMs, message => io.progress(message)) : undefined;
	const stdout = plan.stdoutTo
		? byteWritable(
				plan.stdoutTo,
				received!,
				() => socket?.pause(),
				() => socket?.resume(),
			)
		: lineWritable('stdout', deliver, io.request.cutLine);
	const stderr = lineWritable('stderr', deliver, io.request.cutLine);
	// Never sends: it only makes the request ask for stdin (see the file comment).
	const stdinStandIn = new Readable({read() {}});
	let stdinClosedByServer = false;
	stdinStandIn.on('pause', () => {
		stdinClosedByServer = true;
	});

	let status: V1Status | undefined;
	let onStatus: (() => void) | undefined;
	let wakePump: (() => void) | undefined;
	let stdinLeftUnread = false;
	const api = execApi(ctx.kc, {stdin: stdinStandIn, stdout, stderr});
	try {
		socket = (await api.exec(plan.namespace, plan.pod, container, plan.command, stdout, stderr, stdin ? stdinStandIn : null, false, s => {
			status = s;
			onStatus?.();
			wakePump?.();
		})) as unknown as Socket;
	} catch (error) {
		return {ok: false, exitCode: null, error: `exec in pod ${plan.pod} failed to start: ${connectError(error)}`};
	}
	const ws = socket;
	let socketError: Error | undefined;
	ws.on('error', error => {
		socketError ??= error;
	});
	const closed = new Promise<void>(done => ws.on('close', () => done()));
	let isClosed = false;
	void closed.then(() => {
		isClosed = true;
	});
	const onAbort = (): void => ws.terminate();
	signal.addEventListener('abort', onAbort, {once: true});
	if (signal.aborted) onAbort();

	try {
		if (stdin && !signal.aborted) {
			const progress = new TransferProgress(plan.progressLabel, stdin.size, ctx.settings.progressIntervalMs, message => io.progress(message));
			const stop = (): boolean => isClosed || stdinClosedByServer || signal.aborted || status !== undefined;
			const sizes = {chunkBytes: ctx.settings.stdinChunkBytes, windowBytes: ctx.settings.stdinWindowBytes};
			const complete = await pumpStdin(ws, stdin.handle, sizes, progress, stop, wake => (wakePump = wake));
			if (complete) {
				io.note(progress.finish());
				if (ws.protocol === V5_PROTOCOL) ws.send(Buffer.from([CLOSE_CHANNEL, STDIN_CHANNEL]), {binary: true}, () => {});
				else ws.close(); // older protocols cannot close stdin alone
			} else if (!signal.aborted) {
				stdinLeftUnread = progress.sent < stdin.size;
				io.note(stdinLeftUnread ? `stdin: the command stopped reading after ${progress.sent} of ${stdin.size} bytes` : progress.finish());
			}
		}
		// The exit status ends the exec. The server then closes the connection, but one that
		// stopped reading its socket (the command left stdin unread) may never finish the
		// closing handshake: after a short grace, the socket is dropped.
		const statusArrived = new Promise<void>(done => {
			onStatus = done;
			if (status) done();
		});
		let grace: NodeJS.Timeout | undefined;
		await Promise.race([closed, statusArrived.then(() => new Promise<void>(done => (grace = setTimeout(done, CLOSE_GRACE_MS))))]);
		clearTimeout(grace);
		if (!isClosed) ws.terminate();
	} finally {
		signal.removeEventListener('abort', onAbort);
		for (const writable of [stdout, stderr]) if (!writable.writableEnded) writable.end();
		// The last unfinished lines are delivered when the streams finish: before the result.
		await Promise.all([finished(stdout), finished(stderr)]).catch(() => {});
		// `sensitive: true`: one line with the output's size instead of the output (as for run steps).
		sink.summarizeSensitive();
	}
	const ms = Math.round(performance.now() - started);
	if (received) io.note(received.finish());
	if (signal.aborted) {
		io.note(`exec aborted after ${ms} ms: the connection was closed`);
		return {ok: false, exitCode: null, error: 'exec aborted: the connection to the pod was closed'};
	}
	const outcome = exitOf(status, socketError);
	// A real API server that closes the connection with stdin still unread resets it, and the
	// exit status it had just sent can be lost with it (kubectl exec -i hangs there): say so.
	if (outcome.exitCode === null && !status && stdinLeftUnread) outcome.error += ' (the command left stdin unread; the API server reset the connection, so its exit status is unknown)';
	io.note(outcome.exitCode === null ? `exec failed after ${ms} ms: ${outcome.error}` : `exec exit code ${outcome.exitCode} after ${ms} ms`);
	const stdoutText = capture ? {stdout: capture.text()} : {};
	if (outcome.exitCode === 0) return {ok: true, exitCode: 0, ...stdoutText};
	return {ok: false, exitCode: outcome.exitCode, error: outcome.error ?? `exit code ${outcome.exitCode}`, ...stdoutText};
}
