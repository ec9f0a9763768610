/**
 * The demo restore, end to end, as an operator would run it without a terminal:
 * `runbook run runbooks/synapse-db-restore.yaml --plain --yes --yes-destructive` against
 * a throwaway PostgreSQL holding a damaged Synapse-shaped database, an encrypted backup
 * and a stand-in Synapse (demo/setup.ts). The restored database must equal the
 * backup, the output must be one line per event, the saved state must say completed,
 * and the backup's passphrase must appear nowhere (state, logs, output). Then the same
 * runbook, through the same CLI, with a wrong passphrase (stops at decrypt, nothing
 * dropped) and with a plain .sql.gz backup (decrypt and the health check skipped).
 */
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {damage, makeGnupgHome, stopGpgAgent, takeBackup} from '../../demo/backup.ts';
import {compareCounts, prepareDemo, restoredCounts, DATABASE, PASSPHRASE_ENV, RUNBOOK_PATH, type DemoEnvironment} from '../../demo/setup.ts';
import {synapseCounts} from '../../demo/synapse-data.ts';
import {loadRunbook} from '../../source/runbook/load.js';
import {filesUnder, runCli, stackLines, stepStatuses, type CliResult} from './helpers.js';
import type {RunState} from '../../source/engine/state.js';

let demo: DemoEnvironment;
let stepIds: string[];

beforeAll(async () => {
	// Smaller than the demo's default size: the same flow, less time on 2 cores.
	demo = await prepareDemo({size: {users: 60, rooms: 100, events: 3000}});
	stepIds = (await loadRunbook(RUNBOOK_PATH)).runbook.steps.map(step => step.id);
}, 60_000);

afterAll(async () => {
	await demo?.cleanup();
});

/** Lines of plain output that are neither an event line, an output line of a known step, nor a note. */
function strayLines(stdout: string, ids: string[]): string[] {
	const output = new RegExp(`^(${ids.join('|')})[|!] `);
	// The plan before the first event (engine/plan.ts) and the summary after the last (engine/run-summary.ts) are checked on their own.
	const started = stdout.search(/^\d\d:\d\d:\d\d run \S+ (started|resumed)/m);
	if (started > 0) stdout = stdout.slice(started);
	stdout = stdout.split(/\n\n(?=[✔✖⚠] Run )/)[0];
	const event = /^\d\d:\d\d:\d\d (run \S+ (started|resumed|completed|failed|paused)|[▶✔✖↷⚠] \S+ |\? \S+: |note: |warn: |… \S+: )/;
	return stdout
		.trimEnd()
		.split('\n')
		.filter(line => !event.test(line) && !output.test(line) && !line.startsWith('note: '));
}

/** The one saved run state under `stateDir`. */
function onlyState(stateDir: string): RunState {
	const stateFiles = filesUnder(path.join(stateDir, 'runs')).filter(file => file.endsWith('state.json'));
	expect(stateFiles).toHaveLength(1);
	return JSON.parse(readFileSync(stateFiles[0], 'utf8')) as RunState;
}

/** Runs the restore runbook with the demo's params, `overrides` on top, in a state dir of its own. */
function runRestore(name: string, overrides: Record<string, string>, env: Record<string, string>): Promise<CliResult & {stateDir: string}> {
	const stateDir = path.join(demo.work, `state-${name}`);
	const args = ['run', RUNBOOK_PATH];
	for (const [param, value] of Object.entries({...demo.params, ...overrides})) args.push('-p', `${param}=${value}`);
	args.push('--state-dir', stateDir, '--plain', '--yes', '--yes-destructive');
	return runCli(args, {cwd: demo.work, env, timeoutMs: 50_000}).then(result => ({...result, stateDir}));
}

/** Lines of `stdout` that start with `HH:MM:SS ` followed by `rest`. */
function eventLines(stdout: string, rest: string): string[] {
	return stdout.split('\n').filter(line => /^\d\d:\d\d:\d\d /.test(line) && line.slice(9).startsWith(rest));
}

