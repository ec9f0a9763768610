/**
 * Includes and fragments: a valid runbook with nested includes loads as one expanded list
 * of steps with their origins; the hash covers the fragments; variables follow the scope
 * rules; problems deep in nested fragments point at the fragment's own lines. The broken
 * include fixtures are in load.test.ts's corpus.
 */
import {createHash} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterEach, describe, expect, test} from 'vitest';
import {formatRunbookError} from '../../source/runbook/format-problems.js';
import {loadRunbook, parseRunbook, RunbookError, type Problem} from '../../source/runbook/load.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const valid = join(fixtures, 'valid', 'include.yaml');
const backupDb = join(fixtures, 'fragments', 'backup-db.yaml');
const checkSpace = join(fixtures, 'fragments', 'nested', 'check-space.yaml');

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true});
});

/** Writes files (path → text) into a new temporary folder; returns the folder. */
function folder(files: Record<string, string>): string {
	const dir = mkdtempSync(join(tmpdir(), 'runbook-include-'));
	dirs.push(dir);
	for (const [name, text] of Object.entries(files)) {
		mkdirSync(dirname(join(dir, name)), {recursive: true});
		writeFileSync(join(dir, name), text);
	}
	return dir;
}

/** The problems of loading `file`; fails the test when it loads. */
async function problemsOf(file: string): Promise<Problem[]> {
	const error = await loadRunbook(file).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(RunbookError);
	return (error as RunbookError).problems;
}

/** The hash rule of LoadedRunbook.hash, written out independently. */
function expectedHash(root: string, fragments: Array<[short: string, path: string]>): string {
	const hash = createHash('sha256').update(readFileSync(root));
	for (const [short, path] of fragments) {
		const bytes = readFileSync(path);
		hash.update(Buffer.from(`\0${short}\0${bytes.length}\0`, 'utf8')).update(bytes);
	}
	return hash.digest('hex');
}

describe('a runbook with nested includes', () => {
	test('loads as one list of steps, in order, each with where it was written', async () => {
		const loaded = await loadRunbook(valid);
		expect(loaded.runbook.steps.map(step => step.id)).toEqual(['stop', 'check-space', 'dump', 'announce', 'restore']);
		expect(loaded.runbook.steps.some(step => 'include' in step)).toBe(false);
		expect(loaded.fragment).toBe(false);
		expect(loaded.includes.map(f => f.path)).toEqual([backupDb, checkSpace]);
		expect(loaded.includes[1]!.text).toBe(readFileSync(checkSpace, 'utf8'));
		expect(loaded.origins).toEqual([
			{file: valid, line: 11, path: 'steps[0]'},
			{file: checkSpace, line: 6, path: 'steps[1] (included from include.yaml:13) → steps[0] (included from ../fragments/backup-db.yaml:8) → steps[0]'},
			{file: backupDb, line: 9, path: 'steps[1] (included from include.yaml:13) → steps[1]'},
			{file: backupDb, line: 15, path: 'steps[1] (included from include.yaml:13) → steps[2]'},
			{file: valid, line: 14, path: 'steps[2]'},
		]);
		// The fragment's `when` keeps the runbook's param; the runbook uses what the fragment captured.
		expect(loaded.runbook.steps[3]!.when).toEqual({var: 'MODE', equals: 'full'});
		expect(loaded.runbook.steps[4]!.run).toContain('$BACKUP_PATH');
	});

	test('the hash covers the runbook and every fragment, in the order first included', async () => {
		const loaded = await loadRunbook(valid);
		expect(loaded.hash).toBe(
			expectedHash(valid, [
				['../fragments/backup-db.yaml', backupDb],
				['../fragments/nested/check-space.yaml', checkSpace],
			]),
		);
		expect(loaded.hash).not.toBe(createHash('sha256').update(readFileSync(valid)).digest('hex'));
	});

	test('editing only a fragment changes the hash (resume notices it)', async () => {
		const fragment = 'version: 1\nfragment: true\nsteps:\n  - id: inner\n    run: echo one\n';
		const dir = folder({'book.yaml': 'version: 1\ntitle: t\nsteps:\n  - include: shared/inner.yaml\n', 'shared/inner.yaml': fragment});
		const before = await loadRunbook(join(dir, 'book.yaml'));
		writeFileSync(join(dir, 'shared/inner.yaml'), fragment.replace('one', 'two'));
		const after = await loadRunbook(join(dir, 'book.yaml'));
		expect(after.text).toBe(before.text);
		expect(after.hash).not.toBe(before.hash);
		expect(after.runbook.steps[0]!.run).toBe('echo two');
	});

	test('parseRunbook reads the fragments relative to the file name it is given', () => {
		const loaded = parseRunbook(readFileSync(valid, 'utf8'), valid);
		expect(loaded.runbook.steps).toHaveLength(5);
		expect(loaded.hash).toBe(
			expectedHash(valid, [
				['../fragments/backup-db.yaml', backupDb],
				['../fragments/nested/check-space.yaml', checkSpace],
			]),
		);
	});
});

