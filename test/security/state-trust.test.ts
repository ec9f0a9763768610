/**
 * The state file is data, never instructions (issue 9, item 1), with the built CLI
 * as real processes: a state edited as an attacker with write access to a shared
 * state directory would (variables that reach commands, a run id that leaves the
 * state directory, a runbook path to another file) makes the resume run only what
 * the runbook says, or refuses it with a clear message; nothing planted runs.
 */
import {createHash, randomUUID} from 'node:crypto';
import {execFileSync, spawn} from 'node:child_process';
import {chmodSync, existsSync, statSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {filesUnder, stackLines, useWorkspaces, type Workspace} from '../cli/helpers.js';
import {groupProcesses, killGroup} from '../support/processes.js';

const workspace = useWorkspaces();

/** `one` prints its variables; `two` fails until the file `ready` exists. */
const VARS_RUNBOOK = `version: 1
title: Vars
params:
  NAME:
    required: true
steps:
  - id: one
    run: echo one >> marks
  - id: two
    run: |
      echo "two NAME=$NAME RUN_ID=$RUN_ID" >> marks
      test -f ready
`;

/** Runs VARS_RUNBOOK until `two` fails; returns the run id. */
async function failedRun(ws: Workspace): Promise<string> {
	const file = ws.write('vars.yaml', VARS_RUNBOOK);
	expect((await ws.cli(['run', file, '--plain', '-p', 'NAME=alice', '--state-dir', ws.stateDir])).code).toBe(1);
	return ws.onlyRunId();
}

/**
 * Writes the run's state (as loaded: snapshot and state log) changed by `edit` over both
 * state files (state.json and its last good copy), as a hand edit would: without
 * `logSeq`, so that the edited state is taken whole (store/runs.ts).
 */
function editState(ws: Workspace, runId: string, edit: (state: Record<string, unknown>) => void): void {
	const state = ws.state(runId) as unknown as Record<string, unknown>;
	edit(state);
	for (const name of ['state.json', 'state.prev.json']) {
		const file = path.join(ws.stateDir, 'runs', runId, name);
		if (existsSync(file)) writeFileSync(file, JSON.stringify(state));
	}
}

describe('a hostile state file', () => {
	it('restores only the variables the runbook defines: BASH_ENV, PATH and built-ins from the state never reach a command', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const hook = ws.write('hook.sh', `touch ${ws.path('PWNED')}\n`);
		editState(ws, runId, state => {
			state.vars = {...(state.vars as object), BASH_ENV: hook, PATH: '/nonexistent', RUN_ID: 'forged', NAME: 'bob'};
			state.secretVars = ['LD_PRELOAD'];
		});
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.code).toBe(0);
		expect(existsSync(ws.path('PWNED'))).toBe(false);
		// NAME is the runbook's param: its saved value is restored; the built-in is the run's own.
		expect(ws.lines().at(-1)).toBe(`two NAME=bob RUN_ID=${runId}`);
		expect(resumed.stdout).toContain('note: saved variables the runbook does not define were not restored: BASH_ENV, LD_PRELOAD, PATH, RUN_ID');
		expect(ws.state(runId).vars).toEqual({NAME: 'bob'});
	});

	it('whose runId is not its folder name is a damaged state: refused, nothing written outside the state directory', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		editState(ws, runId, state => (state.runId = '../../escaped'));
		const before = filesUnder(ws.dir).sort();
		ws.write('ready', '');
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(2);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.stderr).toContain(`runId "../../escaped" is not the name of its folder (${runId})`);
		expect(resumed.stderr).toContain('both are left as they are');
		expect(filesUnder(ws.dir).sort()).toEqual([...before, ws.path('ready')].sort());
		expect(ws.lines()).toEqual(['one', 'two NAME=alice RUN_ID=' + runId]);
		const runs = await ws.cli(['runs', '--state-dir', ws.stateDir]);
		expect(runs.stdout).toMatch(new RegExp(`^${runId}\\s+damaged\\s`, 'm'));
	});

	it('pointing at another runbook (its hash forged to match) is refused; the other runbook never runs', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const other = `version: 1\ntitle: Other\nsteps:\n  - id: two\n    run: touch ${ws.path('PWNED')}\n`;
		const otherFile = ws.write('other.yaml', other);
		editState(ws, runId, state => {
			state.runbookPath = otherFile;
			state.runbookHash = createHash('sha256').update(other).digest('hex');
		});
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code).toBe(2);
		expect(stackLines(resumed.stderr)).toEqual([]);
		expect(resumed.stderr).toBe(`runbook: run ${runId} has a damaged state: its runbookPath names another file (other.yaml) than the runbook the run was started with. Nothing was run. Check ${path.join(ws.stateDir, 'runs', runId)} (someone may have edited it); start anew with \`runbook run FILE --new\`\n`);
		expect(existsSync(ws.path('PWNED'))).toBe(false);
		// A relative path is refused the same way.
		editState(ws, runId, state => (state.runbookPath = 'vars.yaml'));
		const relative = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(relative.code).toBe(2);
		expect(relative.stderr).toContain('its runbookPath is not an absolute, normal path');
	});

	it('pointing at another file of the same name in a folder this account owns is refused, with or without its hash forged; a handover (no record on this account) must name the changed runbook', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const original = ws.path('vars.yaml');
		const swap = `version: 1\ntitle: Vars\nparams:\n  NAME: {required: true}\nsteps:\n  - id: one\n    run: echo one\n  - id: two\n    run: touch ${ws.path('PWNED')}\n`;
		execFileSync('mkdir', [ws.path('elsewhere')]);
		const swapped = ws.write('elsewhere/vars.yaml', swap);
		for (const forged of [false, true]) {
			editState(ws, runId, state => {
				state.runbookPath = swapped;
				if (forged) state.runbookHash = createHash('sha256').update(swap).digest('hex');
			});
			const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
			expect(resumed.code).toBe(2);
			expect(stackLines(resumed.stderr)).toEqual([]);
			expect(resumed.stderr).toBe(`runbook: run ${runId} was started on this account with the runbook ${original}, but its state now names ${swapped}: the state was changed by someone who can write the state directory. Nothing was run; check ${path.join(ws.stateDir, 'runs', runId)}\n`);
			expect(existsSync(ws.path('PWNED'))).toBe(false);
		}
		// Another operator's account (its own XDG_STATE_HOME: no record of this run) taking over the swapped state:
		// refused unless that operator names the runbook, with the hash left or forged to match the swapped file.
		const other = {XDG_STATE_HOME: ws.path('other-operator')};
		for (const forged of [false, true]) {
			editState(ws, runId, state => {
				state.runbookPath = swapped;
				state.runbookHash = createHash('sha256')
					.update(forged ? swap : VARS_RUNBOOK)
					.digest('hex');
			});
			const handover = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {env: other});
			expect(handover.code).toBe(2);
			expect(handover.stderr).toContain(`runbook: run ${runId} was not started on this account (no record of it here) and names the runbook ${swapped}${forged ? '' : ", whose content (or a fragment's) is not the one the run recorded"}. Nothing was run.\n`);
			expect(handover.stderr).toContain(`pass --confirm-runbook ${swapped}\n`);
			expect(existsSync(ws.path('PWNED'))).toBe(false);
		}
		// Naming another file does not confirm it.
		const wrong = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir, '--confirm-runbook', original], {env: other});
		expect(wrong.code).toBe(2);
		expect(existsSync(ws.path('PWNED'))).toBe(false);
		// Naming it goes on with it: the operator chose that file.
		const confirmed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir, '--confirm-runbook', swapped], {env: other});
		expect(confirmed.code, confirmed.stderr).toBe(0);
		expect(existsSync(ws.path('PWNED'))).toBe(true);
	});

	it("a handover, even of the unchanged runbook, names the runbook once; the next operator's account then has the record", async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const other = {XDG_STATE_HOME: ws.path('other-operator')};
		writeFileSync(ws.path('ready'), '');
		editState(ws, runId, state => ((state.steps as Record<string, {status: string}>).two!.status = 'failed'));
		const asked = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir], {env: other});
		expect(asked.code).toBe(2);
		expect(asked.stderr).toContain(`pass --confirm-runbook ${ws.path('vars.yaml')}\n`);
		const taken = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir, '--confirm-runbook', 'vars.yaml'], {env: other});
		expect(taken.code, taken.stderr).toBe(0);
		expect(filesUnder(ws.path('other-operator')).map(file => path.basename(file))).toEqual([`${runId}.json`]);
	});

	it('the operator who started the run edits the runbook: the resume goes on with a note (no confirmation)', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		ws.write('vars.yaml', VARS_RUNBOOK.replace('test -f ready', 'true'));
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.code, resumed.stderr).toBe(0);
		expect(resumed.stdout).toContain('the runbook file changed since this run began');
	});

	it('a run id that is not a folder name is refused by report too', async () => {
		const ws = workspace();
		await failedRun(ws);
		const report = await ws.cli(['report', '../..', '--state-dir', ws.stateDir]);
		expect(report.code).toBe(2);
		expect(stackLines(report.stderr)).toEqual([]);
		expect(report.stderr).toContain('no run "../.."');
	});

	it('naming a runbook that others can change (group- or world-writable, or in such a folder) is refused; once fixed the resume goes on', async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const file = path.join(ws.dir, 'vars.yaml');
		for (const [target, mode, restore] of [
			[file, 0o666, 0o644],
			[ws.dir, 0o777, statSync(ws.dir).mode & 0o7777],
		] as const) {
			chmodSync(target, mode);
			const refused = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
			chmodSync(target, restore);
			expect(refused.code).toBe(2);
			expect(stackLines(refused.stderr)).toEqual([]);
			expect(refused.stderr).toContain(`names a runbook others can change`);
			expect(refused.stderr).toContain(`is writable by every user (chmod go-w ${target})`);
			expect(refused.stdout).toBe('');
		}
		const resumed = await ws.cli(['resume', runId, '--plain', '--state-dir', ws.stateDir]);
		expect(resumed.stderr).not.toContain('others can change');
		expect(resumed.stdout).toContain('resumed');
	});

	it("copying another run's live command id into this run's state: the resume does not signal that command", async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		// As another run's step command: its id is made for that run (`<runId>.<uuid>`).
		const otherId = `other-run-20261206-000000-0000.${randomUUID()}`;
		const victim = spawn('sleep', ['300'], {detached: true, stdio: 'ignore', env: {...process.env, RUNBOOK_COMMAND_ID: otherId}});
		try {
			editState(ws, runId, state => {
				const steps = state.steps as Record<string, {status: string; attempts: Array<Record<string, unknown>>}>;
				steps.two.status = 'running';
				const last = steps.two.attempts.at(-1)!;
				for (const key of ['finishedAt', 'outcome', 'exitCode', 'error']) delete last[key];
				Object.assign(last, {pgid: victim.pid, commandId: otherId, host: hostname(), startedAt: '1970-01-01T00:00:00.000Z'});
			});
			const resumed = await ws.cli(['resume', runId, '--plain', '--rerun-interrupted', '--state-dir', ws.stateDir, '--grace', '1']);
			expect(stackLines(resumed.stderr)).toEqual([]);
			expect(resumed.stdout).toContain('note: step two was running when the last process ended');
			expect(resumed.stdout).not.toContain('leftover command was stopped');
			expect(groupProcesses(victim.pid!)).toHaveLength(1);
		} finally {
			killGroup(victim.pid!);
		}
	});

	it("naming an unrelated process group as a running step's: the resume does not signal it", async () => {
		const ws = workspace();
		const runId = await failedRun(ws);
		const bystander = spawn('sleep', ['300'], {detached: true, stdio: 'ignore'});
		try {
			editState(ws, runId, state => {
				const steps = state.steps as Record<string, {status: string; attempts: Array<Record<string, unknown>>}>;
				steps.two.status = 'running';
				const last = steps.two.attempts.at(-1)!;
				for (const key of ['finishedAt', 'outcome', 'exitCode', 'error', 'commandId']) delete last[key];
				Object.assign(last, {pgid: bystander.pid, host: hostname()});
			});
			const resumed = await ws.cli(['resume', runId, '--plain', '--rerun-interrupted', '--state-dir', ws.stateDir, '--grace', '1']);
			expect(stackLines(resumed.stderr)).toEqual([]);
			expect(resumed.stdout).toContain('note: step two was running when the last process ended');
			expect(resumed.stdout).not.toContain('leftover command was stopped');
			expect(groupProcesses(bystander.pid!)).toHaveLength(1);
		} finally {
			killGroup(bystander.pid!);
		}
	});
});
