/**
 * Label selectors (`app=web,tier in (db,cache),!canary`) parsed as the API server parses
 * them, so a malformed one is refused at `validate` (or before its step, once variables are
 * substituted) instead of by the cluster in the middle of a run.
 *
 * A port of k8s.io/apimachinery `labels.Parse` (pkg/labels/selector.go, v0.37: its Lexer,
 * Parser and `NewRequirement`), with keys checked as `content.IsLabelKey` and values as
 * `content.IsLabelValue` (pkg/api/validate/content/kube.go):
 *
 *     selector    ::= requirement | requirement "," selector
 *     requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=") VALUE | (">" | "<") INTEGER ]
 *
 * - KEY: an optional DNS-1123 subdomain prefix (at most 253 characters, lower case) and `/`,
 *   then a name of at most 63 characters matching `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
 * - VALUE: empty, or at most 63 characters of that same charset.
 * - Blanks (space, tab, CR, LF) separate tokens; `in` and `notin` are also ordinary words
 *   where a key or value is expected (`in in (notin)` is valid, as in Go).
 * - `x in ()` is the set holding the empty value, as in Go; `(a,,b)` holds `""` too.
 *
 * Pure: no I/O. The empty selector parses (it matches everything, as in Go); callers that
 * must not act on every object refuse it themselves ({@link selectorProblem}).
 */

/** The operators of a requirement, as `selection.Operator` spells them. */
export type SelectorOperator = 'exists' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | 'gt' | 'lt';

/** One requirement of a selector: `key operator values`. */
export interface LabelRequirement {
	key: string;
	operator: SelectorOperator;
	/** Sorted and without duplicates (a set, as in Go); empty for `exists` and `!`. */
	values: string[];
}

/** A selector that does not parse; `message` is one line, `offset` the 0-based character where it went wrong. */
export class LabelSelectorError extends Error {
	readonly offset: number;
	constructor(message: string, offset: number) {
		super(message);
		this.name = 'LabelSelectorError';
		this.offset = offset;
	}
}

type Token = 'end' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(' | 'error';

/** Literal tokens (Go's `string2token`); anything else made of ordinary characters is an identifier. */
const LITERALS = new Map<string, Token>([
	[')', ')'],
	[',', ','],
	['!', '!'],
	['==', '=='],
	['=', '='],
	['>', '>'],
	['in', 'in'],
	['<', '<'],
	['!=', '!='],
	['notin', 'notin'],
	['(', '('],
]);

interface Scanned {
	token: Token;
	text: string;
	/** 0-based offset of the token's first character in the selector. */
	at: number;
}

const isBlank = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),<>'.includes(ch);

