/**
 * Manifests and patches: RFC 7386 merge patches (the RFC's own examples),
 * the server-owned fields an exported object loses, and YAML reading.
 */
import {describe, expect, test} from 'vitest';
import {manifestsOf, mergePatch, parseManifests, patchValue, stripServerFields, type Manifest} from '../../../source/executors/kubernetes/manifest.js';

describe('mergePatch (RFC 7386, appendix A)', () => {
	const cases: Array<[unknown, unknown, unknown]> = [
		[{a: 'b'}, {a: 'c'}, {a: 'c'}],
		[{a: 'b'}, {b: 'c'}, {a: 'b', b: 'c'}],
		[{a: 'b'}, {a: null}, {}],
		[{a: 'b', b: 'c'}, {a: null}, {b: 'c'}],
		[{a: ['b']}, {a: 'c'}, {a: 'c'}],
		[{a: 'c'}, {a: ['b']}, {a: ['b']}],
		[{a: {b: 'c'}}, {a: {b: 'd', c: null}}, {a: {b: 'd'}}],
		[{a: [{b: 'c'}]}, {a: [1]}, {a: [1]}],
		[
			['a', 'b'],
			['c', 'd'],
			['c', 'd'],
		],
		[{a: 'b'}, ['c'], ['c']],
		[{a: 'foo'}, null, null],
		[{a: 'foo'}, 'bar', 'bar'],
		[{e: null}, {a: 1}, {e: null, a: 1}],
		[[1, 2], {a: 'b', c: null}, {a: 'b'}],
		[{}, {a: {bb: {ccc: null}}}, {a: {bb: {}}}],
	];
	test.each(cases)('%j patched with %j gives %j', (target, patch, result) => {
		expect(mergePatch(target, patch)).toEqual(result);
	});

	test('leaves its inputs unchanged', () => {
		const target = {spec: {numberOfInstances: 3, selector: {matchLabels: {a: 'b'}}}};
		const patch = {spec: {numberOfInstances: 1, selector: null}};
		mergePatch(target, patch);
		expect(target.spec.numberOfInstances).toBe(3);
		expect(target.spec.selector).toBeDefined();
	});
});

describe('stripServerFields', () => {
	test('removes status and the metadata the server owns, keeps the rest', () => {
		const exported: Manifest = {
			apiVersion: 'acid.zalan.do/v1',
			kind: 'postgresql',
			metadata: {
				name: 'spire-postgres',
				namespace: 'spire',
				labels: {team: 'spire'},
				annotations: {a: 'b'},
				resourceVersion: '123',
				uid: 'u-1',
				creationTimestamp: '2024-01-01T00:00:00Z',
				generation: 4,
				managedFields: [{manager: 'kubectl'}],
				selfLink: '/x',
			},
			spec: {numberOfInstances: 3},
			status: {PostgresClusterStatus: 'Running'},
		};
		const stripped = stripServerFields(exported);
		expect(stripped).toEqual({
			apiVersion: 'acid.zalan.do/v1',
			kind: 'postgresql',
			metadata: {name: 'spire-postgres', namespace: 'spire', labels: {team: 'spire'}, annotations: {a: 'b'}},
			spec: {numberOfInstances: 3},
		});
		expect(exported.metadata.resourceVersion).toBe('123');
	});
});

describe('parseManifests', () => {
	test('reads every document, skips empty ones, flattens a List', () => {
		const text = ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}', '', 'apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Secret, metadata: {name: b}}\n  - {apiVersion: v1, kind: Secret, metadata: {name: c}}'].join('\n---\n');
		expect(parseManifests(text, 'm.yaml').map(o => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/b', 'Secret/c']);
	});

	test('a YAML error names the source and line', () => {
		expect(() => parseManifests('apiVersion: v1\nkind: [unclosed\n', '/x/m.yaml')).toThrow(/^\/x\/m\.yaml: line \d+: /);
	});

	test('an object without metadata.name names the document', () => {
		expect(() => parseManifests('apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n', 'm.yaml')).toThrow('m.yaml, document 1: an object needs apiVersion, kind and metadata.name');
	});

	test('an inline mapping is one object; a list is refused', () => {
		expect(manifestsOf({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'x'}}, 'inline')).toHaveLength(1);
		expect(() => manifestsOf(['a'], 'inline')).toThrow('inline: expected a Kubernetes object (a mapping), not a list');
	});
});

describe('patchValue', () => {
	test('parses YAML and JSON text, passes values through', () => {
		expect(patchValue('spec: {replicas: 2}', 'p')).toEqual({spec: {replicas: 2}});
		expect(patchValue('[{"op": "remove", "path": "/spec/x"}]', 'p')).toEqual([{op: 'remove', path: '/spec/x'}]);
		const value = {a: null};
		expect(patchValue(value, 'p')).toBe(value);
		expect(() => patchValue('a: [1', 'patch.patch')).toThrow(/^patch\.patch is not valid YAML or JSON: /);
	});
});
