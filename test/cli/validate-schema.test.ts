/**
 * `runbook validate` and `runbook schema` as real processes: every shipped runbook is
 * valid; a broken runbook gets every one of its problems printed with file:line:col
 * (exit 2, no stack trace); the schema printed is the committed one.
 */
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {SELECTOR_HINT} from '../../source/runbook/label-selector.js';
import {ROOT, runCli, stackLines, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

/** Runbook files (.yaml, .yml) under `dir`, recursively, sorted. */
function runbookFiles(dir: string): string[] {
	return readdirSync(dir, {recursive: true, withFileTypes: true})
		.filter(entry => entry.isFile() && /\.ya?ml$/.test(entry.name))
		.map(entry => path.join(entry.parentPath, entry.name))
		.sort();
}

describe('runbook validate', () => {
	it('accepts every shipped runbook (exit 0, one ok line each)', async () => {
		const shipped = runbookFiles(path.join(ROOT, 'runbooks'));
		expect(shipped.length).toBeGreaterThan(0);
		const result = await runCli(['validate', ...shipped]);
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		const lines = result.stdout.trimEnd().split('\n');
		expect(lines).toHaveLength(shipped.length);
		shipped.forEach((file, i) => expect(lines[i]).toMatch(new RegExp(`^${file}: ok \\(\\d+ steps\\)$`)));
	});

	it('prints every problem of a broken runbook with file:line:col and exits 2', async () => {
		const ws = workspace();
		const file = ws.write(
			'broken.yaml',
			`version: 1
title: Four problems
colour: blue
steps:
  - id: one
    run: echo one
    timeout: soon
  - id: one
    manual: Check $NOWHERE
  - id: Bad_Id
    run: echo bad
`,
		);
		const result = await runCli(['validate', file]);
		expect(result.code).toBe(2);
		expect(result.stdout).toBe('');
		expect(stackLines(result.stderr)).toEqual([]);
		const problems = result.stderr.trimEnd().split('\n');
		expect(problems.map(line => /^(.+?:\d+:\d+): ([^:]+):/.exec(line)?.slice(1, 3))).toEqual([
			[`${file}:3:1`, 'colour'],
			[`${file}:7:14`, 'steps[0].timeout'],
			[`${file}:8:9`, 'steps[1].id'],
			[`${file}:9:19`, 'steps[1].manual'],
			[`${file}:10:9`, 'steps[2].id'],
		]);
		expect(problems[3]).toContain('$NOWHERE');
	});

	it('checks every file given: each broken fixture is reported, the valid ones pass', async () => {
		const broken = runbookFiles(path.join(ROOT, 'test', 'fixtures', 'broken'));
		const valid = runbookFiles(path.join(ROOT, 'test', 'fixtures', 'valid'));
		expect(broken.length).toBeGreaterThan(5);
		const result = await runCli(['validate', ...broken, ...valid]);
		expect(result.code).toBe(2);
		expect(stackLines(result.stderr)).toEqual([]);
		const problems = result.stderr.trimEnd().split('\n');
		for (const line of problems) expect(line).toMatch(/^\/\S+\.ya?ml:\d+:\d+: \S/);
		// A problem inside an included fragment is reported at the fragment's line, naming the includer.
		for (const file of broken)
			expect(
				problems.some(line => line.startsWith(`${file}:`) || line.includes(`(included from ${path.basename(file)}:`)),
				file,
			).toBe(true);
		expect(result.stdout.trimEnd().split('\n')).toEqual(valid.map(file => expect.stringMatching(new RegExp(`^${file}: ok `))));
	});

	it('exits 2 naming a file that does not exist', async () => {
		const result = await runCli(['validate', path.join(ROOT, 'runbooks', 'no-such-runbook.yaml')]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('no-such-runbook.yaml');
		expect(stackLines(result.stderr)).toEqual([]);
	});
});

describe('runbook validate: label selectors', () => {
	it('refuses a selector the API server would refuse, at its line and column, and leaves one with a variable for the step', async () => {
		const ws = workspace();
		const file = ws.write(
			'selectors.yaml',
			`version: 1.1
title: Selectors
params:
  APP: {default: web}
steps:
  - id: gone
    wait:
      deleted: { kind: Pod, selector: app in spire }
  - id: scaled
    scale: { kind: StatefulSet, selector: "=foo", replicas: 0 }
  - id: ready
    wait: { podsReady: { selector: "app=x,," } }
  - id: removed
    delete: { kind: Pod, selector: "" }
  - id: fine
    wait: { podsReady: { selector: "app.kubernetes.io/name=synapse,tier in (db, cache),!canary" } }
  - id: later
    wait: { podsReady: { selector: "app=$APP" } }
`,
		);
		const result = await runCli(['validate', file]);
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.code).toBe(2);
		const lines = result.stderr.trimEnd().split('\n');
		expect(lines).toEqual([
			`${file}:8:39: steps[0].wait.deleted.selector: not a valid label selector: expected "(" after "app in" (write app in (a,b)), found "spire" at character 8 (hint: ${SELECTOR_HINT})`,
			`${file}:10:43: steps[1].scale.selector: not a valid label selector: expected "!" or a label key, found "=" at character 1 (hint: ${SELECTOR_HINT})`,
			`${file}:12:36: steps[2].wait.podsReady.selector: not a valid label selector: expected a requirement after ",", found "," at character 7 (hint: ${SELECTOR_HINT})`,
			`${file}:14:36: steps[3].delete.selector: an empty selector matches every object of the kind (hint: name the object, or give a label selector such as app.kubernetes.io/name=synapse)`,
		]);
	});
});

describe('runbook schema', () => {
	it('prints the committed JSON Schema (schema/runbook.schema.json)', async () => {
		const result = await runCli(['schema']);
		expect(result.code).toBe(0);
		expect(result.stderr).toBe('');
		const committed = readFileSync(path.join(ROOT, 'schema', 'runbook.schema.json'), 'utf8');
		expect(JSON.parse(result.stdout)).toEqual(JSON.parse(committed));
		// Same text too: `runbook schema > schema/runbook.schema.json` regenerates the file.
		expect(result.stdout).toBe(committed);
	});
});
