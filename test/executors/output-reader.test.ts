/**
 * The FIFOs of a step's output (fifo.ts) and their lazy readers
 * (output-reader.ts), with real processes writing into them.
 */
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {expect, test} from 'vitest';
import {closeQuietly, openFifos} from '../../source/executors/fifo.js';
import {removeLeftovers} from '../../source/executors/fifo-folder.js';
import {readFifos} from '../../source/executors/output-reader.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';
import {waitUntil} from '../support/wait.js';
import {useTmpdir} from '../support/tmpdir.js';

// The FIFOs are made in this test's own folder (TMPDIR).
const testTmp = useTmpdir('runbook-fifo-test-');

/** Starts `bash -c script` writing its stdout into `fd`; resolves with its exit code. */
function writer(script: string, fd: number): {exited: Promise<number | null>; running: () => boolean; blockedWriting: () => boolean} {
	const child = spawn('bash', ['-c', script], {stdio: ['ignore', fd, 'inherit']});
	let alive = true;
	const exited = new Promise<number | null>(resolve =>
		child.on('exit', code => {
			alive = false;
			resolve(code);
		}),
	);
	// Where the kernel has the writer wait (proc(5) wchan): in write(2) on a full pipe, `pipe_write`
	// (`anon_pipe_write` on newer kernels). bash runs a lone command by exec, so its pid is the writer's.
	const blockedWriting = (): boolean => {
		try {
			return /pipe_write$/.test(readFileSync(`/proc/${child.pid}/wchan`, 'utf8'));
		} catch {
			return false;
		}
	};
	return {exited, running: () => alive, blockedWriting};
}

test('openFifos: the FIFOs it opened have no names left; those made ahead wait unopened in a private folder (issue 14)', async () => {
	const fifos = await openFifos(2);
	expect(fifos).toHaveLength(2);
	// One mkfifo made 32 calls' worth: the folder (mode 0700) holds the 62 not taken (mode 0600).
	const [folder, ...others] = readdirSync(testTmp());
	expect(others).toEqual([]);
	expect(folder).toMatch(new RegExp(`^runbook-pipes-${process.pid}-`));
	expect(statSync(join(testTmp(), folder!)).mode & 0o777).toBe(0o700);
	const spare = readdirSync(join(testTmp(), folder!));
	expect(spare).toHaveLength(62);
	expect(spare).not.toContain('out0');
	expect(spare).not.toContain('out1');
	for (const name of spare) {
		const info = statSync(join(testTmp(), folder!, name));
		expect(info.isFIFO()).toBe(true);
		expect(info.mode & 0o777).toBe(0o600);
	}
	// The next call takes the next two, with no new folder.
	const next = await openFifos(2);
	expect(readdirSync(testTmp())).toEqual([folder]);
	expect(readdirSync(join(testTmp(), folder!))).toHaveLength(60);
	// Removed from under it (a cleaner of the temporary folder): a new batch, not a failure.
	rmSync(join(testTmp(), folder!), {recursive: true, force: true});
	const after = await openFifos(2);
	expect(after).toHaveLength(2);
	for (const {readFd, writeFd} of [...fifos!, ...next!, ...after!]) {
		closeQuietly(readFd);
		closeQuietly(writeFd);
	}
});

test('openFifos: the next batch is made while half of one is left, and the older names go first', async () => {
	const opened = [];
	// 32 calls' worth of 2: after 17 calls 30 are left, under half of 64.
	opened.push(...(await openFifos(2))!);
	const [first, ...more] = readdirSync(testTmp());
	expect(more).toEqual([]);
	for (let call = 1; call < 17; call++) opened.push(...(await openFifos(2))!);
	const others = (): string[] => readdirSync(testTmp()).filter(name => name !== first);
	// Twice the first: 64 calls' worth (fifo.ts, batches double).
	await waitUntil('a second batch of 128 FIFOs', () => others().length === 1 && readdirSync(join(testTmp(), others()[0]!)).length === 128);
	const second = others()[0]!;
	expect(readdirSync(join(testTmp(), first!))).toHaveLength(30);
	// The older batch is used up first; its folder goes once all its names are taken.
	for (let call = 0; call < 15; call++) opened.push(...(await openFifos(2))!);
	expect(readdirSync(testTmp())).toEqual([second]);
	expect(readdirSync(join(testTmp(), second))).toHaveLength(128);
	for (const {readFd, writeFd} of opened) {
		closeQuietly(readFd);
		closeQuietly(writeFd);
	}
});

