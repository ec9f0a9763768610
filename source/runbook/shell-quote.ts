/**
 * One argument as a POSIX shell reads it back: unchanged when it holds only characters no shell
 * treats specially (`[\w@%+=:,./-]`), else in single quotes with each `'` written `'\''` (the
 * form Python's `shlex.quote` and kubectl's `-v` command lines use). For showing an `exec`
 * command so that an operator who copies it runs exactly the argument vector the step sends.
 */
export function shellQuote(arg: string): string {
	return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
