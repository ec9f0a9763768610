/**
 * `exec` and `copy` against the real API server (real-cluster.ts), which proxies
 * exec to the test kubelet, whose "pods" run commands as local processes: exit
 * codes, output lines, capture, errors before the command starts, stdin streamed
 * byte-exact with progress, abort, and copy.
 */
import {createHash, randomBytes} from 'node:crypto';
import {chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import type {RealCluster} from '../../support/kube/real-cluster.js';
import {waitFor} from '../../support/wait.js';
import {putPod, runningPod, startRealHarness, type Harness} from './harness.js';

let h: Harness<RealCluster>;
let bigFile: string;
let bigHash: string;
const BIG_BYTES = 50 * 1024 * 1024 + 12345; // not a multiple of any message size

beforeAll(async () => {
	h = await startRealHarness();
	await putPod(h.cluster, runningPod('shell'));
	await putPod(h.cluster, {
		metadata: {name: 'two', namespace: 'default', annotations: {'kubectl.kubernetes.io/default-container': 'sidecar'}},
		spec: {
			containers: [
				{name: 'main', image: 'x'},
				{name: 'sidecar', image: 'y'},
			],
		},
	});
	// The test kubelet leaves a pod annotated hold Pending, and runs one annotated completes to the end.
	const pending = runningPod('pending');
	await putPod(h.cluster, {...pending, metadata: {...pending.metadata, annotations: {'test.runbook/hold': 'true'}}}, 'Pending');
	const finished = runningPod('finished');
	await putPod(h.cluster, {metadata: {...finished.metadata, annotations: {'test.runbook/completes': 'true'}}, spec: {...finished.spec, restartPolicy: 'Never'}}, 'Succeeded');
	bigFile = join(h.dir, 'dump.bin');
	const data = randomBytes(BIG_BYTES);
	writeFileSync(bigFile, data);
	bigHash = createHash('sha256').update(data).digest('hex');
}, 180_000);
afterAll(async () => {
	await h?.stop();
});

describe('exec', () => {
	test('output lines per stream and exit code 0', async () => {
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'printf "one\\ntwo\\n"; echo oops >&2; printf "no newline"']});
		expect(ran.result).toEqual({ok: true, exitCode: 0});
		expect(ran.stdout).toEqual(['one', 'two', 'no newline']);
		expect(ran.stderr).toEqual(['oops']);
		expect(ran.log).toContain('=== runbook: exec in pod shell (container main) in default: sh -c \'printf "one\\ntwo\\n"; echo oops >&2; printf "no newline"\' ===');
		expect(ran.log).toMatch(/one\ntwo\n(oops\n)?no newline\n/);
		expect(ran.log).toMatch(/=== runbook: exec exit code 0 after \d+ ms ===/);
	});

	test('a non-zero exit code fails the step with that code', async () => {
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'exit 3']});
		expect(ran.result).toEqual({ok: false, exitCode: 3, error: 'exit code 3'});
	});

	test('a command that does not exist', async () => {
		const ran = await h.run('exec', {pod: 'shell', command: ['no-such-program-xyz']});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.exitCode).toBe(127);
		expect(ran.stderr.join('\n')).toContain('no-such-program-xyz');
	});

	test('capture keeps stdout as printed (the runner refuses one holding a secret); every shown and logged line is redacted', async () => {
		const ran = await h.run(
			'exec',
			{pod: 'shell', command: ['sh', '-c', 'echo token=hunter2; echo hunter2 >&2']},
			{
				capture: true,
				redact: text => text.replaceAll('hunter2', '***'),
			},
		);
		expect(ran.result).toEqual({ok: true, exitCode: 0, stdout: 'token=hunter2\n'});
		expect(ran.stdout).toEqual(['token=***']);
		expect(ran.stderr).toEqual(['***']);
		expect(ran.log).not.toContain('hunter2');
	});

	test('sensitive: true shows and logs neither stdout nor stderr, only their size in bytes; the exit code counts', async () => {
		// What the ESS procedure needs for `kubectl get secrets -o yaml` run inside a pod: output the tool cannot know is secret.
		// The output is made by the command, so the command line (which is logged) does not hold it.
		const script = 'head -c 3000 /dev/zero | tr "\\0" Q; echo; printf "%s-%s\\n" stderr canary >&2; exit 0';
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', script]}, {sensitive: true});
		expect(ran.result).toEqual({ok: true, exitCode: 0});
		const bytes = 3001 + Buffer.byteLength('stderr-canary\n');
		expect(ran.stdout).toEqual([`sensitive output: ${bytes} bytes, not shown or logged`]);
		expect(ran.stderr).toEqual([]);
		for (const text of [ran.stdout.join('\n'), ran.log]) {
			expect(text).not.toContain('QQQQ');
			expect(text).not.toContain('stderr-canary');
		}
		expect(ran.log).toContain(`sensitive output: ${bytes} bytes, not shown or logged`);
		const failed = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'head -c 10 /dev/zero | tr "\\0" Q; exit 4']}, {sensitive: true});
		expect(failed.result).toMatchObject({ok: false, exitCode: 4});
		// Counted per line, each with its newline (as for run steps): 10 bytes and the end of the stream.
		expect(failed.stdout).toEqual(['sensitive output: 11 bytes, not shown or logged']);
		expect(failed.log).not.toContain('QQQQ');
	});

	test('the default container: the annotation, else the only one; a named container', async () => {
		const defaulted = await h.run('exec', {pod: 'two', command: ['true']});
		expect(defaulted.result.ok).toBe(true);
		expect(defaulted.log).toContain('defaulted container "sidecar" out of: main, sidecar');
		expect(defaulted.log).toContain('(container sidecar)');
		const named = await h.run('exec', {pod: 'two', container: 'main', command: ['true']});
		expect(named.log).toContain('(container main)');
	});

	test('errors before the command runs are one clear line', async () => {
		expect((await h.run('exec', {pod: 'ghost', command: ['true']})).result).toEqual({ok: false, error: 'pod ghost not found in namespace default'});
		expect((await h.run('exec', {pod: 'pending', command: ['true']})).result).toEqual({ok: false, error: 'pod pending is Pending, not Running: wait for it first (wait.podsReady)'});
		expect((await h.run('exec', {pod: 'finished', command: ['true']})).result).toEqual({ok: false, error: 'cannot exec into a container in a completed pod; pod finished is Succeeded'});
		expect((await h.run('exec', {pod: 'two', container: 'db', command: ['true']})).result).toEqual({ok: false, error: 'container db is not in pod two (containers: main, sidecar)'});
		expect((await h.run('exec', {pod: 'shell', command: ['cat'], stdin: 'missing.psql'})).result).toEqual({ok: false, error: `cannot read ${join(h.dir, 'missing.psql')}: no such file`});
		expect((await h.run('exec', {pod: 'shell', command: []})).result.error).toBe('exec needs command, a list such as [sh, -c, "..."]');
	});

	test('stdin streams a local file byte-exact, with progress lines while it sends (their throttle: judging.test.ts)', async () => {
		const progress: string[] = [];
		const ran = await h.run(
			'exec',
			{pod: 'shell', command: ['sh', '-c', 'sha256sum; wc -c < /dev/null'], stdin: 'dump.bin'},
			{
				onProgress: message => progress.push(message),
			},
		);
		expect(ran.result).toEqual({ok: true, exitCode: 0});
		expect(ran.stdout[0]).toBe(`${bigHash}  -`);
		const during = progress.filter(m => m.includes(' of 50 MiB '));
		expect(during.length).toBeGreaterThanOrEqual(1);
		for (const message of during) expect(message).toMatch(/^stdin: \d+(\.\d)? (B|KiB|MiB) of 50 MiB \(\d+%\), \d+(\.\d)? MiB\/s, ETA (\d+m)?\d+s$/);
		expect(progress.at(-1)).toMatch(/^stdin: 50 MiB sent in \d+(\.\d)?s \(\d+(\.\d)? MiB\/s\)$/);
		expect(ran.log).toMatch(/=== runbook: stdin: 50 MiB sent in /);
	});

	test('a command that stops reading stdin early still ends, failed, with its exit code or saying it was lost', async () => {
		// The real API server closes the exec connection right after the exit status while
		// stdin it never read is still queued: the kernel then resets the connection and the
		// status can be lost on the way (kubectl exec -i 1.37 hangs a minute and exits 1 in
		// the same case). The step must still end at once, failed, and say which it was.
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'head -c 10 > /dev/null; exit 4'], stdin: 'dump.bin'});
		if (ran.result.exitCode === null) {
			expect(ran.result.ok).toBe(false);
			expect(ran.result.error).toMatch(/^the connection closed before the command's exit status arrived.* \(the command left stdin unread; the API server reset the connection, so its exit status is unknown\)$/);
		} else {
			expect(ran.result).toEqual({ok: false, exitCode: 4, error: 'exit code 4'});
		}
		expect(ran.log).toMatch(/stdin: the command stopped reading after \d+ of \d+ bytes/);
	});

	test('abort closes the connection at once, while streaming stdin too', async () => {
		for (const spec of [
			{pod: 'shell', command: ['sh', '-c', 'echo started; sleep 30']},
			{pod: 'shell', command: ['sh', '-c', 'echo started; sleep 30; cat'], stdin: 'dump.bin'},
		]) {
			const controller = new AbortController();
			const running = h.start('exec', spec, {signal: controller.signal});
			await waitFor('the command to print started', () => running.stdout.includes('started'), {timeoutMs: 30_000});
			controller.abort();
			const ran = await running.done;
			expect(ran.result).toEqual({ok: false, exitCode: null, error: 'exec aborted: the connection to the pod was closed'});
		}
	});
});