test('removeLeftovers removes the FIFO folders of processes that are gone, and only those; a folder of another PID namespace is left alone', async () => {
	const gone = spawnSync('true').pid!; // has exited
	const namespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1];
	// Gone: named by an older version, and by this one in this PID namespace.
	const removed = [`runbook-pipes-${gone}-abc123`, `runbook-pipes-${gone}-n${namespace}-jkl012`];
	// Ours, the parent's (live), not ours by name, and a pid of another namespace (a container
	// sharing /dev/shm: its process cannot be seen from here).
	const kept = [`runbook-pipes-${process.pid}-def456`, `runbook-pipes-${process.ppid}-ghi789`, 'runbook-pipes-old', 'other-folder', `runbook-pipes-${gone}-n1${namespace}-mno345`];
	for (const name of [...removed, ...kept]) {
		mkdirSync(join(testTmp(), name));
		writeFileSync(join(testTmp(), name, 'out0'), '');
	}
	await removeLeftovers(testTmp());
	expect(readdirSync(testTmp()).sort()).toEqual(kept.sort());
});

test('openFifos resolves undefined, leaving nothing, when no FIFO can be made', async () => {
	process.env.TMPDIR = join(testTmp(), 'missing', 'folder');
	expect(await openFifos(2)).toBeUndefined();
});

test('every byte arrives, in order, and done resolves once the writer closed its end', async () => {
	const [fifo] = (await openFifos(1))!;
	const w = writer('for i in $(seq 1 30000); do echo "line $i"; done', fifo.writeFd);
	closeQuietly(fifo.writeFd);
	let text = '';
	let reads = 0;
	const [reader] = readFifos([
		{
			fd: fifo.readFd,
			onBytes: bytes => {
				reads++;
				text += bytes.toString('latin1');
			},
		},
	]);
	await reader.done;
	expect(await w.exited).toBe(0);
	const lines = text.trimEnd().split('\n');
	expect(lines).toHaveLength(30_000);
	expect(lines[0]).toBe('line 1');
	expect(lines.at(-1)).toBe('line 30000');
	expect(reads).toBeLessThan(3000);
});

test('hold stops reading (the writer waits on the full pipe); release reads the rest', async () => {
	const [fifo] = (await openFifos(1))!;
	const total = 1_000_000;
	const w = writer(`head -c ${total} /dev/zero`, fifo.writeFd);
	closeQuietly(fifo.writeFd);
	let received = 0;
	const [reader] = readFifos([{fd: fifo.readFd, onBytes: bytes => void (received += bytes.length)}]);
	reader.hold();
	// The writer fills the pipe and waits in write(2): nothing drains it.
	await waitUntil('the writer to wait on the full pipe', () => w.blockedWriting());
	expect(received).toBeLessThan(total);
	expect(w.running()).toBe(true);
	const whileHeld = received;
	// Some turns of the event loop later (each polls for I/O): still waiting, nothing more read.
	for (let turn = 0; turn < 10; turn++) await new Promise(resolve => setImmediate(resolve));
	expect(w.blockedWriting()).toBe(true);
	expect(received).toBe(whileHeld);
	reader.release();
	await reader.done;
	expect(received).toBe(total);
	expect(await w.exited).toBe(0);
});

test('destroy ends the reader at once; the writer then gets a broken pipe', async () => {
	const [fifo] = (await openFifos(1))!;
	const w = writer('while true; do echo y; done', fifo.writeFd);
	closeQuietly(fifo.writeFd);
	let received = 0;
	const [reader] = readFifos([{fd: fifo.readFd, onBytes: bytes => void (received += bytes.length)}]);
	await waitUntil('the first output', () => received > 0);
	reader.destroy();
	await reader.done;
	// bash dies of SIGPIPE (exit code null with a signal, or 141 from the shell).
	const code = await w.exited;
	expect(code === null || code === 141 || code === 1).toBe(true);
});

const linuxWithPerl = process.platform === 'linux' && spawnSync('perl', ['-e', '1']).status === 0;

