/**
 * Terminal escape sequences never reach the operator's terminal raw (issue 9,
 * item 6), and masking sees text as the terminal shows it (item 3): a secret
 * printed with an escape sequence in its middle is masked; OSC (title,
 * clipboard, hyperlink), DCS and CSI screen controls in step output are
 * removed; other control bytes, in output or in titles, are shown as `\xNN`.
 */
import {randomUUID} from 'node:crypto';
import {appendFileSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {EscapeStripper, isTerminalSafe, stripTerminalEscapes, terminalSafe, visibleControls} from '../../source/security/terminal-text.js';
import {useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

describe('terminal text', () => {
	it('removes escape sequences and shows other control bytes', () => {
		expect(stripTerminalEscapes('a\x1b]52;c;aGVsbG8=\x07b')).toBe('ab');
		expect(stripTerminalEscapes('\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
		expect(stripTerminalEscapes('x\x1b[2J\x1b[H\x1b[31mred\x1b[0m')).toBe('xred');
		expect(stripTerminalEscapes('\x1bP1$qm\x1b\\after')).toBe('after');
		expect(stripTerminalEscapes('\x9b2Jc1')).toBe('c1');
		expect(stripTerminalEscapes('unterminated \x1b]0;title')).toBe('unterminated ');
		expect(visibleControls('tab\there\nbell\x07 nul\x00 del\x7f')).toBe('tab\there\nbell\\x07 nul\\x00 del\\x7f');
		// Invisible format characters: a zero-width space inside a secret, a bidi override.
		expect(visibleControls('S3cr3t\u200bToken \u202egnp.exe\u202c')).toBe('S3cr3t\\u{200b}Token \\u{202e}gnp.exe\\u{202c}');
		expect(isTerminalSafe('plain text, tabs\tand emoji 🙂')).toBe(true);
		for (const unsafe of ['a\x1b[0mb', 'bell\x07', 'c1\x9b', 'zero\u200bwidth', 'bom\ufeff']) expect(isTerminalSafe(unsafe)).toBe(false);
		expect(terminalSafe('lone \x1b')).toBe('lone \\x1b');
		expect(terminalSafe('é ü 日本')).toBe('é ü 日本');
	});

	it('EscapeStripper removes what stripTerminalEscapes removes, however the text is cut into pieces, and keeps nothing of a long sequence', () => {
		const samples = ['a\x1b]52;c;aGVsbG8=\x07b', '\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\', 'x\x1b[2J\x1b[H\x1b[31mred\x1b[0m', '\x1bP1$qm\x1b\\after', '\x9b2Jc1 \x9d0;t\x07d', 'unterminated \x1b]0;title', 'lone \x1b\x01 and \x1b7 saved', 'tab\there\nline two \x1b[1mbold\x1b[m\n'];
		for (const sample of samples) {
			const whole = new EscapeStripper();
			expect(whole.push(sample) + whole.end(), JSON.stringify(sample)).toBe(terminalSafe(sample).replaceAll('\\x1b', '\x1b').replaceAll('\\x01', '\x01'));
			for (const size of [1, 2, 3, 5]) {
				const pieces = new EscapeStripper();
				let out = '';
				for (let i = 0; i < sample.length; i += size) out += pieces.push(sample.slice(i, i + size));
				expect(out + pieces.end(), `${JSON.stringify(sample)} in pieces of ${size}`).toBe(whole.push(sample) + whole.end());
			}
		}
		// An OSC of 1 MiB in 1 KiB pieces: nothing of it comes out, the text after it does.
		const stripper = new EscapeStripper();
		let out = stripper.push('sec\x1b]0;');
		for (let i = 0; i < 1024; i++) out += stripper.push('z'.repeat(1024));
		out += stripper.push('\x07ret\n');
		expect(out).toBe('secret\n');
		// A newline ends an unterminated sequence: the next line is shown.
		expect(new EscapeStripper().push('a\x1b]0;never ends\nnext\n')).toBe('a\nnext\n');
	});

	it.each([
		['one OSC of 100 KiB', `printf '%s\\033]0;' "\${T:0:10}"; head -c 100000 /dev/zero | tr '\\0' z; printf '\\007%s' "\${T:10}"`],
		['a 4 KiB CSI between every character', `for ((i = 0; i < \${#T}; i++)); do printf '%s\\033[' "\${T:i:1}"; head -c 4000 /dev/zero | tr '\\0' 1; printf m; done`],
	])('in --plain output and the log: a secret split by escape sequences longer than the 8 KiB window (%s) across the 64 KiB line cut is masked whole', async (_name, split) => {
		const ws = workspace();
		const secret = `canary-${randomUUID()}`;
		const lead = 64 * 1024 - 6;
		const file = ws.write(
			'long-escapes.yaml',
			`version: 1
title: Long escapes
params:
  T: {secret: true, required: true}
steps:
  - id: split
    run: |
      head -c ${lead} /dev/zero | tr '\\0' x
      ${split}
      head -c 70000 /dev/zero | tr '\\0' y
      echo
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_T: secret}});
		expect(result.code, result.stderr).toBe(0);
		const runDir = path.join(ws.stateDir, 'runs', ws.onlyRunId());
		const log = readFileSync(path.join(runDir, 'logs', 'split.1.log'), 'utf8');
		const shown = result.stdout
			.split('\n')
			.filter(line => line.startsWith('split| '))
			.map(line => line.slice('split| '.length));
		expect(shown.length).toBeGreaterThan(1); // the line was cut
		for (const text of [
			shown.join(''),
			log
				.split('\n')
				.filter(line => /^[xy*]/.test(line))
				.join(''),
		]) {
			expect(text).toBe(`${'x'.repeat(lead)}***${'y'.repeat(70000)}`);
		}
		for (const text of [result.stdout + result.stderr, log]) {
			expect(text).not.toContain('\x1b');
			for (let i = 0; i + 6 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 6));
		}
	});

	it("in --plain output: a secret split by an escape is masked; OSC, CSI and DCS never reach the terminal; a title's control bytes are shown", async () => {
		const ws = workspace();
		const secret = `canary-${randomUUID()}`;
		const file = ws.write(
			'escapes.yaml',
			`version: 1
title: "Escapes \\e]0;owned\\a"
params:
  T:
    secret: true
    required: true
steps:
  - id: split
    run: printf '%s\\033[0m%s\\n' "\${T:0:5}" "\${T:5}"
  - id: hostile
    run: |
      printf 'clip\\033]52;c;aGk=\\007 title\\033]0;x\\007 clear\\033[2J dcs\\033P1$qm\\033\\\\ bin\\001\\n'
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_T: secret}});
		expect(result.code).toBe(0);
		const out = result.stdout + result.stderr;
		expect(out).not.toContain('\x1b');
		expect(out).not.toContain('\x07');
		expect(out).not.toContain(secret.slice(5));
		expect(out).toContain('split| ***\n');
		expect(out).toContain('hostile| clip title clear dcs bin\\x01\n');
		expect(out).toContain('started: Escapes \\x1b]0;owned\\x07\n');
		const runDir = path.join(ws.stateDir, 'runs', ws.onlyRunId());
		for (const name of readdirSync(path.join(runDir, 'logs'))) {
			const log = readFileSync(path.join(runDir, 'logs', name), 'utf8');
			expect(log).not.toContain(secret.slice(5));
			expect(log).not.toContain('\x1b]52');
		}
	});

	it('in the Markdown report (stdout and -o): no control byte of a title or an answer reaches it raw; titles show theirs as \\xNN', async () => {
		const ws = workspace();
		const file = ws.write(
			'report.yaml',
			`version: 1
title: "Report \\e]0;owned\\a"
steps:
  - id: name
    title: "Ask \\e]52;c;aGk=\\a"
    ask: {prompt: Name?, var: NAME}
  - id: fail
    title: "Fail \\e[6n\\x9b6n"
    run: exit 3
`,
		);
		const run = await ws.cli(['run', file, '--plain', '--yes', '-p', 'NAME=x\x1b]0;answer\x07', '--state-dir', ws.stateDir]);
		expect(run.code, run.stderr).toBe(1);
		const runId = ws.onlyRunId();
		const report = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(report.code, report.stderr).toBe(0);
		const output = path.join(ws.dir, 'report.md');
		expect((await ws.cli(['report', runId, '--state-dir', ws.stateDir, '-o', output])).code).toBe(0);
		for (const text of [report.stdout, readFileSync(output, 'utf8')]) {
			expect(text).not.toMatch(/[\x07\x1b\x9b]/);
			expect(text).toContain('# Run report: Report \\x1b]0;owned\\x07');
			expect(text).toContain('Ask \\x1b]52;c;aGk=\\x07');
			expect(text).toContain('Fail \\x1b[6n\\x9b6n');
		}
	});

	it('report: the state and journal warnings on stderr show the control bytes of a hostile state as \\xNN', async () => {
		const ws = workspace();
		const file = ws.write('warn.yaml', 'version: 1\ntitle: Warn\nsteps:\n  - id: fail\n    run: exit 3\n');
		expect((await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir])).code).toBe(1);
		const runId = ws.onlyRunId();
		const runDir = path.join(ws.stateDir, 'runs', runId);
		// The last good copy names when it was saved: a hostile one says it with escapes.
		const state = {...ws.state(runId), updatedAt: '2026-01-01\x1b]0;owned\x07\x1b[2J\x9b6n'} as Record<string, unknown>;
		writeFileSync(path.join(runDir, 'state.prev.json'), JSON.stringify(state));
		writeFileSync(path.join(runDir, 'state.json'), '{damaged');
		appendFileSync(path.join(runDir, 'journal.jsonl'), 'not json \x1b]52;c;aGk=\x07\n');
		const report = await ws.cli(['report', runId, '--state-dir', ws.stateDir]);
		expect(report.code, report.stderr).toBe(0);
		expect(report.stderr).toContain('using the last good copy from 2026-01-01\\x1b]0;owned\\x07\\x1b[2J\\x9b6n');
		expect(report.stderr).toContain('not a journal entry; ignored');
		expect(report.stderr).not.toMatch(/[\x07\x1b\x9b]/);
	});
});