describe('copy', () => {
	test('a file into the pod, byte-exact, with progress', async () => {
		const ran = await h.run('copy', {from: 'dump.bin', pod: 'shell', to: '/tmp/restore.bin'});
		expect(ran.result).toEqual({ok: true});
		expect(ran.stdout).toEqual([`copied ${bigFile} to shell:/tmp/restore.bin (50 MiB)`]);
		const copied = readFileSync(join(h.cluster.kubelet.pods.rootOf('default', 'shell'), 'tmp', 'restore.bin'));
		expect(createHash('sha256').update(copied).digest('hex')).toBe(bigHash);
		expect(ran.progress.at(-1)).toMatch(/^copy: 50 MiB sent in /);
	});

	test('into a folder (trailing slash or existing), the file keeps its name', async () => {
		mkdirSync(join(h.dir, 'sub'));
		writeFileSync(join(h.dir, 'sub', 'note.txt'), 'hello\n');
		mkdirSync(join(h.cluster.kubelet.pods.rootOf('default', 'shell'), 'data'), {recursive: true});
		expect((await h.run('copy', {from: 'sub/note.txt', pod: 'shell', to: '/tmp/'})).result).toEqual({ok: true});
		expect((await h.run('copy', {from: 'sub/note.txt', pod: 'shell', to: '/data'})).result).toEqual({ok: true});
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		expect(readFileSync(join(root, 'tmp', 'note.txt'), 'utf8')).toBe('hello\n');
		expect(readFileSync(join(root, 'data', 'note.txt'), 'utf8')).toBe('hello\n');
	});

	test('the file keeps its permission bits (0600 stays private, 0755 stays executable)', async () => {
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		for (const [name, mode] of [
			['private.sql', 0o600],
			['script.sh', 0o755],
			['shared.txt', 0o644],
			['write-only.bin', 0o200],
		] as const) {
			writeFileSync(join(h.dir, name), 'data\n', {mode});
			chmodSync(join(h.dir, name), mode);
			expect((await h.run('copy', {from: name, pod: 'shell', to: `/tmp/${name}`})).result).toEqual({ok: true});
			expect((statSync(join(root, 'tmp', name)).mode & 0o777).toString(8)).toBe(mode.toString(8));
		}
		// An existing file in the pod (mode 0666) gets the local file's mode too.
		writeFileSync(join(root, 'tmp', 'old.sql'), 'old', {mode: 0o666});
		chmodSync(join(root, 'tmp', 'old.sql'), 0o666);
		writeFileSync(join(h.dir, 'old.sql'), 'new\n');
		chmodSync(join(h.dir, 'old.sql'), 0o600);
		expect((await h.run('copy', {from: 'old.sql', pod: 'shell', to: '/tmp/old.sql'})).result).toEqual({ok: true});
		expect(statSync(join(root, 'tmp', 'old.sql')).mode & 0o777).toBe(0o600);
		expect(readFileSync(join(root, 'tmp', 'old.sql'), 'utf8')).toBe('new\n');
		// The part files were renamed into place: none is left.
		expect(readdirSync(join(root, 'tmp')).filter(name => name.includes('.runbook-part-'))).toEqual([]);
	});

	test('errors: a missing local file, a folder that does not exist in the pod', async () => {
		expect((await h.run('copy', {from: 'nope.bin', pod: 'shell', to: '/tmp/x'})).result).toEqual({ok: false, error: `cannot read ${join(h.dir, 'nope.bin')}: no such file`});
		const ran = await h.run('copy', {from: 'sub/note.txt', pod: 'shell', to: '/no/such/dir/x'});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.error).toMatch(/^copy to shell:\/no\/such\/dir\/x failed: exit code \d+$/);
		expect(ran.stderr.join('\n')).toMatch(/No such file or directory|Directory nonexistent|can't create/);
		expect(ran.stderr.join('\n')).toContain('/no/such/dir/x.runbook-part-');
	});
});

