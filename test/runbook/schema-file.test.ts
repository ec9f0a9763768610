/**
 * The committed JSON Schema (schema/runbook.schema.json), which the shipped
 * runbooks point at, must equal the one generated from the zod schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {runbookJsonSchema} from '../../source/runbook/schema.js';

const file = path.join(import.meta.dirname, '../../schema/runbook.schema.json');

describe('schema/runbook.schema.json', () => {
	it('is current: regenerate with `npm run schema` when the zod schema changes', () => {
		const committed = JSON.parse(fs.readFileSync(file, 'utf8'));
		expect(committed).toEqual(runbookJsonSchema());
	});

	it('describes steps and their actions', () => {
		const schema = runbookJsonSchema() as {properties: Record<string, {items?: {properties?: Record<string, unknown>}}>; required: string[]};
		expect(schema.required).toEqual(expect.arrayContaining(['version', 'title', 'steps']));
		const step = schema.properties.steps.items?.properties ?? {};
		for (const key of ['id', 'run', 'manual', 'ask', 'wait', 'scale', 'delete', 'apply', 'patch', 'restart', 'exec', 'copy', 'when', 'confirm', 'destructive', 'timeout']) {
			expect(step).toHaveProperty(key);
		}
	});

	it('every shipped runbook points at it', () => {
		const dir = path.join(import.meta.dirname, '../../runbooks');
		const books = fs.readdirSync(dir).filter(f => f.endsWith('.yaml'));
		expect(books.length).toBeGreaterThan(0);
		for (const name of books) {
			expect(fs.readFileSync(path.join(dir, name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/runbook.schema.json');
		}
	});
});
