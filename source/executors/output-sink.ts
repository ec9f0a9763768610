/**
 * Where a command's output lines go, for the shell executor and Kubernetes exec
 * alike: each batch is redacted, kept for `capture` (stdout, bounded), appended to
 * the step's log, and shown. When the log's buffer is full the source is held
 * (the pipes or the socket are not read, so the writer waits) until the log drains.
 */
import type {OutputChunk} from '../engine/output.js';
import type {CaptureBuffer} from './capture-buffer.js';
import type {StepLogWriter} from '../engine/step-log-port.js';
import {isTerminalSafe, terminalSafe} from '../security/terminal-text.js';

/** What {@link createOutputSink} needs. */
export interface OutputSinkOptions {
	/** Replaces secret values with `***` (applied to every line first). */
	redact: (text: string) => string;
	/** The stdout kept for a variable, when the step captures. */
	capture?: CaptureBuffer;
	/** The log note written once when `capture` truncates. */
	captureNote: string;
	log: StepLogWriter;
	/** Stops reading the source (the log's buffer is full). */
	hold: () => void;
	/** Reads the source again. */
	release: () => void;
	/** Shows redacted lines (the step's live output). */
	show: (chunk: OutputChunk) => void;
	/** `sensitive: true`: lines are counted (and captured), never logged or shown. */
	sensitive?: boolean;
}

/** A running command's output path; see the file comment. */
export interface OutputSink {
	/** Takes a batch of whole lines (redacted in place); `finished` when it is the stream's last. */
	deliver(stream: OutputChunk['stream'], lines: string[], finished: boolean): void;
	/** Reads the source again if the log's back-pressure was holding it (at the end of a command). */
	releaseIfHeld(): void;
	/** For a sensitive step: logs and shows one line with the output's size instead of the output. */
	summarizeSensitive(): void;
}

/** Creates the output path of one command. */
export function createOutputSink(options: OutputSinkOptions): OutputSink {
	const {redact, capture, log} = options;
	let held = false;
	let sensitiveBytes = 0;
	const release = (): void => {
		held = false;
		options.release();
	};
	return {
		deliver(stream, lines, finished) {
			if (lines.length === 0) return;
			// A captured value is kept as printed (masking would corrupt it; the runner refuses
			// one that holds a secret): the capture gets the lines before they are redacted.
			if (capture && stream === 'stdout' && capture.add(lines.slice(), finished)) log.note(options.captureNote);
			if (options.sensitive) {
				for (const line of lines) sensitiveBytes += Buffer.byteLength(line) + 1;
				return;
			}
			// Escapes removed first: masking must see the text as the terminal shows it (terminal-text.ts).
			// A batch with no control character (nothing to clean) in which masking finds nothing is
			// written as it is: one search over the batch instead of two per line (a flood of short lines).
			const batch = lines.length > 1 ? lines.join('\n') : undefined;
			const clean = batch !== undefined && isTerminalSafe(batch) && redact(batch) === batch;
			if (!clean) for (let i = 0; i < lines.length; i++) lines[i] = redact(terminalSafe(lines[i]));
			if (!(clean ? log.writeLines([batch]) : log.writeLines(lines)) && !held) {
				held = true;
				options.hold();
				log.onDrain(release);
			}
			options.show({stream, lines});
		},
		releaseIfHeld() {
			if (held) release();
		},
		summarizeSensitive() {
			if (!options.sensitive) return;
			const line = `sensitive output: ${sensitiveBytes} bytes, not shown or logged`;
			log.note(line);
			options.show({stream: 'stdout', lines: [line]});
		},
	};
}
