/**
 * Reading the output streams of a step's process (its stdout and its stderr),
 * handing the bytes to a callback as they come, with a pause the caller can
 * hold while the step's log file catches up.
 *
 * From FIFOs (see fifo.ts) the reads are lazy, so that a fast producer costs
 * few wake-ups and large reads (issue 15). A quiet pipe is watched by libuv:
 * the first write after a quiet moment is read at once. Then the pipe rests
 * {@link REST_MS} ms, and what piled up meanwhile is read directly, up to
 * {@link READ_BYTES} at a time, until the pipe is empty; while data keeps
 * coming it is read so, every {@link REST_MS} ms, and a rest that found
 * nothing hands the pipe back to libuv. A command that prints a million lines,
 * one write each, then costs a few thousand reads instead of a million
 * wake-ups, and output reaches the screen at most a few ms later.
 *
 * A producer that fills the pipe within a rest (a `base64` or `cat` of a large
 * file) would wait on the full pipe most of the time, and on a loaded machine
 * lose its time slice at each wait: such a pipe is enlarged to 1 MiB
 * (pipe-size.ts), and read again as soon as the event loop comes round
 * (setImmediate) rather than after a rest, until reads get small again.
 * Never through libuv's watch meanwhile: that would wake us at each of the
 * producer's writes (4 KiB for stdio), tens of thousands of wake-ups a second.
 *
 * Even so, a producer faster than us (`yes | head`: 1 GB/s) fills 1 MiB in a
 * millisecond and then waits on the pipe until our next read, which comes late
 * on a loaded machine: a program that waits in read(2) is woken the moment the
 * producer writes, and kept `yes | head -c 512M` at the speed of writing a file,
 * where non-blocking reads on the event loop took twice that, even without rests
 * (bench/, issue 15). So once an enlarged pipe is found full after a rest, it is
 * read by blocking reads in libuv's thread pool (`fs.read` on a second, blocking
 * read end: pipe-size.ts preparePipe), one after another, while they return
 * {@link POOL_MIN_BYTES} on average; then back to rests. One pipe at a time is
 * read so ({@link MAX_POOL_READERS}): the pool also writes the step logs. A pool
 * read that waits on a pipe a process holds open without writing is ended by
 * `destroy`, which writes a byte into the pipe (dropped).
 *
 * Resting does not work with Node's socket pairs: a socket buffer fills after
 * a few hundred one-line writes and the writer blocks (bench/);
 * {@link readStream} reads those as they come.
 *
 * Over 300 lines on purpose: the watch, the rest, the direct reads and the pool
 * reads hand one pipe between them; their order is the point, and reads best in
 * one place. Never two at once: a direct read while a pool read is under way could
 * hand on later bytes before the pool read's.
 */
import {closeSync, constants, openSync, read, readSync, writeSync} from 'node:fs';
import {Socket} from 'node:net';
import type {Readable} from 'node:stream';
import {closeQuietly} from './fifo.js';
import {DEFAULT_PIPE_BYTES, preparePipe} from './pipe-size.js';

/** Bytes libuv reads at most at once from a watched FIFO (a quiet pipe: the first writes after a pause). */
const WATCH_READ_BYTES = 64 * 1024;

/**
 * Bytes read at most at once directly from a FIFO (1 MiB, an enlarged pipe's
 * size: it is emptied in one read). One buffer for every FIFO while none is lent:
 * direct reads are synchronous and the bytes are handed on before the next one;
 * a buffer the step log keeps ({@link KeepBuffer}) is replaced by another.
 */
export const READ_BYTES = 1024 * 1024;

/**
 * At most this many bytes are read from one FIFO in one turn of the event
 * loop (4 MiB), so a producer faster than us cannot keep the loop from other
 * work (drawing, key presses, an abort).
 */
const TURN_BYTES = 4 * READ_BYTES;

/** How long a FIFO reader rests between direct reads, in ms. */
export const REST_MS = 2;

/** A rest's reads are ones of a fast producer when they took at least this share of the pipe's size. */
const FAST_SHARE = 0.5;

/**
 * Pool reads (see {@link readFifos}) go on while they return this many bytes on
 * average (32 KiB; a moving average over about {@link POOL_AVERAGE_READS} reads). A pool
 * read returns as soon as the writer has written: a producer slower than us (`base64`,
 * CPU-bound, writes 4 KiB at a time) would cost a round trip through the thread pool
 * per write, where a rest reads hundreds of them at once.
 */
