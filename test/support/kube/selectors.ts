/**
 * Label and field selectors as the API server parses them (k8s.io/apimachinery
 * pkg/labels/selector.go): `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
 * comma-separated, all must hold. Field selectors: `metadata.name`, `metadata.namespace`,
 * `status.phase` (and any dotted path) with `=`, `==`, `!=`.
 */
import type {KubeObject} from './resources.js';

/** A parsed selector: true when the object matches. */
export type Matcher = (obj: KubeObject) => boolean;

/** Thrown for a selector that does not parse; the server answers 400 BadRequest. */
export class SelectorError extends Error {}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let current = '';
	for (const ch of text) {
		if (ch === '(') {
			depth++;
		} else if (ch === ')') {
			depth--;
		}
		if (ch === ',' && depth === 0) {
			out.push(current);
			current = '';
		} else {
			current += ch;
		}
	}
	out.push(current);
	return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses a label selector (empty or undefined = everything). Throws SelectorError. */
export function parseLabelSelector(text: string | undefined | null): Matcher {
	const tests: Matcher[] = [];
	for (const term of splitTerms(text ?? '')) {
		let m: RegExpMatchArray | null;
		if ((m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
			const [, k, op, list] = m as unknown as [string, string, string, string];
			const values = list.split(',').map((v) => v.trim());
			tests.push(op === 'in'
				? (o) => values.includes(o.metadata?.labels?.[k])
				: (o) => !values.includes(o.metadata?.labels?.[k]));
		} else if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term))) {
			const [, k, op, v] = m as unknown as [string, string, string, string];
			tests.push(op === '!='
				? (o) => o.metadata?.labels?.[k] !== v
				: (o) => o.metadata?.labels?.[k] === v);
		} else if ((m = /^!\s*([\w./-]+)$/.exec(term))) {
			const k = m[1]!;
			tests.push((o) => o.metadata?.labels?.[k] === undefined);
		} else if ((m = /^([\w./-]+)$/.exec(term))) {
			const k = m[1]!;
			tests.push((o) => o.metadata?.labels?.[k] !== undefined);
		} else {
			throw new SelectorError(`unable to parse requirement: "${term}"`);
		}
	}
	return (o) => tests.every((t) => t(o));
}

/** Parses a field selector (any dotted path; values compared as strings). Throws SelectorError. */
export function parseFieldSelector(text: string | undefined | null): Matcher {
	const tests: Matcher[] = [];
	for (const term of splitTerms(text ?? '')) {
		const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
		if (!m) {
			throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
		}
		const [, path, op, value] = m as unknown as [string, string, string, string];
		const get = (o: KubeObject): string => {
			let v: any = o;
			for (const part of path.split('.')) {
				v = v?.[part];
			}
			return v === undefined || v === null ? '' : String(v);
		};
		tests.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
	}
	return (o) => tests.every((t) => t(o));
}

/** A `spec.selector` ({matchLabels, matchExpressions}) as a matcher; empty selects nothing. */
export function labelSelectorObject(selector: KubeObject | undefined): Matcher {
	if (!selector || (!selector.matchLabels && !selector.matchExpressions)) {
		return () => false;
	}
	const terms: string[] = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${String(v)}`);
	for (const e of selector.matchExpressions ?? []) {
		const op = String(e.operator).toLowerCase();
		terms.push(op === 'exists' ? e.key : op === 'doesnotexist' ? `!${e.key}` : `${e.key} ${op} (${(e.values ?? []).join(',')})`);
	}
	return parseLabelSelector(terms.join(','));
}
