/**
 * The fuzz run (issue 9, "Tests and figures"): mutated runbooks and mutated
 * state directories through the built CLI, drawn from a seed so that a failing
 * case can be drawn again. Every case must end (no hang: each is bounded), with
 * exit code 0, 1 or 2, no stack trace, no "unexpected error", and no file
 * written outside its state directory but the marks its runbook's steps write.
 * `npm run fuzz` (scripts/fuzz.ts) runs a few hundred cases; the test suite a few.
 */
import {spawn} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {seededRandom, trialSeed, type Random} from '../crash/prng.ts';

/** The built CLI (FUZZ_CLI: another build, e.g. an older version's, to compare). */
const CLI = process.env.FUZZ_CLI ?? path.resolve(import.meta.dirname, '..', '..', 'dist', 'cli.js');

/** The runbook every case starts from: a param, an ask, a capture, a failing step. */
export const BASE_RUNBOOK = `version: 1
title: Fuzz base
params:
  NAME:
    default: alice
    pattern: "^[a-z]+$"
steps:
  - id: one
    run: echo one >> marks
  - id: two
    ask: {var: COLOR, prompt: Color?, choices: [red, blue], default: red}
  - id: three
    run: echo "three $NAME $COLOR" >> marks
    capture: THREE
  - id: four
    run: |
      echo four >> marks
      test -f ready
  - id: five
    when: {var: COLOR, equals: red}
    run: echo five >> marks
`;

/** Hostile values put into runbooks and states. */
const HOSTILE: readonly unknown[] = ['', '..', '../../escaped', '/etc/passwd', '/dev/zero', '/proc/self/environ', 'a'.repeat(100_000), '\x1b]0;owned\x07', '\x1b[2J', '$(touch PWNED)', '`touch PWNED`', '${HOME}', 'BASH_ENV', 'PATH', '\u0000', 'x\ny', -1, 0, 1, 2 ** 53, 1.5, null, true, [], {}, [1, 'a'], {'../x': 1}];

/** Keys put into states (next to the schema's own). */
const KEYS = ['runId', 'runbookPath', 'runbookHash', 'vars', 'secretVars', 'order', 'steps', 'pgid', 'commandId', 'status', 'host', 'startedAt', 'BASH_ENV', 'PATH', '__proto__', 'constructor'];

function pick<T>(random: Random, items: readonly T[]): T {
	return items[random.int(0, items.length - 1)];
}

/** A copy of `value` with one random change deep inside (a key deleted, a value replaced, a key added). */
function mutateJson(value: unknown, random: Random, depth = 0): unknown {
	if (Array.isArray(value)) {
		const copy = [...value];
		if (copy.length > 0 && random.chance(0.6)) {
			const i = random.int(0, copy.length - 1);
			copy[i] = mutateJson(copy[i], random, depth + 1);
		} else if (random.chance(0.5)) copy.push(pick(random, HOSTILE));
		else copy.splice(0, 1);
		return copy;
	}
	if (value !== null && typeof value === 'object') {
		const copy: Record<string, unknown> = {...(value as Record<string, unknown>)};
		const keys = Object.keys(copy);
		const roll = random.next();
		if (keys.length > 0 && roll < 0.6 && depth < 6) {
			const key = pick(random, keys);
			copy[key] = mutateJson(copy[key], random, depth + 1);
		} else if (keys.length > 0 && roll < 0.8) delete copy[pick(random, keys)];
		else Object.defineProperty(copy, pick(random, KEYS), {value: pick(random, HOSTILE), enumerable: true, writable: true, configurable: true});
		return copy;
	}
	return pick(random, HOSTILE);
}

/** A copy of the runbook text with a few line-level or character-level changes. */
function mutateRunbook(text: string, random: Random): string {
	let lines = text.split('\n');
	for (let n = random.int(1, 3); n > 0; n--) {
		const i = random.int(0, lines.length - 1);
		switch (random.int(0, 5)) {
			case 0:
				lines.splice(i, 1);
				break;
			case 1:
				lines.splice(i, 0, lines[random.int(0, lines.length - 1)]);
				break;
			case 2: {
				const value = pick(random, HOSTILE);
				lines[i] = lines[i].replace(/:\s.*$/, `: ${JSON.stringify(typeof value === 'string' ? value.slice(0, 2000) : value)}`);
				break;
			}
			case 3:
				lines[i] = lines[i].slice(0, random.int(0, lines[i].length));
				break;
			case 4:
				lines[i] = `  - include: ${pick(random, ['/dev/zero', '/proc/self/environ', '../../etc/passwd', 'self.yaml', 'missing.yaml'])}`;
				break;
			default:
				lines[i] = lines[i].replace(/ {2}/, ' ');
		}
	}
	lines = lines.slice(0, 200);
	return lines.join('\n');
}

/** How one CLI process ended. */
interface Outcome {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

function cli(args: string[], cwd: string, timeoutMs: number): Promise<Outcome> {
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('RUNBOOK_')) env[name] = value;
	env.XDG_STATE_HOME = path.join(cwd, 'xdg-state');
	const child = spawn(process.execPath, [CLI, ...args], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-100_000)));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-100_000)));
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	return new Promise((resolve, reject) => {
		child.once('error', reject);
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({code, signal, stdout, stderr});
		});
	});
}

/** Every file and link under `dir`, relative. */
function listing(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, {recursive: true, withFileTypes: true})
		.map(entry => path.relative(dir, path.join(entry.parentPath, entry.name)))
		.sort();
}