/** Files in `dir` whose name marks a part file (none may be left behind). */
const partFiles = (dir: string): string[] => readdirSync(dir).filter(name => name.includes('.runbook-part-'));

describe('exec.stdout (format 1.1)', () => {
	test("the command's stdout goes to a 0600 file, byte-exact; stderr is still shown; no part file is left", async () => {
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		writeFileSync(join(root, 'tmp', 'big.bin'), readFileSync(bigFile));
		mkdirSync(join(h.dir, 'out'), {recursive: true});
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'cat "$POD_ROOT/tmp/big.bin"; echo dumped >&2'], stdout: 'out/dump.sql'});
		expect(ran.result).toEqual({ok: true, exitCode: 0});
		const written = join(h.dir, 'out', 'dump.sql');
		expect(createHash('sha256').update(readFileSync(written)).digest('hex')).toBe(bigHash);
		expect(statSync(written).mode & 0o777).toBe(0o600);
		expect(ran.stderr).toEqual(['dumped']);
		expect(ran.stdout).toEqual([`stdout written to ${written} (50 MiB)`]);
		expect(ran.log.length).toBeLessThan(10_000);
		expect(ran.log).toMatch(/=== runbook: stdout to out\/dump.sql: 50 MiB received in /);
		expect(ran.progress.some(line => /^stdout to out\/dump.sql: \d+(\.\d)? (B|KiB|MiB) received, /.test(line))).toBe(true);
		expect(partFiles(join(h.dir, 'out'))).toEqual([]);
	});

	test('a failing command writes nothing: an existing file is left as it was, the part file removed', async () => {
		mkdirSync(join(h.dir, 'keep'), {recursive: true});
		writeFileSync(join(h.dir, 'keep', 'dump.sql'), 'old dump\n');
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'printf "half a dump"; echo "pg_dumpall: error" >&2; exit 3'], stdout: 'keep/dump.sql'});
		expect(ran.result).toEqual({ok: false, exitCode: 3, error: 'exit code 3'});
		expect(ran.stderr).toEqual(['pg_dumpall: error']);
		expect(readFileSync(join(h.dir, 'keep', 'dump.sql'), 'utf8')).toBe('old dump\n');
		expect(partFiles(join(h.dir, 'keep'))).toEqual([]);
		expect(ran.log).toContain(`${join(h.dir, 'keep', 'dump.sql')} not written: the command failed (its stdout, 11 bytes, was discarded)`);
	});

	test('a stopped step (abort) writes nothing and leaves no part file', async () => {
		mkdirSync(join(h.dir, 'stopped'), {recursive: true});
		const controller = new AbortController();
		const running = h.start('exec', {pod: 'shell', command: ['sh', '-c', 'echo partial; echo started >&2; sleep 30'], stdout: 'stopped/dump.sql'}, {signal: controller.signal});
		await waitFor('a progress message', () => running.progress.length > 0, {timeoutMs: 30_000});
		controller.abort();
		const ran = await running.done;
		expect(ran.result).toEqual({ok: false, exitCode: null, error: 'exec aborted: the connection to the pod was closed'});
		expect(readdirSync(join(h.dir, 'stopped'))).toEqual([]);
	});

	test('a folder that does not exist, or a target that is a folder, fails before the command runs', async () => {
		const ran = await h.run('exec', {pod: 'shell', command: ['sh', '-c', 'echo ran >> "$POD_ROOT/tmp/ran"'], stdout: 'missing/dump.sql'});
		expect(ran.result).toEqual({ok: false, error: `cannot write ${join(h.dir, 'missing', 'dump.sql')}: its folder ${join(h.dir, 'missing')} does not exist`});
		expect((await h.run('exec', {pod: 'shell', command: ['true'], stdout: 'keep'})).result).toEqual({ok: false, error: `cannot write ${join(h.dir, 'keep')}: it is a folder`});
		expect(readdirSync(join(h.cluster.kubelet.pods.rootOf('default', 'shell'), 'tmp'))).not.toContain('ran');
	});
});

