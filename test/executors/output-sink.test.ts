/**
 * The line path's sink (output-sink.ts) with a real step log and the run's real masking
 * (runbook/variables.ts redactor): a batch with nothing to clean or mask is written whole
 * (issue 15), and a batch holding a secret, a control character or an escape's leftovers
 * is masked and cleaned line by line as before, the same text either way.
 */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import type {OutputChunk} from '../../source/engine/output.js';
import {createOutputSink} from '../../source/executors/output-sink.js';
import {redactor} from '../../source/runbook/variables.js';
import {terminalSafe} from '../../source/security/terminal-text.js';
import {StepLog} from '../../source/store/step-logs.js';

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'runbook-sink-test-'))));
afterEach(() => rmSync(dir, {recursive: true, force: true}));

const SECRET = 's3cr3t-token';
const PEM = 'line one of the key\nline two of the key';

/** Delivers `batches` of stdout lines through a sink; returns the log's text and what was shown. */
async function through(batches: string[][], secrets: string[]): Promise<{log: string; shown: string[]}> {
	const log = await StepLog.open(join(dir, `${Math.random().toString(36).slice(2)}.log`));
	const shown: string[] = [];
	const sink = createOutputSink({
		redact: redactor(secrets),
		captureNote: 'capture truncated',
		log,
		hold: () => {},
		release: () => {},
		show: (chunk: OutputChunk) => shown.push(...chunk.lines),
	});
	for (const batch of batches) sink.deliver('stdout', batch.slice(), false);
	await log.close();
	return {log: readFileSync(log.path, 'utf8'), shown};
}

/** What the sink wrote before batches were looked at whole: each line cleaned, then masked. */
function lineByLine(batches: string[][], secrets: string[]): string[] {
	const redact = redactor(secrets);
	return batches.flat().map(line => redact(terminalSafe(line)));
}

test('batches with and without secrets, control characters and multi-line secrets: the log and the screen read as line by line', async () => {
	const batches = [
		// Nothing to clean or mask: written whole.
		Array.from({length: 1000}, (_, i) => `row ${i}: y`),
		// A secret in one line of many.
		['before', `token=${SECRET};`, 'after'],
		// A control character (BEL) and a C1 one: made visible, line by line.
		['ring \x07 here', 'c1 \x9b there', 'plain'],
		// A multi-line secret's lines (each masked alone, as it is printed line by line).
		['start', ...PEM.split('\n'), 'end'],
		// A single line.
		[`only ${SECRET}`],
	];
	const secrets = [SECRET, PEM];
	const expected = lineByLine(batches, secrets);
	const {log, shown} = await through(batches, secrets);
	expect(shown).toEqual(expected);
	expect(log).toBe(`${expected.join('\n')}\n`);
	// The masking did happen (the comparison is not with itself).
	expect(log).not.toContain(SECRET);
	expect(log).not.toContain('line one of the key');
	expect(log).toContain('token=***;');
	expect(log).toContain('ring \\x07 here');
});

test('a batch whose lines hold no secret but whose joined text would (a secret cut by a line end) is masked line by line, never across lines', async () => {
	// The two halves of a multi-line secret's text, each shorter than a line a secret's lines
	// are masked by (SECRET_LINE_MIN_LENGTH): line by line nothing matches, so nothing is masked.
	const secret = 'abcdef\nghijkl';
	const batches = [['x abcdef', 'ghijkl y']];
	const {log, shown} = await through(batches, [secret]);
	expect(shown).toEqual(['x abcdef', 'ghijkl y']);
	expect(log).toBe('x abcdef\nghijkl y\n');
});
