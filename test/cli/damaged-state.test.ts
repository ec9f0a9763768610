/**
 * A damaged state.json, with the built CLI as real processes: `runbook runs` marks
 * the run and explains it; `runbook resume` says it uses the last good copy, keeps
 * the damaged file aside (byte for byte) and finishes the run; when the last good
 * copy is damaged too, `resume` refuses (exit 2) naming both files, and nothing is
 * reset.
 */
import {readFileSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {marksRunbook, stackLines, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

/** `two` fails until the file `ready` exists. */
const THREE_STEPS = marksRunbook('Three steps', ['one', 'two', 'three'], 'two');

describe('a damaged state file', () => {
	it('is noted by `runs`, and `resume` continues from the last good copy, keeping the damaged file', async () => {
		const ws = workspace();
		const file = ws.write('three.yaml', THREE_STEPS);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		const good = JSON.parse(readFileSync(path.join(runDir, 'state.prev.json'), 'utf8'));
		const whole = readFileSync(ws.statePath(runId));
		const damaged = whole.subarray(0, Math.floor(whole.length / 2));
		writeFileSync(ws.statePath(runId), damaged);

		const runs = await ws.cli(['runs', '--state-dir', ws.stateDir]);
		expect(runs.code).toBe(0);
		// The last good copy and the state log after it reach the newest state: the run failed at step two.
		expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+failed\\*\\s`, 'm'));
		expect(runs.stdout).toContain(`* state.json of run ${runId} is damaged (not JSON: `);
		expect(runs.stdout).toContain(`using the last good copy from ${good.updatedAt} and the state log after it; \`runbook resume ${runId}\` continues from that copy\n`);
		const json = JSON.parse((await ws.cli(['runs', '--json', '--state-dir', ws.stateDir])).stdout);
		expect(json[0].note).toMatch(/^state\.json of run .* is damaged \(not JSON: /);
		// Listing changes nothing.
		expect(readFileSync(ws.statePath(runId))).toEqual(damaged);

		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.stderr).toBe('');
		expect(resumed.code).toBe(0);
		const aside = readdirSync(runDir).filter(name => name.startsWith('state.damaged-'));
		expect(aside).toHaveLength(1);
		expect(readFileSync(path.join(runDir, aside[0]))).toEqual(damaged);
		expect(resumed.stdout).toContain(`note: state.json of run ${runId} is damaged (not JSON: `);
		expect(resumed.stdout).toContain(`; using the last good copy from ${good.updatedAt} and the state log after it; the damaged file is kept as ${path.join(runDir, aside[0])}\n`);
		expect(ws.state(runId).status).toBe('completed');
		expect(ws.lines()).toEqual(['one', 'two', 'two', 'three']);
	});

	it('with the last good copy damaged too, `resume` refuses naming both files and leaves them as they are', async () => {
		const ws = workspace();
		const file = ws.write('three.yaml', THREE_STEPS);
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		writeFileSync(ws.statePath(runId), '{"stateVersion": 1,');
		writeFileSync(path.join(runDir, 'state.prev.json'), JSON.stringify({stateVersion: 2}));

		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(2);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.stderr).toMatch(
			new RegExp(`^runbook: the state of run ${runId} cannot be read: state\\.json is damaged \\(not JSON: .*\\) and its last good copy state\\.prev\\.json is damaged too \\(stateVersion: .*\\); both are left as they are in ${runDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} for inspection\\n$`),
		);
		expect(readFileSync(ws.statePath(runId), 'utf8')).toBe('{"stateVersion": 1,');
		expect(readFileSync(path.join(runDir, 'state.prev.json'), 'utf8')).toBe('{"stateVersion":2}');
		expect(ws.lines()).toEqual(['one', 'two']);
		const runs = await ws.cli(['runs', '--state-dir', ws.stateDir]);
		expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+damaged\\s`, 'm'));
	});
});
