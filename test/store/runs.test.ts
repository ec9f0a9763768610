/**
 * The run state on disk: every save keeps the state before it as state.prev.json;
 * a damaged state.json (truncated at any length, empty, not JSON, failing the
 * schema, missing) is reported and the last good copy used; a damaged file is set
 * aside, never overwritten; both damaged is a StateError naming both; a failed
 * write leaves the old state whole; a process killed while saving leaves both
 * files valid. Real files in a temporary folder; the kill test runs the built
 * store (dist/) in a child process.
 */
import {spawn} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {RunState} from '../../source/engine/state.js';
import {finishAttempt, newRunState, recordDecision, setRunStatus, startAttempt} from '../../source/engine/transitions.js';
import {stepEstimates, timeLeftMs} from '../../source/engine/run-summary.js';
import {RunsRepository, StateError} from '../../source/store/runs.js';
import {FileStateStore} from '../../source/store/state-store.js';
import {parseLog} from '../../source/store/state-log.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) {
		chmodSync(dir, 0o700);
		rmSync(dir, {recursive: true, force: true});
	}
});

/** A state directory with one run `demo-run`: its repository, store and folder. */
function setup(runId = 'demo-run') {
	const stateDir = mkdtempSync(path.join(tmpdir(), 'runbook-runs-test-'));
	dirs.push(stateDir);
	const repo = new RunsRepository(stateDir);
	const store = repo.open(runId);
	const runDir = repo.runDir(runId);
	return {repo, store, runDir, runId, file: path.join(runDir, 'state.json'), prev: path.join(runDir, 'state.prev.json')};
}

/** Three successive states of a real run: created, step one running, step one done. */
function states(runId = 'demo-run'): [RunState, RunState, RunState] {
	const s1 = newRunState({
		runId,
		runbookPath: '/srv/runbooks/restore.yaml',
		runbookHash: 'sha256:abc',
		title: 'Restore the database',
		stepIds: ['stop-app', 'restore', 'start-app'],
		by: 'alice@db1',
		at: new Date('2026-11-20T23:15:00.000Z'),
		cwd: '/srv',
		vars: {DB_NAME: 'synapse'},
		secretVars: ['DB_PASSWORD'],
	});
	const s2 = startAttempt(recordDecision(s1, new Date('2026-11-20T23:15:01.000Z'), {by: 'alice@db1', kind: 'run', stepId: 'stop-app'}), 'stop-app', new Date('2026-11-20T23:15:02.000Z'), 'alice@db1', 'logs/stop-app.1.log');
	const s3 = finishAttempt(s2, 'stop-app', new Date('2026-11-20T23:15:09.000Z'), {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0});
	return [s1, s2, s3];
}

/** Names of the files `state.damaged-*.json` in `dir`. */
function damagedCopies(dir: string): string[] {
	return readdirSync(dir).filter(name => /^state\.damaged-.*\.json$/.test(name));
}

