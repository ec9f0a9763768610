/**
 * The bundle's first-frame cost (issue 14, item 4): loading the chunk of
 * dist/ that holds Ink and Yoga (which loads Yoga's WebAssembly as it is
 * imported) must not make Node load its built-in fetch (undici), which Yoga's
 * unchanged loader did by asking `typeof fetch` (scripts/bundle.ts).
 */
import {execFileSync} from 'node:child_process';
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {ROOT} from './helpers.js';

/** The chunk of dist/ that holds Yoga's loader (found by the name of Yoga's Emscripten loader). */
function yogaChunk(): string {
	const dir = path.join(ROOT, 'dist', 'chunks');
	const chunks = readdirSync(dir).filter(name => name.endsWith('.js') && readFileSync(path.join(dir, name), 'utf8').includes('var loadYoga = '));
	expect(chunks).toHaveLength(1);
	return path.join(dir, chunks[0]!);
}

describe('the bundle', () => {
	it("loads Ink and Yoga without loading Node's fetch", () => {
		const script = `await import(${JSON.stringify(yogaChunk())});
const loaded = process.moduleLoadList.filter(name => name.includes('undici'));
process.stdout.write(JSON.stringify({loaded, fetchType: typeof fetch}));`;
		const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8'})) as {loaded: string[]; fetchType: string};
		expect(out.loaded).toEqual([]);
		// fetch itself is left alone: asking for it afterwards still gets Node's.
		expect(out.fetchType).toBe('function');
	});
});
