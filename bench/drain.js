/**
 * The floor for any Node program that shows a command's output live:
 * `node bench/drain.js SCRIPT` runs `bash -c 'set -euo pipefail;SCRIPT'` with
 * stdout and stderr on pipes (what child_process gives: socket pairs on Linux)
 * and reads and discards everything. Exits with bash's exit code.
 */
import {spawn} from 'node:child_process';

const child = spawn('bash', ['-c', `set -euo pipefail;${process.argv[2] ?? ''}`], {stdio: ['ignore', 'pipe', 'pipe']});
child.stdout.on('data', () => {});
child.stderr.on('data', () => {});
child.on('close', code => {
	process.exitCode = code ?? 1;
});