describe('saving a run state', () => {
	/** The records of a state log, parsed. */
	const records = (file: string) => (existsSync(file) ? parseLog(readFileSync(file, 'utf8'), path.basename(file)).records : []);

	it('writes a snapshot first, then one diff record per transition, and loads snapshot + records', () => {
		const {repo, runId, store, file, prev, runDir} = setup();
		const [s1, s2, s3] = states();
		store.save(s1);
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({...s1, logSeq: 1});
		// A new run's first snapshot is its own last good copy.
		expect(JSON.parse(readFileSync(prev, 'utf8'))).toEqual({...s1, logSeq: 1});
		store.save(s2);
		store.save(s3);
		// The snapshot is not rewritten; the log holds two records, diffs not states.
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({...s1, logSeq: 1});
		const log = records(path.join(runDir, 'state.log'));
		expect(log.map(r => r.seq)).toEqual([2, 3]);
		expect(Object.keys(log[0].steps ?? {})).toEqual(['stop-app']);
		expect(log[0].append?.decisions).toEqual([s2.decisions[0]]);
		expect(log[1].set).toEqual({updatedAt: s3.updatedAt});
		expect(repo.load(runId)).toEqual(s3);
		// No temporary file is left behind.
		expect(readdirSync(runDir).sort()).toEqual(['logs', 'state.json', 'state.log', 'state.prev.json']);
	});

	it("writes a snapshot when the run's status changes (its end), rotating the log to state.prev.log", () => {
		const {repo, runId, store, file, runDir} = setup();
		const [s1, s2, s3] = states();
		store.save(s1);
		store.save(s2);
		const s4 = setRunStatus(s3, new Date('2026-11-20T23:16:00.000Z'), 'completed');
		store.save(s4);
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({...s4, logSeq: 3});
		expect(existsSync(path.join(runDir, 'state.log'))).toBe(false);
		expect(records(path.join(runDir, 'state.prev.log')).map(r => r.seq)).toEqual([2, 3]);
		expect(repo.load(runId)).toEqual(s4);
	});

	it('a new store (a resuming process) appends the diff from the state on disk and writes a snapshot', () => {
		const {repo, runId, file, prev, runDir} = setup();
		const [s1, s2, s3] = states();
		const first = repo.open(runId);
		first.save(s1);
		first.save(s2);
		first.close();
		const resumed = new FileStateStore(path.dirname(file));
		resumed.save(s3);
		expect(JSON.parse(readFileSync(prev, 'utf8'))).toEqual({...s1, logSeq: 1});
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({...s3, logSeq: 3});
		expect(records(path.join(runDir, 'state.prev.log')).map(r => r.seq)).toEqual([2, 3]);
		expect(repo.load(runId)).toEqual(s3);
		// state.json damaged: its last good copy and the logs still reach the newest state.
		writeFileSync(file, '{');
		expect(repo.load(runId, {onWarning: () => {}})).toEqual(s3);
	});

	it('a new store that finds a damaged state.json sets it aside and leaves the last good copy alone', () => {
		const {repo, runId, runDir, file, prev} = setup();
		const [s1, s2, s3] = states();
		const store = repo.open(runId);
		store.save(s1);
		store.save(s2);
		store.close();
		writeFileSync(file, '{"stateVersion": 1, "runI');
		new FileStateStore(runDir).save(s3);
		// Built from the last good copy, the new snapshot is its own last good copy.
		expect(JSON.parse(readFileSync(prev, 'utf8'))).toEqual({...s3, logSeq: 3});
		expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({...s3, logSeq: 3});
		const [aside] = damagedCopies(runDir);
		expect(readFileSync(path.join(runDir, aside), 'utf8')).toBe('{"stateVersion": 1, "runI');
	});

	it('when the state.log write fails, the save throws and what is on disk still loads as the state before', () => {
		const {repo, runId, store, runDir} = setup();
		const [s1, s2, s3] = states();
		store.save(s1);
		store.save(s2);
		store.close();
		// The log cannot be opened (a folder is in its place), even for root.
		rmSync(path.join(runDir, 'state.log'));
		mkdirSync(path.join(runDir, 'state.log', 'blocker'), {recursive: true});
		expect(() => store.save(s3)).toThrow(/EISDIR|ENOTEMPTY|EEXIST|not a regular file/);
		rmSync(path.join(runDir, 'state.log'), {recursive: true});
		expect(repo.load(runId)).toEqual(s1);
		expect(readdirSync(runDir).filter(name => name.includes('.tmp'))).toEqual([]);
	});

	it.skipIf(process.getuid?.() === 0)('in a read-only run folder, a save fails and the state on disk stays as it was', () => {
		const {repo, runId, store, runDir} = setup();
		const [s1, s2, s3] = states();
		store.save(s1);
		store.save(s2);
		store.close();
		rmSync(path.join(runDir, 'state.log'));
		chmodSync(runDir, 0o500);
		expect(() => store.save(s3)).toThrow(/EACCES|EPERM/);
		expect(repo.load(runId)).toEqual(s1);
	});

	it('a process killed while saving (SIGKILL at random moments) always leaves a valid state.json and last good copy', async () => {
		const {runDir, file, prev} = setup();
		const [s1] = states();
		const child = `
			import {FileStateStore} from ${JSON.stringify(sourceModule('store/state-store.ts'))};
			const store = new FileStateStore(process.argv[1]);
			const base = JSON.parse(process.argv[2]);
			let n = Number(process.argv[3]);
			const save = () => store.save({...base, vars: {...base.vars, N: String(++n)}, updatedAt: new Date().toISOString()});
			// Many saves (records, and snapshots once the log outgrows the snapshot) before the kills come.
			save();
			save();
			process.stdout.write('saved twice\\n');
			for (;;) save();
		`;
		let last = 0;
		for (let round = 0; round < 8; round++) {
			const proc = spawn(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '-e', child, runDir, JSON.stringify(s1), String(last)], {stdio: ['ignore', 'pipe', 'inherit']});
			await new Promise<void>(resolve => proc.stdout.once('data', () => resolve()));
			await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 100)));
			const ended = new Promise(resolve => proc.once('exit', resolve));
			proc.kill('SIGKILL');
			await ended;
			const warnings: string[] = [];
			const state = new RunsRepository(path.dirname(path.dirname(runDir))).load(path.basename(runDir), {onWarning: w => warnings.push(w)});
			expect(warnings).toEqual([]);
			const n = Number(state.vars.N);
			expect(n).toBeGreaterThan(last);
			// Both snapshots are whole; each, with the logs after it, loads as the newest state.
			const snapshotN = Number((JSON.parse(readFileSync(file, 'utf8')) as RunState).vars.N);
			const prevN = Number((JSON.parse(readFileSync(prev, 'utf8')) as RunState).vars.N);
			expect(prevN).toBeLessThanOrEqual(snapshotN);
			expect(snapshotN).toBeLessThanOrEqual(n);
			writeFileSync(file, '{');
			expect(new RunsRepository(path.dirname(path.dirname(runDir))).load(path.basename(runDir), {setAside: true, onWarning: () => {}}).vars.N).toBe(String(n));
			last = n;
		}
		expect(last).toBeGreaterThanOrEqual(8);
		// Eight node processes start one after the other: a guard against a hang, not a speed claim.
	}, 120_000);
});

