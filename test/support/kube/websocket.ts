/**
 * A small server-side WebSocket (RFC 6455) for exec, written for throughput: message
 * payloads are delivered as they arrive (a 1 GiB stdin is never assembled in memory),
 * unmasking is native (`bufferutil`, the `ws` package's helper: in JavaScript it cost
 * about 1.5 s of CPU per GiB, on the same two cores as the command under test), and
 * backpressure is the socket's: `pause()` stops reading, so TCP flow control reaches
 * the client. A real API server unmasks in Go; this server's cost is only an artefact
 * of running it next to the client in the tests and benchmarks.
 * Handles: the upgrade handshake with subprotocol choice, fragmented messages,
 * ping/pong, close. Server frames are never masked and never fragmented.
 */
import {createHash} from 'node:crypto';
import {createRequire} from 'node:module';
import type {IncomingMessage} from 'node:http';
import type {Socket} from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Callbacks of one connection. */
export interface WebSocketHandlers {
	/** Payload bytes of a data message; `start` is true for the first bytes of a message. */
	onData(chunk: Buffer, start: boolean): void;
	/** The client closed (close frame or socket end). */
	onClose(): void;
}

/** An accepted connection. */
export interface ServerWebSocket {
	readonly protocol: string;
	/** Sends one binary message made of `parts`; false when the socket's buffer is full. */
	send(parts: Buffer[]): boolean;
	/** Calls `callback` once the socket drained. */
	onDrain(callback: () => void): void;
	/** Stops / restarts reading from the client. */
	pause(): void;
	resume(): void;
	/** Sends a close frame and ends the socket. */
	close(code?: number): void;
	readonly closed: boolean;
}

function frameHeader(opcode: number, length: number): Buffer {
	if (length < 126) {
		return Buffer.from([0x80 | opcode, length]);
	}
	if (length < 65536) {
		const h = Buffer.alloc(4);
		h[0] = 0x80 | opcode;
		h[1] = 126;
		h.writeUInt16BE(length, 2);
		return h;
	}
	const h = Buffer.alloc(10);
	h[0] = 0x80 | opcode;
	h[1] = 127;
	h.writeBigUInt64BE(BigInt(length), 2);
	return h;
}

/** bufferutil's native XOR (prebuilt; it falls back to JavaScript by itself when it cannot load). */
const bufferUtil = createRequire(import.meta.url)('bufferutil') as {unmask(buffer: Buffer, mask: Buffer): void};

/** XORs `data` in place with `mask`, starting at mask position `offset`. */
export function unmask(data: Buffer, mask: Buffer, offset: number): void {
	if (data.length >= 64) {
		const k = offset & 3;
		bufferUtil.unmask(data, k === 0 ? mask : Buffer.from([mask[k]!, mask[(k + 1) & 3]!, mask[(k + 2) & 3]!, mask[(k + 3) & 3]!]));
		return;
	}
	let i = 0;
	const n = data.length;
	while (i < n && (data.byteOffset + i) % 4 !== 0) {
		data[i] = data[i]! ^ mask[(offset + i) & 3]!;
		i++;
	}
	const words = (n - i) >>> 2;
	if (words > 0) {
		const k = (offset + i) & 3;
		const m = (mask[k]! | (mask[(k + 1) & 3]! << 8) | (mask[(k + 2) & 3]! << 16) | (mask[(k + 3) & 3]! << 24)) >>> 0;
		const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
		for (let w = 0; w < words; w++) {
			view[w] = view[w]! ^ m;
		}
		i += words * 4;
	}
	while (i < n) {
		data[i] = data[i]! ^ mask[(offset + i) & 3]!;
		i++;
	}
}

/**
 * Completes the upgrade on `socket` choosing the first of `protocols` the client offers;
 * returns undefined (after answering 400) when the request is not a usable WebSocket upgrade.
 */