/** The template: a workspace with the base runbook and a run of it that failed at `four`. */
export async function makeTemplate(): Promise<{dir: string; runId: string}> {
	const dir = mkdtempSync(path.join(tmpdir(), 'runbook-fuzz-template-'));
	writeFileSync(path.join(dir, 'base.yaml'), BASE_RUNBOOK);
	const first = await cli(['run', 'base.yaml', '--plain', '--state-dir', 'state'], dir, 60_000);
	if (first.code !== 1) throw new Error(`the template run should fail at step four, it exited ${first.code}: ${first.stderr}`);
	const runId = readdirSync(path.join(dir, 'state', 'runs'))[0];
	rmSync(path.join(dir, 'marks'), {force: true});
	return {dir, runId};
}

/** One case's description and verdict. */
export interface CaseResult {
	index: number;
	what: string;
	command: string;
	code: number | null;
	/** Empty when the case passed. */
	problems: string[];
}

/** Runs case `index` of the series of `seed` against a copy of `template`. */
export async function runCase(template: {dir: string; runId: string}, seed: number, index: number, timeoutMs = 30_000): Promise<CaseResult> {
	const random = seededRandom(trialSeed(seed, index));
	const dir = mkdtempSync(path.join(tmpdir(), 'runbook-fuzz-'));
	try {
		cpSync(template.dir, dir, {recursive: true});
		const runDir = path.join(dir, 'state', 'runs', template.runId);
		const whats: string[] = [];
		const kind = random.int(0, 9);
		if (kind < 4) {
			for (const name of ['state.json', 'state.prev.json']) {
				if (name === 'state.prev.json' && random.chance(0.5)) continue;
				const file = path.join(runDir, name);
				let data: unknown = JSON.parse(readFileSync(file, 'utf8'));
				for (let n = random.int(1, 4); n > 0; n--) data = mutateJson(data, random);
				writeFileSync(file, JSON.stringify(data) ?? 'null');
				whats.push(`${name} mutated`);
			}
		} else if (kind < 5) {
			const file = path.join(runDir, random.chance(0.5) ? 'state.json' : 'journal.jsonl');
			const bytes = readFileSync(file);
			writeFileSync(file, bytes.subarray(0, random.int(0, bytes.length)));
			whats.push(`${path.basename(file)} truncated`);
		} else if (kind < 6) {
			const name = pick(random, ['state.json', 'journal.jsonl', 'lock-owner.json', 'logs/four.2.log', 'state.prev.json']);
			const target = pick(random, ['/dev/zero', '/proc/self/environ', path.join(dir, 'outside'), '/etc/passwd', '../../../../x']);
			rmSync(path.join(runDir, name), {force: true});
			symlinkSync(target, path.join(runDir, name));
			whats.push(`${name} -> ${target}`);
		} else {
			writeFileSync(path.join(dir, 'base.yaml'), mutateRunbook(BASE_RUNBOOK, random));
			whats.push('runbook mutated');
		}
		if (random.chance(0.3)) writeFileSync(path.join(dir, 'ready'), '');
		const command = pick(random, [
			['resume', template.runId, '--plain', '--state-dir', 'state'],
			['resume', template.runId, '--plain', '--rerun-interrupted', '--state-dir', 'state'],
			['resume', '--plain', '--state-dir', 'state'],
			['runs', '--state-dir', 'state'],
			['runs', '--json', '--state-dir', 'state'],
			['report', template.runId, '--state-dir', 'state'],
			['validate', 'base.yaml'],
			['run', 'base.yaml', '--plain', '--new', '--state-dir', 'state'],
		]);
		const before = new Set(listing(dir));
		const outcome = await cli(command, dir, timeoutMs);
		const problems: string[] = [];
		if (outcome.signal) problems.push(`did not end within ${timeoutMs} ms (killed)`);
		else if (![0, 1, 2].includes(outcome.code ?? -1)) problems.push(`exit code ${outcome.code}`);
		const text = outcome.stdout + outcome.stderr;
		if (text.split('\n').some(line => /^\s+at\s/.test(line))) problems.push('a stack trace');
		if (text.includes('unexpected error')) problems.push(`an unexpected error: ${/unexpected error: (.*)/.exec(text)?.[1]}`);
		if (text.includes('\x1b')) problems.push('a raw escape character in the output');
		const allowed = /^(state|xdg-state)(\/|$)|^(marks|ready)$/;
		const added = listing(dir).filter(name => !before.has(name) && !allowed.test(name));
		if (added.length > 0) problems.push(`files written outside the state directory: ${added.slice(0, 5).join(', ')}`);
		if (existsSync(path.join(dir, 'PWNED')) || existsSync(path.join(dir, 'escaped'))) problems.push('a planted command ran or a path escaped');
		return {index, what: whats.join('; '), command: command.join(' '), code: outcome.code, problems};
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

/** The tally of a series: cases, exit codes, failures. */
export function tally(results: readonly CaseResult[]): string {
	const codes = new Map<string, number>();
	for (const r of results) codes.set(String(r.code), (codes.get(String(r.code)) ?? 0) + 1);
	const failed = results.filter(r => r.problems.length > 0);
	return [
		`cases: ${results.length}; passed: ${results.length - failed.length}; failed: ${failed.length}`,
		`exit codes: ${[...codes]
			.sort()
			.map(([code, n]) => `${code}: ${n}`)
			.join(', ')}`,
		...failed.map(r => `  case ${r.index} (${r.what}; runbook ${r.command}): ${r.problems.join('; ')}`),
	].join('\n');
}