describe('loading a run state', () => {
	it('with state.json truncated at every length, returns the last good copy and says so', () => {
		const {repo, store, runId, file} = setup();
		const [s1, s2] = states();
		store.save(s1);
		store.save(s2);
		const whole = readFileSync(file);
		expect(whole.length).toBeGreaterThan(500);
		let checked = 0;
		for (let length = 0; length < whole.length; length++) {
			const text = whole.subarray(0, length).toString('utf8');
			if (text.trim() === whole.toString('utf8').trim()) continue; // only trailing white space cut: still whole
			writeFileSync(file, whole.subarray(0, length));
			const warnings: string[] = [];
			const state = repo.load(runId, {onWarning: w => warnings.push(w)});
			// The last good copy and the state log after it: nothing is lost.
			expect(state).toEqual(s2);
			expect(warnings).toHaveLength(1);
			expect(warnings[0]).toMatch(/^state\.json of run demo-run is damaged \((empty file|not JSON: .+)\); using the last good copy from 2026-11-20T23:15:00\.000Z and the state log after it$/);
			// Without setAside the file is left as it is.
			expect(readFileSync(file).length).toBe(length);
			checked++;
		}
		expect(checked).toBeGreaterThan(500);
		truncateSync(file, 0);
		expect(() => repo.load(runId, {onWarning: () => {}})).not.toThrow();
	});

	it('reports a state.json that fails the schema, naming the field', () => {
		const {repo, store, runId, file} = setup();
		const [s1, s2] = states();
		store.save(s1);
		store.save(s2);
		writeFileSync(file, JSON.stringify({...s2, status: 'sideways'}));
		const warnings: string[] = [];
		expect(repo.load(runId, {onWarning: w => warnings.push(w)})).toEqual(s2);
		expect(warnings[0]).toContain('state.json of run demo-run is damaged (status: ');
		expect(warnings[0]).toContain('using the last good copy');
	});

	it('with setAside, keeps the damaged file as state.damaged-<time>.json, byte for byte', () => {
		const {repo, store, runId, runDir, file} = setup();
		const [s1, s2, s3] = states();
		store.save(s1);
		store.save(s2);
		writeFileSync(file, 'garbage\u0000\u0001');
		const warnings: string[] = [];
		expect(repo.load(runId, {setAside: true, onWarning: w => warnings.push(w)})).toEqual(s2);
		const aside = damagedCopies(runDir);
		expect(aside).toHaveLength(1);
		expect(aside[0]).toMatch(/^state\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/);
		expect(readFileSync(path.join(runDir, aside[0]), 'utf8')).toBe('garbage\u0000\u0001');
		expect(warnings[0]).toContain(`the damaged file is kept as ${path.join(runDir, aside[0])}`);
		expect(existsSync(file)).toBe(false);

		// Until the next save, the run reads from the last good copy ("missing").
		const again: string[] = [];
		expect(repo.load(runId, {onWarning: w => again.push(w)})).toEqual(s2);
		expect(again[0]).toMatch(/^state\.json of run demo-run is missing; using the last good copy from /);

		// The resuming process saves on: state.json is new, the copy aside untouched.
		repo.open(runId).save(s3);
		const none: string[] = [];
		expect(repo.load(runId, {onWarning: w => none.push(w)})).toEqual(s3);
		expect(none).toEqual([]);
		expect(damagedCopies(runDir)).toEqual(aside);
	});

	it('when both files are damaged, throws a StateError naming both and resets nothing', () => {
		const {repo, store, runId, file, prev} = setup();
		const [s1, s2] = states();
		store.save(s1);
		store.save(s2);
		writeFileSync(file, '{"stateVersion": 1');
		writeFileSync(prev, '');
		let error: unknown;
		try {
			repo.load(runId, {setAside: true});
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(StateError);
		const message = (error as Error).message;
		expect(message).toContain('the state of run demo-run cannot be read: state.json is damaged (not JSON: ');
		expect(message).toContain('its last good copy state.prev.json is damaged too (empty file)');
		expect(message).toContain(path.dirname(file));
		expect(readFileSync(file, 'utf8')).toBe('{"stateVersion": 1');
		expect(readFileSync(prev, 'utf8')).toBe('');
	});

	it('a damaged state.json with no last good copy (a run saved once) is a StateError', () => {
		const {repo, store, runId, file, prev} = setup();
		store.save(states()[0]);
		rmSync(prev);
		writeFileSync(file, '[]');
		expect(() => repo.load(runId)).toThrow(/state\.json is damaged \(\(top\): .*\) and there is no last good copy \(state\.prev\.json\)/);
	});

	it('a run that does not exist is a StateError pointing at `runbook runs`', () => {
		const {repo} = setup();
		expect(() => repo.load('nope')).toThrow(StateError);
		expect(() => repo.load('nope')).toThrow(/no run nope in .*runbook runs/);
	});

	it('`list` shows a recovered run with a note and an unrecoverable one as damaged', () => {
		const {repo, store, runId, file} = setup();
		const [s1, s2] = states();
		store.save(s1);
		store.save(s2);
		writeFileSync(file, '{');
		const broken = repo.open('broken-run');
		broken.save(states('broken-run')[0]);
		writeFileSync(path.join(repo.runDir('broken-run'), 'state.json'), 'x');
		rmSync(path.join(repo.runDir('broken-run'), 'state.prev.json'));
		const runs = repo.list();
		const recovered = runs.find(run => run.runId === runId)!;
		expect(recovered.status).toBe('in-progress');
		expect(recovered.updatedAt).toBe(s2.updatedAt);
		expect(recovered.note).toMatch(/^state\.json of run demo-run is damaged \(not JSON: .*\); using the last good copy from 2026-11-20T23:15:00\.000Z/);
		const lost = runs.find(run => run.runId === 'broken-run')!;
		expect(lost.status).toBe('damaged');
		expect(lost.problem).toContain('no last good copy');
		// Listing never moves files.
		expect(damagedCopies(repo.runDir(runId))).toEqual([]);
		expect(readFileSync(file, 'utf8')).toBe('{');
	});
});

describe('estimates from earlier completed runs (issue 10 item 4)', () => {
	/** A run `runId` of `runbookPath` whose step stop-app took `stopSeconds` and restore `restoreSeconds`, saved with `status`. */
	function savedRun(repo: RunsRepository, runId: string, runbookPath: string, stopSeconds: number, restoreSeconds: number, status: 'completed' | 'failed'): void {
		const t0 = Date.parse('2026-11-20T23:15:00.000Z');
		const at = (s: number) => new Date(t0 + s * 1000);
		let s = newRunState({runId, runbookPath, runbookHash: 'h', title: 'Restore', stepIds: ['stop-app', 'restore'], by: 'a@h', at: at(0), cwd: '/srv', vars: {}, secretVars: []});
		s = finishAttempt(startAttempt(s, 'stop-app', at(0), 'a@h'), 'stop-app', at(stopSeconds), {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0});
		s = finishAttempt(startAttempt(s, 'restore', at(stopSeconds), 'a@h'), 'restore', at(stopSeconds + restoreSeconds), {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0});
		repo.open(runId).save(setRunStatus(s, at(stopSeconds + restoreSeconds), status));
	}

	it('reads only completed runs of the same runbook, not the current one, and takes the median of each step', () => {
		const {repo, runId} = setup('current');
		savedRun(repo, 'a', '/srv/restore.yaml', 5, 100, 'completed');
		savedRun(repo, 'b', '/srv/restore.yaml', 7, 300, 'completed');
		savedRun(repo, 'c', '/srv/restore.yaml', 9, 200, 'completed');
		savedRun(repo, 'd', '/srv/restore.yaml', 1, 1, 'failed');
		savedRun(repo, 'e', '/srv/other.yaml', 1, 1, 'completed');
		savedRun(repo, runId, '/srv/restore.yaml', 1, 1, 'completed');
		mkdirSync(repo.runDir('damaged'));
		writeFileSync(path.join(repo.runDir('damaged'), 'state.json'), '{not json');
		const runs = repo.completedRuns('/srv/restore.yaml', runId);
		expect(runs.map(r => r.runId).sort()).toEqual(['a', 'b', 'c']);
		const estimates = stepEstimates(runs);
		expect(estimates).toEqual({'stop-app': 7000, restore: 200_000});
		const fresh = newRunState({runId: 'x', runbookPath: '/srv/restore.yaml', runbookHash: 'h', title: 'Restore', stepIds: ['stop-app', 'restore'], by: 'a@h', at: new Date(0), cwd: '/srv', vars: {}, secretVars: []});
		expect(timeLeftMs(estimates, fresh, 0)).toBe(207_000);
		expect(timeLeftMs(stepEstimates(repo.completedRuns('/srv/never.yaml')), fresh, 0)).toBeUndefined();
	});
});
