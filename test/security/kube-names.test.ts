/**
 * Kubernetes names and namespaces are checked before any request (issue 9,
 * item 5): literal ones at `validate`, substituted ones when the API path is
 * built (before the request), and `-n` before connecting. `..`, `.`, `/`,
 * empty and over-long names never reach a URL (`-p POD=..` sent `DELETE
 * /api/v1/namespaces/default/`, `-n ..` sent `DELETE /api/v1/pods/web-0`).
 */
import {describe, expect, it} from 'vitest';
import {resourcePath} from '../../source/executors/kubernetes/discovery.js';
import {namespaceProblem, objectNameProblem} from '../../source/security/kube-names.js';
import {stackLines, useWorkspaces} from '../cli/helpers.js';

const workspace = useWorkspaces();

const pods = {group: '', version: 'v1', plural: 'pods', namespaced: true} as Parameters<typeof resourcePath>[0];

describe('Kubernetes names', () => {
	it('follow the API server rules: namespaces are DNS-1123 labels, names valid path segments of at most 253 characters', () => {
		for (const bad of ['', '.', '..', 'a/b', 'A', '-a', 'a-', 'a.b', 'x'.repeat(64)]) expect(namespaceProblem(bad), bad).toBeDefined();
		for (const good of ['default', 'spire', 'a-1', 'x'.repeat(63)]) expect(namespaceProblem(good), good).toBeUndefined();
		for (const bad of ['', '.', '..', 'a/b', '%2e%2e', 'a b', 'x'.repeat(254)]) expect(objectNameProblem(bad), bad).toBeDefined();
		for (const good of ['web-0', 'db.example.com', 'system:controller', 'x'.repeat(253)]) expect(objectNameProblem(good), good).toBeUndefined();
	});

	it('an API path is never built from a bad name or namespace (substituted values, before the request)', () => {
		expect(resourcePath(pods, 'default', 'web-0')).toBe('/api/v1/namespaces/default/pods/web-0');
		expect(() => resourcePath(pods, 'default', '..')).toThrow('".." is not a valid object name');
		expect(() => resourcePath(pods, '..', 'web-0')).toThrow('".." is not a valid namespace');
		expect(() => resourcePath(pods, '', 'web-0')).toThrow('a namespace cannot be empty');
	});

	it('validate refuses literal bad names and namespaces, and leaves ones with variables to run time', async () => {
		const ws = workspace();
		const file = ws.write(
			'names.yaml',
			`version: 1
title: Names
params:
  POD:
    required: true
steps:
  - id: del
    delete: {kind: Pod, name: "..", namespace: "a/b"}
  - id: exec
    exec: {pod: "", command: [ls]}
  - id: later
    delete: {kind: Pod, name: $POD}
`,
		);
		const result = await ws.cli(['validate', file]);
		expect(result.code).toBe(2);
		const output = result.stdout + result.stderr;
		expect(output).toContain('".." is not a valid object name');
		expect(output).toContain('"a/b" is not a valid namespace');
		expect(output).toContain('an object name cannot be empty');
		expect(output).not.toContain('$POD');
	});

	it('`-n ..` is refused before connecting (exit 2)', async () => {
		const ws = workspace();
		const file = ws.write('k.yaml', 'version: 1\ntitle: K\nsteps:\n  - id: del\n    delete: {kind: Pod, name: web-0}\n');
		const result = await ws.cli(['run', file, '--plain', '-n', '..', '--kubeconfig', ws.path('none'), '--state-dir', ws.stateDir]);
		expect(result.code).toBe(2);
		expect(stackLines(result.stderr)).toEqual([]);
		expect(result.stderr).toContain('runbook: cannot connect to Kubernetes: ".." is not a valid namespace');
	});
});