describe('copy from a pod (format 1.1)', () => {
	test('a file out of the pod, byte-exact, 0600, with the byte count checked', async () => {
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		writeFileSync(join(root, 'tmp', 'vault-backup.snap'), readFileSync(bigFile), {mode: 0o644});
		const ran = await h.run('copy', {pod: 'shell', from: '/tmp/vault-backup.snap', to: './vault.snap', direction: 'fromPod'});
		expect(ran.result).toEqual({ok: true});
		const local = join(h.dir, 'vault.snap');
		expect(ran.stdout).toEqual([`copied shell:/tmp/vault-backup.snap to ${local} (50 MiB)`]);
		expect(createHash('sha256').update(readFileSync(local)).digest('hex')).toBe(bigHash);
		expect(statSync(local).mode & 0o777).toBe(0o600);
		expect(partFiles(h.dir)).toEqual([]);
	});

	test('into a folder (trailing slash or existing), the file keeps its name; an existing file is replaced', async () => {
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		writeFileSync(join(root, 'tmp', 'values.yaml'), 'replicas: 2\n');
		mkdirSync(join(h.dir, 'backup'), {recursive: true});
		writeFileSync(join(h.dir, 'backup', 'values.yaml'), 'old\n');
		expect((await h.run('copy', {pod: 'shell', from: '/tmp/values.yaml', to: 'backup', direction: 'fromPod'})).result).toEqual({ok: true});
		expect(readFileSync(join(h.dir, 'backup', 'values.yaml'), 'utf8')).toBe('replicas: 2\n');
		mkdirSync(join(h.dir, 'slash'), {recursive: true});
		expect((await h.run('copy', {pod: 'shell', from: '/tmp/values.yaml', to: 'slash/', direction: 'fromPod'})).result).toEqual({ok: true});
		expect(readFileSync(join(h.dir, 'slash', 'values.yaml'), 'utf8')).toBe('replicas: 2\n');
		// An empty file is a file of 0 bytes, not a failure.
		writeFileSync(join(root, 'tmp', 'empty'), '');
		expect((await h.run('copy', {pod: 'shell', from: '/tmp/empty', to: 'empty', direction: 'fromPod'})).result).toEqual({ok: true});
		expect(statSync(join(h.dir, 'empty')).size).toBe(0);
	});

	test('bytes that do not match the size the pod reported are refused, and nothing is written', async () => {
		// The file is read twice in the pod, by `wc -c` and by `cat`: a link to /proc/self/cmdline
		// reads as a different text in each (each process sees its own command line), as a file
		// that changes while it is copied would.
		const root = h.cluster.kubelet.pods.rootOf('default', 'shell');
		symlinkSync('/proc/self/cmdline', join(root, 'tmp', 'changing'));
		const ran = await h.run('copy', {pod: 'shell', from: '/tmp/changing', to: 'changing.bin', direction: 'fromPod'});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.error).toMatch(/^copy from shell:\/tmp\/changing incomplete: \d+ bytes arrived of \d+; nothing was written$/);
		expect(readdirSync(h.dir)).not.toContain('changing.bin');
		expect(partFiles(h.dir)).toEqual([]);
	});

	test('a file missing in the pod fails and writes nothing; an existing local file is left as it was', async () => {
		writeFileSync(join(h.dir, 'kept.snap'), 'kept\n');
		const ran = await h.run('copy', {pod: 'shell', from: '/tmp/no-such.snap', to: 'kept.snap', direction: 'fromPod'});
		expect(ran.result.ok).toBe(false);
		expect(ran.result.error).toMatch(/^copy from shell:\/tmp\/no-such.snap failed: exit code \d+$/);
		expect(ran.stderr.join('\n')).toMatch(/no-such.snap/);
		expect(readFileSync(join(h.dir, 'kept.snap'), 'utf8')).toBe('kept\n');
		expect(partFiles(h.dir)).toEqual([]);
		expect((await h.run('copy', {pod: 'shell', from: '/tmp/', to: 'x', direction: 'fromPod'})).result).toEqual({ok: false, error: 'copy from a pod copies one file, and /tmp/ names a folder'});
	});
});

