/**
 * The state log (issue 14): a torn last record is dropped at every cut, never
 * misread; a damaged record before the last is a damaged state; records that
 * pass their checksum but not the state's schema (the state directory is
 * untrusted) are refused like a bad snapshot; a state written by the format
 * before the log (the checked-in fixture test/fixtures/state-v1, written by main
 * at d8eb17a) loads and a new process carries it on. Real files in a temporary folder.
 */
import {cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {ownSteps, type RunState} from '../../source/engine/state.js';
import {finishAttempt, newRunState, setRunStatus, startAttempt} from '../../source/engine/transitions.js';
import {RunsRepository, StateError} from '../../source/store/runs.js';
import {FileStateStore} from '../../source/store/state-store.js';
import {encodeRecord, type StateRecord} from '../../source/store/state-log.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

function setup(runId = 'demo-run') {
	const stateDir = mkdtempSync(path.join(tmpdir(), 'runbook-state-log-test-'));
	dirs.push(stateDir);
	const repo = new RunsRepository(stateDir);
	return {repo, runId, runDir: repo.runDir(runId), store: repo.open(runId)};
}

/** Successive states of a real run of three steps, each one transition after the one before. */
function history(runId = 'demo-run'): RunState[] {
	const t = (s: number) => new Date(Date.parse('2026-11-20T23:15:00.000Z') + s * 1000);
	const states = [newRunState({runId, runbookPath: '/srv/runbooks/restore.yaml', runbookHash: 'sha256:abc', title: 'Restore', stepIds: ['a', 'b', 'c'], by: 'alice@db1', at: t(0), cwd: '/srv', vars: {}, secretVars: []})];
	const next = (f: (s: RunState) => RunState) => states.push(f(states[states.length - 1]));
	for (const [i, id] of ['a', 'b', 'c'].entries()) {
		next(s => startAttempt(s, id, t(10 * i + 1), 'alice@db1', `logs/${id}.1.log`));
		next(s => finishAttempt(s, id, t(10 * i + 5), {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0}));
	}
	return states;
}

/** Saves `states` with one store and closes it; returns the state.log path. */
function saveAll(store: FileStateStore, runDir: string, states: RunState[]): string {
	for (const state of states) store.save(state);
	store.close();
	return path.join(runDir, 'state.log');
}

/** The error `f` throws (fails the test when it throws none). */
function thrown(f: () => unknown): Error {
	try {
		f();
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected an error');
}

describe('the state log', () => {
	it('a torn last record is dropped at every cut: the load is the state of the last whole record, never a misread', () => {
		const {repo, runId, runDir, store} = setup();
		const states = history();
		const log = saveAll(store, runDir, states);
		const whole = readFileSync(log);
		// Line ends: after line k (1-based), records 2..k+1 are whole, so the state is states[k].
		const ends = [...whole.entries()].filter(([, byte]) => byte === 0x0a).map(([i]) => i + 1);
		expect(ends).toHaveLength(states.length - 1);
		let checked = 0;
		for (let length = 0; length <= whole.length; length++) {
			writeFileSync(log, whole.subarray(0, length));
			const wholeLines = ends.filter(end => end <= length).length;
			// A cut right before a newline leaves a line that may be whole but is not yet written out: dropped too.
			expect(repo.load(runId)).toEqual(states[wholeLines]);
			checked++;
		}
		expect(checked).toBe(whole.length + 1);
	});

	it('a process taking the run up after a torn write cuts the torn record off and carries on', () => {
		const {repo, runId, runDir, store} = setup();
		const states = history();
		const log = saveAll(store, runDir, states.slice(0, 4));
		const size = readFileSync(log).length;
		truncateSync(log, size - 7);
		expect(repo.load(runId)).toEqual(states[2]);
		const resumed = new FileStateStore(runDir);
		resumed.save(states[3]);
		resumed.save(states[4]);
		resumed.save(states[5]);
		resumed.close();
		expect(repo.load(runId)).toEqual(states[5]);
	});

	it('a damaged record before the last is a damaged state, with a clear error naming the line', () => {
		const {repo, runId, runDir, store} = setup();
		const log = saveAll(store, runDir, history().slice(0, 5));
		const text = readFileSync(log, 'utf8');
		// One character of the second record changed: its checksum no longer matches.
		const lines = text.split('\n');
		lines[1] = lines[1].replace('"status":"succeeded"', '"status":"succeedeD"');
		expect(lines[1]).toContain('succeedeD');
		writeFileSync(log, lines.join('\n'));
		const error = thrown(() => repo.load(runId));
		expect(error).toBeInstanceOf(StateError);
		expect(error.message).toBe(`the state of run ${runId} cannot be read: its state log is damaged (state.log line 2: checksum mismatch); the files are left as they are in ${runDir} for inspection`);
	});

	/** Records that pass their checksum but must be refused; each appended after two good ones. */
	const hostile: [string, (seq: number) => unknown, RegExp][] = [
		['an unknown field of the record', seq => ({seq, run: 'rm -rf /'}), /line 3: unknown field "run"/],
		['an unknown state field', seq => ({seq, set: {shell: '/bin/evil'}}), /unknown state field "shell"/],
		['a __proto__ step id', seq => JSON.parse(`{"seq":${seq},"steps":{"__proto__":{"id":"__proto__","status":"succeeded","attempts":[]}}}`), /forbidden step id/],
		['a step of another id', seq => ({seq, steps: {a: {id: 'b', status: 'succeeded', attempts: []}}}), /steps\.a: its id is another/],
		['a step status that does not exist', seq => ({seq, steps: {a: {id: 'a', status: 'done', attempts: []}}}), /steps\.a: /],
		['a variable that is not a string', seq => ({seq, set: {vars: {DB: 42}}}), /set\.vars: /],
		['a required field removed', seq => ({seq, unset: ['runId']}), /unset: runId may not be left out/],
		['another run id', seq => ({seq, set: {runId: '../../other'}}), /runId "\.\.\/\.\.\/other" is not the name of its folder/],
		['a gap in the sequence', seq => ({seq: seq + 1, set: {title: 'x'}}), /jumps from record 3 to 5/],
		['not an object', () => [1, 2], /not an object/],
	];
	for (const [what, record, message] of hostile) {
		it(`refuses a record with ${what} (a damaged state)`, () => {
			const {repo, runId, runDir, store} = setup();
			const log = saveAll(store, runDir, history().slice(0, 3));
			const good = readFileSync(log, 'utf8');
			// A good last line after it, so that the hostile one is not the droppable last record.
			const after = encodeRecord({seq: 5, set: {title: 'after'}});
			writeFileSync(log, good + encodeRecord(record(4) as StateRecord) + after);
			const error = thrown(() => repo.load(runId));
			expect(error).toBeInstanceOf(StateError);
			expect(error.message).toMatch(message);
			// As the last record too it is not dropped as torn: its checksum is right, so it is damage.
			writeFileSync(log, good + encodeRecord(record(4) as StateRecord));
			expect(() => repo.load(runId)).toThrow(message);
		});
	}
});

describe('a state written before the state log (migration)', () => {
	const fixture = path.join(import.meta.dirname, '..', 'fixtures', 'state-v1');
	const runId = 'restore-demo-20261206-141031-fb4b';

	it('loads as it was written, and a new process carries it on with the log', () => {
		const stateDir = mkdtempSync(path.join(tmpdir(), 'runbook-state-v1-test-'));
		dirs.push(stateDir);
		cpSync(fixture, stateDir, {recursive: true});
		const repo = new RunsRepository(stateDir);
		const runDir = repo.runDir(runId);
		const oldText = readFileSync(path.join(runDir, 'state.json'), 'utf8');
		const old = repo.load(runId);
		// Attempts saved before typed outcomes get one on load (engine/outcome.ts legacyOutcome); the rest is as written.
		expect(old.steps['start-app'].attempts[0]!.result).toEqual({kind: 'exit-code', exitCode: 1});
		expect(old.steps.restore.attempts[0]!.result).toEqual({kind: 'succeeded', exitCode: 0});
		const asWritten = structuredClone(old);
		for (const step of Object.values(asWritten.steps)) for (const attempt of step.attempts) delete attempt.result;
		expect(asWritten).toEqual(JSON.parse(oldText));
		expect(old.status).toBe('failed');
		expect(old.steps['start-app'].status).toBe('failed');

		// A resume: retry the failed step, then finish it.
		const store = new FileStateStore(runDir);
		const t = (s: number) => new Date(Date.parse(old.updatedAt) + s * 1000);
		const s1 = setRunStatus(startAttempt(old, 'start-app', t(1), 'bob@db2', 'logs/start-app.2.log'), t(1), 'in-progress');
		const s2 = finishAttempt(s1, 'start-app', t(2), {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0});
		store.save(s1);
		store.save(s2);
		store.close();
		expect(repo.load(runId)).toEqual(s2);
		// The old file is kept as the last good copy, byte for byte, and is taken whole (no log
		// record applies to a state without logSeq): with state.json damaged, the run is as it was.
		expect(readFileSync(path.join(runDir, 'state.prev.json'), 'utf8')).toBe(oldText);
		writeFileSync(path.join(runDir, 'state.json'), '{');
		expect(repo.load(runId, {onWarning: () => {}})).toEqual(old);
	});
});

describe('saves with `later` (issue 14: one fsync per step)', () => {
	it('a record is in state.log when save returns (a killed process keeps it); one flush fsyncs them all', async () => {
		const {default: fs} = await import('node:fs');
		const {repo, runId, runDir, store} = setup();
		const states = history(runId);
		store.save(states[0]);
		store.save(states[1]);
		const fsyncs: number[] = [];
		const real = fs.fsyncSync;
		(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = fd => {
			fsyncs.push(fd);
			real(fd);
		};
		try {
			for (const state of states.slice(2, 5)) store.save(state, {later: true});
			expect(fsyncs).toEqual([]);
			// Written, not yet fsynced: another reader (a resume after a kill) sees the newest state.
			expect(readFileSync(path.join(runDir, 'state.log'), 'utf8').trim().split('\n')).toHaveLength(4);
			expect(repo.load(runId)).toEqual(states[4]);
			store.flush();
			expect(fsyncs).toHaveLength(1);
			store.flush();
			expect(fsyncs).toHaveLength(1);
			// A save without `later` fsyncs at once.
			store.save(states[5]);
			expect(fsyncs).toHaveLength(2);
		} finally {
			(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = real;
			store.close();
		}
		expect(repo.load(runId)).toEqual(states[5]);
	});

	it('an unflushed record is fsynced by the store itself within about 100 ms', async () => {
		const {default: fs} = await import('node:fs');
		const {runId, store} = setup();
		const states = history(runId);
		store.save(states[0]);
		store.save(states[1]); // opens state.log (and fsyncs its folder)
		const real = fs.fsyncSync;
		let fsyncs = 0;
		(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = fd => {
			fsyncs++;
			real(fd);
		};
		try {
			store.save(states[2], {later: true});
			expect(fsyncs).toBe(0);
			await vi.waitFor(() => expect(fsyncs).toBe(1), {timeout: 10_000});
		} finally {
			(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = real;
			store.close();
		}
	});

	it("a timed fsync that failed is returned by close, even when close's own fsync then succeeds (Linux reports a writeback error once)", async () => {
		const {default: fs} = await import('node:fs');
		const {runId, store} = setup();
		const states = history(runId);
		store.save(states[0]);
		store.save(states[1]);
		const real = fs.fsyncSync;
		let failed = 0;
		(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = fd => {
			if (failed++ === 0) throw Object.assign(new Error('EIO: i/o error, fsync'), {code: 'EIO'});
			real(fd);
		};
		try {
			store.save(states[2], {later: true});
			await vi.waitFor(() => expect(failed).toBe(1), {timeout: 10_000});
			const error = store.close();
			expect(failed).toBeGreaterThan(1); // close fsynced again, and that one succeeded
			expect(error?.code).toBe('EIO');
			expect(error?.message).toMatch(/an input\/output error of the disk; progress since the last save is NOT saved/);
			expect(store.close()).toBeUndefined();
		} finally {
			(fs as {fsyncSync: typeof fs.fsyncSync}).fsyncSync = real;
		}
	});

	it('a steps record the runner owns: a transition sets the step in place and the record holds that step only', () => {
		const {repo, runId, runDir, store} = setup();
		const states = history(runId);
		const first = {...states[0], steps: {...states[0].steps}};
		store.save(first);
		ownSteps(first.steps);
		const t = new Date('2026-11-20T23:16:00.000Z');
		const started = startAttempt(first, 'b', t, 'alice@db1', 'logs/b.1.log');
		// In place: no copy of the steps (that cost O(steps) per transition).
		expect(started.steps).toBe(first.steps);
		expect(first.steps.b!.status).toBe('running');
		store.save(started);
		const finished = finishAttempt(started, 'b', t, {outcome: {kind: 'succeeded', exitCode: 0}, exitCode: 0});
		store.save(finished);
		store.close();
		const records = readFileSync(path.join(runDir, 'state.log'), 'utf8')
			.trim()
			.split('\n')
			.slice(-2)
			.map(line => JSON.parse(line.slice(9)) as StateRecord);
		expect(records.map(record => Object.keys(record.steps ?? {}))).toEqual([['b'], ['b']]);
		expect(records[1]!.steps!.b!.status).toBe('succeeded');
		expect(repo.load(runId).steps.b!.status).toBe('succeeded');
		expect(repo.load(runId).steps.a!.status).toBe('pending');
	});
});
