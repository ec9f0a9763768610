/**
 * Expanding includes: a list item `- include: FILE` in a runbook's (or a fragment's) steps is
 * replaced by the steps of that fragment file, recursively, before the steps are checked.
 *
 * Rules (docs/runbook-format.md, "Includes and fragments"):
 * - FILE is relative to the folder of the file that holds the include item.
 * - The included file must be a fragment (`fragment: true`); its top level is checked here.
 * - An include that leads back to a file on the way to it is a cycle, reported at the item
 *   that closes it. A fragment is included at most once per runbook (its step ids would
 *   repeat); a second include of it is reported and skipped.
 * - Every expanded step keeps where it was written (file, path, include chain), so problems
 *   point at the fragment's own lines.
 */
import {readRegularFile} from '../security/bounded-read.js';
import {basename, dirname, isAbsolute, join, relative, resolve} from 'node:path';
import type {Locator} from './positions.js';
import type {Problem, YamlPath} from './problems.js';
import {fragmentHeadSchema} from './schema.js';
import type {StepPlace} from './steps-locator.js';
import {isMapping, parseYamlFile, readErrorWords} from './yaml-file.js';
import {describeValue, issuesToProblems, zodErrorMap} from './zod-problems.js';

/** One file read for a runbook: the runbook itself or a fragment. */
export interface SourceFile {
	/** Absolute path. */
	abs: string;
	/** The name problems use: as the operator named the runbook, fragments joined to its folder. */
	name: string;
	/** The name in messages: relative to the runbook's folder (`shared/restore.yaml`). */
	short: string;
	/** The file's text (UTF-8). */
	text: string;
	/** The file's bytes (hashed for resume). */
	bytes: Uint8Array;
	/** The parsed YAML. */
	data: unknown;
	/** Positions in the file (with the include chain for a fragment). */
	at: Locator;
}

/** An include of a fragment: the variables it requires and where the include item is. */
export interface IncludeScope {
	/** Absolute path of the fragment (identifies the scope). */
	key: string;
	/** The fragment's short name. */
	short: string;
	/** The fragment's `requires`: variables the including file must define before the include. */
	requires: string[];
	/** The short name of the including file when that file is itself a fragment (for hints). */
	parent: string | undefined;
	/** A problem at the include item's value (`include: shared/x.yaml`) in the including file. */
	problem(message: string, hint?: string): Problem;
}

/** One step of the expanded list, with where it was written. */
export interface ExpandedStep extends StepPlace {
	/** The step as parsed (loosely typed). */
	value: unknown;
	/** The file it was written in. */
	source: SourceFile;
	/** The includes it is inside, outermost first; empty for the runbook's own steps. */
	scopes: IncludeScope[];
}

/** The result of {@link expandIncludes}. */
export interface Expansion {
	/** The steps in order, includes replaced by the fragments' steps. */
	steps: ExpandedStep[];
	/** The fragment files read, in the order they were first included. */
	fragments: SourceFile[];
	/** Problems of the include items and of the fragments' YAML and top level. */
	problems: Problem[];
}

/** Reads a file's bytes by absolute path (synchronously; fragments are small). */
export type ReadFile = (abs: string) => Uint8Array;

const INCLUDE_ONLY_HINT = 'an include item has only the key "include"; give ids, titles and when to the steps of the fragment';

/**
 * Expands the includes of `root` (a parsed runbook or fragment file). Never throws for an
 * author's mistake: a missing fragment, a cycle, a file that is not a fragment are problems.
 * @param read reads fragment files (default: readRegularFile: regular files of at most 1 MiB).
 */
export function expandIncludes(root: SourceFile, read: ReadFile = readRegularFile): Expansion {
	const rootDir = dirname(root.abs);
	const shortOf = (abs: string): string => relative(rootDir, abs) || basename(abs);
	const out: Expansion = {steps: [], fragments: [], problems: []};
	/** Fragments included so far: where their include item is. */
	const included = new Map<string, string>([[root.abs, `${root.short}`]]);

	const include = (file: SourceFile, item: Record<string, unknown>, path: YamlPath, stack: string[], scopes: IncludeScope[]): void => {
		for (const key of Object.keys(item)) {
			if (key !== 'include') out.problems.push(file.at.problem([...path, key], 'unknown key', {on: 'key', hint: INCLUDE_ONLY_HINT}));
		}
		const target = item.include;
		const here: YamlPath = [...path, 'include'];
		if (typeof target !== 'string' || target.trim() === '') {
			out.problems.push(file.at.problem(here, `expected the path of a fragment file, such as shared/restore.yaml, found ${describeValue(target)}`));
			return;
		}
		const abs = resolve(dirname(file.abs), target);
		const name = isAbsolute(target) ? target : join(dirname(file.name), target);
		const short = shortOf(abs);
		const line = file.at.at(path).line;
		const where = `${file.short}:${line}`;
		const cycleStart = stack.indexOf(abs);
		if (cycleStart !== -1) {
			const chain = [...stack.slice(cycleStart), abs].map(shortOf).join(' → ');
			out.problems.push(file.at.problem(here, `include cycle: ${chain}`, {hint: 'a file cannot include itself, directly or through other fragments; remove this include'}));
			return;
		}
		const first = included.get(abs);
		if (first !== undefined) {
			out.problems.push(
				file.at.problem(here, `${short} is already included (${first}); a fragment's steps can be in a runbook only once, because step ids must be unique`, {
					hint: 'remove this include, or move the steps both places need into a fragment of their own',
				}),
			);
			return;
		}
		included.set(abs, where);
		let bytes: Uint8Array;
		try {
			bytes = read(abs);
		} catch (error) {
			const words = readErrorWords(error);
			out.problems.push(file.at.problem(here, `cannot include ${short}: ${words.message}`, {hint: `the path is relative to the folder of ${file.short}; a fragment is a YAML file with "fragment: true"`}));
			return;
		}
		const text = new TextDecoder().decode(bytes);
		const prefix = `${file.at.label(path)} (included from ${where})`;
		const parsed = parseYamlFile(text, name, {short, prefix});
		const fragment: SourceFile = {abs, name, short, text, bytes, data: parsed.data, at: parsed.at};
		out.fragments.push(fragment);
		out.problems.push(...parsed.problems);
		if (parsed.problems.length > 0) return;
		const data = parsed.data;
		const head = fragmentHeadSchema.safeParse(data, {reportInput: true, error: zodErrorMap});
		if (!head.success) out.problems.push(...issuesToProblems(head.error.issues, parsed.at, data, {schema: fragmentHeadSchema, document: 'fragment'}));
		if (!isMapping(data) || data.fragment !== true) return;
		const requires = Array.isArray(data.requires) ? data.requires.filter((name): name is string => typeof name === 'string') : [];
		const parent = scopes.at(-1)?.short ?? (isMapping(root.data) && root.data.fragment === true && file === root ? root.short : undefined);
		const scope: IncludeScope = {key: abs, short, requires, parent, problem: (message, hint) => file.at.problem(here, message, {hint})};
		walk(fragment, [...stack, abs], [...scopes, scope]);
	};

	const walk = (file: SourceFile, stack: string[], scopes: IncludeScope[]): void => {
		const data = file.data;
		if (!isMapping(data) || !Array.isArray(data.steps)) return;
		data.steps.forEach((item: unknown, j) => {
			const path: YamlPath = ['steps', j];
			if (isMapping(item) && 'include' in item) include(file, item, path, stack, scopes);
			else out.steps.push({value: item, source: file, at: file.at, path, scopes});
		});
	};

	walk(root, [root.abs], []);
	return out;
}
