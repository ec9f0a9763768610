/**
 * Loading a runbook file: YAML with positions (yaml's parseDocument + LineCounter), the
 * includes expanded (include.ts), the zod schema, then the cross-field rules; every problem
 * of the file and of the fragments it includes is reported at once, each with file:line:col,
 * the YAML path and what was expected.
 */
import {createHash} from 'node:crypto';
import {readRegularFile} from '../security/bounded-read.js';
import {basename, dirname, resolve} from 'node:path';
import {expandIncludes, type ReadFile, type SourceFile} from './include.js';
import {RunbookError, type Problem} from './problems.js';
import {expandedStepsSchema, fragmentHeadSchema, runbookHeadSchema, type Param, type Runbook, type Step} from './schema.js';
import {createStepsLocator} from './steps-locator.js';
import {validateRunbook} from './validate.js';
import {isMapping, parseYamlFile, readErrorWords} from './yaml-file.js';
import {issuesToProblems, zodErrorMap} from './zod-problems.js';

export {RunbookError, type Problem} from './problems.js';

/** A fragment file read for a runbook. */
export interface IncludedFile {
	/** Absolute path. */
	path: string;
	/** The file's text. */
	text: string;
}

/** Where a step of the loaded runbook was written. */
export interface StepOrigin {
	/** Absolute path of the file (the runbook, or a fragment it includes). */
	file: string;
	/** 1-based line of the step's list item in that file. */
	line: number;
	/** The step's path as problems show it: `steps[3]`, or `steps[4] (included from spire.yaml:40) → steps[2]`. */
	path: string;
}

/** A runbook that passed every check, with where it came from. */
export interface LoadedRunbook {
	/** Absolute path of the file. */
	path: string;
	/** Absolute directory of the file (the built-in variable RUNBOOK_DIR, also for steps of fragments). */
	dir: string;
	/** The file's text. */
	text: string;
	/**
	 * SHA-256, lower-case hex, of the file's bytes, followed (when it includes fragments) by,
	 * for each fragment in the order first included: NUL, its path relative to `dir`, NUL,
	 * its length in bytes, NUL, its bytes. A resumed run compares it to notice edits of the
	 * runbook or of a fragment. Without includes it is the SHA-256 of the file.
	 */
	hash: string;
	/** The parsed runbook with its includes expanded (scalars such as defaults and choices are strings). */
	runbook: Runbook;
	/**
	 * True when the file is a fragment (`fragment: true`) checked on its own: `runbook` then has
	 * its `requires` as required params and its title (default `Fragment FILE`). A fragment is
	 * meant to be included, not run.
	 */
	fragment: boolean;
	/** The fragments the runbook includes (directly or not), in the order first included. */
	includes: IncludedFile[];
	/** For each step of `runbook.steps`, where it was written. */
	origins: StepOrigin[];
}

/** The hash of a runbook and its fragments (see {@link LoadedRunbook.hash}). */
function hashFiles(root: Uint8Array, fragments: readonly SourceFile[]): string {
	const hash = createHash('sha256').update(root);
	for (const fragment of fragments) hash.update(`\0${fragment.short}\0${fragment.bytes.length}\0`, 'utf8').update(fragment.bytes);
	return hash.digest('hex');
}

/** The runbook a fragment checked on its own stands for: its requires become required params. */
function fragmentAsRunbook(head: Record<string, unknown>, steps: Step[], short: string): Runbook {
	const requires = Array.isArray(head.requires) ? (head.requires as string[]) : [];
	const params: Record<string, Param> = Object.fromEntries(requires.map(name => [name, {required: true, description: `required by the fragment ${short}`}]));
	const runbook: Runbook = {version: head.version === 1.1 ? 1.1 : 1, title: typeof head.title === 'string' ? head.title : `Fragment ${short}`, steps};
	if (typeof head.description === 'string') runbook.description = head.description;
	if (typeof head.source === 'string') runbook.source = head.source;
	if (requires.length > 0) runbook.params = params;
	return runbook;
}

