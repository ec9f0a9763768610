/**
 * Positions of nodes in a parsed YAML document (yaml's Document + LineCounter), looked up
 * by YAML path, so that every problem can say file:line:col.
 */
import {isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap} from 'yaml';
import {formatPath, type PathSegment, type Position, type Problem, type YamlPath} from './problems.js';

/** Where on a node a problem points. */
export type Anchor =
	/** The value (for a missing key: the mapping that should hold it). */
	| 'value'
	/** The key of the last path segment (for a list item: the item). */
	| 'key';

/** Options of {@link Locator.problem}. */
export interface ProblemOptions {
	hint?: string | undefined;
	/** Point at the key instead of the value. Default `value`. */
	on?: Anchor;
	/** Point inside a scalar: the text `token` found at `index` of the scalar's value. */
	within?: {index: number; token: string; value: string};
}

/** Looks up positions by YAML path in one document. */
export interface Locator {
	/** The file name used in problems. */
	readonly file: string;
	/** A short name of the file for messages: relative to the runbook's folder (`shared/restore.yaml`). */
	readonly short: string;
	/** True when a node exists at the path (a key with an empty value exists). */
	has(path: YamlPath): boolean;
	/** Position of the node at the path; for a missing node, the nearest existing ancestor. */
	at(path: YamlPath, on?: Anchor): Position;
	/**
	 * Position of `token` inside the scalar at `path`, where the scalar's (parsed) value has
	 * the token at `index`; found by counting occurrences in the source, so it is exact for
	 * block scalars and plain or quoted strings without escapes. Falls back to the scalar.
	 */
	within(path: YamlPath, index: number, token: string, value: string): Position;
	/** Builds a problem at the path. */
	problem(path: YamlPath, message: string, options?: ProblemOptions): Problem;
	/** The path as problems show it: `steps[2].id`, or with the include chain for a fragment (see Problem). */
	label(path: YamlPath): string;
	/**
	 * Where the node at `path` is, for a message about the node at `from`: `line 8` when both
	 * are in the same file, else `shared/restore.yaml:8`.
	 */
	lineRef(path: YamlPath, from: YamlPath): string;
}

/** Options of {@link createLocator}. */
export interface LocatorOptions {
	/** Short name for messages (default: `file`). */
	short?: string;
	/**
	 * For a fragment: the include chain that leads to it, such as
	 * `steps[4] (included from spire.yaml:40)`; labels become `PREFIX → steps[2].id`.
	 */
	prefix?: string;
}

/** Joins an include chain and a path inside the fragment: `PREFIX → steps[2].id` (or either alone). */
export function chainLabel(prefix: string | undefined, path: YamlPath): string {
	const inner = formatPath(path);
	if (prefix === undefined || prefix === '') return inner;
	return inner === '' ? prefix : `${prefix} → ${inner}`;
}

interface Found {
	/** The deepest node reached. */
	node: Node | null;
	/** The pair holding it, when reached through a mapping key. */
	pair: Pair | undefined;
	/** How many path segments were resolved. */
	depth: number;
}

/**
 * Creates a locator for a document parsed with `parseDocument(text, {lineCounter})`.
 * @param file the file name to put in problems.
 * @param options a short name and, for a fragment, the include chain of its paths.
 */
export function createLocator(doc: Document, lineCounter: LineCounter, text: string, file: string, options: LocatorOptions = {}): Locator {
	const pos = (offset: number): Position => {
		const {line, col} = lineCounter.linePos(offset);
		return {line, col};
	};
	const documentStart = (): Position => {
		const contents = doc.contents as Node | null;
		return contents?.range ? pos(contents.range[0]) : {line: 1, col: 1};
	};

	// Each mapping's pairs by key, made on first use: a lookup per problem must not scan a
	// mapping of thousands of keys (an `env` or `params` with a problem in each).
	const keyed = new WeakMap<YAMLMap, Map<string, Pair>>();
	const pairOf = (map: YAMLMap, segment: PathSegment): Pair | undefined => {
		let pairs = keyed.get(map);
		if (!pairs) {
			pairs = new Map();
			for (const item of map.items) {
				const key = String(isScalar(item.key) ? item.key.value : item.key);
				if (!pairs.has(key)) pairs.set(key, item);
			}
			keyed.set(map, pairs);
		}
		return pairs.get(String(segment));
	};

	const find = (path: YamlPath): Found => {
		let node = doc.contents as Node | null;
		let pair: Pair | undefined;
		let depth = 0;
		for (const segment of path) {
			if (isAlias(node)) node = (node.resolve(doc) as Node | null) ?? null;
			let next: Node | null | undefined;
			let nextPair: Pair | undefined;
			if (isMap(node)) {
				nextPair = pairOf(node, segment);
				next = nextPair ? (nextPair.value as Node | null) : undefined;
			} else if (isSeq(node) && typeof segment === 'number') {
				next = node.items[segment] as Node | null | undefined;
			}
			if (next === undefined) break;
			node = next;
			pair = nextPair;
			depth++;
		}
		return {node, pair, depth};
	};

	const keyPosition = (found: Found): Position | undefined => {
		const key = found.pair?.key as Node | null | undefined;
		return key?.range ? pos(key.range[0]) : undefined;
	};

	const at = (path: YamlPath, on: Anchor = 'value'): Position => {
		const found = find(path);
		const complete = found.depth === path.length;
		if (complete && on === 'key') {
			const key = keyPosition(found);
			if (key) return key;
		}
		const node = found.node;
		// An empty value (`title:`) has no text of its own: point at its key.
		const empty = isScalar(node) && node.value === null && node.range && node.range[0] === node.range[1];
		if (node === null || empty || !node.range) return keyPosition(found) ?? documentStart();
		return pos(node.range[0]);
	};

	const within = (path: YamlPath, index: number, token: string, value: string): Position => {
		const found = find(path);
		const node = found.node;
		if (found.depth !== path.length || !isScalar(node) || !node.range) return at(path);
		let count = 0;
		for (let i = value.indexOf(token); i !== -1 && i < index; i = value.indexOf(token, i + 1)) count++;
		const source = text.slice(node.range[0], node.range[1]);
		let offset = source.indexOf(token);
		for (let n = 0; n < count && offset !== -1; n++) offset = source.indexOf(token, offset + 1);
		return offset === -1 ? at(path) : pos(node.range[0] + offset);
	};

	const label = (path: YamlPath): string => chainLabel(options.prefix, path);
	return {
		file,
		short: options.short ?? file,
		has: path => find(path).depth === path.length,
		at,
		within,
		label,
		lineRef: path => `line ${at(path).line}`,
		problem(path, message, problemOptions = {}) {
			const {line, col} = problemOptions.within ? within(path, problemOptions.within.index, problemOptions.within.token, problemOptions.within.value) : at(path, problemOptions.on);
			const problem: Problem = {file, line, col, path: label(path), message};
			if (problemOptions.hint !== undefined) problem.hint = problemOptions.hint;
			return problem;
		},
	};
}