const POOL_MIN_BYTES = 32 * 1024;

/** The moving average of {@link POOL_MIN_BYTES} weighs the latest read 1 in this many. */
const POOL_AVERAGE_READS = 8;

/**
 * Pipes read in libuv's thread pool at once, over every group (one): a pool read
 * waits in a pool thread while its pipe is empty, and the pool (4 threads) also
 * writes the step logs. The other pipes are read as before.
 */
const MAX_POOL_READERS = 1;
/** Pipes being read in the pool now (see {@link MAX_POOL_READERS}). */
let poolReaders = 0;

/**
 * Blocking read ends with a pool read under way. At exit libuv joins its pool threads, so
 * a read waiting on a pipe that a process still holds open and silent (one that ignores
 * SIGTERM, or outside the step's group) would keep this process from exiting: each is woken.
 */
const poolReading = new Set<number>();
let exitWakeSet = false;
function wakePoolReadsAtExit(): void {
	for (const fd of poolReading) wake(fd);
}

/**
 * Takes the buffer of a piece out of reuse, during the {@link OnBytes} call it
 * was given to; returns the function that gives it back (when done with the
 * bytes: the step log, once it has written them; a second call does nothing).
 * Each call is a holder of its own: the buffer is read into again only once
 * every holder gave it back, and the reader reads into another one meanwhile.
 */
export type KeepBuffer = () => () => void;

/**
 * Receives each piece of output as it is read. The buffer may be reused after
 * the call returns: use its bytes at once (decode or copy them), keep no reference,
 * unless `keep` is given and called (direct reads: the log then writes a flood
 * from the buffer it was read into, without copying it).
 */
export type OnBytes = (bytes: Buffer, keep?: KeepBuffer) => void;

/** One stream being read. */
export interface OutputReader {
	/**
	 * Resolves once the stream has ended: every process holding its write end
	 * closed it (for a step, bash and whatever it started), it failed, or
	 * {@link destroy} was called. Never rejects.
	 */
	readonly done: Promise<void>;
	/** Stops reading until {@link release} (the writer blocks once the pipe is full). */
	hold(): void;
	/** Reads again after {@link hold}. */
	release(): void;
	/** Stops reading for good and closes our end (the writer then gets EPIPE/SIGPIPE). */
	destroy(): void;
}

/** What a caller (a test, a benchmark) may watch of a group of FIFO readers. */
export interface ReaderWatch {
	/** Called each time the group's timer ends a rest of {@link REST_MS} ms (and reads the resting pipes). */
	onRest?: () => void;
	/** Called with the pipe's new size in bytes when a FIFO found full was enlarged (pipe-size.ts). */
	onEnlarged?: (bytes: number) => void;
	/** Called with the bytes of each pool read (see {@link readFifos}), after they were handed on. */
	onPoolRead?: (bytes: number) => void;
}

/** One FIFO of a group and what receives its bytes. */
export interface FifoSource {
	/**
	 * The FIFO's read end, non-blocking (fifo.ts opens it so: it is also read
	 * directly, see {@link readFifos}); the reader takes it over and closes it.
	 */
	fd: number;
	onBytes: OnBytes;
}

/** A member of a group of FIFO readers. */
interface Member {
	/** The FIFO's read end. */
	fd: number;
	/** The caller holds it (the log file is catching up). */
	held: boolean;
	/** Read directly (by the group's timer or setImmediate), not watched by libuv. */
	resting: boolean;
	/** The pipe's size in bytes, as far as we know (64 KiB until enlarged). */
	pipeBytes: number;
	/** An enlargement was asked for (once per pipe). */
	enlarging: boolean;
	/** A second, blocking read end of the pipe, for pool reads (pipe-size.ts preparePipe); undefined: none (yet). */
	blockingFd: number | undefined;
	/** Read in the thread pool (a flood): neither watched by libuv nor read directly. */
	pooled: boolean;
	/** A pool read is under way (it may be waiting in the kernel for the writer). */
	poolBusy: boolean;
	/** Moving average of the pool reads' sizes, bytes (see {@link POOL_MIN_BYTES}). */
	poolAverage: number;
	finished: boolean;
	/** Pauses or resumes libuv's reads to match `held`, `resting` and `pooled`. */
	update(): void;
	/** Reads what is in the pipe now (at most `limit` bytes), directly, handing it on; returns the bytes read. */
	drain(limit: number): number;
	/** Starts the next pool read, when pooled and neither held, finished nor already reading. */
	poolRead(): void;
}