/** Parses and checks, given the bytes the text came from and how to read fragments. */
function parse(text: string, file: string, bytes: Uint8Array, read: ReadFile): LoadedRunbook {
	const abs = resolve(file);
	const short = basename(abs);
	const parsed = parseYamlFile(text, file, {short});
	if (parsed.problems.length > 0) throw new RunbookError(parsed.problems, text, {file});
	const data = parsed.data;
	const isFragment = isMapping(data) && 'fragment' in data;
	const headSchema = isFragment ? fragmentHeadSchema : runbookHeadSchema;
	const head = headSchema.safeParse(data, {reportInput: true, error: zodErrorMap});
	const problems: Problem[] = head.success ? [] : issuesToProblems(head.error.issues, parsed.at, data, {schema: headSchema, document: isFragment ? 'fragment' : 'runbook'});

	const root: SourceFile = {abs, name: file, short, text, bytes, data, at: parsed.at};
	const expansion = expandIncludes(root, read);
	problems.push(...expansion.problems);
	const at = createStepsLocator(parsed.at, expansion.steps);
	const values = expansion.steps.map(step => step.value);
	let steps: Step[] = [];
	if (isMapping(data)) {
		const hasSteps = Array.isArray(data.steps);
		if (hasSteps) {
			const result = expandedStepsSchema.safeParse({steps: values}, {reportInput: true, error: zodErrorMap});
			if (result.success) steps = result.data.steps;
			else problems.push(...issuesToProblems(result.error.issues, at, {steps: values}, {schema: expandedStepsSchema}));
		}
		const expanded = {...data, steps: hasSteps ? values : data.steps};
		problems.push(
			...validateRunbook(
				expanded,
				at,
				expansion.steps.map(step => step.scopes),
			),
		);
	}
	const texts = new Map<string, string>([[file, text], ...expansion.fragments.map(f => [f.name, f.text] as const)]);
	if (!head.success || problems.length > 0) throw new RunbookError(problems, text, {file, texts});

	const headData = head.data as Record<string, unknown>;
	const runbook: Runbook = isFragment ? fragmentAsRunbook(headData, steps, short) : ({...headData, steps} as Runbook);
	return {
		path: abs,
		dir: dirname(abs),
		text,
		hash: hashFiles(bytes, expansion.fragments),
		runbook,
		fragment: isFragment,
		includes: expansion.fragments.map(f => ({path: f.abs, text: f.text})),
		origins: expansion.steps.map(step => ({file: step.source.abs, line: step.at.at(step.path).line, path: step.at.label(step.path)})),
	};
}

/**
 * Parses and checks a runbook given as text; fragments it includes are read from disk,
 * relative to `file`'s folder.
 * @param file the name to use in problems and to resolve `path` (relative to the working directory).
 * @throws RunbookError with every problem, sorted by file and position. `hash` covers the
 * UTF-8 text and the fragments' bytes.
 */
export function parseRunbook(text: string, file: string): LoadedRunbook {
	return parse(text, file, new TextEncoder().encode(text), readRegularFile);
}

/**
 * Reads, parses and checks a runbook file and the fragments it includes. `hash` covers the
 * bytes of all of them (see {@link LoadedRunbook.hash}).
 * @param path as the operator gave it; problems name the file this way (fragments: joined to its folder).
 * @throws RunbookError with every problem; a file that cannot be read gives one problem at
 * line 0 (`restore.yaml: file not found (hint: ...)`), never a stack trace.
 */
export async function loadRunbook(path: string): Promise<LoadedRunbook> {
	let bytes: Buffer;
	try {
		bytes = readRegularFile(path);
	} catch (error) {
		const {message, hint} = readErrorWords(error);
		throw new RunbookError([{file: path, line: 0, col: 0, path: '', message, ...(hint === undefined ? {} : {hint})}], undefined, {file: path});
	}
	return parse(bytes.toString('utf8'), path, bytes, readRegularFile);
}
