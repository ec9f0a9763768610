/**
 * A secret across the 64 KiB line cut (issue 9, item 3): a line longer than the
 * line splitter's limit is delivered in pieces, and each piece is masked on its own;
 * a secret spanning the cut used to reach the log and the screen in two halves.
 * Real bash through the shell executor, with the runner's redactor and cut.
 */
import {spawnSync} from 'node:child_process';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {DEFAULT_MAX_PARTIAL_CHARS} from '../../source/executors/line-splitter.js';
import {redactor, secretSafeCut} from '../../source/runbook/variables.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

const SECRET = 'hunter2-Pa55word';

test.each([1, 5, SECRET.length - 1])('a secret starting %i characters before the 64 KiB cut is masked whole in the log and on screen', async before => {
	const lead = DEFAULT_MAX_PARTIAL_CHARS - before;
	const script = `head -c ${lead} /dev/zero | tr '\\0' x; printf '%s' "$TOKEN"; head -c 100000 /dev/zero | tr '\\0' y; echo`;
	const secrets = [SECRET];
	const {result, stdout, log} = await run(dir, script, {env: {TOKEN: SECRET}, redact: redactor(secrets), cutLine: secretSafeCut(secrets)});
	expect(result.exitCode).toBe(0);
	expect(stdout.length).toBeGreaterThan(1); // the line was cut
	// Neither whole nor in halves: the pieces joined again hold *** where the secret was.
	for (const text of [stdout.join(''), log.replaceAll('\n', '')]) {
		expect(text).not.toContain(SECRET);
		expect(text).toContain(`${'x'.repeat(lead)}***${'y'.repeat(100000)}`);
	}
});

test.each([0, 2, 4])('a secret split by an escape sequence that the 64 KiB cut falls into (%i characters of it before the cut) is masked whole', async into => {
	// `printf '%s\033[0m%s'` shows the secret whole: masking sees the text as shown.
	const lead = DEFAULT_MAX_PARTIAL_CHARS - 8 - into;
	const script = `head -c ${lead} /dev/zero | tr '\\0' x; printf '%s\\033[0m%s' "\${TOKEN:0:8}" "\${TOKEN:8}"; head -c 100000 /dev/zero | tr '\\0' y; echo`;
	const secrets = [SECRET];
	const {result, stdout, log} = await run(dir, script, {env: {TOKEN: SECRET}, redact: redactor(secrets), cutLine: secretSafeCut(secrets)});
	expect(result.exitCode).toBe(0);
	expect(stdout.length).toBeGreaterThan(1);
	for (const text of [stdout.join(''), log.replaceAll('\n', '')]) {
		expect(text).not.toContain(SECRET.slice(0, 8));
		expect(text).not.toContain(SECRET.slice(8));
		expect(text).toContain(`${'x'.repeat(lead)}***${'y'.repeat(100000)}`);
	}
});

const linuxWithPerl = process.platform === 'linux' && spawnSync('perl', ['-e', '1']).status === 0;

test.runIf(linuxWithPerl)('a flood of lines holding the secret, read in large pieces (by pool reads when the machine lets the producer fill the pipe), is masked in every line, in order (issue 15)', async () => {
	// A burst gets the pipe enlarged (and its blocking read end opened); the script waits until it
	// is (F_GETPIPE_SZ on its stdout), then cats a file from the page cache, faster than the line
	// path reads: a rest finds the pipe full and pool reads take over. Pieces end anywhere in a
	// line, so piece ends cut the secret too.
	const lines = 300_000;
	const script = [
		`seq 0 ${lines - 1} | sed "s/.*/row & $TOKEN end/" > rows.txt`,
		`head -c 2M /dev/zero | tr '\\0' '\\n'`,
		// fd 3: the step's stdout (perl's own is the $(...) capture).
		'exec 3>&1',
		`until [ "$(perl -e 'open(my $out, ">&=", 3) or exit 1; print fcntl($out, 1032, 0) + 0')" -ge 1048576 ]; do :; done`,
		'exec 3>&-',
		'cat rows.txt',
	].join('; ');
	const secrets = [SECRET];
	const {result, log} = await run(dir, script, {env: {TOKEN: SECRET}, redact: redactor(secrets), cutLine: secretSafeCut(secrets)}, {}, false);
	expect(result.exitCode).toBe(0);
	expect(log).not.toContain(SECRET);
	const rows = log.split('\n').filter(line => line.startsWith('row '));
	expect(rows).toHaveLength(lines);
	for (let i = 0; i < lines; i++) if (rows[i] !== `row ${i} *** end`) throw new Error(`log line ${i} reads ${rows[i]}`);
});
