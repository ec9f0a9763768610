/**
 * `copy {from, pod, container?, to}`: a local file into a pod.
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
import {basename, resolve} from 'node:path';
import type {KubeResult} from '../../engine/kubernetes-port.js';
import type {ActionIO, PortContext} from './context.js';
import {runExec} from './exec.js';
import {formatBytes} from './progress.js';

/**
 * The script run in the pod: `$1` is `to`, `$2` the file's name, `$3` its mode
 * (octal permission bits, such as `640`). Prints the bytes written.
 */
export const COPY_SCRIPT =
	'umask 077; dest=$1; case $dest in */) dest=$dest$2 ;; *) if [ -d "$dest" ]; then dest=$dest/$2; fi ;; esac; ' +
	'part="$dest.runbook-part-$$"; ' +
	'if cat > "$part" && n=$(wc -c < "$part") && chmod "$3" "$part" && mv -f "$part" "$dest"; then echo "$n"; else rm -f "$part"; exit 1; fi';

/** Copies `from` (relative to the request's cwd) to `pod:to`; byte counts must match. */
export async function copy(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const spec = io.request.spec;
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
