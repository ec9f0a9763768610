/**
 * The pod `exec` picks for `statefulset/NAME` / `deployment/NAME`, rule by rule, as
 * kubectl's `sort.Reverse(podutils.ActivePods)` orders them (k8s.io/kubectl v0.37
 * pkg/util/podutils/podutils.go), and the workload selector as a label selector string
 * (metav1.LabelSelectorAsSelector). Pure functions; the real-cluster test is in exec.test.ts.
 */
import {describe, expect, test} from 'vitest';
import {byActivity, selectorString, type PodFacts} from '../../../source/executors/kubernetes/workload-pod.js';

const T0 = '2026-12-01T10:00:00Z';
const T1 = '2026-12-01T11:00:00Z';

/** A pod on a node, Running and ready since T0, created at T0, no restarts; `patch` changes parts. */
function pod(name: string, patch: {node?: string; phase?: string; ready?: boolean; readySince?: string; created?: string; deleting?: string; restarts?: number} = {}): PodFacts {
	const ready = patch.ready ?? true;
	return {
		metadata: {name, creationTimestamp: patch.created ?? T0, ...(patch.deleting ? {deletionTimestamp: patch.deleting} : {})},
		spec: {nodeName: patch.node ?? 'node-1'},
		status: {
			phase: patch.phase ?? 'Running',
			conditions: [{type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: patch.readySince ?? T0}],
			containerStatuses: [{restartCount: patch.restarts ?? 0}],
		},
	};
}
const names = (pods: PodFacts[]): string[] => byActivity(pods).map(p => p.metadata!.name!);

describe('the pod kubectl picks from a workload', () => {
	test("each rule, in kubectl's order", () => {
		expect(names([pod('unscheduled', {node: ''}), pod('scheduled')])).toEqual(['scheduled', 'unscheduled']);
		expect(names([pod('pending', {phase: 'Pending'}), pod('unknown', {phase: 'Unknown'}), pod('running')])).toEqual(['running', 'unknown', 'pending']);
		expect(names([pod('not-ready', {ready: false}), pod('ready')])).toEqual(['ready', 'not-ready']);
		expect(names([pod('deleting', {deleting: T1}), pod('staying')])).toEqual(['staying', 'deleting']);
		expect(names([pod('ready-later', {readySince: T1}), pod('ready-longer', {readySince: T0})])).toEqual(['ready-longer', 'ready-later']);
		expect(names([pod('restarted', {restarts: 3}), pod('steady')])).toEqual(['steady', 'restarted']);
		expect(names([pod('newer', {created: T1}), pod('older', {created: T0})])).toEqual(['older', 'newer']);
	});

	test('an earlier rule wins over a later one: a ready pod that restarted beats a steady one that is not ready', () => {
		expect(names([pod('steady-not-ready', {ready: false}), pod('restarted-ready', {restarts: 5})])).toEqual(['restarted-ready', 'steady-not-ready']);
		expect(names([pod('old-pending', {phase: 'Pending', created: '2020-01-01T00:00:00Z'}), pod('new-running', {created: T1})])).toEqual(['new-running', 'old-pending']);
	});
});

describe('the workload selector as a label selector', () => {
	test('matchLabels and every matchExpressions operator, as metav1.LabelSelectorAsSelector', () => {
		expect(selectorString({matchLabels: {app: 'web', tier: 'db'}})).toBe('app=web,tier=db');
		expect(
			selectorString({
				matchExpressions: [
					{key: 'env', operator: 'In', values: ['prod', 'canary']},
					{key: 'zone', operator: 'NotIn', values: ['b']},
					{key: 'managed', operator: 'Exists'},
					{key: 'legacy', operator: 'DoesNotExist'},
				],
			}),
		).toBe('env in (canary,prod),zone notin (b),managed,!legacy');
		expect(selectorString({})).toBeUndefined();
		expect(() => selectorString({matchExpressions: [{key: 'a', operator: 'Near'}]})).toThrow('"Near" is not a valid label selector operator');
	});
});
