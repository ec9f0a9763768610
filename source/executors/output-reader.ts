/**
 * Reading the output streams of a step's process (its stdout and its stderr),
 * handing the bytes to a callback as they come, with a pause the caller can
 * hold while the step's log file catches up.
 *
 * From FIFOs (see fifo.ts) the reads are lazy: after a read that found little
 * (the reader keeps up with the writer, so each read gets a line or two), the
 * pipe rests {@link REST_MS} ms, then what piled up meanwhile (a pipe holds
 * 64 KiB) is taken in one read. A command that prints a million lines, one write
 * each, then costs a few thousand reads instead of a million wake-ups, and
 * output reaches the screen at most a few ms later. A producer that fills the
 * pipe while it rests (a `base64` or `cat` of a large file: it would wait on the
 * full pipe most of the time) switches the pipe to streaming: read as data comes,
 * without rests, until reads stay small again. Resting does not work with
 * Node's socket pairs: a socket buffer fills after a few hundred one-line
 * writes and the writer blocks (bench/); {@link readStream} reads those as they come.
 */
import {readSync} from 'node:fs';
import {Socket} from 'node:net';
import type {Readable} from 'node:stream';

/** Bytes read at most at once from a FIFO (a Linux pipe holds 64 KiB by default). */
const READ_BYTES = 64 * 1024;

/** A read that got fewer bytes than this found the pipe nearly empty: rest before the next one. */
const SMALL_READ_BYTES = 16 * 1024;

/** How long a FIFO reader rests after a small read, in ms. */
export const REST_MS = 2;

/**
 * A streaming pipe goes back to resting after this many tiny reads in a row
 * (the producer slowed down to a line now and then).
 */
const SMALL_READS_TO_REST = 16;

/**
 * A read this small, while streaming, is a line or two: a producer that writes
 * line by line. A bulk producer's reads are its write size or more (4 KiB and
 * up: stdio's buffer, `head`'s, `base64`'s), even when the reader keeps up.
 */
const TINY_READ_BYTES = 2 * 1024;

/**
 * Receives each piece of output as it is read. The buffer may be reused after
 * the call returns: use its bytes at once (decode or copy them), keep no reference.
 */
export type OnBytes = (bytes: Buffer) => void;

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
	/** The caller holds it (the log file is catching up). */
	held: boolean;
	/** Resting after a small read: libuv does not read it, the group's timer does. */
	resting: boolean;
	/**
	 * The pipe filled up while it rested (the producer outruns the rests): libuv
	 * reads it as data comes, small reads included, until
	 * {@link SMALL_READS_TO_REST} small reads in a row.
	 */
	streaming: boolean;
	/** Small reads in a row while streaming. */
	smallReads: number;
	finished: boolean;
	/** Pauses or resumes libuv's reads to match `held` and `resting`. */
	update(): void;
	/** Reads what is in the pipe now, directly, handing it on; returns the bytes read. */
	drain(): number;
}

/**
 * Reads FIFO read ends lazily, calling each source's `onBytes` for each read;
 * returns one reader per source, in the same order.
 *
 * A quiet pipe is watched by libuv: the first write after a quiet moment is
 * read at once. After a read that found little, the pipe rests: libuv stops
 * reading it, and every {@link REST_MS} ms the group's timer reads the resting
 * pipes directly (in the order given) until they are empty; a pipe that had
 * nothing goes back to libuv. A command printing fast is so read every few ms,
 * in big reads. Two pipes carry no order between them; to keep the order a
 * script wrote in, output that libuv reads on one pipe is handed on only after
 * what is waiting in the resting ones (written earlier, most likely), and the
 * timer reads resting pipes in the order given: with stdout first, a script's
 * output and then its error message keep that order.
 */
export function readFifos(sources: readonly FifoSource[], watch: ReaderWatch = {}): OutputReader[] {
	let restTimer: NodeJS.Timeout | undefined;
	const members: Member[] = [];
	const endRest = (): void => {
		restTimer = undefined;
		watch.onRest?.();
		for (const member of members) {
			if (!member.resting) continue;
			if (member.finished || member.held) {
				member.resting = false;
				member.update();
				continue;
			}
			const bytes = member.drain();
			if (bytes === 0 || bytes >= READ_BYTES) {
				// Nothing came (back to libuv's watch), or the pipe was full: the producer
				// was waiting on us, so stream (see Member.streaming).
				member.streaming = bytes > 0;
				member.smallReads = 0;
				member.resting = false;
				member.update();
			}
		}
		if (members.some(member => member.resting)) restTimer = setTimeout(endRest, REST_MS);
	};
	const rest = (member: Member): void => {
		member.resting = true;
		member.update();
		restTimer ??= setTimeout(endRest, REST_MS);
	};
	/** Hands on what waits in the resting pipes other than `reading`, in order. */
	const drainOthers = (reading: Member): void => {
		for (const member of members) if (member !== reading && member.resting && !member.finished && !member.held) member.drain();
	};
	const memberEnded = (): void => {
		if (members.every(member => member.finished)) {
			clearTimeout(restTimer);
			restTimer = undefined;
		}
	};
	return sources.map(({fd, onBytes}) => {
		const buffer = Buffer.allocUnsafe(READ_BYTES);
		let finish!: () => void;
		const done = new Promise<void>(resolve => {
			finish = () => {
				if (member.finished) return;
				member.finished = true;
				memberEnded();
				resolve();
			};
		});
		const member: Member = {
			held: false,
			resting: false,
			streaming: false,
			smallReads: 0,
			finished: false,
			update: () => {
				if (member.finished) return;
				if (member.held || member.resting) socket.pause();
				else socket.resume();
			},
			drain: () => {
				let total = 0;
				while (!member.held && !member.finished) {
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
					onBytes(buffer.subarray(0, bytes));
					if (bytes < READ_BYTES) break; // took all there was
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
				buffer,
				callback: (bytes: number) => {
					if (bytes <= 0) return true;
					// The bytes are in `buffer`: the other pipes are read with their own buffers.
					drainOthers(member);
					onBytes(buffer.subarray(0, bytes));
					if (bytes >= SMALL_READ_BYTES || (member.streaming && bytes >= TINY_READ_BYTES)) member.smallReads = 0;
					else if (member.finished || member.resting) {
						// nothing to decide
					} else if (member.streaming && ++member.smallReads < SMALL_READS_TO_REST) {
						// streaming: read on as data comes
					} else {
						member.streaming = false;
						rest(member);
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
				member.held = true;
				member.update();
			},
			release: () => {
				member.held = false;
				member.update();
			},
			destroy: () => {
				finish();
				socket.destroy();
			},
		};
	});
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