describe('exec into a workload (format 1.1)', () => {
	const readyStatus = (ready: boolean) => ({
		conditions: [{type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z')}],
	});
	const setReady = (pod: string, ready: boolean) => h.cluster.api('PATCH', `/api/v1/namespaces/default/pods/${pod}/status`, {status: readyStatus(ready)}, 'application/strategic-merge-patch+json');
	const podReady = async (pod: string, ready: boolean) => waitFor(`pod ${pod} Ready ${ready}`, async () => (await h.cluster.get(`/api/v1/namespaces/default/pods/${pod}`))?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === (ready ? 'True' : 'False')), {timeoutMs: 60_000, intervalMs: 50});

	test('statefulset/NAME runs in the pod kubectl picks: a ready one before one that is not', async () => {
		const labels = {app: 'web'};
		await h.cluster.create('default', [{apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {name: 'web'}, spec: {replicas: 2, selector: {matchLabels: labels}, template: {metadata: {labels}, spec: {containers: [{name: 'main', image: 'busybox'}]}}}}]);
		await podReady('web-0', true);
		await podReady('web-1', true);
		await setReady('web-0', false);
		await podReady('web-0', false);
		const ran = await h.run('exec', {pod: 'statefulset/web', command: ['sh', '-c', 'echo "$POD_NAME"']});
		expect(ran.result).toEqual({ok: true, exitCode: 0});
		expect(ran.stdout).toEqual(['web-1']);
		expect(ran.log).toContain('statefulset/web: pod web-1 (ready; 2 pods match app=web)');
		await setReady('web-0', true);
		await setReady('web-1', false);
		await podReady('web-1', false);
		expect((await h.run('exec', {pod: 'sts/web', command: ['sh', '-c', 'echo "$POD_NAME"']})).stdout).toEqual(['web-0']);
	});

	test('deployment/NAME; a missing workload or one without pods is a clear error', async () => {
		const labels = {app: 'api', tier: 'backend'};
		await h.cluster.create('default', [
			{apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'api'}, spec: {replicas: 1, selector: {matchLabels: labels, matchExpressions: [{key: 'tier', operator: 'In', values: ['backend']}]}, template: {metadata: {labels}, spec: {containers: [{name: 'main', image: 'busybox'}]}}}},
		]);
		const ran = await waitFor(
			'an exec in a ready pod of deployment/api',
			async () => {
				const attempt = await h.run('exec', {pod: 'deployment/api', command: ['sh', '-c', 'echo "$POD_NAME"']});
				// As kubectl, a pod is picked before it is ready; this test waits for the pick of a ready one.
				return attempt.result.ok && attempt.log.includes('(ready;') ? attempt : undefined;
			},
			{timeoutMs: 60_000, intervalMs: 100},
		);
		expect(ran.stdout[0]).toMatch(/^api-[a-z0-9]+-[a-z0-9]+$/);
		expect(ran.log).toMatch(/deployment\/api: pod api-\S+ \(ready; 1 pod matches app=api,tier=backend,tier in \(backend\)\)/);
		expect((await h.run('exec', {pod: 'deployment/ghost', command: ['true']})).result).toEqual({ok: false, error: 'deployment ghost not found in namespace default'});
		await h.cluster.create('default', [{apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {name: 'idle'}, spec: {replicas: 0, selector: {matchLabels: {app: 'idle'}}, template: {metadata: {labels: {app: 'idle'}}, spec: {containers: [{name: 'main', image: 'busybox'}]}}}}]);
		expect((await h.run('exec', {pod: 'statefulset/idle', command: ['true']})).result).toEqual({ok: false, error: 'no pods of statefulset idle (selector app=idle) in namespace default: wait for them first (wait.podsReady)'});
	});
});