test('a producer that keeps the pipe full is read as it writes, not every REST_MS ms, and its pipe is enlarged (issue 15)', async () => {
	// 32 MiB is 512 pipes full (64 KiB): reading them every REST_MS ms, as the reader
	// did after base64's first small write, makes 512 rests, the producer waiting on a
	// full pipe most of the time.
	const [fifo] = (await openFifos(1))!;
	let rests = 0; // timer reads
	let bytes = 0;
	let reads = 0;
	const enlarged: number[] = [];
	const [reader] = readFifos(
		[
			{
				fd: fifo.readFd,
				onBytes: chunk => {
					bytes += chunk.length;
					reads++;
				},
			},
		],
		{onRest: () => rests++, onEnlarged: size => enlarged.push(size)},
	);
	const producer = writer('head -c 24M /dev/zero | base64', fifo.writeFd);
	closeQuietly(fifo.writeFd);
	expect(await producer.exited).toBe(0);
	await reader.done;
	expect(bytes).toBe(32 * 1024 * 1024 + Math.ceil((32 * 1024 * 1024) / 76)); // base64 lines of 76 characters
	expect(rests).toBeLessThan(128);
	// Large reads, not one per write of base64 (4 KiB: 8,400 of them).
	expect(reads).toBeLessThan(2000);
	// perl may end after the producer (a loaded machine): its answer is awaited.
	if (linuxWithPerl) await waitUntil('the pipe enlarged', () => enlarged.length > 0);
	if (linuxWithPerl) expect(enlarged).toEqual([Math.min(Number(readFileSync('/proc/sys/fs/pipe-max-size', 'utf8')), 1024 * 1024)]);
});

test('a kept direct-read buffer is not read into again until every holder gave it back (issue 15: the log writes a flood from it)', async () => {
	const [fifo] = (await openFifos(1))!;
	const kept: {bytes: Buffer; copy: Buffer; giveBack: () => void}[] = [];
	let total = 0;
	let offers = 0;
	const [reader] = readFifos([
		{
			fd: fifo.readFd,
			onBytes: (bytes, keep) => {
				total += bytes.length;
				if (!keep) return; // libuv's reads of a quiet pipe lend nothing
				offers++;
				// Keep every other piece a while, as the log does until its write is done.
				if (offers % 2 === 0) return;
				// Two holders: the first gives the buffer back at once, the second holds it on.
				keep()();
				const giveBack = keep();
				kept.push({bytes, copy: Buffer.from(bytes), giveBack});
				if (kept.length > 3) kept.shift()!.giveBack();
			},
		},
	]);
	const producer = writer('head -c 12M /dev/urandom | base64', fifo.writeFd);
	closeQuietly(fifo.writeFd);
	expect(await producer.exited).toBe(0);
	await reader.done;
	expect(total).toBe(16 * 1024 * 1024 + Math.ceil((16 * 1024 * 1024) / 76));
	expect(offers).toBeGreaterThan(1);
	// The pieces still kept hold what was read into them: later reads went to other buffers.
	expect(kept.length).toBeGreaterThan(0);
	for (const piece of kept) expect(piece.bytes.equals(piece.copy)).toBe(true);
	for (const piece of kept) piece.giveBack();
});

test('at most six direct-read buffers are lent at once; past that a piece comes without keep (the log copies it)', async () => {
	const run = async (holdAll: boolean) => {
		const [fifo] = (await openFifos(1))!;
		const held: {bytes: Buffer; copy: Buffer; giveBack: () => void}[] = [];
		let lent = 0;
		let total = 0;
		const [reader] = readFifos([
			{
				fd: fifo.readFd,
				onBytes: (bytes, keep) => {
					total += bytes.length;
					if (!keep) return;
					lent++;
					const giveBack = keep();
					if (holdAll) held.push({bytes, copy: Buffer.from(bytes), giveBack});
					else giveBack();
				},
			},
		]);
		const producer = writer('head -c 12M /dev/urandom | base64', fifo.writeFd);
		closeQuietly(fifo.writeFd);
		expect(await producer.exited).toBe(0);
		await reader.done;
		expect(total).toBe(16 * 1024 * 1024 + Math.ceil((16 * 1024 * 1024) / 76));
		return {held, lent};
	};
	// A log that never gives back (a stuck disk): six buffers, not one per read.
	const stuck = await run(true);
	expect(stuck.lent).toBe(6);
	for (const piece of stuck.held) expect(piece.bytes.equals(piece.copy)).toBe(true);
	for (const piece of stuck.held) piece.giveBack();
	// Given back, they count no more: a log that gives back at once is lent every direct read.
	const prompt = await run(false);
	expect(prompt.lent).toBeGreaterThan(6);
});

