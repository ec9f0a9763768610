/**
 * `copy {from, pod, container?, to}`: a local file into a pod; with `direction: fromPod`
 * (format 1.1), a file of the pod out to a local path (see copyFromPod below).
 *
 * How: the file is streamed through `exec` to
 * `sh -c 'cat > "$dest"; wc -c < "$dest"'` (the path passed as an argument,
 * never spliced into the script), and the byte count the pod reports is
 * compared with the file's size. `kubectl cp` instead sends a tar archive to
 * `tar xf -`; for one file the archive adds nothing but a dependency (a tar
 * writer here, `tar` in the image): `cat` streams the same bytes, at the same
 * speed, with the same progress line as `exec.stdin`, and needs only `sh`
 * and `cat` in the container. The bytes go to a part file next to `to`
 * (`<to>.runbook-part-<pid>`), created under `umask 077`; once counted, it gets
 * the local file's permission bits (as `kubectl cp` run as root: tar keeps
 * modes) and is renamed over `to`. So a dump readable only by its owner here is
 * never readable by others in the pod, not even while it is written, and an
 * interrupted copy never leaves a partial file at `to` (it replaces `to` as
 * tar does, rather than writing through an existing file). The owner is the pod
 * user's (as `kubectl cp` as a non-root user).
 *
 * As with `kubectl cp`, when `to` ends with `/` or names an existing folder,
 * the file keeps its name inside it.
 */
import {stat} from 'node:fs/promises';
import {basename, join, posix, resolve} from 'node:path';
import {PartFile} from './local-file.js';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import type {ActionIO, PortContext} from './context.js';
import {runExec} from './exec.js';
import {formatBytes} from '../../engine/bytes.js';

/**
 * The script run in the pod: `$1` is `to`, `$2` the file's name, `$3` its mode
 * (octal permission bits, such as `640`). Prints the bytes written.
 */
export const COPY_SCRIPT = 'umask 077; dest=$1; case $dest in */) dest=$dest$2 ;; *) if [ -d "$dest" ]; then dest=$dest/$2; fi ;; esac; ' + 'part="$dest.runbook-part-$$"; ' + 'if cat > "$part" && n=$(wc -c < "$part") && chmod "$3" "$part" && mv -f "$part" "$dest"; then echo "$n"; else rm -f "$part"; exit 1; fi';

