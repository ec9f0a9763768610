/**
 * The audit journal: Given a run driven by the engine (fake ports) or events fed
 * to the listener, When they are journalled, Then `journal.jsonl` holds one
 * fsync'd line per event (never output), a cut last line is tolerated, and
 * secret values are written as `***`.
 */
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema, type Runbook} from '../../source/runbook/schema.js';
import {Runner} from '../../source/engine/runner.js';
import {newRunState} from '../../source/engine/transitions.js';
import type {RunState} from '../../source/engine/state.js';
import type {JournalEntry} from '../../source/engine/journal-entry.js';
import {Journal, JOURNAL_FILE, journalListener, readJournal} from '../../source/store/journal.js';
import {FakeClock, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';
import {SOURCE_NODE_ARGS, sourceModule} from '../support/source-node.js';

const dirs: string[] = [];
afterEach(() => {
	vi.restoreAllMocks();
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

function tempRunDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'runbook-journal-test-'));
	dirs.push(dir);
	return dir;
}

function book(yaml: string): Runbook {
	return runbookSchema.parse(parse(yaml));
}

/** A runner over fake ports whose events go to a real journal in `runDir`. */
function journalled(runbook: Runbook, runDir: string, options: {secrets?: Record<string, string>; by?: string} = {}) {
	const shell = new FakeShell();
	const clock = new FakeClock();
	const operator = new ScriptedOperator();
	const state: RunState = newRunState({
		runId: 'r1',
		runbookPath: '/rb/test.yaml',
		runbookHash: 'h1',
		title: runbook.title,
		stepIds: runbook.steps.map(s => s.id),
		by: options.by ?? 'alice@db1',
		at: clock.now(),
		cwd: '/tmp',
		vars: {},
		secretVars: Object.keys(options.secrets ?? {}),
	});
	const runner = new Runner({
		runbook,
		runbookDir: '/rb',
		state,
		runDir,
		ports: {shell, store: new MemoryStore(), clock, operator},
		secrets: options.secrets ?? {},
		by: options.by ?? 'alice@db1',
		resumed: false,
	});
	const journal = new Journal(runDir);
	runner.subscribe(journalListener(journal, options.by ?? 'alice@db1', text => runner.redactText(text), {now: () => clock.now()}));
	return {runner, shell, operator, journal};
}

const twoSteps = book(`
version: 1
title: Two steps
steps:
  - id: dump
    confirm: Take the dump now?
    run: pg_dump synapse > dump.sql
  - id: check
    run: |
      test -s dump.sql
      echo checked
`);

describe('journal entries', () => {
	it('journals each event but output, with time, operator, pid and step', async () => {
		const runDir = tempRunDir();
		const t = journalled(twoSteps, runDir);
		t.shell.on('dump', {exitCode: 0, stdout: ['OUTPUT-LINE-1', 'OUTPUT-LINE-2']});
		t.shell.on('check', {exitCode: 4, stderr: ['OUTPUT-LINE-3']});
		t.operator.answers.failure.push('skip');
		expect(await t.runner.start()).toBe('completed');
		t.journal.close();

		const entries = readJournal(runDir);
		expect(entries.map(e => `${e.event}${e.step ? ` ${e.step}` : ''}${e.event === 'step-status' ? ` ${e.status}` : ''}${e.event === 'decision' ? ` ${e.kind}` : ''}`)).toEqual([
			'run-started',
			'decision dump confirm',
			'step-started dump',
			'step-status dump succeeded',
			'step-started check',
			'step-status check failed',
			'decision check skip',
			'step-status check skipped',
			'run-finished',
		]);
		for (const entry of entries) {
			expect(entry.by).toBe('alice@db1');
			expect(entry.pid).toBe(process.pid);
			expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
		}
		const started = entries.find(e => e.event === 'step-started' && e.step === 'check');
		expect(started).toMatchObject({attempt: 1, command: 'test -s dump.sql\necho checked\n', log: path.join('logs', 'check.1.log')});
		expect(entries.find(e => e.event === 'step-status' && e.status === 'failed')).toMatchObject({exitCode: 4, error: 'exit code 4', attempt: 1});
		expect(entries.find(e => e.event === 'decision')).toMatchObject({detail: 'Take the dump now?'});
		expect(entries.at(-1)).toMatchObject({event: 'run-finished', status: 'completed'});
		const text = readFileSync(path.join(runDir, JOURNAL_FILE), 'utf8');
		expect(text).not.toContain('OUTPUT-LINE');
		expect(text).not.toContain('"running"');
		expect(text.split('\n').filter(Boolean)).toHaveLength(entries.length);
	});

	it('a decision keeps its own time and operator', () => {
		const runDir = tempRunDir();
		const journal = new Journal(runDir);
		const listen = journalListener(journal, 'bob@db2', text => text, {now: () => new Date('2030-01-01T00:00:00Z'), pid: 77});
		listen({type: 'decision', decision: {at: '2026-11-20T10:00:00.000Z', by: 'carol@db3', kind: 'resume', detail: 'by carol@db3'}}, {} as RunState);
		listen({type: 'notice', level: 'info', message: 'hello', stepId: 'one'}, {} as RunState);
		journal.close();
		expect(readJournal(runDir)).toEqual([
			{at: '2026-11-20T10:00:00.000Z', by: 'carol@db3', pid: 77, event: 'decision', kind: 'resume', detail: 'by carol@db3'},
			{at: '2030-01-01T00:00:00.000Z', by: 'bob@db2', pid: 77, event: 'notice', step: 'one', level: 'info', message: 'hello'},
		]);
	});
});

