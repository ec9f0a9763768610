/**
 * Streaming a local file into an exec's stdin channel, fast: see
 * {@link pumpStdin}.
 */
import type {FileHandle} from 'node:fs/promises';
import {OPEN, STDIN_CHANNEL, type Socket} from './exec-socket.js';
import type {TransferProgress} from './progress.js';

/** stdin messages filled by one read. */
const READ_BATCH = 16;

/** Sizes of the stream, in bytes. */
export interface PumpSizes {
	/** Bytes of file data per message. */
	chunkBytes: number;
	/** Most bytes handed to the socket but not yet written. */
	windowBytes: number;
}

/**
 * Streams the file to the stdin channel. Returns true when all of it was
 * handed to the socket, false when `stop()` said to stop first (checked
 * whenever the function given to `setWaker` is called).
 *
 * Messages of `chunkBytes` are read straight into buffers that start with
 * the channel byte, several at a time (one `readv` fills up to
 * {@link READ_BATCH} of them), and each buffer is used again once the socket
 * has written it: no copy, no allocation per message, and at most
 * `windowBytes` waiting in the socket.
 */
export async function pumpStdin(ws: Socket, handle: FileHandle, sizes: PumpSizes, progress: TransferProgress, stop: () => boolean, setWaker: (wake: () => void) => void): Promise<boolean> {
	const chunk = Math.max(1024, sizes.chunkBytes);
	const most = Math.max(READ_BATCH, Math.ceil(sizes.windowBytes / chunk));
	const free: Buffer[] = [];
	let made = 0;
	let failed = false;
	let wake: (() => void) | undefined;
	const take = (): Buffer | undefined => {
		const reused = free.pop();
		if (reused || made >= most) return reused;
		made++;
		const buffer = Buffer.allocUnsafe(chunk + 1);
		buffer[0] = STDIN_CHANNEL;
		return buffer;
	};
	const waitForBuffer = (): Promise<void> => new Promise<void>(done => (wake = done));
	ws.on('close', () => wake?.());
	setWaker(() => wake?.()); // for stop() turning true (the exit status arrived)
	for (;;) {
		if (stop() || failed || ws.readyState !== OPEN) return false;
		const batch: Buffer[] = [];
		for (let b = take(); b; b = batch.length < READ_BATCH ? take() : undefined) batch.push(b);
		if (batch.length === 0) {
			await waitForBuffer();
			continue;
		}
		const {bytesRead} = await handle.readv(batch.map(b => b.subarray(1)));
		if (stop() || ws.readyState !== OPEN) return false;
		let left = bytesRead;
		for (const buffer of batch) {
			const n = Math.min(chunk, left);
			left -= n;
			if (n === 0) {
				free.push(buffer);
				continue;
			}
			ws.send(n === chunk ? buffer : buffer.subarray(0, n + 1), {binary: true}, error => {
				free.push(buffer);
				if (error) failed = true;
				else progress.add(n);
				wake?.();
			});
		}
		if (bytesRead === 0) break;
	}
	while (free.length < made && !stop() && !failed) await waitForBuffer();
	return !failed && !stop();
}
