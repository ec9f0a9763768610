/**
 * A step that floods its output (issue 15), through the built CLI with --plain:
 * the screen gets a sample and the step log every line, with or without a secret
 * value in the run (then its lines that hold the secret are masked: masked-output.ts).
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

const FLOOD = (params: string) => `version: 1
title: Flood
${params}steps:
  - id: flood
    run: |
      (yes || true) | head -c 4M
      echo last line
`;

/** Lines of the only run's step log for `flood`, without runbook notes. */
function logLines(stateDir: string, runId: string): string[] {
	const text = readFileSync(path.join(stateDir, 'runs', runId, 'logs', 'flood.1.log'), 'utf8');
	return text.split('\n').filter(line => line !== '' && !line.startsWith('=== runbook: '));
}

describe('a step that floods its output', () => {
	it('without secrets: the plain output is a sample with a note and the last line; the log has every line', async () => {
		const ws = workspace();
		const file = ws.write('flood.yaml', FLOOD(''));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		const shown = result.stdout.split('\n').filter(line => line.startsWith('flood'));
		expect(shown.length).toBeLessThan(2 * 1024 * 1024);
		expect(shown.some(line => /^flood! runbook: … [\d,]+ bytes of output not shown/.test(line))).toBe(true);
		expect(shown.at(-1)).toBe('flood| last line');
		const logged = logLines(ws.stateDir, ws.onlyRunId());
		expect(logged).toHaveLength(2 * 1024 * 1024 + 1);
		expect(logged.at(-1)).toBe('last line');
	});

	it('with a secret value in the run: the screen a sample too, the log every line, the secret masked in both', async () => {
		const ws = workspace();
		const file = ws.write('flood.yaml', FLOOD('params:\n  TOKEN:\n    secret: true\n'));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: 'last line'}});
		expect(result.code).toBe(0);
		const shown = result.stdout.split('\n').filter(line => line.startsWith('flood'));
		expect(shown.length).toBeLessThan(2 * 1024 * 1024);
		expect(shown.some(line => /^flood! runbook: … [\d,]+ bytes of output not shown/.test(line))).toBe(true);
		expect(shown.at(-1)).toBe('flood| ***');
		expect(result.stdout).not.toContain('last line');
		const logged = logLines(ws.stateDir, ws.onlyRunId());
		expect(logged).toHaveLength(2 * 1024 * 1024 + 1);
		expect(logged.at(-1)).toBe('***');
	});
});