export function acceptWebSocket(req: IncomingMessage, socket: Socket, head: Buffer, protocols: string[], handlers: WebSocketHandlers): ServerWebSocket | undefined {
	const key = req.headers['sec-websocket-key'];
	const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
	const protocol = protocols.find((p) => offered.includes(p));
	if (typeof key !== 'string' || !protocol) {
		const body = `unable to upgrade: none of the subprotocols ${protocols.join(', ')} offered`;
		socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
		return undefined;
	}
	const accept = createHash('sha1').update(key + GUID).digest('base64');
	socket.setNoDelay(true);
	socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
	let closed = false;
	let closeNotified = false;
	const notifyClose = (): void => {
		if (!closeNotified) {
			closeNotified = true;
			handlers.onClose();
		}
	};
	const connection: ServerWebSocket = {
		protocol,
		get closed() {
			return closed;
		},
		send(parts) {
			if (closed || !socket.writable) {
				return true;
			}
			const length = parts.reduce((n, p) => n + p.length, 0);
			socket.cork();
			socket.write(frameHeader(2, length));
			let ok = true;
			for (const p of parts) {
				ok = socket.write(p);
			}
			socket.uncork();
			return ok;
		},
		onDrain(callback) {
			socket.once('drain', callback);
		},
		pause: () => socket.pause(),
		resume: () => socket.resume(),
		close(code = 1000) {
			if (!closed) {
				closed = true;
				const payload = Buffer.alloc(2);
				payload.writeUInt16BE(code, 0);
				if (socket.writable) {
					socket.write(Buffer.concat([frameHeader(8, 2), payload]));
				}
				// Read (and drop) whatever the client still sends, end our side, and cut the
				// connection if the client does not close it soon.
				socket.resume();
				socket.end();
				setTimeout(() => socket.destroy(), 1000).unref();
			}
		},
	};

	// Parser state: the current frame's header fields and how much payload is left.
	let pending: Buffer = Buffer.alloc(0);
	let inFrame = false;
	let opcode = 0;
	let left = 0;
	let seen = 0;
	let mask = Buffer.alloc(4);
	let control: Buffer[] = [];
	let messageStart = true;
	let fin = false;
	const onControl = (code: number, payload: Buffer): void => {
		if (code === 8) {
			connection.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
			notifyClose();
		} else if (code === 9 && socket.writable && !closed) {
			socket.write(Buffer.concat([frameHeader(10, payload.length), payload]));
		}
	};
	const consume = (chunk: Buffer): void => {
		if (closed) {
			return;
		}
		let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
		pending = Buffer.alloc(0);
		while (data.length > 0) {
			if (!inFrame) {
				if (data.length < 2) {
					pending = Buffer.from(data);
					return;
				}
				const lengthCode = data[1]! & 0x7f;
				const headerLength = 2 + (lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0) + (data[1]! & 0x80 ? 4 : 0);
				if (data.length < headerLength) {
					pending = Buffer.from(data);
					return;
				}
				fin = (data[0]! & 0x80) !== 0;
				opcode = data[0]! & 0x0f;
				left = lengthCode === 126 ? data.readUInt16BE(2) : lengthCode === 127 ? Number(data.readBigUInt64BE(2)) : lengthCode;
				mask = data[1]! & 0x80 ? Buffer.from(data.subarray(headerLength - 4, headerLength)) : Buffer.alloc(4);
				seen = 0;
				inFrame = true;
				control = [];
				data = data.subarray(headerLength);
				if (opcode < 8 && opcode !== 0) {
					messageStart = true;
				}
			}
			const take = Math.min(left, data.length);
			const part = data.subarray(0, take);
			unmask(part, mask, seen);
			seen += take;
			left -= take;
			data = data.subarray(take);
			if (opcode >= 8) {
				control.push(Buffer.from(part));
			} else if (take > 0) {
				handlers.onData(part, messageStart);
				messageStart = false;
			}
			if (left === 0) {
				inFrame = false;
				if (opcode >= 8) {
					onControl(opcode, Buffer.concat(control));
				} else if (fin) {
					messageStart = true;
				}
			}
		}
	};
	socket.on('data', consume);
	socket.on('error', () => {
		closed = true;
	});
	socket.on('close', () => {
		closed = true;
		notifyClose();
	});
	if (head.length > 0) {
		consume(Buffer.from(head));
	}
	return connection;
}
