/**
 * A small scanner of bash scripts for the variables they read and assign, so that loading can
 * reject a `run` script that uses an undeclared upper-case variable (under `set -u` it would
 * fail mid-run). It is a lexer, not a parser; what it does:
 *
 * - References: `$NAME`, `${NAME}`, `${NAME[...]}`, `${#NAME}`, `${!NAME}`, `${NAME%...}` etc.
 *   A reference with a default (`${NAME:-x}`, `${NAME-x}`, `${NAME:=x}`, `${NAME:+x}`) is
 *   marked `optional`: it is safe under `set -u`. `$1`, `$@`, `$?`, `$$`, `$!`, `$#`, `$-`,
 *   `$*` are not references.
 * - Skipped: single-quoted text ('...' and $'...'), backslash-escaped `\$`, comments (`#` at
 *   the start of a word), and bodies of quoted here-documents (`<<'EOF'`, `<<"EOF"`).
 *   Unquoted here-document bodies are scanned. `$( ... )` is scanned with quoting reset,
 *   as bash does, even inside double quotes.
 * - Assignments (anywhere in the script, order not considered): `NAME=`, `NAME+=`,
 *   `NAME[i]=`, `export|local|declare|typeset|readonly [-opts] NAME...`, `read [-opts] NAME...`,
 *   `for NAME in`, `select NAME in`, `mapfile|readarray [-opts] NAME`, `printf -v NAME`,
 *   `getopts optstring NAME`.
 */

/** A variable read by a script. */
export interface ShellReference {
	/** The name, e.g. `DB_NAME` (any case; the caller filters). */
	name: string;
	/** Index of the `$` in the script. */
	index: number;
	/** The text from `$` to the end of the name: `$DB_NAME` or `${DB_NAME`. */
	token: string;
	/** True when the expansion has a default (`${NAME:-x}`) and so never fails under `set -u`. */
	optional: boolean;
}