/** Copies `from` (relative to the request's cwd) to `pod:to`, or with `direction: fromPod` `pod:from` to local `to`; byte counts must match. */
export async function copy(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	if (spec.direction === 'fromPod') return copyFromPod(ctx, io);
	if (spec.direction !== undefined && spec.direction !== 'toPod') return {ok: false, error: `copy direction must be toPod or fromPod, not ${String(spec.direction)}`};
	if (typeof spec.from !== 'string' || spec.from === '') return {ok: false, error: 'copy needs from (a local file)'};
	if (typeof spec.pod !== 'string' || spec.pod === '') return {ok: false, error: 'copy needs pod'};
	if (typeof spec.to !== 'string' || spec.to === '') return {ok: false, error: 'copy needs to (a path in the pod)'};
	const from = resolve(io.request.cwd, spec.from);
	let size: number;
	let mode: string;
	try {
		const info = await stat(from);
		if (!info.isFile()) return {ok: false, error: `copy: ${from} is not a file`};
		size = info.size;
		mode = (info.mode & 0o7777).toString(8);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		return {ok: false, error: `cannot read ${from}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
	}
	const result = await runExec(ctx, io, {
		namespace: io.namespaceOf(spec),
		pod: spec.pod,
		...(typeof spec.container === 'string' && spec.container ? {container: spec.container} : {}),
		command: ['sh', '-c', COPY_SCRIPT, 'sh', spec.to, basename(from), mode],
		stdinFile: from,
		progressLabel: 'copy',
		capture: true,
		showStdout: false,
	});
	if (!result.ok) return {ok: false, exitCode: result.exitCode ?? null, error: `copy to ${spec.pod}:${spec.to} failed: ${result.error ?? 'unknown error'}`};
	const written = Number.parseInt((result.stdout ?? '').trim().split('\n').pop() ?? '', 10);
	if (written !== size) {
		return {ok: false, error: `copy to ${spec.pod}:${spec.to} incomplete: the pod has ${Number.isNaN(written) ? 'an unknown number of' : written} bytes of ${size}`};
	}
	io.say(`copied ${from} to ${spec.pod}:${spec.to} (${formatBytes(size)})`);
	return {ok: true};
}

/**
 * The script that sends a file out of the pod (`$1`: its path): the file's size in bytes
 * on the first line of stdout, then its bytes. Needs only `sh`, `wc` and `cat`, as the
 * script that copies into a pod.
 */
export const FROM_POD_SCRIPT = 'n=$(wc -c < "$1") || exit 1; echo "$n"; exec cat "$1"';

/** The most bytes of the size line before its newline (a size has at most 20 digits). */
const SIZE_LINE_MAX = 24;

/**
 * Splits the size line off the stream of {@link FROM_POD_SCRIPT} and hands the rest to the
 * part file; `size` is the number the pod announced (undefined until the line is complete,
 * NaN when it is not a number).
 */
class SizedStream {
	readonly file: PartFile;
	size: number | undefined;
	#head = '';

	constructor(file: PartFile) {
		this.file = file;
	}

	get stream() {
		return this.file.stream;
	}

	write(chunk: Buffer): boolean {
		if (this.size !== undefined) return this.file.write(chunk);
		const newline = chunk.indexOf(10);
		if (newline < 0) {
			this.#head += chunk.toString('latin1');
			if (this.#head.length > SIZE_LINE_MAX) this.size = Number.NaN;
			return true;
		}
		this.#head += chunk.subarray(0, newline).toString('latin1');
		this.size = /^\s*\d{1,20}\s*$/.test(this.#head) ? Number(this.#head.trim()) : Number.NaN;
		return this.file.write(chunk.subarray(newline + 1));
	}
}

/**
 * `copy {pod, container?, from, to, direction: fromPod}` (format 1.1): the pod's file `from`
 * to the local path `to` (relative to the request's cwd), as `kubectl cp pod:/tmp/x ./x`:
 * when `to` ends with `/` or names an existing folder, the file keeps its name inside it.
 * kubectl streams `tar cf - FROM` and unpacks it; for one file this streams the bytes with
 * `cat` (FROM_POD_SCRIPT: no `tar` needed in the image, as the copy into a pod), after the
 * size `wc -c` reads in the pod. The bytes go to a part file (0600, local-file.ts) that is
 * renamed over `to` only when the command exited 0 and exactly the announced bytes arrived;
 * otherwise it is removed and `to` is left as it was.
 */
async function copyFromPod(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
	if (typeof spec.pod !== 'string' || spec.pod === '') return {ok: false, error: 'copy needs pod'};
	if (typeof spec.from !== 'string' || spec.from === '') return {ok: false, error: 'copy needs from (a file in the pod)'};
	if (typeof spec.to !== 'string' || spec.to === '') return {ok: false, error: 'copy needs to (a local path)'};
	if (spec.from.endsWith('/')) return {ok: false, error: `copy from a pod copies one file, and ${spec.from} names a folder`};
	const name = posix.basename(spec.from);
	let target = resolve(io.request.cwd, spec.to);
	let isFolder = spec.to.endsWith('/');
	try {
		isFolder ||= (await stat(target)).isDirectory();
	} catch {
		// absent: target is the file to write
	}
	if (isFolder) target = join(target, name);
	let file: PartFile;
	try {
		file = PartFile.open(target);
	} catch (error) {
		return {ok: false, error: `copy from ${spec.pod}:${spec.from}: ${(error as Error).message}`};
	}
	const sized = new SizedStream(file);
	let result: KubeResult;
	try {
		result = await runExec(ctx, io, {
			namespace: io.namespaceOf(spec),
			pod: spec.pod,
			...(typeof spec.container === 'string' && spec.container ? {container: spec.container} : {}),
			command: ['sh', '-c', FROM_POD_SCRIPT, 'sh', spec.from],
			progressLabel: 'copy',
			capture: false,
			stdoutTo: sized,
			stdoutLabel: 'copy',
		});
	} catch (error) {
		await file.discard();
		throw error;
	}
	const from = `${spec.pod}:${spec.from}`;
	if (!result.ok) {
		await file.discard();
		return {ok: false, exitCode: result.exitCode ?? null, error: `copy from ${from} failed: ${result.error ?? 'unknown error'}`};
	}
	await file.finish();
	// Only the bytes after the size line reached the file.
	const received = file.bytes;
	if (sized.size === undefined || Number.isNaN(sized.size)) {
		await file.discard();
		return {ok: false, error: `copy from ${from}: the pod did not report the file's size; nothing was written`};
	}
	if (received !== sized.size) {
		await file.discard();
		return {ok: false, error: `copy from ${from} incomplete: ${received} bytes arrived of ${sized.size}; nothing was written`};
	}
	try {
		await file.commit();
	} catch (error) {
		return {ok: false, error: `copy from ${from}: cannot write ${target}: ${(error as Error).message}`};
	}
	io.say(`copied ${from} to ${target} (${formatBytes(sized.size)})`);
	return {ok: true};
}
