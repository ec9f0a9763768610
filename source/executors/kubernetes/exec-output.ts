/**
 * The Writables an exec's output streams go into: lines for the screen, the log
 * and `capture`, or stdout's bytes into a {@link ByteSink} with backpressure.
 */
import {Writable} from 'node:stream';
import type {OutputChunk} from '../../engine/output.js';
import type {LineCut} from '../../runbook/variables.js';
import {LineSplitter} from '../line-splitter.js';
import type {ReceiveProgress} from './progress.js';

/** Takes stdout's bytes (see {@link ExecPlan.stdoutTo}); a PartFile is one. */
export interface ByteSink {
	/** Takes a chunk; false when its buffer is full (reading pauses until `drain` on {@link ByteSink.stream}). */
	write(chunk: Buffer): boolean;
	readonly stream: Writable;
}

/** A Writable that splits its bytes into lines and hands them on. */
export function lineWritable(kind: OutputChunk['stream'], deliver: (kind: OutputChunk['stream'], lines: string[], finished: boolean) => void, cutLine?: LineCut): Writable {
	const splitter = new LineSplitter(undefined, cutLine, {stripEscapes: true});
	return new Writable({
		write(chunk: Buffer, _encoding, callback) {
			deliver(kind, splitter.push(chunk), false);
			callback();
		},
		final(callback) {
			deliver(kind, splitter.end(), true);
			callback();
		},
	});
}

/** A Writable that hands stdout's bytes to `sink`, holding the socket while the sink is full. */
export function byteWritable(sink: ByteSink, progress: ReceiveProgress, hold: () => void, release: () => void): Writable {
	let held = false;
	return new Writable({
		write(chunk: Buffer, _encoding, callback) {
			progress.add(chunk.length);
			if (!sink.write(chunk) && !held) {
				held = true;
				hold();
				sink.stream.once('drain', () => {
					held = false;
					release();
				});
			}
			callback();
		},
	});
}