/** The buffer of the next direct read (see {@link READ_BYTES}); made on first use, replaced when kept. */
let directBuffer: Buffer | undefined;

/**
 * Direct-read buffers given back after being kept ({@link KeepBuffer}), for reuse: as many
 * as the step log keeps in flight (4 MiB, store/step-logs.ts) and a few more. A fresh
 * buffer per read is garbage the collector frees late (external memory), tens of MB of RSS.
 */
const spareBuffers: Buffer[] = [];
const SPARE_BUFFERS = 6;

/**
 * At most this many direct-read buffers are lent at once (6 MiB); past it a piece is
 * offered without `keep`, so the log copies it. The log's back-pressure counts the
 * bytes of its pieces, and a small lent piece holds a whole 1 MiB buffer: without a
 * cap a slow disk could hold 64 of them (a second read of this code measured 32).
 */
const MAX_LENT = 6;
/** Buffers lent now: settled with a holder left, not yet given back by the last one. */
let lentBuffers = 0;

/** A direct-read buffer: a spare one, or a new one. */
function takeBuffer(): Buffer {
	return spareBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
}

/** Gives a buffer that was not lent back for reuse. */
function giveBack(buffer: Buffer): void {
	if (spareBuffers.length < SPARE_BUFFERS) spareBuffers.push(buffer);
}

/** One byte written to wake a pool read that waits on an empty pipe (see `destroy`): read, and dropped. */
const WAKE = Buffer.from([0]);

/**
 * The lending of `buffer` for one piece: each `keep()` adds a holder, and each give-back
 * (counted once) takes one away. `settle()`, once the piece was handed on: true when a
 * holder remains, so the next read must go into another buffer; this one then goes back
 * to the spares when the last holder gives it back. Before `settle()`, a buffer given back
 * by every holder is simply the reader's again.
 */
function lender(buffer: Buffer): {keep: KeepBuffer; settle: () => boolean} {
	let holders = 0;
	let settled = false;
	return {
		keep: () => {
			holders++;
			let given = false;
			return () => {
				if (given) return;
				given = true;
				holders--;
				if (!settled || holders > 0) return;
				lentBuffers--;
				giveBack(buffer);
			};
		},
		settle: () => {
			settled = true;
			if (holders > 0) lentBuffers++;
			return holders > 0;
		},
	};
}

/**
 * Reads FIFO read ends lazily (see the file comment), calling each source's
 * `onBytes` for each read; returns one reader per source, in the same order.
 *
 * Two pipes carry no order between them; to keep the order a script wrote in,
 * output that libuv reads on one pipe is handed on only after what is waiting
 * in the resting ones (written earlier, most likely), and resting pipes are
 * read in the order given: with stdout first, a script's output and then its
 * error message keep that order. A pipe read in the pool hands on its bytes when
 * the pool read returns: a read that returned just before another pipe's bytes
 * came (the pool thread not yet done) may be handed on after them, as two pipes
 * read by any program may.
 */