/** What a script reads and assigns. */
export interface ShellScan {
	references: ShellReference[];
	assigned: Set<string>;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const WORD_BREAK = /[\s;&|()<>]/;

/** Reads the name starting at `i`; returns its end index. */
function nameEnd(text: string, i: number): number {
	let j = i;
	if (j < text.length && NAME_START.test(text[j]!)) while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
	return j;
}

/** Parses the expansion at `text[i] === '$'`; returns the reference (if any) and where scanning resumes. */
function expansion(text: string, i: number): {ref?: ShellReference; next: number} {
	const c = text[i + 1];
	if (c === '{') {
		let j = i + 2;
		if (text[j] === '#' || text[j] === '!') j++;
		const end = nameEnd(text, j);
		if (end === j) return {next: i + 2};
		const rest = text.slice(end, end + 2);
		const optional = /^:?[-=+]/.test(rest);
		return {ref: {name: text.slice(j, end), index: i, token: text.slice(i, end), optional}, next: end};
	}
	const end = nameEnd(text, i + 1);
	if (end === i + 1) return {next: i + 1};
	return {ref: {name: text.slice(i + 1, end), index: i, token: text.slice(i, end), optional: false}, next: end};
}

/** Finds the names assigned anywhere in the script (see the module comment for the forms). */
function assignments(script: string): Set<string> {
	const names = new Set<string>();
	const add = (list: string): void => {
		for (const word of list.split(/\s+/)) {
			const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[|\+?=|$)/.exec(word);
			if (m && !word.startsWith('-')) names.add(m[1]!);
		}
	};
	for (const m of script.matchAll(/(?:^|[\s;&|(){}!`])([A-Za-z_][A-Za-z0-9_]*)(?:\[[^\]\n]*\])?\+?=/g)) names.add(m[1]!);
	for (const m of script.matchAll(/\b(?:export|local|declare|typeset|readonly)((?:\s+-[A-Za-z]+)*)\s+([^;&|\n]*)/g)) add(m[2]!);
	for (const m of script.matchAll(/\b(?:for|select)\s+([A-Za-z_][A-Za-z0-9_]*)\s+(?:in\b|;|$)/gm)) names.add(m[1]!);
	for (const m of script.matchAll(/\bread\s+([^;&|<>\n]*)/g)) {
		const words = m[1]!.trim().split(/\s+/);
		for (let k = 0; k < words.length; k++) {
			const w = words[k]!;
			if (/^-[a-zA-Z]*[adinNptu]$/.test(w)) {
				if (w.endsWith('a')) add(words[k + 1] ?? '');
				k++;
			} else if (!w.startsWith('-')) add(w);
		}
	}
	for (const m of script.matchAll(/\b(?:mapfile|readarray)\s+([^;&|<>\n]*)/g)) add(m[1]!.trim().split(/\s+/).at(-1) ?? '');
	for (const m of script.matchAll(/\bprintf\s+-v\s+([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
	for (const m of script.matchAll(/\bgetopts\s+\S+\s+([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
	return names;
}

/** Scans a bash script for the variables it reads (with positions) and assigns. */
export function scanShellScript(script: string): ShellScan {
	const references: ShellReference[] = [];
	// The stack: 'dq' inside double quotes, a number = open parentheses inside `$( )`.
	const stack: Array<'dq' | number> = [];
	const heredocs: Array<{delimiter: string; quoted: boolean; strip: boolean}> = [];
	const top = () => stack.at(-1);
	let i = 0;
	while (i < script.length) {
		const c = script[i]!;
		const inDq = top() === 'dq';
		if (c === '\\') {
			i += 2;
			continue;
		}
		if (c === '$') {
			const next = script[i + 1];
			if (next === '(') {
				stack.push(0);
				i += 2;
				continue;
			}
			if (next === "'" && !inDq) {
				const end = script.indexOf("'", i + 2);
				i = end === -1 ? script.length : end + 1;
				continue;
			}
			const {ref, next: resume} = expansion(script, i);
			if (ref) references.push(ref);
			i = Math.max(resume, i + 1);
			if (next === '$' || next === '#' || next === '?' || next === '!' || next === '@' || next === '*' || next === '-') i = i + 1;
			continue;
		}
		if (inDq) {
			if (c === '"') stack.pop();
			i++;
			continue;
		}
		// Unquoted (top level or inside `$( )`).
		if (c === "'") {
			const end = script.indexOf("'", i + 1);
			i = end === -1 ? script.length : end + 1;
		} else if (c === '"') {
			stack.push('dq');
			i++;
		} else if (c === '#' && (i === 0 || WORD_BREAK.test(script[i - 1]!))) {
			const end = script.indexOf('\n', i);
			i = end === -1 ? script.length : end;
		} else if (c === '(' && typeof top() === 'number') {
			stack[stack.length - 1] = (top() as number) + 1;
			i++;
		} else if (c === ')' && typeof top() === 'number') {
			if (top() === 0) stack.pop();
			else stack[stack.length - 1] = (top() as number) - 1;
			i++;
		} else if (script.startsWith('<<<', i)) {
			i += 3;
		} else if (script.startsWith('<<', i)) {
			const m = /^<<(-?)\s*(['"]?)([A-Za-z0-9_.-]+)\2/.exec(script.slice(i));
			if (m) heredocs.push({strip: m[1] === '-', quoted: m[2] !== '', delimiter: m[3]!});
			i += m ? m[0].length : 2;
		} else if (c === '\n' && heredocs.length > 0) {
			i = skipHeredocs(script, i + 1, heredocs.splice(0), references);
		} else i++;
	}
	return {references, assigned: assignments(script)};
}

/** Consumes here-document bodies starting at `start`; scans unquoted ones. Returns where the script resumes. */
function skipHeredocs(script: string, start: number, docs: Array<{delimiter: string; quoted: boolean; strip: boolean}>, refs: ShellReference[]): number {
	let i = start;
	for (const doc of docs) {
		while (i < script.length) {
			const end = script.indexOf('\n', i);
			const lineEnd = end === -1 ? script.length : end;
			const line = script.slice(i, lineEnd);
			if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
				i = lineEnd + 1;
				break;
			}
			if (!doc.quoted) {
				for (let k = line.indexOf('$'); k !== -1; k = line.indexOf('$', k + 1)) {
					if (k > 0 && line[k - 1] === '\\') continue;
					const {ref} = expansion(script, i + k);
					if (ref) refs.push(ref);
				}
			}
			i = lineEnd + 1;
		}
	}
	return Math.min(i, script.length);
}
