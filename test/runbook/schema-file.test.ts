/**
 * The committed JSON Schemas (schema/runbook.schema.json, schema/fragment.schema.json),
 * which the shipped runbooks and fragments point at, must equal the ones generated from
 * the zod schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {fragmentJsonSchema, runbookJsonSchema} from '../../source/runbook/schema.js';

const schemaFile = (name: string) => path.join(import.meta.dirname, '../../schema', name);
const runbooks = path.join(import.meta.dirname, '../../runbooks');

type Branch = {properties?: Record<string, unknown>; required?: string[]; $ref?: string};
type JsonSchema = {properties: Record<string, {items?: {anyOf?: Branch[]}}>; required: string[]; $defs?: Record<string, Branch>};

/** The two kinds of list item a steps list accepts: [include item, step]; the step is `$defs.step` (it is recursive: groups hold steps). */
function stepBranches(schema: JsonSchema): {include: Record<string, unknown>; step: Record<string, unknown>} {
	const branches = (schema.properties.steps.items?.anyOf ?? []).map(b => (b.$ref === '#/$defs/step' ? (schema.$defs?.step ?? {}) : b));
	expect(branches).toHaveLength(2);
	const include = branches.find(b => b.properties && 'include' in b.properties);
	const step = branches.find(b => b.properties && 'id' in b.properties);
	expect(include?.required).toEqual(['include']);
	return {include: include?.properties ?? {}, step: step?.properties ?? {}};
}

const STEP_KEYS = ['id', 'run', 'manual', 'ask', 'wait', 'scale', 'delete', 'apply', 'patch', 'restart', 'exec', 'copy', 'when', 'confirm', 'destructive', 'timeout'];

describe('schema/runbook.schema.json', () => {
	it('is current: regenerate with `npm run schema` when the zod schema changes', () => {
		const committed = JSON.parse(fs.readFileSync(schemaFile('runbook.schema.json'), 'utf8'));
		expect(committed).toEqual(runbookJsonSchema());
	});

	it('describes steps and their actions, and include items', () => {
		const schema = runbookJsonSchema() as JsonSchema;
		expect(schema.required).toEqual(expect.arrayContaining(['version', 'title', 'steps']));
		const {include, step} = stepBranches(schema);
		for (const key of STEP_KEYS) expect(step).toHaveProperty(key);
		expect(Object.keys(include)).toEqual(['include']);
		expect(step).not.toHaveProperty('include');
	});

	it('describes groups (format 1.1): version 1.1, and steps, rescue and always as lists of steps', () => {
		const schema = runbookJsonSchema() as JsonSchema & {properties: Record<string, unknown>};
		expect(schema.properties.version).toEqual({type: 'number', enum: [1, 1.1]});
		const {step} = stepBranches(schema);
		for (const key of ['steps', 'rescue', 'always']) expect(step[key]).toMatchObject({type: 'array', minItems: 1, items: {$ref: '#/$defs/step'}});
	});

	it('every shipped runbook points at it', () => {
		const books = fs.readdirSync(runbooks).filter(f => f.endsWith('.yaml'));
		expect(books.length).toBeGreaterThan(0);
		for (const name of books) {
			expect(fs.readFileSync(path.join(runbooks, name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/runbook.schema.json');
		}
	});
});

describe('schema/fragment.schema.json', () => {
	it('is current: regenerate with `npm run schema` when the zod schema changes', () => {
		const committed = JSON.parse(fs.readFileSync(schemaFile('fragment.schema.json'), 'utf8'));
		expect(committed).toEqual(fragmentJsonSchema());
	});

	it('describes a fragment: fragment: true, requires, and the same steps as a runbook', () => {
		const schema = fragmentJsonSchema() as JsonSchema & {properties: Record<string, unknown>};
		expect(schema.required).toEqual(['version', 'fragment', 'steps']);
		expect(schema.properties.fragment).toEqual({type: 'boolean', const: true});
		expect(Object.keys(schema.properties)).not.toContain('params');
		const {step} = stepBranches(schema);
		expect(step).toEqual(stepBranches(runbookJsonSchema() as JsonSchema).step);
	});

	it('every shipped fragment (runbooks/shared/) points at it', () => {
		const dir = path.join(runbooks, 'shared');
		const fragments = fs.readdirSync(dir).filter(f => f.endsWith('.yaml'));
		expect(fragments.length).toBeGreaterThan(0);
		for (const name of fragments) {
			const text = fs.readFileSync(path.join(dir, name), 'utf8');
			expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/fragment.schema.json');
			expect(text).toMatch(/^fragment: true$/m);
		}
	});
});
