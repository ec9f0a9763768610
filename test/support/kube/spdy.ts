/**
 * Exec over SPDY/3.1, what kube-apiserver speaks to a kubelet's exec endpoint (also when
 * it translates a client's WebSocket), served by the test kubelet (kubelet.ts). The server side of what
 * k8s.io/apimachinery/pkg/util/httpstream/spdy and moby/spdystream speak:
 * - the upgrade answer: `101 Switching Protocols`, `Upgrade: SPDY/3.1`,
 *   `X-Stream-Protocol-Version: v4.channel.k8s.io` (the only remotecommand version served);
 * - frames (SPDY draft 3.1): control frames `1 | version 3 | type | flags | length24`,
 *   data frames `0 | streamId31 | flags | length24`; SYN_STREAM/SYN_REPLY header blocks are
 *   zlib-compressed with the SPDY/3 dictionary, one zlib stream per direction, each block
 *   ending with a sync flush;
 * - the client opens one stream per channel, named by the `streamtype` header (`error`,
 *   `stdin`, `stdout`, `stderr`, `resize`); each gets a SYN_REPLY; the command starts once the
 *   expected ones are open; stdin ends with a FIN data frame; the exit Status (v4: JSON
 *   metav1.Status) goes on the error stream, then every stream gets FIN and a GOAWAY ends the
 *   session.
 * Flow control: spdystream ignores WINDOW_UPDATE and sends none, so none is sent here;
 * backpressure is TCP's (the socket stops being read while the command's stdin is full).
 */
import type {IncomingMessage} from 'node:http';
import type {Socket} from 'node:net';
import zlib from 'node:zlib';
import type {ExecInput, ExecRequest, ExecTransport} from './exec.js';

const HEADER_NAMES = [
	'options',
	'head',
	'post',
	'put',
	'delete',
	'trace',
	'accept',
	'accept-charset',
	'accept-encoding',
	'accept-language',
	'accept-ranges',
	'age',
	'allow',
	'authorization',
	'cache-control',
	'connection',
	'content-base',
	'content-encoding',
	'content-language',
	'content-length',
	'content-location',
	'content-md5',
	'content-range',
	'content-type',
	'date',
	'etag',
	'expect',
	'expires',
	'from',
	'host',
	'if-match',
	'if-modified-since',
	'if-none-match',
	'if-range',
	'if-unmodified-since',
	'last-modified',
	'location',
	'max-forwards',
	'pragma',
	'proxy-authenticate',
	'proxy-authorization',
	'range',
	'referer',
	'retry-after',
	'server',
	'te',
	'trailer',
	'transfer-encoding',
	'upgrade',
	'user-agent',
	'vary',
	'via',
	'warning',
	'www-authenticate',
	'method',
	'get',
	'status',
	'200 OK',
	'version',
	'HTTP/1.1',
	'url',
	'public',
	'set-cookie',
	'keep-alive',
	'origin',
];
const DICTIONARY_TAIL =
	'100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 Non-Authoritative Information' +
	'204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented' +
	'503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,' +
	'image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch' +
	'charset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1; 1423 bytes). */
export const SPDY_DICTIONARY = Buffer.concat([
	...HEADER_NAMES.map(name => {
		const b = Buffer.alloc(4 + name.length);
		b.writeUInt32BE(name.length, 0);
		b.write(name, 4, 'latin1');
		return b;
	}),
	Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const PING = 6;
const GOAWAY = 7;
const FLAG_FIN = 1;
const MAX_DATA = 0xffffff;

/** Runs `input` through a long-lived zlib stream and returns what a sync flush yields. */
function flushThrough(engine: zlib.Inflate | zlib.Deflate, input: Buffer): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		engine.once('error', reject);
		engine.write(input);
		engine.flush(zlib.constants.Z_SYNC_FLUSH, () => {
			engine.off('error', reject);
			const chunks: Buffer[] = [];
			let chunk: Buffer | null;
			while ((chunk = engine.read() as Buffer | null) !== null) {
				chunks.push(chunk);
			}
			resolve(Buffer.concat(chunks));
		});
	});
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt16BE(0x8003, 0);
	head.writeUInt16BE(type, 2);
	head.writeUInt32BE(payload.length, 4);
	head[4] = flags;
	return Buffer.concat([head, payload]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
	const head = Buffer.alloc(8);
	head.writeUInt32BE(streamId & 0x7fffffff, 0);
	head.writeUInt32BE(data.length, 4);
	head[4] = flags;
	return data.length === 0 ? head : Buffer.concat([head, data]);
}

