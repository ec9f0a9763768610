/**
 * The direction of imports inside source/ (docs/architecture.md): the one top-level
 * file, bin.ts (the bundle's entry), may use every folder; an inner folder never imports a top-level
 * file, only the folders listed in ALLOWED; and no file reaches itself through its
 * imports (type-only imports count: a cycle of types is still a cycle for a reader).
 * Reads the source text; imports are the static `import … from`, `export … from`
 * and `import('…')` forms with relative specifiers.
 */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';

const SOURCE = path.resolve(import.meta.dirname, '..', 'source');

/** Which folders each folder of source/ may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
	platform: [],
	// Checks on hostile input (bounded reads, linear-time patterns, secret rules) and the UsageError of an
	// operator's mistake: a leaf every layer may use.
	security: [],
	runbook: ['security'],
	engine: ['runbook', 'security'],
	executors: ['engine', 'runbook', 'platform', 'security'],
	store: ['engine', 'runbook', 'platform', 'security'],
	report: ['engine', 'runbook', 'security'],
	ui: ['engine', 'runbook', 'security'],
	// The application layer: arguments, commands, the wiring of ports, exit codes.
	cli: ['ui', 'report', 'engine', 'runbook', 'executors', 'store', 'platform', 'security'],
};

/** Longest file, in lines, that needs no reason for its length (issue 13). */
const MAX_LINES = 300;

/** Files being split (issue 13); none may be added. */
const BEING_SPLIT: readonly string[] = [];

/** Every .ts/.tsx file under `dir`, as paths relative to `dir` with `/`. */
function sourceFiles(dir: string): string[] {
	return readdirSync(dir, {recursive: true, encoding: 'utf8'})
		.filter(file => /\.tsx?$/.test(file))
		.map(file => file.split(path.sep).join('/'))
		.sort();
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm;

/** Imports of packages and Node built-ins (specifiers not starting with `.`). */
const PACKAGE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'([^.'][^']*)'/gm;

/** The files `file` imports, resolved to paths relative to source/ (`.js` specifiers name `.ts`/`.tsx` files). */
function importsOf(file: string, text: string, known: ReadonlySet<string>): string[] {
	const found = new Set<string>();
	for (const match of text.matchAll(IMPORT)) {
		const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
		const base = target.replace(/\.js$/, '');
		const resolved = [`${base}.ts`, `${base}.tsx`, target].find(candidate => known.has(candidate));
		if (resolved === undefined) throw new Error(`${file}: cannot resolve import '${match[1]}'`);
		found.add(resolved);
	}
	return [...found];
}

/** The folder of a file relative to source/, or undefined for a top-level file. */
const folderOf = (file: string): string | undefined => (file.includes('/') ? file.split('/')[0] : undefined);

/** Every cycle's files in import order (each cycle once), found by depth-first search. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
	const cycles: string[][] = [];
	const state = new Map<string, 'open' | 'done'>();
	const stack: string[] = [];
	const visit = (node: string): void => {
		state.set(node, 'open');
		stack.push(node);
		for (const next of graph.get(node) ?? []) {
			if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)));
			else if (!state.has(next)) visit(next);
		}
		stack.pop();
		state.set(node, 'done');
	};
	for (const node of graph.keys()) if (!state.has(node)) visit(node);
	return cycles;
}

function sourceGraph(): Map<string, string[]> {
	const files = sourceFiles(SOURCE);
	const known = new Set(files);
	return new Map(files.map(file => [file, importsOf(file, readFileSync(path.join(SOURCE, file), 'utf8'), known)]));
}

describe('import directions in source/', () => {
	const graph = sourceGraph();

	test('the graph is read (the import pattern still matches the code)', () => {
		expect(graph.get('engine/ports.ts')).toContain('engine/output.ts');
		expect(graph.get('ui/run-view.ts')).toContain('ui/tail.ts');
	});

	test('bin.ts is the only top-level file: the application layer lives in cli/', () => {
		expect([...graph.keys()].filter(file => folderOf(file) === undefined)).toEqual(['bin.ts']);
	});

	test('no inner folder imports a top-level file', () => {
		const wrong = [...graph].flatMap(([file, targets]) => (folderOf(file) === undefined ? [] : targets.filter(target => folderOf(target) === undefined).map(target => `${file} -> ${target}`)));
		expect(wrong).toEqual([]);
	});

	test('each folder imports only the folders below it', () => {
		const wrong: string[] = [];
		for (const [file, targets] of graph) {
			const from = folderOf(file);
			if (from === undefined) continue;
			const allowed = ALLOWED[from];
			if (allowed === undefined) {
				wrong.push(`${file}: folder ${from}/ has no entry in ALLOWED`);
				continue;
			}
			for (const target of targets) {
				const to = folderOf(target);
				if (to !== undefined && to !== from && !allowed.includes(to)) wrong.push(`${file} -> ${target}`);
			}
		}
		expect(wrong).toEqual([]);
	});

	test('no import cycles', () => {
		expect(findCycles(graph).map(cycle => cycle.join(' -> '))).toEqual([]);
	});

	test('the engine imports no I/O: no file system, processes, network, terminal or Kubernetes client', () => {
		const io = /^(node:(fs|fs\/promises|child_process|net|http|https|tls|dgram|worker_threads)|zx|ink|react|@kubernetes\/client-node|undici)$/;
		const wrong = [...graph.keys()].filter(file => folderOf(file) === 'engine').flatMap(file => [...readFileSync(path.join(SOURCE, file), 'utf8').matchAll(PACKAGE_IMPORT)].filter(match => io.test(match[1]!)).map(match => `${file} -> ${match[1]}`));
		expect(wrong).toEqual([]);
	});

	test('a file over 300 lines says why in its top comment ("over 300 lines", then the reason)', () => {
		const long = [...graph.keys()].filter(file => {
			const text = readFileSync(path.join(SOURCE, file), 'utf8');
			if (text.split('\n').length - 1 <= MAX_LINES) return false;
			const top = /^\s*\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
			return !/over 300 lines/i.test(top.replace(/\s*\*\s*/g, ' ')) && !BEING_SPLIT.includes(file);
		});
		expect(long).toEqual([]);
	});

	test('the import reader sees type-only, multi-line, re-export and dynamic imports', () => {
		const known = new Set(['x/a.ts', 'x/b.ts', 'x/c.ts', 'x/d.tsx', 'x/e.ts']);
		const text = ["import type {A} from './a.js';", 'import {', '\ttype B,', "} from './b.js';", "export type {C} from './c.js';", "const D = await import('./d.js');", "type E = typeof import('./e.js');"].join('\n');
		expect(importsOf('x/f.ts', text, known).sort()).toEqual(['x/a.ts', 'x/b.ts', 'x/c.ts', 'x/d.tsx', 'x/e.ts']);
	});

	test('the cycle finder finds a planted cycle', () => {
		const planted = new Map([
			['a.ts', ['b.ts']],
			['b.ts', ['c.ts']],
			['c.ts', ['a.ts']],
			['d.ts', ['a.ts']],
		]);
		expect(findCycles(planted)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
	});
});