test('openFifos: a process that exits while a batch is made ahead leaves no FIFO folder behind', () => {
	// 17 calls of 2 start the batch ahead (see above); the process exits at once, mkfifo still running.
	const script = `const {openFifos} = await import(${JSON.stringify(join(process.cwd(), 'source/executors/fifo.ts'))}); for (let call = 0; call < 17; call++) await openFifos(2); process.exit(0);`;
	const ran = spawnSync(process.execPath, ['--import', join(process.cwd(), 'scripts/source-hooks.ts'), '--input-type=module', '-e', script], {env: {...process.env, TMPDIR: testTmp()}, encoding: 'utf8'});
	expect(ran.stderr).toBe('');
	expect(ran.status).toBe(0);
	expect(readdirSync(testTmp())).toEqual([]);
});

/** Whether a thread of this process waits in read(2) on an empty pipe (proc(5) wchan: `pipe_read`, `anon_pipe_read` on newer kernels). */
function threadWaitsOnPipe(): boolean {
	for (const task of readdirSync('/proc/self/task')) {
		try {
			if (/pipe_read$/.test(readFileSync(`/proc/self/task/${task}/wchan`, 'utf8'))) return true;
		} catch {
			// the thread ended
		}
	}
	return false;
}

test.runIf(linuxWithPerl)('a pool read waiting on a pipe a quiet process holds open ends with destroy: no pool thread is left waiting (issue 15)', async () => {
	const [fifo] = (await openFifos(1))!;
	let poolBytes = 0;
	let received = 0;
	let enlarged = false;
	const [reader] = readFifos([{fd: fifo.readFd, onBytes: bytes => void (received += bytes.length)}], {onPoolRead: bytes => void (poolBytes += bytes), onEnlarged: () => void (enlarged = true)});
	// A burst that gets the pipe enlarged (and its blocking end opened: perl takes longer than a flood
	// of tens of MiB), a line from us, then the flood; then the writer stays, quiet, with the pipe open
	// (as a process that survived SIGKILL). Writes of 1 MiB: each pool read returns much, so the pool
	// reads go on to the end of the flood (8 KiB writes, read as they come, could end them first).
	const child = spawn('bash', ['-c', 'dd if=/dev/zero bs=1M count=16 status=none; read go; dd if=/dev/zero bs=1M count=48 status=none; exec cat'], {stdio: ['pipe', fifo.writeFd, 'inherit']});
	closeQuietly(fifo.writeFd);
	try {
		await waitUntil('the pipe enlarged', () => enlarged);
		child.stdin!.write('go\n');
		await waitUntil('all 64 MiB read', () => received === 64 * 1024 * 1024);
		expect(poolBytes).toBeGreaterThan(0);
		// The flood went to the pool; its last read now waits in a pool thread for more.
		await waitUntil('a pool thread waiting on the empty pipe', threadWaitsOnPipe);
		reader.destroy();
		await reader.done;
		await waitUntil('no thread waiting on the pipe', () => !threadWaitsOnPipe());
	} finally {
		child.kill('SIGKILL');
	}
	// The byte that woke the read is not output.
	expect(received).toBe(64 * 1024 * 1024);
});

test.runIf(linuxWithPerl)('a flood is read in the thread pool, from a blocking read end, every byte in order; a producer that slows down is read directly again (issue 15)', async () => {
	const [fifo] = (await openFifos(1))!;
	let text = '';
	let poolBytes = 0;
	let restsAfterPool = 0;
	let enlarged = false;
	const [reader] = readFifos(
		[
			{
				fd: fifo.readFd,
				onBytes: bytes => {
					text += bytes.toString('latin1');
				},
			},
		],
		{onPoolRead: bytes => void (poolBytes += bytes), onRest: () => void (poolBytes > 0 && restsAfterPool++), onEnlarged: () => void (enlarged = true)},
	);
	// A burst that gets the pipe enlarged (see above), a line from us, then cat of a file in the page
	// cache, which fills the pipe faster than any rest (1 MiB in a millisecond): a rest finds it full.
	// Then a line at a time, each its own write.
	const numbers = join(testTmp(), 'numbers');
	expect(spawnSync('bash', ['-c', `seq 1 6000000 > ${numbers}`]).status).toBe(0);
	const child = spawn('bash', ['-c', `head -c 4M /dev/zero | tr '\\0' '\\n'; read go; cat ${numbers}; for i in $(seq 1 20000); do echo "slow $i"; done`], {stdio: ['pipe', fifo.writeFd, 'inherit']});
	const exited = new Promise<number | null>(resolve => child.on('exit', resolve));
	closeQuietly(fifo.writeFd);
	await waitUntil('the pipe enlarged', () => enlarged);
	child.stdin!.end('go\n');
	expect(await exited).toBe(0);
	await reader.done;
	const lines = text
		.trimEnd()
		.split('\n')
		.slice(4 * 1024 * 1024);
	expect(lines).toHaveLength(6_020_000);
	for (let i = 0; i < 6_000_000; i += 1) if (lines[i] !== String(i + 1)) throw new Error(`line ${i + 1} reads ${lines[i]}`);
	expect(lines.at(-1)).toBe('slow 20000');
	expect(poolBytes).toBeGreaterThan(0);
	// The line-at-a-time end went back to rests (a pool read per line would be a round trip per line).
	expect(restsAfterPool).toBeGreaterThan(0);
});

