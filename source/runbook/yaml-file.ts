/**
 * Reading one YAML file of the runbook format (a runbook or a fragment) with positions:
 * yaml's parseDocument + LineCounter, syntax errors as problems, and the words for a file
 * that cannot be read.
 */
import {isMap, isScalar, LineCounter, parseDocument, visit, type Document} from 'yaml';
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
 * Most YAML syntax errors listed for one file: past the first few, a file that is not YAML
 * (a binary) gives only noise, and each costs time in the size of the document (its
 * opening quote or bracket is looked for), so the rest are counted.
 */
export const MAX_SYNTAX_PROBLEMS = 50;

/**
 * Keys that occur twice in a mapping, as problems at the second (`duplicate key "x"`), in
 * one pass with a set per mapping: yaml's own check (`uniqueKeys`) compares every key with
 * every earlier one, quadratic in a mapping's size (20,000 keys took 20 s; a 1 MiB file can
 * hold 200,000). Scalar keys are equal when their values are (`1` and `"1"` are not), as yaml does.
 */
function duplicateKeys(doc: Document, lineCounter: LineCounter, file: string): Problem[] {
	const problems: Problem[] = [];
	visit(doc, {
		Map(_, map) {
			if (!isMap(map)) return;
			const seen = new Set<string>();
			for (const pair of map.items) {
				if (!isScalar(pair.key)) continue;
				const value = pair.key.value;
				const key = `${typeof value}:${String(value)}`;
				if (!seen.has(key)) {
					seen.add(key);
					continue;
				}
				const shown = String(value);
				const {line, col} = lineCounter.linePos(pair.key.range?.[0] ?? 0);
				problems.push({file, line, col, path: '', message: `duplicate key ${JSON.stringify(shown.length > 40 ? `${shown.slice(0, 40)}…` : shown)}`, hint: 'a key may appear only once in a mapping'});
			}
		},
	});
	return problems;
}

/**
 * Parses YAML text with positions. Problems have the file as `file` names it; for a fragment
 * (`options.prefix`) their path is the include chain, so the author sees how it was reached.
 * At most {@link MAX_SYNTAX_PROBLEMS} syntax errors are listed, then one problem counts the rest.
 */
export function parseYamlFile(text: string, file: string, options: LocatorOptions = {}): YamlFile {
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false});
	const at = createLocator(doc, lineCounter, text, file, options);
	const path = options.prefix ?? '';
	const errors = doc.errors.slice(0, MAX_SYNTAX_PROBLEMS);
	const problems = errors.map(error => ({...yamlErrorProblem(error, doc, lineCounter, text, file), path}));
	if (doc.errors.length > errors.length) {
		const more = doc.errors.length - errors.length;
		const {line, col} = lineCounter.linePos(doc.errors[MAX_SYNTAX_PROBLEMS]!.pos[0]);
		problems.push({file, line, col, path, message: `${more} more YAML syntax ${more === 1 ? 'error' : 'errors'} from here on not listed (only the first ${MAX_SYNTAX_PROBLEMS} are)`, hint: 'is this a YAML file? fix these and validate again'});
	}
	problems.push(...duplicateKeys(doc, lineCounter, file).map(problem => ({...problem, path})));
	if (problems.length > 0) return {data: undefined, at, problems};
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
