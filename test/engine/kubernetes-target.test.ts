/**
 * The pure Kubernetes target rules (engine/kubernetes-target.ts): which runbooks need a
 * cluster, what a run records of its target, and what a resume reports as changed.
 */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema, type Runbook} from '../../source/runbook/schema.js';
import {describeTarget, needsKubernetes, recordedTarget, targetChanges} from '../../source/engine/kubernetes-target.js';
import type {KubeTarget} from '../../source/engine/kubernetes-port.js';

function book(yaml: string): Runbook {
	return runbookSchema.parse(parse(yaml));
}

const prod: KubeTarget = {context: 'prod', cluster: 'prod-cluster', server: 'https://10.0.0.1:6443', namespace: 'spire', user: 'admin'};

describe('needsKubernetes', () => {
	it('is false for shell steps and local waits (command, http)', () => {
		expect(
			needsKubernetes(
				book(`
version: 1
title: local
steps:
  - {id: a, run: echo hi}
  - {id: b, wait: {command: {run: 'true'}}}
  - {id: c, wait: {http: {url: 'http://localhost:1/'}}}
`),
			),
		).toBe(false);
	});

	it('is true for a Kubernetes action, also inside a group', () => {
		expect(
			needsKubernetes(
				book(`
version: 1.1
title: grouped
steps:
  - id: g
    steps:
      - {id: s, scale: {kind: StatefulSet, name: db, replicas: 0}}
`),
			),
		).toBe(true);
	});

	it('is true for a Kubernetes wait', () => {
		expect(
			needsKubernetes(
				book(`
version: 1
title: wait
steps:
  - {id: w, wait: {rollout: {kind: Deployment, name: web}}}
`),
			),
		).toBe(true);
	});
});

describe('recordedTarget and targetChanges', () => {
	it('records context, cluster, server and namespace, not the user', () => {
		expect(recordedTarget(prod)).toEqual({context: 'prod', cluster: 'prod-cluster', server: 'https://10.0.0.1:6443', namespace: 'spire'});
	});

	it('reports nothing for the same target or a run that recorded none', () => {
		expect(targetChanges(recordedTarget(prod), prod)).toEqual([]);
		expect(targetChanges(undefined, prod)).toEqual([]);
	});

	it('names each changed part, old → new', () => {
		const now: KubeTarget = {...prod, context: 'staging', server: 'https://10.0.0.2:6443', namespace: 'default'};
		expect(targetChanges(recordedTarget(prod), now)).toEqual(['context prod → staging', 'server https://10.0.0.1:6443 → https://10.0.0.2:6443', 'namespace spire → default']);
	});

	it('describes a target on one line', () => {
		expect(describeTarget(prod)).toBe('context: prod · server: https://10.0.0.1:6443 · namespace: spire');
	});
});
