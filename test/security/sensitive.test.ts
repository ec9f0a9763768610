/**
 * `sensitive: true` (issue 9, item 3): a run step whose output holds secrets the
 * tool does not know (the ESS procedure saves `kubectl get secrets -o yaml`)
 * shows and logs only the output's size in bytes; its capture still works.
 */
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('sensitive: true', () => {
	it('shows and logs the byte count, never the output; a capture still gets it', async () => {
		const ws = workspace();
		const file = ws.write(
			'sensitive.yaml',
			`version: 1
title: Sensitive
steps:
  - id: dump
    sensitive: true
    run: |
      cat secrets.yaml
      cat token >&2
  - id: count
    sensitive: true
    run: echo 12345
    capture: COUNT
  - id: after
    run: echo "count=$COUNT"
`,
		);
		ws.write('secrets.yaml', 'password: hunter2-unknown\n');
		ws.write('token', 'token: abcdefgh-unknown\n');
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		expect(result.stdout).not.toContain('hunter2');
		expect(result.stdout).not.toContain('abcdefgh');
		expect(result.stdout).toContain('dump| sensitive output: 50 bytes, not shown or logged\n');
		expect(result.stdout).toContain('after| count=12345\n');
		const logs = path.join(ws.stateDir, 'runs', ws.onlyRunId(), 'logs');
		const dumpLog = readFileSync(path.join(logs, readdirSync(logs).find(name => name.startsWith('dump.'))!), 'utf8');
		expect(dumpLog).not.toContain('hunter2');
		expect(dumpLog).not.toContain('abcdefgh');
		expect(dumpLog).toContain('sensitive output: 50 bytes, not shown or logged');
	});
});
