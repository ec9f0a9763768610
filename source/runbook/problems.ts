/**
 * Problems found in a runbook file, and the error that carries them.
 *
 * A problem names a file, a 1-based line and column, the YAML path of the offending node
 * (`steps[3].wait.deleted.kind`; list indices count from 0, as in yq and jq) and what was
 * expected. The loader collects every problem of a file before it throws, so an author fixes
 * them all in one pass.
 */
import {visibleControls} from '../security/terminal-text.js';

/** One segment of a YAML path: a mapping key or a list index (0-based). */
export type PathSegment = string | number;
/** A path from the document root to a node, e.g. `['steps', 3, 'wait']`. */
export type YamlPath = readonly PathSegment[];

/** A 1-based position in a file. `line` and `col` are 0 for problems that concern the whole file. */
export interface Position {
	line: number;
	col: number;
}

/**
 * One problem of a runbook file: where it is and what was expected.
 *
 * A problem in a step that a fragment file brought in (`- include: FILE`) names the
 * fragment's file, line and column, and its path says how the step got there:
 * `steps[4] (included from spire.yaml:40) → steps[2].wait.deleted.kind` (the including
 * file's list item, the line of that item, then the path inside the fragment; one
 * `→` per level of nesting).
 */
export interface Problem {
	/** The file as the caller named it (relative paths stay relative, for short messages); a fragment's path is joined to the including file's folder. */
	file: string;
	/** 1-based line; 0 when the problem concerns the whole file (not found, unreadable). */
	line: number;
	/** 1-based column; 0 when the problem concerns the whole file. */
	col: number;
	/** YAML path such as `steps[3].wait.deleted.kind`; empty for the document itself. See above for included steps. */
	path: string;
	/** What is wrong or what was expected, e.g. `unknown key`. */
	message: string;
	/** What to do next, e.g. `did you mean "wait"?`. */
	hint?: string;
}

/**
 * Formats a YAML path for people: `steps[3].wait.deleted.kind`, `params.DB_NAME.default`.
 * Keys that are not plain words are quoted: `env["my key"]`. The root is the empty string.
 */
export function formatPath(path: YamlPath): string {
	let out = '';
	for (const segment of path) {
		if (typeof segment === 'number') out += `[${segment}]`;
		else if (/^[A-Za-z_][\w-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
		else out += `[${JSON.stringify(segment.length > 40 ? `${segment.slice(0, 40)}…` : segment)}]`;
	}
	return out;
}

/**
 * Formats one problem on one line: `file:line:col: path: message (hint: ...)`. Control
 * characters (from a file that is not YAML, or a hostile key) are written `\xNN`: the
 * line goes to a terminal.
 */
export function formatProblem(problem: Problem): string {
	const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file;
	const path = problem.path === '' ? '' : `${problem.path}: `;
	const hint = problem.hint === undefined ? '' : ` (hint: ${problem.hint})`;
	return visibleControls(`${where}: ${path}${problem.message}${hint}`);
}

/**
 * Orders problems by file (in the order of `files`: the runbook first, then the fragments it
 * includes; other files after them), then line, column and path; keeps one of each identical
 * problem.
 */
export function sortProblems(problems: readonly Problem[], files: readonly string[] = []): Problem[] {
	const seen = new Set<string>();
	const unique = problems.filter(p => {
		const key = `${p.file}:${p.line}:${p.col}:${p.path}:${p.message}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
	const rank = (file: string): number => {
		const index = files.indexOf(file);
		return index === -1 ? files.length : index;
	};
	return unique.sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/** Options of {@link RunbookError}. */
export interface RunbookErrorOptions {
	/** The runbook file as the caller named it; the message names it. Default: the first problem's file. */
	file?: string;
	/** The text of every file read (the runbook and its fragments), by file name as in problems; for code frames. */
	texts?: ReadonlyMap<string, string>;
}

/**
 * The error thrown when a runbook cannot be loaded: it carries every problem found, sorted
 * by file and position. `message` is the summary (`3 problems in restore.yaml`, naming the
 * runbook even when the problems are in fragments it includes); {@link RunbookError.format}
 * gives one line per problem. `text` is the runbook file's content when it was read, `texts`
 * the content of every file read (for code frames).
 */
export class RunbookError extends Error {
	/** Every problem, sorted by file and position. */
	problems: Problem[];
	/** The runbook file's text, when it could be read; used to print the offending lines. */
	text: string | undefined;
	/** The runbook file as named by the caller. */
	file: string;
	/** The text of every file read, by name as in problems (includes the runbook's own). */
	texts: ReadonlyMap<string, string>;

	/**
	 * @param problems at least one problem (sorted here).
	 * @param text the runbook file's text, if read.
	 * @param options the runbook's name and the texts of the files read (see {@link RunbookErrorOptions}).
	 */
	constructor(problems: readonly Problem[], text?: string, options: RunbookErrorOptions = {}) {
		const files = [...(options.file === undefined ? [] : [options.file]), ...(options.texts?.keys() ?? [])];
		const sorted = sortProblems(problems, files);
		const file = options.file ?? sorted[0]?.file ?? 'runbook';
		super(`${sorted.length} ${sorted.length === 1 ? 'problem' : 'problems'} in ${file}`);
		this.name = 'RunbookError';
		this.problems = sorted;
		this.text = text;
		this.file = file;
		const texts = new Map(options.texts ?? []);
		if (text !== undefined && !texts.has(file)) texts.set(file, text);
		this.texts = texts;
	}

	/** Every problem on its own line: `file:line:col: steps[3].wait.deleted.kind: message (hint: ...)`. */
	format(): string {
		return this.problems.map(formatProblem).join('\n');
	}
}
