/**
 * The text `runbook validate` prints for a runbook with problems: one line per problem
 * (`file:line:col: yamlpath: message (hint: ...)`), optionally followed by the offending
 * source line with a caret under the column, then `N problems in FILE`.
 */
import {formatProblem, type Problem, type RunbookError} from './problems.js';

/** Options of {@link formatProblems}. */
export interface FormatProblemsOptions {
	/** The file's text; with it, each problem is followed by a code frame (for problems whose file is not in `texts`). */
	text?: string | undefined;
	/** Texts by file name as in problems (a runbook and its fragments); a problem gets the frame of its own file. */
	texts?: ReadonlyMap<string, string> | undefined;
	/** The file the count line names; default: the first problem's file. */
	file?: string | undefined;
}

/**
 * The offending line and a caret under `col`, with the line number in a gutter:
 * ```
 *    12 |     wiat:
 *       |     ^
 * ```
 * Tabs before the column are kept in the caret line so the caret lines up.
 * Empty when `line` is outside the text (or 0), or when the line is over 120 characters or
 * holds control characters (a binary file, or one that is not YAML: nothing of it is quoted).
 */
export function codeFrame(text: string, line: number, col: number): string {
	const lines = text.split(/\r?\n/);
	const source = lines[line - 1];
	if (line < 1 || source === undefined) return '';
	// The line goes to a terminal and may come from a file that is not YAML: short, no raw controls.
	if (source.length > 120 || /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(source)) return '';
	const gutter = String(line).padStart(5);
	const pad = source.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
	return `${gutter} | ${source}\n${' '.repeat(gutter.length)} | ${pad}^`;
}

/** Lines for `runbook validate`: every problem (with a code frame when `text` is given), then the count. */
export function formatProblems(problems: readonly Problem[], options: FormatProblemsOptions = {}): string {
	const out: string[] = [];
	for (const problem of problems) {
		out.push(formatProblem(problem));
		const text = options.texts?.get(problem.file) ?? options.text;
		const frame = text === undefined ? '' : codeFrame(text, problem.line, problem.col);
		if (frame !== '') out.push(frame);
	}
	const file = options.file ?? problems[0]?.file ?? 'runbook';
	out.push(`${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} in ${file}`);
	return out.join('\n');
}

/**
 * {@link formatProblems} for a {@link RunbookError}, with code frames (from the file each
 * problem is in: the runbook or a fragment) when `frames` is true (default); the count line
 * names the runbook.
 */
export function formatRunbookError(error: RunbookError, frames = true): string {
	return formatProblems(error.problems, frames ? {texts: error.texts, file: error.file} : {file: error.file});
}