describe('appending', () => {
	const entry = (n: number): JournalEntry => ({at: new Date(Date.UTC(2026, 10, 20, 10, 0, n)).toISOString(), by: 'alice@db1', pid: 1, event: 'notice', level: 'info', message: `entry ${n}`});

	it('writes each entry as one whole line in one append; one fsync covers them (syncNow off the main thread, close in line)', async () => {
		const runDir = tempRunDir();
		const appends = vi.spyOn(fs, 'appendFileSync');
		const fsyncs = vi.spyOn(fs, 'fsyncSync');
		const asyncFsyncs = vi.spyOn(fs, 'fsync');
		const journal = new Journal(runDir);
		for (let n = 0; n < 3; n++) journal.append(entry(n));
		expect(appends).toHaveBeenCalledTimes(3);
		// Issue 14: no fsync per entry in line (each cost a trivial step several ms).
		expect(fsyncs).not.toHaveBeenCalled();
		for (let n = 0; n < 3; n++) {
			const [fd, data] = appends.mock.calls[n];
			expect(typeof fd).toBe('number');
			expect(String(data)).toBe(JSON.stringify(entry(n)) + '\n');
		}
		// The runner's flush before a command starts: one fsync, in libuv's pool, for all three.
		journal.syncNow();
		expect(asyncFsyncs).toHaveBeenCalledTimes(1);
		expect(asyncFsyncs.mock.calls[0][0]).toBe(appends.mock.calls[2][0]);
		journal.syncNow();
		expect(asyncFsyncs).toHaveBeenCalledTimes(1);
		// An entry with no syncNow is fsynced by the timer (within 50 ms) without blocking.
		journal.append(entry(3));
		await vi.waitFor(() => expect(asyncFsyncs).toHaveBeenCalledTimes(2), {timeout: 10_000});
		journal.close();
		expect(fsyncs).toHaveBeenCalledTimes(1);
		expect(fsyncs.mock.invocationCallOrder[0]).toBeGreaterThan(appends.mock.invocationCallOrder[3]);
	});

	it('an entry is on disk when append returns: a process killed right after keeps it (a separate node process)', () => {
		const runDir = tempRunDir();
		const script = `
			import {Journal} from ${JSON.stringify(sourceModule('store/journal.ts'))};
			const journal = new Journal(process.argv[1]);
			for (let n = 0; n < 50; n++) journal.append({at: new Date().toISOString(), by: 'killed@host', pid: process.pid, event: 'notice', level: 'info', message: 'entry ' + n});
			process.kill(process.pid, 'SIGKILL');
		`;
		const child = spawnSync(process.execPath, [...SOURCE_NODE_ARGS, '--input-type=module', '-e', script, runDir], {encoding: 'utf8'});
		expect(child.signal).toBe('SIGKILL');
		const entries = readJournal(runDir);
		expect(entries.map(e => (e.event === 'notice' ? e.message : ''))).toEqual(Array.from({length: 50}, (_, n) => `entry ${n}`));
	});

	it('a second process (a resume) appends after the first one’s entries', () => {
		const runDir = tempRunDir();
		const first = new Journal(runDir);
		first.append(entry(1));
		first.close();
		const second = new Journal(runDir);
		second.append(entry(2));
		second.close();
		expect(readJournal(runDir).map(e => e.at)).toEqual([entry(1).at, entry(2).at]);
		expect(() => second.append(entry(3))).toThrow(/closed/);
	});

	it('a missing journal reads as no entries', () => {
		expect(readJournal(tempRunDir())).toEqual([]);
	});
});

