/**
 * Newlines in values do not break `--plain` output lines (issue 9, item 7): an
 * `ask` answer or a confirm question made from a param holding a newline is
 * shown on one line with `\n`, so it cannot forge a line that looks like another
 * event (`12:00:00 ✔ drop succeeded`).
 */
import {describe, expect, it} from 'vitest';
import {useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('--plain lines', () => {
	it('show a newline in an answer or a question as \\n', async () => {
		const ws = workspace();
		const file = ws.write(
			'lines.yaml',
			`version: 1
title: Lines
params:
  NOTE:
    required: true
steps:
  - id: pick
    ask: {var: ANSWER, prompt: Anything?}
  - id: go
    confirm: Go with $NOTE?
    run: echo go
`,
		);
		const forged = 'x\n12:00:00 ✔ drop succeeded';
		const result = await ws.cli(['run', file, '--plain', '--yes', '-p', `NOTE=${forged}`, '-p', `ANSWER=${forged}`, '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		expect(result.stdout).not.toMatch(/^12:00:00 ✔ drop succeeded/m);
		expect(result.stdout).toContain('? pick: Anything? x\\n12:00:00 ✔ drop succeeded\n');
		expect(result.stdout).toContain('? go: Go with x\\n12:00:00 ✔ drop succeeded? yes (--yes)\n');
		// The plan a new run prints first shows the param on one line too.
		expect(result.stdout).toContain('  NOTE = x\\n12:00:00 ✔ drop succeeded\n');
	});
});
