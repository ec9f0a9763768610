/**
 * Secrets (issue "Safety", item 5): a canary secret planted as a secret param
 * (RUNBOOK_SECRET_TOKEN, or -p) and as a secret `ask` answer (-p presets it in
 * plain mode) is echoed by steps to stdout and stderr, written to a file,
 * captured, put in an `env:` value, printed by a failing step and by a
 * `wait.command`, and shown in confirm text, a `when` note and a destructive
 * word. Through a failed run and its resume, the canary must appear nowhere
 * under the state dir (every file, as bytes) and nowhere in the CLI's output,
 * which shows `***` where it was.
 *
 * Decided behaviour, tested here:
 * - A `capture` whose output holds a secret stores nothing and fails the step
 *   (a captured value is saved in the state file; masking it would corrupt it),
 *   while a capture without a secret keeps its value as printed, even where a
 *   secret's characters occur in it.
 * - Redaction works per complete line: a secret printed in two pieces with a
 *   pause between them (two output chunks, no newline between) is still hidden.
 * - A `destructive: $SECRET` word is shown and must be typed as `***`.
 * - An error line naming a secret (a `cwd:` made from one does not exist) is
 *   shown and saved with `***`.
 * - `-p NAME=VALUE` is accepted for a secret param, but the value is then in
 *   the process's argv (visible to `ps`): RUNBOOK_SECRET_<NAME> is the safe way.
 * - A secret that holds newlines (a PEM key) is hidden line by line: output is
 *   redacted per line, so each of its lines of 8 characters or more counts as
 *   a secret too (SECRET_LINE_MIN_LENGTH); shorter lines show.
 *
 * Known limit (documented, not tested): a line longer than 64 Ki characters is
 * cut into pieces before redaction, so a secret straddling a cut would show.
 */
import {randomUUID} from 'node:crypto';
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {createShellExecutor} from '../../source/executors/shell.js';
import {redactor} from '../../source/runbook/variables.js';
import {stepLogFiles} from '../../source/store/step-logs.js';
import type {OutputChunk} from '../../source/engine/output.js';
import {stackLines, stepStatuses, useWorkspaces} from '../cli/helpers.js';
import {filesContaining, secretPieces} from './scan.js';

const workspace = useWorkspaces();

/** A runbook that does every kind of thing with TOKEN (param) and PIN (secret ask). */
const RUNBOOK = `version: 1
title: Secrets stay secret
params:
  TOKEN:
    description: API token
    secret: true
    required: true
steps:
  - id: ask-pin
    ask: {var: PIN, prompt: PIN of the vault?, secret: true}
  - id: echo
    title: Echo the token
    confirm: Send token $TOKEN and pin $PIN?
    run: |
      echo "stdout token=$TOKEN pin=$PIN"
      echo "stderr token=$TOKEN pin=$PIN" >&2
  - id: to-file
    run: |
      printf '%s\\n' "$TOKEN" > token.txt
      printf '%s\\n' "$PIN" > pin.txt
      cat token.txt pin.txt
  - id: split
    run: |
      printf 'split:%s' "\${TOKEN:0:12}"
      sleep 0.3
      printf '%s:end\\n' "\${TOKEN:12}"
      printf 'tail:%s' "\${PIN:0:5}"
      sleep 0.3
      printf '%s' "\${PIN:5}"
  - id: capture
    run: echo "captured $TOKEN and $PIN"
    capture: CAPTURED
    continueOnError: true
  - id: show-capture
    run: echo "value=\${CAPTURED:-nothing}"
  - id: env
    env: {DERIVED: "prefix-$TOKEN-suffix", PIN_COPY: $PIN}
    run: echo "derived=$DERIVED copy=$PIN_COPY"
  - id: bad-cwd
    cwd: missing-$TOKEN
    continueOnError: true
    run: echo never
  - id: skipped
    when: {var: TOKEN, equals: not-the-token}
    run: echo never
  - id: wait-check
    wait:
      command:
        run: |
          echo "waiting token=$TOKEN"
          echo "waiting pin=$PIN" >&2
          n=$(cat checks 2>/dev/null || echo 0)
          echo $((n + 1)) > checks
          test "$n" -ge 2
        interval: 100ms
    timeout: 30s
  - id: drop
    destructive: $TOKEN
    run: echo "dropping $TOKEN"
  - id: fail
    run: |
      echo "failing with $TOKEN and $PIN" >&2
      test -f fixed
  - id: after
    run: echo "after token=$TOKEN"
`;

/** Every file under the state dir must be free of the secrets; there must be files to search. */
function expectStateDirClean(stateDir: string, secrets: string[]): void {
	const {hits, searched} = filesContaining(
		stateDir,
		secrets.flatMap(secret => secretPieces(secret)),
	);
	expect(searched).toBeGreaterThanOrEqual(2);
	expect(hits).toEqual([]);
}