describe('a line cut short', () => {
	it('ignores a partial last line with a warning', () => {
		const runDir = tempRunDir();
		const journal = new Journal(runDir);
		journal.append({at: '2026-11-20T10:00:00.000Z', by: 'a@h', pid: 1, event: 'run-started', runId: 'r1', resumed: false});
		journal.close();
		fs.appendFileSync(path.join(runDir, JOURNAL_FILE), '{"at":"2026-11-20T10:00:01.000Z","by":"a@h","pid":1,"event":"no');
		const warnings: string[] = [];
		const entries = readJournal(runDir, message => warnings.push(message));
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({event: 'run-started', runId: 'r1'});
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toMatch(/last line is incomplete/);
	});

	it('the next process starts a fresh line, so its entries survive the cut one', () => {
		const runDir = tempRunDir();
		writeFileSync(path.join(runDir, JOURNAL_FILE), '{"at":"2026-11-20T10:00:00.000Z","by":"a@h","pid":1,"event":"run-started","runId":"r1","resumed":false}\n{"at":"2026-11-20T10:00:0');
		const journal = new Journal(runDir);
		journal.append({at: '2026-11-20T11:00:00.000Z', by: 'b@h', pid: 2, event: 'run-started', runId: 'r1', resumed: true});
		journal.close();
		const warnings: string[] = [];
		const entries = readJournal(runDir, message => warnings.push(message));
		expect(entries.map(e => e.by)).toEqual(['a@h', 'b@h']);
		expect(warnings).toEqual([expect.stringMatching(new RegExp(`${JOURNAL_FILE}:2: not a journal entry`))]);
	});
});

describe('secrets', () => {
	it('writes a secret value found in a command text, a notice and a decision detail as ***', () => {
		const runDir = tempRunDir();
		const journal = new Journal(runDir);
		const redact = (text: string) => text.replaceAll('hunter2', '***');
		const listen = journalListener(journal, 'alice@db1', redact);
		const state = {} as RunState;
		listen({type: 'step-started', stepId: 'login', attempt: 1, command: 'psql "password=hunter2"', logPath: path.join(runDir, 'logs', 'login.1.log')}, state);
		listen({type: 'notice', level: 'warn', stepId: 'login', message: 'retrying with hunter2'}, state);
		listen({type: 'decision', decision: {at: '2026-11-20T10:00:00.000Z', by: 'alice@db1', kind: 'confirm', stepId: 'login', detail: 'Log in with hunter2?'}}, state);
		listen({type: 'step-status', stepId: 'login', status: 'failed', attempt: 1, exitCode: 2, error: 'bad password hunter2'}, state);
		journal.close();
		const text = readFileSync(path.join(runDir, JOURNAL_FILE), 'utf8');
		expect(text).not.toContain('hunter2');
		const entries = readJournal(runDir);
		expect(entries[0]).toMatchObject({command: 'psql "password=***"', log: path.join('logs', 'login.1.log')});
		expect(entries[1]).toMatchObject({message: 'retrying with ***'});
		expect(entries[2]).toMatchObject({detail: 'Log in with ***?'});
		expect(entries[3]).toMatchObject({error: 'bad password ***'});
	});

	it('covers a secret typed during the run: the runner’s redactor is read at each write', async () => {
		const runbook = book(`
version: 1
title: Secret asked mid-run
steps:
  - id: before
    run: echo swordfish-42 is not secret yet
  - id: password
    ask: {var: ADMIN_PASSWORD, prompt: Admin password, secret: true}
  - id: login
    confirm: Log in as admin now?
    run: login --password swordfish-42
`);
		const runDir = tempRunDir();
		const t = journalled(runbook, runDir);
		t.operator.answers.ask.push('swordfish-42');
		expect(t.runner.redactText('swordfish-42')).toBe('swordfish-42');
		expect(await t.runner.start()).toBe('completed');
		t.journal.close();
		expect(t.runner.redactText('pw swordfish-42')).toBe('pw ***');
		const entries = readJournal(runDir);
		const commands = entries.flatMap(e => (e.event === 'step-started' ? [`${e.step}: ${e.command}`] : []));
		// Before the answer it was not a secret; from the answer on, it is.
		expect(commands).toEqual(['before: echo swordfish-42 is not secret yet', 'login: login --password ***']);
	});
});
