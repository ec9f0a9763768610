/**
 * Injection (issue "Safety", item 6): hostile values given as params (-p), as
 * `ask` answers (-p presets them in plain mode) and as `capture`d values are
 * used in every field that takes variables: a `run` script (quoted and
 * unquoted), `env:` values, `cwd:`, `title`, `description`, `confirm` text,
 * `manual` text, `ask.prompt` / `ask.default`, `when.equals`, a
 * `destructive: $X` word and a `wait.command`. No PWNED file may ever appear,
 * values must arrive and print literally, and `$OTHER` / `${HOME}` inside a
 * value must never be expanded a second time.
 *
 * Unquoted use in a script (`echo $X`) is the script author's choice: bash
 * splits the value into words and expands globs (`*` lists the folder), but it
 * never runs command substitutions or backquotes found in a value; the test
 * pins that behaviour down.
 *
 * Kubernetes fields (scale, delete, patch, exec... and the Kubernetes wait
 * kinds) are not covered here: they need a cluster, which this suite does not
 * start. They go through the same `interpolate` (actions.ts `resolveDeep`).
 */
import {mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {stepView} from '../../source/engine/view.js';
import {loadRunbook} from '../../source/runbook/load.js';
import {filesUnder, ROOT, stackLines, useWorkspaces, type Workspace} from '../cli/helpers.js';

const workspace = useWorkspaces();

/** The hostile values, in order; variable `<S><i>` holds HOSTILE[i - 1]. */
const HOSTILE = ['$(touch PWNED1)', '`touch PWNED2`', '; touch PWNED3', 'a\ntouch PWNED4', `'"; touch PWNED5; echo "'`, '*', '--help', '-rf', '${HOME}', '$OTHER'] as const;
const INDEXES = HOSTILE.map((_, i) => i + 1);

/** Where the values come from: V params (-p), A ask answers (-p presets), C captures. */
const SOURCES = ['V', 'A', 'C'] as const;

/** A YAML scalar holding `text` exactly (JSON is YAML). */
const q = (text: string): string => JSON.stringify(text);
/** `text` as a literal in a non-script field: `$` written `$$`. */
const literal = (text: string): string => text.replaceAll('$', () => '$$');
/** `$S1 $S2 ...` in `template`, `#` standing for the index. */
const each = (template: (i: number) => string, separator = ' '): string => INDEXES.map(template).join(separator);
/** What each template renders to with the hostile values. */
const expected = (template: (value: string) => string, separator = ' '): string => HOSTILE.map(template).join(separator);

/** The runbook: every field that takes variables, for each source. */
function runbook(): string {
	const lines: string[] = ['version: 1', 'title: Hostile values', 'params:', '  OTHER: {default: expanded-twice}', ...INDEXES.map(i => `  V${i}: {required: true}`), 'steps:'];
	const step = (fields: Record<string, string>): void => {
		const [first, ...rest] = Object.entries(fields);
		lines.push(`  - ${first[0]}: ${first[1]}`, ...rest.map(([key, value]) => `    ${key}: ${value}`));
	};
	for (const i of INDEXES) step({id: `ask-a-${i}`, ask: `{var: A${i}, prompt: ${q(`answer ${i}?`)}}`});
	for (const i of INDEXES) step({id: `capture-c-${i}`, run: q(`printf '%s' "$V${i}"`), capture: `C${i}`});
	for (const s of SOURCES) {
		const id = s.toLowerCase();
		step({id: `${id}-quoted`, run: q(`printf '%s\\0' ${each(i => `"$${s}${i}"`)} > out/quoted-${id}.bin\nprintf '<%s>\\n' ${each(i => `"$${s}${i}"`)}`)});
		step({id: `${id}-unquoted`, run: q(`printf '<%s>\\n' ${each(i => `$${s}${i}`)}`)});
		step({id: `${id}-env`, env: `{${each(i => `E${i}: ${q(`<$${s}${i}>`)}`, ', ')}}`, run: q(`printf '%s\\0' ${each(i => `"$E${i}"`)} > out/env-${id}.bin`)});
		step({id: `${id}-wait`, wait: `{command: {run: ${q(`printf '%s\\0' ${each(i => `"$${s}${i}"`)} > out/wait-${id}.bin`)}}}`});
		step({id: `${id}-confirm`, confirm: q(`C-${s} ${each(i => `<$${s}${i}>`)}?`), run: q('true')});
		step({id: `${id}-title`, title: q(`T-${s} ${each(i => `<$${s}${i}>`)}`), description: q(`D-${s} ${each(i => `<$${s}${i}>`)}`), confirm: 'true', run: q('true')});
		step({id: `${id}-manual`, manual: q(`M-${s} ${each(i => `<$${s}${i}>`)}`)});
		for (const i of INDEXES) {
			step({id: `${id}-ask-${i}`, ask: `{var: Q${s}${i}, prompt: ${q(`P-${s} <$${s}${i}>`)}, default: ${q(`$${s}${i}`)}}`});
			step({id: `${id}-when-${i}`, when: `{var: ${s}${i}, equals: ${q(literal(HOSTILE[i - 1]))}}`, run: q(`echo ${id}-${i} >> out/when`)});
			step({id: `${id}-not-${i}`, when: `{var: ${s}${i}, notEquals: ${q(`$V${i}`)}}`, run: q(`echo ${id}-${i} >> out/not`)});
			step({id: `${id}-destructive-${i}`, destructive: q(`$${s}${i}`), run: q('true')});
			step({id: `${id}-cwd-${i}`, cwd: q(`dirs/$${s}${i}`), run: q(`cat id >> "$RUNBOOK_DIR/out/cwd-${id}"`)});
		}
	}
	return lines.join('\n') + '\n';
}

/** Creates the runbook, `out/`, and `dirs/<value>/id` for every hostile value (plus a decoy folder). */
function prepare(ws: Workspace): string {
	mkdirSync(ws.path('out'));
	for (const [index, value] of HOSTILE.entries()) {
		mkdirSync(ws.path(path.join('dirs', value)), {recursive: true});
		writeFileSync(ws.path(path.join('dirs', value, 'id')), `${index + 1}\n`);
	}
	mkdirSync(ws.path('dirs/decoy'));
	writeFileSync(ws.path('dirs/decoy/id'), 'decoy\n');
	return ws.write('injection.yaml', runbook());
}

/** Every PWNED file under the workspace, in the project root and in the temporary folder. */
function pwnedFiles(ws: Workspace): string[] {
	const pwned = (name: string): boolean => /^PWNED\d$/.test(name);
	return [
		...filesUnder(ws.dir).filter(file => pwned(path.basename(file))),
		...readdirSync(ROOT)
			.filter(pwned)
			.map(name => path.join(ROOT, name)),
		...readdirSync(tmpdir())
			.filter(pwned)
			.map(name => path.join(tmpdir(), name)),
	];
}

/** `-p NAME=VALUE` arguments for the V params and the A answers. */
function paramArgs(): string[] {
	return INDEXES.flatMap(i => ['-p', `V${i}=${HOSTILE[i - 1]}`, '-p', `A${i}=${HOSTILE[i - 1]}`]);
}

describe('injection: hostile values stay data', () => {
	it('in every field, from params, ask answers and captures: nothing runs, everything is literal', {timeout: 120_000}, async () => {
		const ws = workspace();
		const file = prepare(ws);
		const result = await ws.cli(['run', file, ...paramArgs(), '--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir], {timeoutMs: 110_000});
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(pwnedFiles(ws)).toEqual([]);
		const out = result.stdout;
		// The plan before the first step lists the params: OTHER with its own value, once; a value
		// holding `$OTHER` is shown as it is. After it, `$OTHER` in a value is never expanded again, anywhere.
		const started = out.search(/^\d\d:\d\d:\d\d run \S+ started/m);
		expect(started).toBeGreaterThan(0);
		expect(out.slice(0, started).match(/expanded-twice/g)).toEqual(['expanded-twice']);
		expect(out.slice(0, started)).toContain('  OTHER = expanded-twice\n');
		expect(out.slice(started)).not.toContain('expanded-twice');

		const state = ws.state(ws.onlyRunId());
		expect(state.status).toBe('completed');
		for (const i of INDEXES) {
			expect(state.vars[`V${i}`]).toBe(HOSTILE[i - 1]);
			expect(state.vars[`A${i}`]).toBe(HOSTILE[i - 1]);
			expect(state.vars[`C${i}`]).toBe(HOSTILE[i - 1]);
		}
		const nulJoined = (values: readonly string[]): string => values.map(v => `${v}\0`).join('');
		for (const s of SOURCES) {
			const id = s.toLowerCase();
			// Scripts, env values and wait commands receive the values byte for byte.
			expect(readFileSync(ws.path(`out/quoted-${id}.bin`), 'utf8')).toBe(nulJoined(HOSTILE));
			expect(readFileSync(ws.path(`out/env-${id}.bin`), 'utf8')).toBe(nulJoined(HOSTILE.map(v => `<${v}>`)));
			expect(readFileSync(ws.path(`out/wait-${id}.bin`), 'utf8')).toBe(nulJoined(HOSTILE));
			// ...and print literally (a value with a newline prints as two lines).
			expect(out).toContain(
				HOSTILE.map(v => `<${v}>`)
					.join('\n')
					.replaceAll('\n', `\n${id}-quoted| `),
			);

			// Unquoted: bash splits words and expands `*`, but runs nothing found in a value.
			const unquoted = out
				.split('\n')
				.filter(line => line.startsWith(`${id}-unquoted| `))
				.map(line => line.slice(`${id}-unquoted| `.length));
			expect(unquoted.slice(0, 6)).toEqual(['<$(touch>', '<PWNED1)>', '<`touch>', '<PWNED2`>', '<;>', '<touch>']);
			expect(unquoted).toContain('<injection.yaml>');
			expect(unquoted).not.toContain('<*>');
			expect(unquoted.slice(-4)).toEqual(['<--help>', '<-rf>', '<${HOME}>', '<$OTHER>']);

			// Displayed text: confirm, title (in the confirm question), manual instructions.
			// Answers and questions stay on one line in --plain output: a newline in a value shows as \n.
			const flat = (text: string): string => text.replaceAll('\n', '\\n');
			const shown = expected(v => `<${v}>`);
			expect(out).toContain(`? ${id}-confirm: C-${s} ${flat(shown)}? yes (--yes)\n`);
			expect(out).toContain(`? ${id}-title: Run step "T-${s} ${flat(shown)}"? yes (--yes)\n`);
			expect(out).toContain(`☐ ${id}-manual (manual): ` + `M-${s} ${shown}`.replaceAll('\n', `\n${id}-manual: `));
			for (const i of INDEXES) {
				const value = HOSTILE[i - 1];
				// ask.prompt and ask.default: literal, and the answer (the default) saved as given.
				expect(out).toContain(`? ${id}-ask-${i}: ${flat(`P-${s} <${value}> ${value}`)}\n`);
				expect(state.vars[`Q${s}${i}`]).toBe(value);
				expect(out).toContain(`? ${id}-destructive-${i}: destructive, confirmed by --yes-destructive (word "${flat(value)}")\n`);
				expect(state.steps[`${id}-not-${i}`].status).toBe('skipped');
			}
			// `when.equals` with the literal value holds for every value; notEquals `$V<i>` never does.
			expect(ws.lines('out/when').filter(line => line.startsWith(`${id}-`))).toEqual(INDEXES.map(i => `${id}-${i}`));
			// `cwd: dirs/$X` is the folder named by the value, not a glob or an expansion of it.
			expect(ws.lines(`out/cwd-${id}`)).toEqual(INDEXES.map(String));
		}
		expect(ws.read('out/not')).toBe('');
	});

	it('titles and descriptions show the values literally', async () => {
		const ws = workspace();
		const loaded = await loadRunbook(prepare(ws));
		const vars: Record<string, string> = {OTHER: 'expanded-twice', HOME: '/nowhere'};
		for (const s of SOURCES) for (const i of INDEXES) vars[`${s}${i}`] = HOSTILE[i - 1];
		const shown = expected(v => `<${v}>`);
		for (const s of SOURCES) {
			const index = loaded.runbook.steps.findIndex(step => step.id === `${s.toLowerCase()}-title`);
			const view = stepView(loaded.runbook.steps[index], index, {vars, secrets: {}});
			expect(view.title).toBe(`T-${s} ${shown}`);
			expect(view.description).toBe(`D-${s} ${shown}`);
		}
	});

	it('control: the same values do run when a script evaluates them (so the PWNED check can fail)', async () => {
		const ws = workspace();
		const file = ws.write(
			'eval.yaml',
			`version: 1
title: Eval on purpose
params:
  X: {required: true}
steps:
  - id: evaluate
    run: eval "echo $X"
`,
		);
		const result = await ws.cli(['run', file, '-p', `X=${HOSTILE[0]}`, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		expect(pwnedFiles(ws)).toEqual([ws.path('PWNED1')]);
	});
});
