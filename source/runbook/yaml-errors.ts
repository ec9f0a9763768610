/**
 * YAML syntax errors (from yaml's parseDocument) as problems, in plain words and pointing
 * where the author must look: an unclosed quote or bracket at its opening character, a
 * duplicate key at the key (yaml itself reports the first two at the end of the file).
 */
import {isCollection, isScalar, visit, type Document, type LineCounter, type Node, type YAMLError} from 'yaml';
import type {Problem} from './problems.js';
import {visibleControls} from '../security/terminal-text.js';

/** Better words and next steps for yaml's error codes. */
const KNOWN: Record<string, {message?: string; hint: string}> = {
	TAB_AS_INDENT: {message: 'tabs are not allowed as indentation', hint: 'indent with spaces'},
	MULTIPLE_DOCS: {message: 'the file holds more than one YAML document (---)', hint: 'a runbook is one document; remove the second ---'},
	BLOCK_AS_IMPLICIT_KEY: {hint: 'quote a value that contains ": ", such as title: "Step 1: stop"'},
	MISSING_CHAR: {hint: 'check the indentation and the closing quotes and brackets'},
	BAD_INDENT: {hint: 'indent the keys of one mapping, and the items of one list, equally, with spaces'},
};

/** The nodes of the document, depth first, with their keys' values when they are keys. */
function nodes(doc: Document): Array<{node: Node; key: boolean}> {
	const out: Array<{node: Node; key: boolean}> = [];
	visit(doc, {
		Pair(_, pair) {
			if (isScalar(pair.key)) out.push({node: pair.key, key: true});
		},
		Node(_, node) {
			out.push({node, key: false});
		},
	});
	return out;
}

/** The opening of an unclosed quoted scalar or flow collection that spans `offset`. */
function unclosedOpening(doc: Document, offset: number, kind: 'quote' | 'flow'): number | undefined {
	let best: number | undefined;
	for (const {node} of nodes(doc)) {
		const range = node.range;
		if (!range || range[0] >= offset || range[1] < offset) continue;
		const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
		const flow = isCollection(node) && node.flow === true;
		if ((kind === 'quote' && quoted) || (kind === 'flow' && flow)) best = Math.max(best ?? -1, range[0]);
	}
	return best;
}

/**
 * yaml's message without the text it quotes from the file (`Unexpected scalar token in YAML
 * stream: "…"` quotes the whole token, which in a file that is not YAML, such as a copy of an
 * env file or a binary, can be a secret or raw control bytes): what follows `: "` or `: ` of a
 * block scalar header is dropped, the rest is cut to 100 characters and its control characters
 * written `\xNN`. The problem's line and column say where to look.
 */
function safeMessage(message: string): string {
	const quoted = message.search(/: "|(?<=extra characters): /);
	const kept = (quoted === -1 ? message : message.slice(0, quoted)).replace(/\.$/, '');
	return visibleControls(kept.length > 100 ? `${kept.slice(0, 100)}…` : kept);
}

/**
 * Converts one yaml error to a problem (path empty: the document may not be well formed).
 * @param text the source, to quote the character an unclosed quote or bracket opens with.
 */
export function yamlErrorProblem(error: YAMLError, doc: Document, lineCounter: LineCounter, text: string, file: string): Problem {
	const known = KNOWN[error.code];
	const raw = safeMessage(error.message);
	let message = known?.message ?? `${raw[0]!.toLowerCase()}${raw.slice(1)}`;
	let hint = known?.hint;
	let offset = error.pos[0];
	if (error.code === 'MISSING_CHAR' && /quote/.test(raw)) {
		const opening = unclosedOpening(doc, offset, 'quote');
		if (opening !== undefined) {
			offset = opening;
			message = `this ${text[opening]} quote is not closed`;
			hint = `end the value with ${text[opening]}`;
		}
	} else if (/^Flow (sequence|map)/.test(raw)) {
		const opening = unclosedOpening(doc, offset, 'flow');
		if (opening !== undefined) {
			const close = text[opening] === '[' ? ']' : '}';
			offset = opening;
			message = `this ${text[opening]} is not closed with ${close}`;
			hint = `add the ${close}, or quote a value that starts with ${text[opening]}`;
		}
	} else if (error.code === 'DUPLICATE_KEY') {
		const key = nodes(doc).find(n => n.key && n.node.range?.[0] === offset)?.node;
		message = `duplicate key${isScalar(key) ? ` "${String(key.value)}"` : ''}`;
		hint = 'a key may appear only once in a mapping';
	}
	const {line, col} = lineCounter.linePos(offset);
	const problem: Problem = {file, line, col, path: '', message};
	if (hint !== undefined) problem.hint = hint;
	return problem;
}
