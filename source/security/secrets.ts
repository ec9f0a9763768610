/**
 * Rules for secret values (secret params, secret `ask` answers). Masking
 * replaces every occurrence of a secret in shown and logged text with `***`; a
 * very short secret (`1`, `ab`) occurs by chance in ordinary output and would
 * turn `1021` into `***02***`, so a secret shorter than {@link MIN_SECRET_LENGTH}
 * is refused where it is given. A value a step captures must not hold a secret
 * either: it would be stored in the state file (captured values are not secret).
 */

/** The shortest secret accepted, characters (README "Security"). */
export const MIN_SECRET_LENGTH = 6;

/**
 * Why `value` cannot be a secret, or undefined. The empty value (an optional
 * secret left unset) is accepted: there is nothing to mask. The value is never quoted.
 */
export function secretProblem(value: string): string | undefined {
	if (value === '' || [...value].length >= MIN_SECRET_LENGTH) return undefined;
	return `a secret must be at least ${MIN_SECRET_LENGTH} characters long (a shorter one cannot be masked reliably in output)`;
}

/**
 * Why the value a step captured cannot be stored, or undefined: it holds one of
 * the secret `values` (of at least {@link MIN_SECRET_LENGTH} characters; shorter
 * ones are refused at input). The message quotes neither.
 */
export function captureProblem(captured: string, variable: string, values: readonly string[]): string | undefined {
	for (const secret of values) {
		if (secret.length >= MIN_SECRET_LENGTH && captured.includes(secret)) {
			return `the output captured into ${variable} holds a secret value: nothing was stored (a captured value is saved in the state file; print only what is not secret)`;
		}
	}
	return undefined;
}
