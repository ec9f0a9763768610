/**
 * Reading one YAML file of the runbook format (a runbook or a fragment) with positions:
 * yaml's parseDocument + LineCounter, syntax errors as problems, and the words for a file
 * that cannot be read.
 */
import {LineCounter, parseDocument} from 'yaml';
import {createLocator, type Locator, type LocatorOptions} from './positions.js';
import type {Problem} from './problems.js';
import {yamlErrorProblem} from './yaml-errors.js';
import {BoundedReadError, MAX_INPUT_BYTES} from '../security/bounded-read.js';

/** A parsed YAML file: its data (`undefined` when it has syntax errors) and a locator. */
export interface YamlFile {
	/** `doc.toJS()`; undefined when `problems` is not empty. */
	data: unknown;
	/** Positions by YAML path. */
	at: Locator;
	/** Syntax errors (path: the locator's include chain, or empty). */
	problems: Problem[];
}

/**
 * Parses YAML text with positions. Problems have the file as `file` names it; for a fragment
 * (`options.prefix`) their path is the include chain, so the author sees how it was reached.
 */
export function parseYamlFile(text: string, file: string, options: LocatorOptions = {}): YamlFile {
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true});
	const at = createLocator(doc, lineCounter, text, file, options);
	const path = options.prefix ?? '';
	if (doc.errors.length > 0) {
		return {data: undefined, at, problems: doc.errors.map(error => ({...yamlErrorProblem(error, doc, lineCounter, text, file), path}))};
	}
	try {
		return {data: doc.toJS({maxAliasCount: 100}), at, problems: []};
	} catch (error) {
		return {data: undefined, at, problems: [{file, line: 1, col: 1, path, message: `cannot read the YAML: ${(error as Error).message}`}]};
	}
}

/** Words for the usual reasons a file cannot be read. */
const READ_ERRORS: Record<string, {message: string; hint: string}> = {
	ENOENT: {message: 'file not found', hint: 'check the path; a runbook is a YAML file such as runbooks/restore.yaml'},
	EACCES: {message: 'permission denied', hint: 'check the file permissions'},
	EISDIR: {message: 'is a directory, not a runbook file', hint: 'give the path of a .yaml file'},
	ENOTDIR: {message: 'file not found (a part of the path is not a directory)', hint: 'check the path'},
};

/**
 * Why a file could not be read, in words (`file not found`), with a hint for the common
 * cases (ENOENT, EACCES, EISDIR, ENOTDIR); other errors give the system's message.
 */
export function readErrorWords(error: unknown): {message: string; hint?: string} {
	if (error instanceof BoundedReadError) {
		return {message: error.message, hint: `runbooks and fragments are regular files of at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB`};
	}
	const code = (error as NodeJS.ErrnoException).code ?? '';
	const known = READ_ERRORS[code];
	return known ?? {message: `cannot read the file: ${(error as Error).message}`};
}

/** A parsed YAML mapping. */
export type Mapping = Record<string, unknown>;

/** True for a parsed YAML mapping. */
export function isMapping(value: unknown): value is Mapping {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
