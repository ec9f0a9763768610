/**
 * The bundle's first-frame cost (issue 14, item 4): loading the chunk of
 * dist/ that holds Ink and Yoga (which loads Yoga's WebAssembly as it is
 * imported) must not make Node load its built-in fetch (undici), which Yoga's
 * unchanged loader did by asking `typeof fetch` (scripts/bundle.ts); and the
 * bundle leaves out what the program never runs, which Node would still read,
 * hash and decode at every start: React's development builds, zod's locales
 * and JSON Schema reader, and the @inkjs/ui components the TUI does not use.
 * Node's built-ins are loaded with `require`: an `import` of one makes Node build
 * its ES facade, which loads the built-in's lazy parts (worker_threads, webcrypto).
 */
import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import {isBuiltin} from 'node:module';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {requireBuiltins} from '../../scripts/bundle.ts';
import {ROOT} from './helpers.js';

/** The chunk of dist/ that holds Yoga's loader (found by the name of Yoga's Emscripten loader). */
function yogaChunk(): string {
	const dir = path.join(ROOT, 'dist', 'chunks');
	const chunks = readdirSync(dir).filter(name => name.endsWith('.js') && readFileSync(path.join(dir, name), 'utf8').includes('var loadYoga = '));
	expect(chunks).toHaveLength(1);
	return path.join(dir, chunks[0]!);
}

/** The source files the bundle holds, from esbuild's `// node_modules/...` and `// source/...` markers in dist/. */
function bundledSources(): Set<string> {
	const files = [
		path.join(ROOT, 'dist', 'cli.js'),
		...readdirSync(path.join(ROOT, 'dist', 'chunks'))
			.filter(name => name.endsWith('.js'))
			.map(name => path.join(ROOT, 'dist', 'chunks', name)),
	];
	const sources = new Set<string>();
	for (const file of files) for (const match of readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:node_modules|source)\/\S+)$/gm)) sources.add(match[1]!);
	return sources;
}

describe('the bundle', () => {
	it('holds React, its reconciler and scheduler in their production builds only', () => {
		const sources = [...bundledSources()];
		expect(sources).toContain('node_modules/react-reconciler/cjs/react-reconciler.production.js');
		expect(sources).toContain('node_modules/react/cjs/react.production.js');
		expect(sources.filter(source => /^node_modules\/(react|react-reconciler|scheduler)\/.*development/.test(source))).toEqual([]);
	});

	it("holds zod's schemas without its locales or JSON Schema reader", () => {
		const sources = [...bundledSources()];
		expect(sources).toContain('node_modules/zod/v4/core/schemas.js');
		expect(sources.filter(source => source.startsWith('node_modules/zod/v4/locales/') && !source.endsWith('/en.js'))).toEqual([]);
		expect(sources).not.toContain('node_modules/zod/v4/classic/from-json-schema.js');
	});

	it('holds only the @inkjs/ui components the TUI uses', () => {
		const components = new Set([...bundledSources()].flatMap(source => /^node_modules\/@inkjs\/ui\/build\/components\/([^/]+)\/(?!theme\.js$)/.exec(source)?.[1] ?? []));
		expect([...components].sort()).toEqual(['select', 'text-input']);
	});

	it("loads Ink and Yoga without loading Node's fetch", () => {
		const script = `await import(${JSON.stringify(yogaChunk())});
const loaded = process.moduleLoadList.filter(name => name.includes('undici'));
process.stdout.write(JSON.stringify({loaded, fetchType: typeof fetch}));`;
		const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8'})) as {loaded: string[]; fetchType: string};
		expect(out.loaded).toEqual([]);
		// fetch itself is left alone: asking for it afterwards still gets Node's.
		expect(out.fetchType).toBe('function');
	});

	it('loads Node built-ins with require, not import', () => {
		const chunks = [
			path.join(ROOT, 'dist', 'cli.js'),
			...readdirSync(path.join(ROOT, 'dist', 'chunks'))
				.filter(name => name.endsWith('.js'))
				.map(name => path.join(ROOT, 'dist', 'chunks', name)),
		];
		// Prefixed or bare (`vm`, from jsonpath-plus), with bindings or for effect; the banner's
		// import of node:module, which defines `require`, is the one allowed.
		const imports = chunks.flatMap(file => [...readFileSync(file, 'utf8').matchAll(/^import (?:.* from )?["']([^"']+)["'];/gm)].filter(match => isBuiltin(match[1]!) && !match[0].includes('__bundleRequire')).map(match => match[0]));
		expect(imports).toEqual([]);
		const main = chunks.find(file => path.basename(file).startsWith('main-'));
		expect(readFileSync(main!, 'utf8')).toMatch(/^const \{ [^}]*randomBytes[^}]* \} = require\("node:crypto"\);$/m);
	});
});

describe('requireBuiltins', () => {
	it("turns esbuild's imports of built-ins into require calls on the same line", () => {
		const text = ['import fs from "node:fs";', 'import { a, b as c } from "node:util";', 'import * as os from "node:os";', 'import d, { e } from "node:path";', 'import { x } from "./chunk-A.js";', 'f();'].join('\n');
		expect(requireBuiltins(text, 'chunk.js').split('\n')).toEqual(['const fs = require("node:fs");', 'const { a, b: c } = require("node:util");', 'const os = require("node:os");', 'const d = require("node:path"); const { e } = require("node:path");', 'import { x } from "./chunk-A.js";', 'f();']);
	});

	it('also turns bare built-in names, $ in names and imports for their effect; leaves packages alone', () => {
		const text = ['import vm from "vm";', 'import $os, { $a } from "node:os";', 'import "node:process";', 'import yaml from "yaml";', 'import "./chunk-B.js";'].join('\n');
		expect(requireBuiltins(text, 'chunk.js').split('\n')).toEqual(['const vm = require("vm");', 'const $os = require("node:os"); const { $a } = require("node:os");', 'require("node:process");', 'import yaml from "yaml";', 'import "./chunk-B.js";']);
	});

	it('refuses an import of a built-in it does not know how to turn', () => {
		expect(() => requireBuiltins('import {\n  a\n} from "node:fs";', 'chunk.js')).toThrow(/chunk\.js: an import of a built-in module .*from "node:fs";/s);
		expect(() => requireBuiltins('export { a } from "fs";', 'chunk.js')).toThrow(/export \{ a \} from "fs"/);
	});
});