function parseHeaderBlock(block: Buffer): Map<string, string> {
	const out = new Map<string, string>();
	let at = 4;
	for (let i = 0, n = block.readUInt32BE(0); i < n; i++) {
		const nameLength = block.readUInt32BE(at);
		const name = block.toString('latin1', at + 4, at + 4 + nameLength);
		at += 4 + nameLength;
		const valueLength = block.readUInt32BE(at);
		out.set(name, block.toString('latin1', at + 4, at + 4 + valueLength));
		at += 4 + valueLength;
	}
	return out;
}

/**
 * Answers the SPDY upgrade and runs the exec session on `socket`; `start` runs the command
 * once the expected streams are open.
 */
export function serveSpdyExec(req: IncomingMessage, socket: Socket, head: Buffer, start: (transport: ExecTransport) => ExecInput, request: ExecRequest): void {
	const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(/\s*,\s*/);
	if (!offered.includes('v4.channel.k8s.io')) {
		const body = `unable to upgrade: the test cluster serves only v4.channel.k8s.io (offered: ${offered.join(', ')})`;
		socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
		return;
	}
	socket.setNoDelay(true);
	socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
	const inflater = zlib.createInflate({dictionary: SPDY_DICTIONARY});
	const deflater = zlib.createDeflate({dictionary: SPDY_DICTIONARY});
	const streams = new Map<string, number>();
	const expected = ['error', ...(request.stdin ? ['stdin'] : []), ...(request.stdout ? ['stdout'] : []), ...(request.stderr && !request.tty ? ['stderr'] : []), ...(request.tty ? ['resize'] : [])];
	let input: ExecInput | undefined;
	let pendingStdin: Array<Buffer | null> = [];
	let finished = false;
	let lastStream = 0;

	const send = (frame: Buffer): boolean => (socket.writable ? socket.write(frame) : true);
	const transport: ExecTransport = {
		write(channel, chunk) {
			const id = streams.get(channel === 1 ? 'stdout' : 'stderr') ?? streams.get('stdout');
			if (id === undefined || finished) {
				return true;
			}
			let ok = true;
			for (let at = 0; at < chunk.length; at += MAX_DATA) {
				ok = send(dataFrame(id, 0, chunk.subarray(at, at + MAX_DATA)));
			}
			return ok;
		},
		onDrain(callback) {
			socket.once('drain', callback);
		},
		finish(status) {
			if (finished) {
				return;
			}
			finished = true;
			const error = streams.get('error');
			if (error !== undefined) {
				send(dataFrame(error, 0, Buffer.from(JSON.stringify(status))));
			}
			for (const id of streams.values()) {
				send(dataFrame(id, FLAG_FIN, Buffer.alloc(0)));
			}
			const goaway = Buffer.alloc(8);
			goaway.writeUInt32BE(lastStream, 0);
			send(controlFrame(GOAWAY, 0, goaway));
			socket.resume();
			socket.end();
			setTimeout(() => socket.destroy(), 1000).unref();
		},
	};

	const stdinData = (data: Buffer | null): void => {
		if (finished) {
			return;
		}
		if (!input) {
			pendingStdin.push(data);
		} else if (data === null) {
			input.endStdin();
		} else if (!input.writeStdin(data)) {
			socket.pause();
			input.onStdinDrain(() => socket.resume());
		}
	};

	const onSynStream = async (payload: Buffer): Promise<void> => {
		const id = payload.readUInt32BE(0) & 0x7fffffff;
		lastStream = id;
		const headers = parseHeaderBlock(await flushThrough(inflater, payload.subarray(10)));
		const type = headers.get('streamtype') ?? '';
		streams.set(type, id);
		const reply = Buffer.alloc(4);
		reply.writeUInt32BE(id, 0);
		send(controlFrame(SYN_REPLY, 0, Buffer.concat([reply, await flushThrough(deflater, Buffer.alloc(4))])));
		if (!input && expected.every(name => streams.has(name))) {
			input = start(transport);
			const queued = pendingStdin;
			pendingStdin = [];
			for (const data of queued) {
				stdinData(data);
			}
		}
	};

	const fail = (error: unknown): void => {
		if (process.env.KUBE_TEST_DEBUG) {
			console.error('spdy:', error);
		}
		socket.destroy();
	};
	// Frames are handled in order; a SYN_STREAM's header block decodes asynchronously, so
	// while one is pending later frames queue behind it.
	let queue = Promise.resolve();
	let queued = 0;
	const handle = (frame: Buffer): void => {
		if (queued === 0 && !(frame[0]! & 0x80 && frame.readUInt16BE(2) === SYN_STREAM)) {
			handleFrame(frame);
			return;
		}
		queued++;
		queue = queue
			.then(async () => {
				await handleFrame(frame);
				queued--;
			})
			.catch(fail);
	};
	const handleFrame = (frame: Buffer): Promise<void> | void => {
		const flags = frame[4]!;
		const payload = frame.subarray(8);
		if (frame[0]! & 0x80) {
			const type = frame.readUInt16BE(2);
			if (type === SYN_STREAM) {
				return onSynStream(payload);
			}
			if (type === PING) {
				send(controlFrame(PING, 0, Buffer.from(payload)));
			} else if (type === GOAWAY) {
				stdinData(null);
			}
			return undefined;
		}
		const id = frame.readUInt32BE(0) & 0x7fffffff;
		if (id === streams.get('stdin')) {
			if (payload.length > 0) {
				stdinData(payload);
			}
			if (flags & FLAG_FIN) {
				stdinData(null);
			}
		}
		return undefined;
	};

	// Bytes received but not yet parsed are kept as a list and joined only once a whole frame
	// is there: joining on every read would copy a large data frame once per TCP read, so a
	// client sending larger WebSocket messages (larger SPDY frames) would cost this kubelet
	// more CPU than one sending smaller ones, for the same bytes.
	let pending: Buffer[] = head.length > 0 ? [Buffer.from(head)] : [];
	let pendingBytes = head.length;
	let needed = 8; // bytes before the next frame can be handled
	const parse = (): void => {
		const buffer = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
		let at = 0;
		needed = 8;
		while (buffer.length - at >= 8) {
			const length = buffer.readUInt32BE(at + 4) & 0xffffff;
			if (buffer.length - at < 8 + length) {
				needed = 8 + length;
				break;
			}
			handle(buffer.subarray(at, at + 8 + length));
			at += 8 + length;
		}
		pending = at === buffer.length ? [] : [buffer.subarray(at)];
		pendingBytes = buffer.length - at;
	};
	socket.on('data', (chunk: Buffer) => {
		pending.push(chunk);
		pendingBytes += chunk.length;
		if (pendingBytes < needed) {
			return;
		}
		try {
			parse();
		} catch (error) {
			fail(error);
		}
	});
	socket.on('error', () => {
		// the client went away
	});
	socket.on('close', () => {
		input?.endStdin();
		if (!finished) {
			setTimeout(() => input?.kill(), 2000).unref();
		}
	});
	if (pendingBytes > 0) {
		parse();
	}
}