test.runIf(linuxWithPerl)('a process exits while a pool read waits on a silent pipe that a step ignoring SIGTERM holds open (libuv joins its pool threads at exit)', async () => {
	// A child node reads a flood in the pool, then the producer keeps the pipe open and silent
	// (trap '' TERM; sleep 3600). Before the exit hook woke the read, exit waited for the sleep.
	const program = `
		import {spawn} from 'node:child_process';
		import {closeSync, writeFileSync} from 'node:fs';
		const {openFifos} = await import(${JSON.stringify(sourceModule('executors/fifo.ts'))});
		const {readFifos} = await import(${JSON.stringify(sourceModule('executors/output-reader.ts'))});
		const [fifo] = await openFifos(1);
		let poolRead;
		const pooled = new Promise(resolve => (poolRead = resolve));
		readFifos([{fd: fifo.readFd, onBytes: () => {}}], {onPoolRead: () => poolRead()});
		const step = spawn('bash', ['-c', "trap '' TERM; dd if=/dev/zero bs=1M count=256 status=none; exec sleep 3600"], {stdio: ['ignore', fifo.writeFd, 'ignore'], detached: true});
		closeSync(fifo.writeFd);
		writeFileSync(process.argv[1], String(step.pid));
		await pooled;
		console.log('pool read');
		// The test says go once a pool read waits on the silent pipe.
		await new Promise(resolve => process.stdin.once('data', resolve));
		// The exit hooks first, as process.exit runs them: the waiting read must return (exit itself
		// hung only some of the time without the hook: libuv's join raced the read). The loop goes
		// on here, so another read waits after it, which process.exit's own hooks wake again.
		const woken = new Promise(resolve => (poolRead = resolve));
		process.emit('exit', 0);
		await woken;
		console.log('pool read woken');
		process.exit(0);
	`;
	const pidFile = join(testTmp(), 'step.pid');
	const child = spawn(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '-e', program, pidFile], {stdio: ['pipe', 'pipe', 'inherit']});
	let out = '';
	child.stdout.setEncoding('utf8').on('data', text => (out += text));
	/** Whether a thread of `pid` waits in read(2) on an empty pipe (/proc/<pid>/task/<tid>/wchan). */
	const waitsOnPipe = (pid: number) =>
		readdirSync(`/proc/${pid}/task`).some(task => {
			try {
				return readFileSync(`/proc/${pid}/task/${task}/wchan`, 'utf8').endsWith('pipe_read');
			} catch {
				return false;
			}
		});
	// 'close': exited, and its output read.
	let closed = false;
	const exited = new Promise<number | null>(resolve => child.once('close', code => resolve(code)));
	void exited.then(() => (closed = true));
	try {
		await waitUntil('the flood read in the pool', () => out.includes('pool read\n'), 60_000);
		const stepPid = Number(readFileSync(pidFile, 'utf8'));
		await waitUntil('a pool read waiting on the silent pipe', () => readFileSync(`/proc/${stepPid}/cmdline`, 'utf8').startsWith('sleep\0') && waitsOnPipe(child.pid!), 60_000);
		child.stdin.write('go\n');
		await waitUntil('the child to exit', () => closed, 60_000);
		expect(await exited).toBe(0);
		expect(out).toBe('pool read\npool read woken\n');
	} finally {
		child.kill('SIGKILL');
		const stepPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
		if (stepPid > 0) {
			try {
				process.kill(-stepPid, 'SIGKILL');
			} catch {
				// gone
			}
		}
	}
});
