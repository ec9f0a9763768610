/**
 * The test server's WebSocket unmasking (websocket.ts): native for large payloads,
 * JavaScript for small ones, both equal to the RFC 6455 definition at any mask offset.
 */
import {randomBytes} from 'node:crypto';
import {expect, test} from 'vitest';
import {unmask} from './websocket.js';

/** RFC 6455 5.3: octet i of the payload XOR octet (i MOD 4) of the mask. */
function reference(data: Buffer, mask: Buffer, offset: number): Buffer {
	return Buffer.from(data.map((byte, i) => byte ^ mask[(offset + i) % 4]!));
}

test('unmask equals the RFC definition for every size and mask offset, on unaligned buffers too', () => {
	for (const size of [0, 1, 3, 7, 63, 64, 65, 1000, 65536 + 3]) {
		for (let offset = 0; offset < 4; offset++) {
			const mask = randomBytes(4);
			const backing = randomBytes(size + 1);
			const data = backing.subarray(1); // not 4-byte aligned
			const expected = reference(data, mask, offset);
			unmask(data, mask, offset);
			expect(data.equals(expected), `size ${size}, offset ${offset}`).toBe(true);
		}
	}
});
