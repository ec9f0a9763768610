/**
 * Masking never corrupts data (issue 9, item 3), with the built CLI: a secret
 * shorter than 6 characters is refused where it is given (it would be masked
 * inside ordinary output: a secret `1` turned a captured `1021` into
 * `***02***`, and the journal's `run-started` into `run-st***rted` for `a`); a
 * captured value is stored as printed; the journal's structure is never masked.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stackLines, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

const RUNBOOK = `version: 1
title: Short secrets
params:
  TOKEN:
    secret: true
    required: true
steps:
  - id: count
    run: echo 1021
    capture: COUNT
  - id: use
    run: echo "count=$COUNT"
`;

describe('secret values', () => {
	it.each([
		['the environment', [] as string[], {RUNBOOK_SECRET_TOKEN: '1'}],
		['-p', ['-p', 'TOKEN=ab12'], {}],
	] as const)('shorter than 6 characters are refused (from %s), exit 2, nothing run', async (_from, args, env) => {
		const ws = workspace();
		const file = ws.write('short.yaml', RUNBOOK);
		const result = await ws.cli(['run', file, '--plain', ...args, '--state-dir', ws.stateDir], {env});
		expect(result.code).toBe(2);
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr).toBe('runbook: param TOKEN: a secret must be at least 6 characters long (a shorter one cannot be masked reliably in output)\n');
		expect(ws.runIds()).toEqual([]);
	});

	it('of 6 characters or more leave captured values and the journal structure as they are', async () => {
		const ws = workspace();
		const file = ws.write('short.yaml', RUNBOOK);
		// The secret occurs in the journal's event names (`run-started`, `step-started`).
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: 'started'}});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const runId = ws.onlyRunId();
		expect(ws.state(runId).vars.COUNT).toBe('1021');
		expect(result.stdout).toContain('use| count=1021');
		const journal = readFileSync(path.join(ws.stateDir, 'runs', runId, 'journal.jsonl'), 'utf8');
		expect(journal).toContain('"event":"run-started"');
		expect(journal).toContain('"event":"step-started"');
	});
});
