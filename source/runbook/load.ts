/**
 * Loading a runbook file: YAML with positions (yaml's parseDocument + LineCounter), the zod
 * schema, then the cross-field rules; every problem of the file is reported at once, each
 * with file:line:col, the YAML path and what was expected.
 */
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {dirname, resolve} from 'node:path';
import {LineCounter, parseDocument} from 'yaml';
import {createLocator} from './positions.js';
import {RunbookError} from './problems.js';
import {runbookSchema, type Runbook} from './schema.js';
import {validateRunbook} from './validate.js';
import {yamlErrorProblem} from './yaml-errors.js';
import {issuesToProblems, zodErrorMap} from './zod-problems.js';

export {formatPath, formatProblem, RunbookError, type Problem} from './problems.js';

/** A runbook that passed every check, with where it came from. */
export interface LoadedRunbook {
	/** Absolute path of the file. */
	path: string;
	/** Absolute directory of the file (the built-in variable RUNBOOK_DIR). */
	dir: string;
	/** The file's text. */
	text: string;
	/** SHA-256 of the file's bytes, lower-case hex; a resumed run compares it to notice edits. */
	hash: string;
	/** The parsed runbook (scalars such as defaults and choices are strings). */
	runbook: Runbook;
}

/** Parses and checks, given the hash of the bytes the text came from. */
function parse(text: string, file: string, hash: string): LoadedRunbook {
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true});
	if (doc.errors.length > 0) throw new RunbookError(doc.errors.map(error => yamlErrorProblem(error, doc, lineCounter, text, file)), text);
	let data: unknown;
	try {
		data = doc.toJS({maxAliasCount: 100});
	} catch (error) {
		throw new RunbookError([{file, line: 1, col: 1, path: '', message: `cannot read the YAML: ${(error as Error).message}`}], text);
	}
	const at = createLocator(doc, lineCounter, text, file);
	const result = runbookSchema.safeParse(data, {reportInput: true, error: zodErrorMap});
	const problems = [...(result.success ? [] : issuesToProblems(result.error.issues, at, data)), ...validateRunbook(data, at)];
	if (!result.success || problems.length > 0) throw new RunbookError(problems, text);
	const path = resolve(file);
	return {path, dir: dirname(path), text, hash, runbook: result.data};
}

/**
 * Parses and checks a runbook given as text.
 * @param file the name to use in problems and to resolve `path` (relative to the working directory).
 * @throws RunbookError with every problem, sorted by position. `hash` is the SHA-256 of the UTF-8 text.
 */
export function parseRunbook(text: string, file: string): LoadedRunbook {
	return parse(text, file, createHash('sha256').update(text, 'utf8').digest('hex'));
}

/** Words for the usual reasons a file cannot be read. */
const READ_ERRORS: Record<string, {message: string; hint: string}> = {
	ENOENT: {message: 'file not found', hint: 'check the path; a runbook is a YAML file such as runbooks/restore.yaml'},
	EACCES: {message: 'permission denied', hint: 'check the file permissions'},
	EISDIR: {message: 'is a directory, not a runbook file', hint: 'give the path of a .yaml file'},
	ENOTDIR: {message: 'file not found (a part of the path is not a directory)', hint: 'check the path'},
};

/**
 * Reads, parses and checks a runbook file. `hash` is the SHA-256 of the file's bytes.
 * @param path as the operator gave it; problems name the file this way.
 * @throws RunbookError with every problem; a file that cannot be read gives one problem at
 * line 0 (`restore.yaml: file not found (hint: ...)`), never a stack trace.
 */
export async function loadRunbook(path: string): Promise<LoadedRunbook> {
	let bytes: Buffer;
	try {
		bytes = await readFile(path);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code ?? '';
		const known = READ_ERRORS[code];
		const message = known?.message ?? `cannot read the file: ${(error as Error).message}`;
		throw new RunbookError([{file: path, line: 0, col: 0, path: '', message, ...(known ? {hint: known.hint} : {})}]);
	}
	const hash = createHash('sha256').update(bytes).digest('hex');
	return parse(bytes.toString('utf8'), path, hash);
}
