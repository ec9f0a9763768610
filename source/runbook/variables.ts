/**
 * Variables in runbook text: literal `$NAME` / `${NAME}` substitution for every string field
 * other than `run` scripts, and redaction of secret values from output.
 *
 * Rule (runbook-format.md, "Variables"): names are upper case (`[A-Z_][A-Z0-9_]*`); values are
 * replaced literally, never evaluated (no command substitution, no globbing); `$$` writes a
 * literal `$`. In `run` scripts nothing is substituted: variables reach bash as environment
 * variables and the shell expands them.
 */
import {VARIABLE_NAME} from './schema.js';

/**
 * Variables every run defines: the run's id, its directory, the runbook file's directory, and
 * the Kubernetes context chosen for the run (`--context`; the empty string for the
 * kubeconfig's current context, which `kubectl --context ""` also means).
 */
export const BUILTIN_VARS = ['RUN_ID', 'RUN_DIR', 'RUNBOOK_DIR', 'KUBE_CONTEXT'] as const;

/**
 * Standard environment variables a `run` script may use without declaring them: they come
 * from the operator's environment (POSIX, login, Kubernetes, libpq, GnuPG, editor), and
 * `RUNBOOK_COMMAND_ID`, which the shell executor gives every command (process-group.ts).
 */
export const STANDARD_ENV_VARS = ['HOME', 'PATH', 'USER', 'LOGNAME', 'PWD', 'SHELL', 'TMPDIR', 'LANG', 'LC_ALL', 'TERM', 'HOSTNAME', 'KUBECONFIG', 'PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'GNUPGHOME', 'EDITOR', 'RUNBOOK_COMMAND_ID'] as const;

/**
 * Variables bash itself sets in every script (bash(1), "Shell Variables": those bash
 * assigns, not those it only reads), so a `run` script may use them undeclared.
 */
export const BASH_SPECIAL_VARS = [
	'PPID',
	'BASHPID',
	'RANDOM',
	'SRANDOM',
	'SECONDS',
	'LINENO',
	'UID',
	'EUID',
	'GROUPS',
	'HOSTTYPE',
	'OSTYPE',
	'MACHTYPE',
	'BASH',
	'BASH_VERSION',
	'BASH_VERSINFO',
	'BASH_SOURCE',
	'BASH_LINENO',
	'BASH_REMATCH',
	'BASH_COMMAND',
	'BASH_SUBSHELL',
	'BASH_ARGC',
	'BASH_ARGV',
	'BASH_ARGV0',
	'FUNCNAME',
	'PIPESTATUS',
	'SHLVL',
	'OLDPWD',
	'REPLY',
	'OPTARG',
	'OPTIND',
	'OPTERR',
	'EPOCHSECONDS',
	'EPOCHREALTIME',
	'IFS',
	'SHELLOPTS',
	'BASHOPTS',
	'COLUMNS',
	'LINES',
	'HISTCMD',
	'DIRSTACK',
] as const;

/** One `$NAME` or `${NAME}` in a text. */
export interface Reference {
	/** The variable's name, e.g. `DB_NAME`. */
	name: string;
	/** Index of the `$` in the text (UTF-16 units). */
	index: number;
	/** The reference as written: `$DB_NAME`, `${DB_NAME}` or `${DB_NAME:-spire}`. */
	token: string;
	/** The default of `${NAME:-default}` (used when the variable is unset or empty, as in bash), else undefined. */
	default?: string;
}

// `$$` (escape), `${name}`, `${name:-default}`, `$name`; names that are not upper case are not references.
const REFERENCE = /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * Every variable reference in a (non-script) text, in order. `$$` is an escaped `$`;
 * `$lower`, `${lower}` and `$NAMEs` (a name that is not all upper case) are not references.
 */
export function findReferences(text: string): Reference[] {
	const refs: Reference[] = [];
	if (!text.includes('$')) return refs;
	for (const match of text.matchAll(REFERENCE)) {
		const name = match[2] ?? match[4];
		if (match[1] === undefined && name !== undefined && VARIABLE_NAME.test(name)) {
			refs.push({name, index: match.index, token: match[0], ...(match[3] !== undefined ? {default: match[3]} : {})});
		}
	}
	return refs;
}

/**
 * Index of the first `${` in a (non-script) text that no `}` closes, or undefined. `$${` is
 * an escaped `$` followed by `{`, not an opening. An unclosed `${` would be shown literally,
 * so the loader reports it.
 */
export function unclosedBrace(text: string): number | undefined {
	for (let i = text.indexOf('$'); i !== -1 && i < text.length - 1; i = text.indexOf('$', i)) {
		const next = text[i + 1];
		if (next === '$') i += 2;
		else if (next === '{') {
			if (!text.includes('}', i + 2)) return i;
			i += 2;
		} else i += 1;
	}
	return undefined;
}

/** The names referenced in a text (`$NAME`, `${NAME}`), each once, in order of first use. */
export function referencedVars(text: string): string[] {
	return [...new Set(findReferences(text).map(ref => ref.name))];
}

/**
 * Replaces `$NAME` and `${NAME}` with `vars[NAME]`, literally: the value is not scanned
 * again, nothing is evaluated. `$$` becomes `$`. `${NAME:-default}` is the value, or
 * `default` (literally) when the variable has no value or an empty one, as bash's `:-`.
 * Unknown names without a default are left as written (loading already rejected them).
 * Example: `interpolate('rm $$HOME/${DIR}', {DIR: 'x'})` → `rm $HOME/x`.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
	if (!text.includes('$')) return text;
	return text.replace(REFERENCE, (token: string, dollar: string | undefined, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
		if (dollar !== undefined) return '$';
		const name = (braced ?? bare)!;
		if (!VARIABLE_NAME.test(name)) return token;
		const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
		if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
		return value ?? token;
	});
}

/**
 * Shortest line of a multi-line secret that is hidden on its own, in UTF-16 code units.
 * Output is redacted line by line, so a secret holding newlines (a PEM key) never appears
 * whole in one line; its lines are secrets too, except short ones (`}`, an empty line)
 * that would hide ordinary output.
 */
export const SECRET_LINE_MIN_LENGTH = 8;

/**
 * Returns a function that replaces every occurrence of each non-empty secret value with
 * `***`, longest value first (so a secret that contains another is hidden whole). A secret
 * with newlines also has each of its lines (trimmed, at least {@link SECRET_LINE_MIN_LENGTH}
 * long) hidden. With no secrets it returns the text unchanged without scanning it.
 */
export function redactor(secrets: readonly string[]): (text: string) => string {
	const values = hiddenValues(secrets);
	if (values.length === 0) return text => text;
	const pattern = new RegExp(values.map(v => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
	return text => text.replace(pattern, '***');
}

/**
 * Returns a test of raw output bytes: true when they hold, as UTF-8, a value {@link redactor}
 * hides (the same values: each secret, and each long line of a multi-line secret). For bytes
 * that are printable ASCII text (executors/masked-output.ts isPlainText) it is exact: false
 * means `redactor` would leave every line of them as it is, so they may be logged and shown
 * without decoding (issue 15). One native byte search per value; with no secrets it is always
 * false.
 */
export function secretFinder(secrets: readonly string[]): (bytes: Buffer) => boolean {
	const values = hiddenValues(secrets).map(value => Buffer.from(value, 'utf8'));
	if (values.length === 0) return () => false;
	return bytes => values.some(value => bytes.includes(value));
}

/** The values {@link redactor} hides, longest first. */
function hiddenValues(secrets: readonly string[]): string[] {
	const hidden = new Set<string>();
	for (const secret of secrets) {
		if (secret.length === 0) continue;
		hidden.add(secret);
		if (!secret.includes('\n')) continue;
		for (const line of secret.split('\n')) if (line.trim().length >= SECRET_LINE_MIN_LENGTH) hidden.add(line.trim());
	}
	return [...hidden].sort((a, b) => b.length - a.length);
}

/** Where an over-long output line is cut (executors/line-splitter.ts; made by {@link secretSafeCut}). */
export interface LineCut {
	/** UTF-16 units past the cut the line must hold before it is cut (a secret spanning the cut must be seen whole). */
	lookahead: number;
	/** Where to cut `line` instead of at `at`: a result outside 1..`at` is taken as `at`. */
	at(line: string, at: number): number;
}

/**
 * Returns where to cut an over-long line (executors/line-splitter.ts) instead of at
 * `at` (UTF-16 code units), so that no occurrence of a value {@link redactor} hides
 * spans the cut: each piece is made terminal-safe and redacted on its own
 * (executors/output-sink.ts), and a secret split in two would be shown and logged in
 * halves. The lines are as the terminal shows them (the splitter removes escape
 * sequences before it splits, security/terminal-text.ts EscapeStripper), so a secret
 * split by escape sequences of any length is whole here. The cut waits for the longest
 * value past it (`lookahead`) and moves back to the start of a spanning occurrence.
 * Returns `at` when nothing spans it, or when only a cut at 0 would do (a secret longer
 * than the piece).
 */
export function secretSafeCut(secrets: readonly string[]): LineCut {
	const values = hiddenValues(secrets);
	const longest = values[0]?.length ?? 0;
	if (values.length === 0) return {lookahead: 0, at: (_line, at) => at};
	return {
		lookahead: longest,
		at: (line, at) => {
			const cut = spanningStart(line, at, values);
			return cut > 0 ? cut : at;
		},
	};
}

/** The cut in `text` moved back, from `at`, to the start of any occurrence of `values` that spans it. */
function spanningStart(text: string, at: number, values: readonly string[]): number {
	let cut = at;
	for (let moved = true; moved && cut > 0; ) {
		moved = false;
		for (const value of values) {
			// An occurrence starting within value.length - 1 before the cut spans it.
			const from = Math.max(0, cut - value.length + 1);
			const found = text.slice(from, cut + value.length - 1).indexOf(value);
			if (found !== -1 && from + found < cut) {
				cut = from + found;
				moved = true;
			}
		}
	}
	return cut;
}
