/**
 * validate's hint for scripts that pipe an endless producer into `head` (issue 15):
 * the pattern it finds, and, with a real bash under the options every step runs
 * under, that such a pipeline does fail with 141 (what the hint is about).
 */
import {spawnSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {pipeHints, pipesEndlessProducerIntoHead} from '../../source/runbook/pipe-hints.js';
import type {Step} from '../../source/runbook/schema.js';
import {runCli, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('pipesEndlessProducerIntoHead', () => {
	it.each(['yes | head -n 3', 'yes y | head -n 1 > answers', 'cat /dev/urandom | tr -dc a-z0-9 | head -c 16', 'set -x; pw=$(cat /dev/urandom | base64 | head -c 24)', 'echo start\ncat /dev/zero | head -c 1M > blob'])('finds %j', script => expect(pipesEndlessProducerIntoHead(script)).toBe(true));

	it.each(['head -c 16 /dev/urandom', 'yes | tee out | wc -l', 'cat file | head -n 3', 'echo yes | head -n 1', '# yes | head -n 1', 'yes > /dev/null & head -n 1 file', 'cat /dev/null; head -n 1 file'])('leaves %j alone', script => expect(pipesEndlessProducerIntoHead(script)).toBe(false));
});

describe('pipeHints', () => {
	const step = (id: string, run: string, okExitCodes?: number[]): Step => ({id, run, ...(okExitCodes ? {okExitCodes} : {})}) as Step;

	it('hints okExitCodes [0, 141] for a run step that pipes yes into head, unless it accepts 141 already', () => {
		const hints = pipeHints({steps: [step('plain', 'echo hi'), step('yes', 'yes | head -n 1'), step('ok', 'yes | head -n 1', [0, 141])]});
		expect(hints.map(hint => hint.stepId)).toEqual(['yes']);
		expect(hints[0].message).toContain('okExitCodes: [0, 141]');
	});

	it('is right about bash: yes | head exits 141 under pipefail (a real bash)', () => {
		// Enough output that yes writes again after head has gone.
		const result = spawnSync('bash', ['--norc', '--noprofile', '-c', 'set -euo pipefail; yes | head -n 1 >/dev/null'], {encoding: 'utf8'});
		expect(result.status).toBe(141);
	});
});

describe('runbook validate (the built CLI)', () => {
	it('prints the hint after the ok line and still exits 0', async () => {
		const ws = workspace();
		const file = ws.write('yes.yaml', 'version: 1\ntitle: Yes\nsteps:\n  - id: answers\n    run: yes | head -n 3 > answers\n  - id: fine\n    run: yes | head -n 3\n    okExitCodes: [0, 141]\n');
		const result = await runCli(['validate', file]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines[0]).toBe(`${file}: ok (2 steps)`);
		expect(lines.slice(1).map(line => line.slice(0, line.indexOf(': its')))).toEqual([`${file}: hint: step "answers"`]);
		expect(lines[1]).toContain('okExitCodes: [0, 141]');
	});
});