describe('a fragment loaded on its own', () => {
	test('is checked with its requires as required params, and says it is a fragment', async () => {
		const loaded = await loadRunbook(backupDb);
		expect(loaded.fragment).toBe(true);
		expect(loaded.runbook.title).toBe('Back up a database');
		expect(Object.keys(loaded.runbook.params ?? {})).toEqual(['DB_NAME', 'MODE']);
		expect(loaded.runbook.params?.DB_NAME?.required).toBe(true);
		expect(loaded.runbook.steps.map(step => step.id)).toEqual(['check-space', 'dump', 'announce']);
	});

	test('a fragment without a title is named after its file', async () => {
		expect((await loadRunbook(checkSpace)).runbook.title).toBe('Fragment check-space.yaml');
	});

	test('an unknown top-level key of a fragment gets the fragment keys as hints', async () => {
		const dir = folder({'f.yaml': 'version: 1\nfragment: true\nrequries: [A]\nsteps:\n  - id: a\n    run: echo\n'});
		expect(await problemsOf(join(dir, 'f.yaml'))).toEqual([{file: join(dir, 'f.yaml'), line: 3, col: 1, path: 'requries', message: 'unknown key', hint: 'did you mean "requires"?'}]);
	});
});

describe('problems in fragments', () => {
	const book = (steps: string) => `version: 1\ntitle: t\nparams:\n  MODE:\n    choices: [full, quick]\n    default: full\nsteps:\n${steps}`;

	test('a problem two includes deep names the innermost file and the whole chain', async () => {
		const dir = folder({
			'a.yaml': book('  - id: first\n    run: echo\n  - include: shared/b.yaml\n'),
			'shared/b.yaml': 'version: 1\nfragment: true\nsteps:\n  - include: c.yaml\n',
			'shared/c.yaml': 'version: 1\nfragment: true\nsteps:\n  - id: wait\n    wait:\n      delted: { kind: Pod }\n',
		});
		const [problem, ...rest] = await problemsOf(join(dir, 'a.yaml'));
		expect(rest).toEqual([]);
		expect(problem).toMatchObject({
			file: join(dir, 'shared', 'c.yaml'),
			line: 6,
			col: 7,
			path: 'steps[1] (included from a.yaml:10) → steps[0] (included from shared/b.yaml:4) → steps[0].wait.delted',
			message: 'unknown key',
		});
	});

	test('the code frame of a problem comes from the fragment, the count names the runbook', async () => {
		const file = join(fixtures, 'broken', 'include-unknown-var.yaml');
		const error = await loadRunbook(file).catch((e: unknown) => e as RunbookError);
		const lines = formatRunbookError(error as RunbookError).split('\n');
		expect(lines[1]).toBe('    7 |     confirm: Drop $DB_NAME in $NAMESPACE?');
		expect(lines[2]).toBe(`      | ${' '.repeat(18)}^`);
		expect(lines.at(-1)).toBe(`2 problems in ${file}`);
	});

	test('a required variable keeps its choices inside the fragment', async () => {
		const dir = folder({
			'a.yaml': book('  - include: f.yaml\n'),
			'f.yaml': 'version: 1\nfragment: true\nrequires: [MODE]\nsteps:\n  - id: x\n    when: { var: MODE, equals: fulll }\n    run: echo\n',
		});
		expect((await problemsOf(join(dir, 'a.yaml'))).map(p => [p.file, p.line, p.message, p.hint])).toEqual([[join(dir, 'f.yaml'), 6, 'equals "fulll" is not one of the choices of MODE: "full" or "quick"', 'did you mean "full"?']]);
	});

	test('what a fragment sets is known after the include, not before it', async () => {
		const dir = folder({
			'a.yaml': book('  - id: early\n    manual: Saved to $SAVED\n  - include: f.yaml\n  - id: late\n    manual: Saved to $SAVED\n'),
			'f.yaml': 'version: 1\nfragment: true\nsteps:\n  - id: save\n    capture: SAVED\n    run: echo /tmp/x\n',
		});
		expect((await problemsOf(join(dir, 'a.yaml'))).map(p => [p.line, p.path, p.message, p.hint])).toEqual([[9, 'steps[0].manual', '$SAVED is set by step "save" (f.yaml:5), which comes after this step', 'move step "save" before this one']]);
	});

	test("a fragment does not see the runbook's variables it does not require, nor earlier captures of the runbook", async () => {
		const dir = folder({
			'a.yaml': book('  - id: find\n    capture: FOUND\n    run: echo x\n  - include: f.yaml\n'),
			'f.yaml': 'version: 1\nfragment: true\nsteps:\n  - id: use\n    manual: $FOUND in $MODE\n',
		});
		expect((await problemsOf(join(dir, 'a.yaml'))).map(p => [p.file, p.line, p.col, p.message])).toEqual([
			[join(dir, 'f.yaml'), 5, 13, 'unknown variable $FOUND'],
			[join(dir, 'f.yaml'), 5, 23, 'unknown variable $MODE'],
		]);
	});

	test('a nested fragment must get its requires from the fragment that includes it', async () => {
		const dir = folder({
			'a.yaml': book('  - include: outer.yaml\n'),
			'outer.yaml': 'version: 1\nfragment: true\nrequires: [MODE]\nsteps:\n  - include: inner.yaml\n',
			'inner.yaml': 'version: 1\nfragment: true\nrequires: [MODE, TARGET]\nsteps:\n  - id: x\n    run: echo "$MODE $TARGET"\n',
		});
		expect(await problemsOf(join(dir, 'a.yaml'))).toEqual([
			{
				file: join(dir, 'outer.yaml'),
				line: 5,
				col: 14,
				path: 'steps[0] (included from a.yaml:8) → steps[0].include',
				message: 'inner.yaml requires TARGET, which is not defined before this include',
				hint: 'list TARGET under requires in outer.yaml, or set it with ask or capture in a step of outer.yaml before the include',
			},
		]);
	});

	test('a misspelt required name gets a suggestion', async () => {
		const dir = folder({
			'a.yaml': 'version: 1\ntitle: t\nparams:\n  NAMESPACE:\n    default: x\nsteps:\n  - include: f.yaml\n',
			'f.yaml': 'version: 1\nfragment: true\nrequires: [NAMESPCE]\nsteps:\n  - id: x\n    run: echo "$NAMESPCE"\n',
		});
		const [problem] = await problemsOf(join(dir, 'a.yaml'));
		expect(problem!.hint).toBe("did you mean NAMESPACE? The fragment's requires and the runbook's names must match");
	});

	test('a YAML syntax error in a fragment is reported in the fragment, with the include chain', async () => {
		const dir = folder({
			'a.yaml': 'version: 1\ntitle: t\nsteps:\n  - include: f.yaml\n',
			'f.yaml': 'version: 1\nfragment: true\nsteps:\n  - id: x\n    run: "echo\n',
		});
		const problems = await problemsOf(join(dir, 'a.yaml'));
		expect(problems.map(p => [p.file, p.line, p.path, p.message])).toEqual([[join(dir, 'f.yaml'), 5, 'steps[0] (included from a.yaml:4)', 'this " quote is not closed']]);
	});

	test('a runbook that includes itself is a cycle', async () => {
		const dir = folder({'a.yaml': 'version: 1\ntitle: t\nsteps:\n  - id: x\n    run: echo\n  - include: a.yaml\n'});
		expect((await problemsOf(join(dir, 'a.yaml'))).map(p => [p.line, p.col, p.message])).toEqual([[6, 14, 'include cycle: a.yaml → a.yaml']]);
	});

	test('problems of the runbook come before those of its fragments', async () => {
		const dir = folder({
			'a.yaml': 'version: 1\ntitle: t\nsteps:\n  - include: f.yaml\n  - id: late\n    wiat: {}\n',
			'f.yaml': 'version: 1\nfragment: true\nsteps:\n  - id: x\n    wiat: {}\n',
		});
		const problems = await problemsOf(join(dir, 'a.yaml'));
		expect(problems.map(p => [p.file, p.line])).toEqual([
			[join(dir, 'a.yaml'), 6],
			[join(dir, 'f.yaml'), 5],
		]);
	});
});