describe('secrets', () => {
	it('never reach the state dir or the output, through a failed run and its resume', async () => {
		const ws = workspace();
		const token = `canary-${randomUUID()}`;
		const pin = `pin-${randomUUID()}`;
		const file = ws.write('secrets.yaml', RUNBOOK);
		const flags = ['--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir];

		const first = await ws.cli(['run', file, '-p', `PIN=${pin}`, ...flags], {env: {RUNBOOK_SECRET_TOKEN: token}});
		expect(first.code).toBe(1);
		expect(stackLines(first.stderr)).toEqual([]);
		const runId = ws.onlyRunId();
		expect(stepStatuses(ws.state(runId))).toMatchObject({
			'ask-pin': 'succeeded',
			echo: 'succeeded',
			'to-file': 'succeeded',
			split: 'succeeded',
			capture: 'failed',
			'show-capture': 'succeeded',
			env: 'succeeded',
			'bad-cwd': 'failed',
			skipped: 'skipped',
			'wait-check': 'succeeded',
			drop: 'succeeded',
			fail: 'failed',
			after: 'pending',
		});
		// The secrets did reach the commands: they wrote them to files in the work dir.
		expect(ws.read('token.txt')).toBe(`${token}\n`);
		expect(ws.read('pin.txt')).toBe(`${pin}\n`);

		const out = first.stdout;
		expect(out).toContain('? ask-pin: PIN of the vault? ***');
		expect(out).toContain('? echo: Send token *** and pin ***? yes (--yes)');
		expect(out).toContain('echo| stdout token=*** pin=***');
		expect(out).toContain('echo! stderr token=*** pin=***');
		expect(out).toContain('to-file| ***\nto-file| ***');
		// Printed in two pieces with a pause, no newline between: still one line, redacted.
		expect(out).toContain('split| split:***:end');
		expect(out).toContain('split| tail:***');
		expect(out).toContain('the output captured into CAPTURED holds a secret value: nothing was stored');
		expect(out).toContain('show-capture| value=nothing\n');
		expect(out).toContain('env| derived=prefix-***-suffix copy=***');
		// A cwd made from a secret: the error names the folder with the secret hidden.
		expect(out).toMatch(/bad-cwd failed .*the working directory \S*missing-\*\*\* of step "bad-cwd" does not exist/);
		expect(out).toMatch(/↷ skipped skipped: when: TOKEN is \*\*\*, not "not-the-token"/);
		expect(out).toContain('wait-check| waiting token=***');
		expect(out).toContain('wait-check! waiting pin=***');
		expect(out).toContain('word "***"');
		expect(out).toContain('drop| dropping ***');
		expect(out).toContain('fail! failing with *** and ***');
		for (const text of [first.stdout, first.stderr]) for (const piece of [...secretPieces(token), ...secretPieces(pin)]) expect(text).not.toContain(piece);

		// A capture that holds a secret stores nothing.
		const state = ws.state(runId);
		expect(state.vars.CAPTURED).toBeUndefined();
		expect(state.steps['bad-cwd'].attempts[0].error).toContain('missing-***');
		expect(state.secretVars.sort()).toEqual(['PIN', 'TOKEN']);
		expect(Object.keys(state.vars)).not.toContain('TOKEN');
		expect(Object.keys(state.vars)).not.toContain('PIN');
		// The logs hold the output, redacted.
		const logs = path.join(ws.stateDir, 'runs', runId, 'logs');
		expect(readFileSync(path.join(logs, 'echo.1.log'), 'utf8')).toContain('stdout token=*** pin=***');
		expect(readFileSync(path.join(logs, 'split.1.log'), 'utf8')).toContain('split:***:end');
		expect(readdirSync(logs).filter(name => name.startsWith('wait-check.'))).not.toEqual([]);
		expectStateDirClean(ws.stateDir, [token, pin]);

		// Resume: the secrets are given again (they are never saved); the failed step re-runs.
		ws.write('fixed', '');
		const resumed = await ws.cli(['resume', runId, '-p', `PIN=${pin}`, ...flags], {env: {RUNBOOK_SECRET_TOKEN: token}});
		expect(resumed.stderr).toBe('');
		expect(resumed.code).toBe(0);
		expect(resumed.stdout).toContain('fail! failing with *** and ***');
		expect(resumed.stdout).toContain('after| after token=***');
		for (const text of [resumed.stdout, resumed.stderr]) for (const piece of [...secretPieces(token), ...secretPieces(pin)]) expect(text).not.toContain(piece);
		expect(ws.state(runId).status).toBe('completed');
		expectStateDirClean(ws.stateDir, [token, pin]);
	});

	it('-p for a secret param is accepted and redacted like the environment variable', async () => {
		// Accepted, but the value is in argv, visible to `ps`: README recommends RUNBOOK_SECRET_<NAME>.
		const ws = workspace();
		const token = `canary-${randomUUID()}`;
		const file = ws.write(
			'p.yaml',
			`version: 1
title: Secret by -p
params:
  TOKEN: {secret: true, required: true}
steps:
  - id: show
    run: echo "token=$TOKEN"; printf '%s' "$TOKEN" > token.txt
`,
		);
		const result = await ws.cli(['run', file, '-p', `TOKEN=${token}`, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		expect(ws.read('token.txt')).toBe(token);
		expect(result.stdout).toContain('show| token=***');
		expect(result.stdout + result.stderr).not.toContain(token);
		expectStateDirClean(ws.stateDir, [token]);
	});

	it("--plain masks a known secret written literally in a step's command line and title (the step line and the summary)", async () => {
		// The runbook cannot know a literal is secret (README): it is masked once the value is a secret param's or answer's.
		const ws = workspace();
		const token = `canary-${randomUUID()}`;
		const pin = `pin-${randomUUID().slice(0, 8)}`;
		const file = ws.write(
			'literal.yaml',
			`version: 1
title: Literal secrets
params:
  TOKEN: {secret: true, required: true}
steps:
  - id: pin
    ask: {var: PIN, prompt: PIN?, secret: true}
  - id: literal
    title: Uses ${token}
    run: test "$TOKEN" = ${token} && echo same
  - id: literal-pin
    title: Pin ${pin}
    run: test "$PIN" = ${pin} && echo same-pin
`,
		);
		const result = await ws.cli(['run', file, '-p', `PIN=${pin}`, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: token}});
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('literal| same');
		expect(result.stdout).toContain('▶ literal (attempt 1): test "$TOKEN" = *** && echo same');
		expect(result.stdout).toContain('▶ literal-pin (attempt 1): test "$PIN" = *** && echo same-pin');
		expect(result.stdout).toContain('literal: Uses *** · succeeded');
		expect(result.stdout).toContain('literal-pin: Pin *** · succeeded');
		expect(result.stdout + result.stderr).not.toContain(token);
		expect(result.stdout + result.stderr).not.toContain(pin);
		expectStateDirClean(ws.stateDir, [token, pin]);
		// `runbook plan` shows the titles and commands too.
		const plan = await ws.cli(['plan', file], {env: {RUNBOOK_SECRET_TOKEN: token}});
		expect(plan.code, plan.stderr).toBe(0);
		expect(plan.stdout).toContain('Uses ***');
		expect(plan.stdout + plan.stderr).not.toContain(token);
	});

	it('a multi-line secret (a key file) is hidden line by line', async () => {
		const ws = workspace();
		const body = [randomUUID(), randomUUID()].map(id => id.replaceAll('-', ''));
		const key = ['-----BEGIN TEST KEY-----', ...body, '-----END TEST KEY-----', ''].join('\n');
		const file = ws.write(
			'key.yaml',
			`version: 1
title: Key file
params:
  KEY: {secret: true, required: true}
steps:
  - id: show
    run: printf '%s' "$KEY" | tee key.pem
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_KEY: key}});
		expect(result.code).toBe(0);
		expect(ws.read('key.pem')).toBe(key);
		expect(result.stdout).toContain('show| ***\nshow| ***\nshow| ***\nshow| ***\n');
		for (const line of body) expect(result.stdout + result.stderr).not.toContain(line.slice(0, 16));
		expectStateDirClean(ws.stateDir, body);
	});

	it('the shell executor redacts a secret printed across several output chunks in the output and log; the capture is kept as printed (the runner refuses it)', async () => {
		const ws = workspace();
		const secret = `canary-${randomUUID()}`;
		const chunks: OutputChunk[] = [];
		const logPath = ws.path('split.log');
		const result = await createShellExecutor(stepLogFiles).run({
			stepId: 'split',
			// Three writes, 200 ms apart, no newline until the end.
			script: 'printf "a=%s" "${S:0:5}"; sleep 0.2; printf "%s" "${S:5:20}"; sleep 0.2; printf "%s=z\\n" "${S:25}"; printf "last:%s" "$S"',
			env: {S: secret},
			cwd: ws.dir,
			logPath,
			signal: new AbortController().signal,
			graceMs: 1000,
			capture: true,
			onOutput: chunk => chunks.push({stream: chunk.stream, lines: [...chunk.lines]}),
			redact: redactor([secret]),
		});
		expect(result.exitCode).toBe(0);
		expect(chunks.flatMap(chunk => chunk.lines)).toEqual(['a=***=z', 'last:***']);
		expect(result.stdout).toBe(`a=${secret}=z\nlast:${secret}`);
		const log = readFileSync(logPath, 'utf8');
		expect(log).toContain('a=***=z\nlast:***\n');
		expect(log).not.toContain(secret.slice(5, 20));
	});
});