export function readFifos(sources: readonly FifoSource[], watch: ReaderWatch = {}): OutputReader[] {
	let restTimer: NodeJS.Timeout | undefined;
	let turn: NodeJS.Immediate | undefined;
	const members: Member[] = [];
	/** Reads the resting pipes; `timer`: after a rest (else on the next turn of the loop). */
	const readResting = (timer: boolean): void => {
		if (timer) {
			restTimer = undefined;
			watch.onRest?.();
		} else {
			turn = undefined;
		}
		let fast = false;
		for (const member of members) {
			if (!member.resting) continue;
			if (member.finished || member.held) {
				member.resting = false;
				member.update();
				continue;
			}
			const bytes = member.drain(TURN_BYTES);
			if (bytes === 0) {
				// Nothing came: back to libuv's watch.
				member.resting = false;
				member.update();
			} else if (bytes >= member.pipeBytes * FAST_SHARE) {
				// The producer (nearly) filled the pipe since the last read: it outruns the rests.
				fast = true;
				if (!member.enlarging) enlarge(member);
				// Found full: the producer waited on us. Pool reads; a pipe only nearly full after a
				// rest stays on rests. Which one a producer gets depends on the load: `base64` of a
				// cached file was read 62% in the pool at load 3.5 (the second read of output4).
				else if (bytes >= member.pipeBytes && member.blockingFd !== undefined && poolReaders < MAX_POOL_READERS) startPool(member);
			}
		}
		schedule(fast);
	};
	/** From direct reads to pool reads: a flood (see the file comment). */
	const startPool = (member: Member): void => {
		poolReaders++;
		member.pooled = true;
		member.poolAverage = member.pipeBytes * FAST_SHARE;
		member.resting = false;
		member.update();
		member.poolRead();
	};
	/** Ends the pool reads of `member`: back to resting (`rest`: the producer slowed down) or to libuv's watch. */
	const stopPool = (member: Member, rest: boolean): void => {
		if (!member.pooled) return;
		member.pooled = false;
		poolReaders--;
		if (member.finished) return;
		member.resting = rest;
		member.update();
		if (rest) schedule(false);
	};
	/** Arranges the next direct read of the resting pipes: on the next turn when `soon`, else after a rest. */
	const schedule = (soon: boolean): void => {
		if (!members.some(member => member.resting)) return;
		if (soon) {
			if (turn || restTimer) return;
			turn = setImmediate(readResting, false);
		} else if (!turn) {
			restTimer ??= setTimeout(readResting, REST_MS, true);
		}
	};
	const enlarge = (member: Member): void => {
		member.enlarging = true;
		void preparePipe(member.fd, true).then(({bytes, blockingFd}) => {
			if (blockingFd !== undefined) {
				if (member.finished) closeQuietly(blockingFd);
				else member.blockingFd = blockingFd;
			}
			if (bytes === undefined) return;
			member.pipeBytes = bytes;
			watch.onEnlarged?.(bytes);
		});
	};
	/** Hands on what waits in the resting pipes other than `reading`, in order. */
	const drainOthers = (reading: Member): void => {
		for (const member of members) if (member !== reading && member.resting && !member.finished && !member.held) member.drain(TURN_BYTES);
	};
	const memberEnded = (): void => {
		if (members.every(member => member.finished)) {
			clearTimeout(restTimer);
			restTimer = undefined;
			if (turn) clearImmediate(turn);
			turn = undefined;
		}
	};
	return sources.map(({fd, onBytes}) => {
		const watchBuffer = Buffer.allocUnsafe(WATCH_READ_BYTES);
		let finish!: () => void;
		const done = new Promise<void>(resolve => {
			finish = () => {
				if (member.finished) return;
				member.finished = true;
				stopPool(member, false);
				// A pool read under way closes it when it returns (its descriptor is in use).
				if (!member.poolBusy) closeBlocking();
				memberEnded();
				resolve();
			};
		});
		const closeBlocking = (): void => {
			if (member.blockingFd === undefined) return;
			closeQuietly(member.blockingFd);
			member.blockingFd = undefined;
		};
		const member: Member = {
			fd,
			held: false,
			resting: false,
			pipeBytes: DEFAULT_PIPE_BYTES,
			enlarging: false,
			blockingFd: undefined,
			pooled: false,
			poolBusy: false,
			poolAverage: 0,
			finished: false,
			update: () => {
				if (member.finished) return;
				if (member.held || member.resting || member.pooled) socket.pause();
				else socket.resume();
			},
			poolRead: () => {
				if (member.poolBusy || !member.pooled || member.held || member.finished || member.blockingFd === undefined) return;
				member.poolBusy = true;
				const fd = member.blockingFd;
				poolReading.add(fd);
				if (!exitWakeSet) {
					exitWakeSet = true;
					process.on('exit', wakePoolReadsAtExit);
				}
				const buffer = takeBuffer();
				read(fd, buffer, 0, READ_BYTES, null, (error, bytes) => {
					member.poolBusy = false;
					poolReading.delete(fd);
					if (member.finished) {
						giveBack(buffer);
						closeBlocking();
						return;
					}
					if (error || bytes === 0) {
						// The end (every writer closed it), or an error: libuv's watch reads it again and reports it.
						giveBack(buffer);
						stopPool(member, false);
						return;
					}
					// Written earlier, most likely: what waits in the other (resting) pipes goes first.
					drainOthers(member);
					const piece = lentBuffers < MAX_LENT ? lender(buffer) : undefined;
					onBytes(buffer.subarray(0, bytes), piece?.keep);
					if (!piece?.settle()) giveBack(buffer);
					watch.onPoolRead?.(bytes);
					member.poolAverage += (bytes - member.poolAverage) / POOL_AVERAGE_READS;
					if (member.poolAverage < POOL_MIN_BYTES) stopPool(member, true);
					else member.poolRead();
				});
			},
			drain: limit => {
				let buffer = (directBuffer ??= takeBuffer());
				let total = 0;
				while (!member.held && !member.finished && total < limit) {
					let bytes: number;
					try {
						bytes = readSync(fd, buffer, 0, READ_BYTES, null);
					} catch {
						break; // EAGAIN: empty for now (another error: libuv reports it when reading again)
					}
					if (bytes === 0) {
						// Every writer closed it: back to libuv, which reads the end and ends the stream.
						member.resting = false;
						member.update();
						break;
					}
					total += bytes;
					const piece = lentBuffers < MAX_LENT ? lender(buffer) : undefined;
					onBytes(buffer.subarray(0, bytes), piece?.keep);
					if (piece?.settle()) buffer = directBuffer = takeBuffer();
					if (bytes < READ_BYTES && bytes < member.pipeBytes) break; // took all there was
				}
				return total;
			},
		};
		const socket: Socket = new Socket({
			fd,
			readable: true,
			writable: false,
			// With `onread`, pause() and resume() stop and start libuv's reads at once
			// (readStop/readStart), and the one buffer is reused for every read.
			onread: {
				buffer: watchBuffer,
				callback: (bytes: number) => {
					if (bytes <= 0) return true;
					// The bytes are in `watchBuffer`: the other pipes are read with the direct buffer.
					drainOthers(member);
					onBytes(watchBuffer.subarray(0, bytes));
					if (!member.finished && !member.resting) {
						// Output is coming: rest, then read what piled up meanwhile.
						member.resting = true;
						member.update();
						schedule(bytes >= WATCH_READ_BYTES);
					}
					return true;
				},
			},
		});
		members.push(member);
		socket.once('end', finish);
		socket.once('close', finish);
		socket.once('error', () => {
			finish();
			socket.destroy();
		});
		// Flowing from the start, so 'end' comes even when nothing is ever read.
		socket.resume();
		void done.then(() => {
			if (!socket.destroyed) socket.destroy();
		});
		return {
			done,
			hold: () => {
				// A pool read already under way still hands on its piece (at most READ_BYTES, one
				// pipe in the process); the next one waits for release.
				member.held = true;
				member.update();
			},
			release: () => {
				member.held = false;
				member.update();
				member.poolRead();
			},
			destroy: () => {
				// A pool read waiting on the empty pipe (a process that survived SIGKILL holds it open)
				// would wait for good, holding a pool thread: a byte written into the pipe ends it.
				if (member.poolBusy && member.blockingFd !== undefined) wake(member.blockingFd);
				finish();
				socket.destroy();
			},
		};
	});
}

/**
 * Writes {@link WAKE} into the pipe `fd` is a read end of, through a write end opened for it
 * (`/proc/self/fd`): a read waiting on the empty pipe returns. Best effort: a full pipe
 * (EAGAIN) has no reader waiting.
 */
function wake(fd: number): void {
	try {
		const end = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
		try {
			writeSync(end, WAKE);
		} catch {
			// full: the read returns anyway
		} finally {
			closeSync(end);
		}
	} catch {
		// no /proc: the read waits for the writer
	}
}

/**
 * Reads a Node stream (the child's end of Node's own pipes, the fallback when
 * FIFOs cannot be made), calling `onBytes` for each chunk. A missing stream
 * (the process did not start) is an ended one.
 */
export function readStream(stream: Readable | null | undefined, onBytes: OnBytes): OutputReader {
	if (!stream) return {done: Promise.resolve(), hold: () => {}, release: () => {}, destroy: () => {}};
	const done = new Promise<void>(resolve => {
		stream.once('end', resolve);
		stream.once('close', resolve);
		stream.once('error', () => resolve());
	});
	stream.on('data', onBytes);
	return {
		done,
		hold: () => void stream.pause(),
		release: () => void stream.resume(),
		destroy: () => void stream.destroy(),
	};
}