describe('runbook run runbooks/synapse-db-restore.yaml without a terminal', () => {
	it('restores the damaged database from the encrypted backup', async () => {
		expect(compareCounts(demo.before, demo.damaged).match).toBe(false);
		expect(demo.passphrase.length).toBeGreaterThanOrEqual(12);
		expect(demo.env[PASSPHRASE_ENV]).toBe(demo.passphrase);

		const args = ['run', RUNBOOK_PATH];
		for (const [name, value] of Object.entries(demo.params)) args.push('-p', `${name}=${value}`);
		args.push('--state-dir', demo.stateDir, '--plain', '--yes', '--yes-destructive');
		const result: CliResult = await runCli(args, {cwd: demo.work, env: demo.env, timeoutMs: 50_000});
		expect(result.code, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
		expect(result.stderr).toBe('');
		expect(stackLines(result.stdout)).toEqual([]);

		// The database equals the backup: users, rooms, events and the 10 newest event ids.
		const restored = await restoredCounts(demo.server);
		expect(restored).toEqual(demo.before);
		expect(compareCounts(demo.before, restored).match).toBe(true);

		// The saved state: completed, every step succeeded or skipped as this setup implies.
		const stateFiles = filesUnder(path.join(demo.stateDir, 'runs')).filter(file => file.endsWith('state.json'));
		expect(stateFiles).toHaveLength(1);
		const state = JSON.parse(readFileSync(stateFiles[0], 'utf8')) as RunState;
		expect(state.status).toBe('completed');
		expect(state.order).toEqual(stepIds);
		const statuses = stepStatuses(state);
		expect(
			Object.values(statuses).every(status => status === 'succeeded' || status === 'skipped'),
			JSON.stringify(statuses),
		).toBe(true);
		// Encrypted backup: decrypt ran; HEALTH_URL given: the health check ran.
		expect(statuses.decrypt).toBe('succeeded');
		expect(statuses['synapse-health']).toBe('succeeded');
		expect(state.vars.BACKUP_FORMAT).toBe('encrypted');
		expect(state.vars.USER_COUNT).toBe(String(demo.before.users));
		expect(state.vars.ROOM_COUNT).toBe(String(demo.before.rooms));
		expect(state.secretVars).toContain('BACKUP_PASSPHRASE');
		expect(state.vars).not.toHaveProperty('BACKUP_PASSPHRASE');
		expect(state.decisions).toContainEqual(expect.objectContaining({kind: 'confirm', stepId: 'drop-database', detail: 'destructive: typed "synapse"'}));
		const runDir = path.dirname(stateFiles[0]);
		for (const id of stepIds.filter(id => statuses[id] === 'succeeded')) expect(existsSync(path.join(runDir, 'logs', `${id}.1.log`)), id).toBe(true);

		// Plain output: the plan first, then one line per event, output lines prefixed by their step id.
		const {stdout} = result;
		expect(stdout).toMatch(/^Plan: Restore the Synapse database from a backup \(drop & recreate\)\n/);
		expect(stdout).toContain('destructive: drop-database; need an answer: drop-database.');
		expect(strayLines(stdout, stepIds)).toEqual([]);
		// The summary: every step with its title (values in), the captures, the report command.
		const summary = stdout.slice(stdout.indexOf('\n\n✔ Run completed'));
		expect(summary).toContain(`Steps: ${stepIds.length}/${stepIds.length} done.`);
		expect(summary).toMatch(/^ {2}✔ 8\. drop-database: Drop the database synapse · succeeded in \S+$/m);
		expect(summary).toContain(`Captured: USER_COUNT=${demo.before.users}\n`);
		expect(summary).toContain(`Report: runbook report ${path.basename(runDir)} --state-dir ${demo.stateDir}\n`);
		// The event lines: after the plan, before the summary.
		const lines = stdout
			.slice(stdout.search(/^\d\d:\d\d:\d\d run /m), stdout.indexOf('\n\n✔ Run completed'))
			.trimEnd()
			.split('\n');
		expect(lines[0]).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d run ${state.runId} started: `));
		expect(lines.at(-1)).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d run ${state.runId} completed$`));
		for (const id of stepIds) {
			if (statuses[id] === 'skipped') {
				expect(eventLines(stdout, `↷ ${id} skipped`), id).toHaveLength(1);
				expect(eventLines(stdout, `▶ ${id} `), id).toHaveLength(0);
				continue;
			}
			expect(eventLines(stdout, `▶ ${id} (attempt 1): `), id).toHaveLength(1);
			expect(eventLines(stdout, `✔ ${id} succeeded in `), id).toHaveLength(1);
		}
		expect(stdout).toContain('\ncheck-backup| encrypted\n');
		expect(stdout).toContain(`\nuser-count| ${demo.before.users}\n`);
		expect(stdout).toContain(`\nroom-count| ${demo.before.rooms}\n`);
		expect(stdout).toMatch(/\nterminate-connections\| .*forgotten psql session/);
		expect(stdout).toMatch(/\ndecrypt! gpg: /);
		expect(eventLines(stdout, '? drop-database: destructive, confirmed by --yes-destructive (word "synapse")')).toHaveLength(1);

		// The passphrase (a random canary) is nowhere: not in the output, the state or the logs.
		expect(result.stdout).not.toContain(demo.passphrase);
		expect(result.stderr).not.toContain(demo.passphrase);
		const saved = filesUnder(demo.stateDir);
		expect(saved.length).toBeGreaterThan(stepIds.length);
		for (const file of saved) expect(readFileSync(file).includes(demo.passphrase), file).toBe(false);
	}, 60_000);

	it('a wrong passphrase stops the run at decrypt, before anything is dropped', async () => {
		// A fresh GNUPGHOME: no agent that remembers the right passphrase.
		const gnupgHome = await makeGnupgHome(demo.work);
		try {
			const result = await runRestore('wrong-passphrase', {}, {GNUPGHOME: gnupgHome, [PASSPHRASE_ENV]: 'not the passphrase'});
			expect(result.code, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(1);
			expect(result.stdout).toMatch(/decryption failed: Bad session key/);
			const statuses = stepStatuses(onlyState(result.stateDir));
			expect(statuses.decrypt).toBe('failed');
			expect(statuses['drop-database']).toBe('pending');
			expect(await synapseCounts(demo.server, DATABASE)).toEqual(demo.before);
		} finally {
			await stopGpgAgent(gnupgHome);
		}
	}, 60_000);

	it('restores a plain .sql.gz backup: decrypt and the health check are skipped, the backup is kept', async () => {
		const plain = await takeBackup(demo.server, DATABASE, {dir: path.join(demo.work, 'plain')});
		expect(plain.file).toMatch(/synapse_db_\d{8}_\d{6}\.sql\.gz$/);
		await damage(demo.server, DATABASE);
		expect((await synapseCounts(demo.server, DATABASE)).users).toBe(5);

		const result = await runRestore('plain', {BACKUP_FILE: plain.file, HEALTH_URL: ''}, {GNUPGHOME: demo.env.GNUPGHOME});
		expect(result.code, `stderr:\n${result.stderr}\nstdout:\n${result.stdout}`).toBe(0);
		const state = onlyState(result.stateDir);
		expect(state.vars.BACKUP_FORMAT).toBe('gzip');
		const statuses = stepStatuses(state);
		expect(statuses.decrypt).toBe('skipped');
		expect(statuses['synapse-health']).toBe('skipped');
		expect(existsSync(plain.file)).toBe(true);
		expect(await synapseCounts(demo.server, DATABASE)).toEqual(demo.before);
	}, 60_000);
});
