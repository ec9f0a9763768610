/**
 * Step output as the engine passes it on: shared by the shell port (ports.ts)
 * and the Kubernetes port (kubernetes-port.ts) without either importing the other.
 */

/** A batch of output lines of one stream, already split on `\n` and redacted. */
export interface OutputChunk {
	stream: 'stdout' | 'stderr';
	lines: string[];
}