/** Splits `text` into tokens as Go's `Lexer.Lex`, the longest operator first (`!=`, `==`). */
function scan(text: string): Scanned[] {
	const out: Scanned[] = [];
	let pos = 0;
	for (;;) {
		while (pos < text.length && isBlank(text[pos]!)) pos++;
		const at = pos;
		if (pos >= text.length) {
			out.push({token: 'end', text: '', at});
			return out;
		}
		if (isSpecial(text[pos]!)) {
			let buffer = '';
			let last: Token | undefined;
			let lastText = '';
			while (pos < text.length && isSpecial(text[pos]!)) {
				buffer += text[pos];
				const token = LITERALS.get(buffer);
				if (token) {
					last = token;
					lastText = buffer;
					pos++;
				} else if (last) break;
				else pos++;
			}
			out.push(last ? {token: last, text: lastText, at} : {token: 'error', text: buffer, at});
			continue;
		}
		let word = '';
		while (pos < text.length && !isSpecial(text[pos]!) && !isBlank(text[pos]!)) word += text[pos++];
		out.push({token: LITERALS.get(word) ?? 'id', text: word, at});
	}
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_RULE = "letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

/** Why `key` is not a label key (`content.IsLabelKey`), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
	const parts = key.split('/');
	if (parts.length > 2) return `the key "${key}" has more than one '/': a key is an optional DNS prefix, '/', and a name (example.com/my-name)`;
	const name = parts.at(-1)!;
	if (parts.length === 2) {
		const prefix = parts[0]!;
		if (prefix === '') return `the key "${key}" has an empty prefix before '/'`;
		if (prefix.length > 253) return `the prefix of the key "${key.slice(0, 40)}…" is longer than 253 characters`;
		if (!DNS1123_SUBDOMAIN.test(prefix)) return `the prefix "${prefix}" of the key "${key}" is not a DNS subdomain: lower-case letters, digits, '-' and '.' (example.com)`;
	}
	if (name === '') return `the key "${key}" has an empty name`;
	if (name.length > 63) return `the name of the key "${key.slice(0, 40)}…" is longer than 63 characters`;
	if (!LABEL_NAME.test(name)) return `the key "${key}" is not a valid label key: its name must be ${NAME_RULE}`;
	return undefined;
}

/** Why `value` is not a label value (`content.IsLabelValue`), or undefined. The empty value is valid. */
export function labelValueProblem(value: string): string | undefined {
	if (value.length > 63) return `the value "${value.slice(0, 40)}…" is longer than 63 characters`;
	if (value !== '' && !LABEL_NAME.test(value)) return `the value "${value}" is not a valid label value: empty, or ${NAME_RULE}`;
	return undefined;
}

const INT64_MAX = 2n ** 63n - 1n;

/** How a token reads in a message: `"spire"`, `the end`. */
const shown = (item: Scanned): string => (item.token === 'end' ? 'the end of the selector' : `"${item.text}"`);

/**
 * Parses a label selector as the API server does (see the file comment).
 * @returns the requirements, sorted by key (as Go's `ByKey`); `[]` for the empty selector.
 * @throws LabelSelectorError with a one-line message naming what was expected and where
 *   (`expected an operator (in, notin, =, ==, !=, >, <) after "app", found "spire" at character 5`).
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
	const items = scan(text);
	let position = 0;
	// Where a key or value is expected, `in` and `notin` are words (Go's `Values` context).
	const asValue = (item: Scanned): Token => (item.token === 'in' || item.token === 'notin' ? 'id' : item.token);
	const peek = (): Scanned => items[position]!;
	const next = (): Scanned => items[Math.min(position++, items.length - 1)]!;
	const fail = (what: string, item: Scanned): never => {
		throw new LabelSelectorError(`expected ${what}, found ${shown(item)}${item.token === 'end' ? '' : ` at character ${item.at + 1}`}`, item.at);
	};
	const check = (problem: string | undefined, item: Scanned): void => {
		if (problem) throw new LabelSelectorError(`${problem} (at character ${item.at + 1})`, item.at);
	};

	const requirement = (): LabelRequirement => {
		let keyItem = next();
		let negated = false;
		if (keyItem.token === '!') {
			negated = true;
			keyItem = next();
		}
		if (asValue(keyItem) !== 'id') fail(negated ? 'a label key after "!"' : 'a label key', keyItem);
		const key = keyItem.text;
		check(labelKeyProblem(key), keyItem);
		const after = peek();
		if (negated || after.token === 'end' || after.token === ',') return {key, operator: negated ? '!' : 'exists', values: []};
		const opItem = next();
		const operators: Partial<Record<Token, SelectorOperator>> = {in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt'};
		const operator = operators[opItem.token];
		if (!operator) return fail(`an operator (in, notin, =, ==, !=, >, <) after "${key}"`, opItem);
		let values: string[];
		if (operator === 'in' || operator === 'notin') values = valueSet(key, operator);
		else {
			const valueItem = peek();
			if (valueItem.token === 'end' || valueItem.token === ',') values = [''];
			else {
				next();
				if (asValue(valueItem) !== 'id') fail(`a value after "${key} ${opItem.text}"`, valueItem);
				values = [valueItem.text];
				check(labelValueProblem(valueItem.text), valueItem);
				if ((operator === 'gt' || operator === 'lt') && !(/^\d+$/.test(valueItem.text) && BigInt(valueItem.text) <= INT64_MAX)) {
					check(`"${key} ${opItem.text}" needs a whole number, not "${valueItem.text}"`, valueItem);
				}
			}
			if ((operator === 'gt' || operator === 'lt') && values[0] === '') check(`"${key} ${opItem.text}" needs a whole number`, opItem);
		}
		return {key, operator, values};
	};

	// `(v1, v2)` after in/notin (Go's parseValues and parseIdentifiersList, empty items included).
	const valueSet = (key: string, operator: string): string[] => {
		const open = next();
		if (open.token !== '(') fail(`"(" after "${key} ${operator}" (write ${key} ${operator} (a,b))`, open);
		const values = new Set<string>();
		if (peek().token === ')') {
			next();
			return [''];
		}
		for (;;) {
			const item = next();
			const token = asValue(item);
			if (token === 'id') {
				check(labelValueProblem(item.text), item);
				values.add(item.text);
				const after = peek();
				if (after.token === ')') {
					next();
					break;
				}
				if (after.token !== ',') fail(`"," or ")" in the values of "${key} ${operator}"`, after);
			} else if (token === ',') {
				if (values.size === 0) values.add('');
				const after = peek();
				if (after.token === ')') {
					values.add('');
					next();
					break;
				}
				if (after.token === ',') values.add('');
			} else fail(`a value, "," or ")" in the values of "${key} ${operator}"`, item);
		}
		return [...values];
	};

	const requirements: LabelRequirement[] = [];
	if (peek().token === 'end') return requirements;
	for (;;) {
		const first = peek();
		if (asValue(first) !== 'id' && first.token !== '!') fail('"!" or a label key', first);
		requirements.push(requirement());
		const after = next();
		if (after.token === 'end') break;
		if (after.token !== ',') fail('"," or the end of the selector', after);
		const again = peek();
		if (asValue(again) !== 'id' && again.token !== '!') fail('a requirement after ","', again);
	}
	for (const r of requirements) r.values.sort();
	return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Why `selector` cannot be used to select objects, or undefined: it does not parse
 * ({@link parseLabelSelector}), or it is empty, which selects every object of the kind and
 * is refused here (a runbook that deletes or scales "everything" must say so by name).
 * @returns one line starting `not a valid label selector: …` or `an empty selector …`.
 */
export function selectorProblem(selector: string): string | undefined {
	if (selector.trim() === '') return 'an empty selector matches every object of the kind';
	try {
		parseLabelSelector(selector);
		return undefined;
	} catch (error) {
		if (error instanceof LabelSelectorError) return `not a valid label selector: ${error.message}`;
		throw error;
	}
}

/** What to write instead, for a selector refused by {@link selectorProblem}. */
export const SELECTOR_HINT = 'write key=value, key!=value, key in (a,b), key notin (a,b), key or !key, joined by commas, such as app.kubernetes.io/name=synapse,tier in (db,cache)';
