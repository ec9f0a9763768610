/**
 * The pure parts of waits: rollout verdicts (kubectl's rollout_status.go rules),
 * wait plans and verdict messages, JSONPath reading, progress formatting.
 */
import {describe, expect, test, vi} from 'vitest';
import {displayPath, formatJsonPathValues, readJsonPath, toJsonPathPlus} from '../../../source/executors/kubernetes/jsonpath.js';
import {formatEta, formatRate, TransferProgress} from '../../../source/executors/kubernetes/progress.js';
import {formatBytes} from '../../../source/engine/bytes.js';
import {rolloutStatus} from '../../../source/executors/kubernetes/rollout.js';
import {planWait, podReady, type TypeNames} from '../../../source/executors/kubernetes/wait-kinds.js';

const POD_NAMES: TypeNames = {kind: 'Pod', singular: 'pod', plural: 'pods'};
const pod = (name: string, ready = true, extra: Record<string, unknown> = {}) => ({
	metadata: {name, ...extra},
	spec: {containers: [{name: 'a'}, {name: 'b'}]},
	status: {
		containerStatuses: [
			{name: 'a', ready: true},
			{name: 'b', ready},
		],
	},
});

describe('rolloutStatus', () => {
	const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = {replicas: 3}, generation = 2) => ({metadata: {name: 'web', generation}, spec, status});
	test.each([
		[deployment({observedGeneration: 1}), 'waiting', 'rollout: waiting for the spec update to be observed'],
		[deployment({observedGeneration: 2, updatedReplicas: 1, replicas: 3, availableReplicas: 3}), 'waiting', 'rollout: 1 of 3 updated'],
		[deployment({observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3}), 'waiting', 'rollout: 1 old replicas pending termination'],
		[deployment({observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2}), 'waiting', 'rollout: 2 of 3 updated replicas available'],
		[deployment({observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3}), 'ok', 'rollout complete: 3 of 3 updated'],
		[deployment({observedGeneration: 2, updatedReplicas: 1, replicas: 1, availableReplicas: 1}, {}), 'ok', 'rollout complete: 1 of 1 updated'],
		[deployment({observedGeneration: 2, conditions: [{type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded'}]}), 'fail', 'deployment web exceeded its progress deadline'],
	])('Deployment %#', (object, state, message) => {
		expect(rolloutStatus('Deployment', object)).toEqual({state, message});
	});

	const sts = (status: Record<string, unknown>, spec: Record<string, unknown> = {replicas: 3}) => ({metadata: {name: 'db', generation: 1}, spec, status});
	test.each([
		[sts({}), 'waiting', 'rollout: waiting for the spec update to be observed'],
		[sts({observedGeneration: 1, readyReplicas: 2}), 'waiting', 'rollout: 2 of 3 ready'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'db-1', updateRevision: 'db-2'}), 'waiting', 'rollout: 1 of 3 updated to revision db-2'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2'}), 'ok', 'rollout complete: 3 of 3 at revision db-2'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 1}, {replicas: 3, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 1}}}), 'waiting', 'rollout: 1 of 2 updated (partition 1)'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2}, {replicas: 3, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 1}}}), 'ok', 'rollout complete: 2 of 2 updated (partition 1)'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 2, currentRevision: 'db-1', updateRevision: 'db-2'}, {replicas: 3, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}}), 'waiting', 'rollout: 2 of 3 updated'],
		[sts({observedGeneration: 1, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-1', updateRevision: 'db-2'}, {replicas: 3, updateStrategy: {type: 'RollingUpdate', rollingUpdate: {partition: 0}}}), 'ok', 'rollout complete: 3 of 3 updated'],
		[sts({observedGeneration: 1}, {replicas: 3, updateStrategy: {type: 'OnDelete'}}), 'fail', 'rollout status is only available for the RollingUpdate strategy (statefulset db uses OnDelete)'],
	])('StatefulSet %#', (object, state, message) => {
		expect(rolloutStatus('StatefulSet', object)).toEqual({state, message});
	});

	const ds = (status: Record<string, unknown>) => ({metadata: {name: 'agent', generation: 1}, spec: {}, status: {observedGeneration: 1, desiredNumberScheduled: 3, ...status}});
	test.each([
		[ds({updatedNumberScheduled: 2, numberAvailable: 3}), 'waiting', 'rollout: 2 of 3 updated'],
		[ds({updatedNumberScheduled: 3, numberAvailable: 2}), 'waiting', 'rollout: 2 of 3 updated pods available'],
		[ds({updatedNumberScheduled: 3, numberAvailable: 3}), 'ok', 'rollout complete: 3 of 3 updated'],
	])('DaemonSet %#', (object, state, message) => {
		expect(rolloutStatus('DaemonSet', object)).toEqual({state, message});
	});
});

describe('planWait and verdicts', () => {
	test('deleted: zero matches holds; otherwise names what is left', () => {
		const plan = planWait({deleted: {kind: 'Pod', selector: 'app=spire-server'}});
		expect(plan.judge([], POD_NAMES)).toEqual({state: 'ok', message: 'no pods matching app=spire-server left'});
		expect(plan.judge([pod('spire-server-0'), pod('spire-server-1')], POD_NAMES)).toEqual({state: 'waiting', message: '2 pods left: spire-server-0, spire-server-1'});
		expect(plan.judge([pod('spire-server-0')], POD_NAMES).message).toBe('1 pod left: spire-server-0');
		const many = Array.from({length: 7}, (_, i) => pod(`p-${i}`));
		expect(plan.judge(many, POD_NAMES).message).toBe('7 pods left: p-0, p-1, p-2, p-3, p-4 and 2 more');
	});

	test('jsonpath: value and target in the message; `in` lists', () => {
		const names = {kind: 'postgresql', singular: 'postgresql', plural: 'postgresqls'};
		const plan = planWait({jsonpath: {kind: 'postgresql', name: 'spire-postgres', path: '.status.PostgresClusterStatus', equals: 'Running'}});
		expect(plan.judge([], names).message).toBe('postgresql spire-postgres does not exist yet');
		expect(plan.judge([{metadata: {name: 'x'}}], names).message).toBe('status.PostgresClusterStatus: <none> (waiting for Running)');
		expect(plan.judge([{metadata: {name: 'x'}, status: {PostgresClusterStatus: 'Creating'}}], names)).toEqual({state: 'waiting', message: 'status.PostgresClusterStatus: Creating (waiting for Running)'});
		expect(plan.judge([{metadata: {name: 'x'}, status: {PostgresClusterStatus: 'Running'}}], names)).toEqual({state: 'ok', message: 'status.PostgresClusterStatus: Running'});
		const any = planWait({jsonpath: {kind: 'Pod', name: 'x', path: '{.status.phase}', in: ['Running', 'Succeeded']}});
		expect(any.judge([{metadata: {name: 'x'}, status: {phase: 'Pending'}}], POD_NAMES).message).toBe('status.phase: Pending (waiting for one of Running, Succeeded)');
		expect(any.judge([{metadata: {name: 'x'}, status: {phase: 'Succeeded'}}], POD_NAMES).state).toBe('ok');
	});

	test('condition: default status True; stale generations do not count', () => {
		const plan = planWait({condition: {kind: 'Deployment', name: 'web', type: 'Available'}});
		const names = {kind: 'Deployment', singular: 'deployment', plural: 'deployments'};
		expect(plan.judge([{metadata: {name: 'web'}}], names).message).toBe('condition Available: not reported yet (waiting for True)');
		expect(plan.judge([{metadata: {name: 'web'}, status: {conditions: [{type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable'}]}}], names).message).toBe('condition Available: False, reason MinimumReplicasUnavailable (waiting for True)');
		expect(plan.judge([{metadata: {name: 'web', generation: 3}, status: {conditions: [{type: 'Available', status: 'True', observedGeneration: 2}]}}], names).state).toBe('waiting');
		expect(plan.judge([{metadata: {name: 'web'}, status: {conditions: [{type: 'Available', status: 'True'}]}}], names)).toEqual({state: 'ok', message: 'condition Available: True'});
	});

	test('jobComplete: Failed fails with the reason', () => {
		const plan = planWait({jobComplete: {name: 'restore'}});
		expect(plan.kind).toBe('Job');
		expect(plan.judge([{metadata: {name: 'restore'}, status: {active: 1}}], POD_NAMES)).toEqual({state: 'waiting', message: 'job restore: 1 active, 0 succeeded, 0 failed'});
		expect(plan.judge([{metadata: {name: 'restore'}, status: {failed: 1, conditions: [{type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit'}]}}], POD_NAMES)).toEqual({
			state: 'fail',
			message: 'job restore failed: BackoffLimitExceeded (Job has reached the specified backoff limit)',
		});
		expect(plan.judge([{metadata: {name: 'restore'}, status: {succeeded: 1, conditions: [{type: 'Complete', status: 'True'}]}}], POD_NAMES).state).toBe('ok');
	});

	test('podsReady: exactly count pods, all containers ready', () => {
		const plan = planWait({podsReady: {selector: 'app=db', count: 2}});
		expect(plan.judge([pod('db-0'), pod('db-1')], POD_NAMES)).toEqual({state: 'ok', message: '2 of 2 pods ready'});
		expect(plan.judge([pod('db-0'), pod('db-1', false)], POD_NAMES)).toEqual({state: 'waiting', message: '1 of 2 pods ready; not ready: db-1'});
		expect(plan.judge([pod('db-0'), pod('db-1'), pod('db-2')], POD_NAMES).message).toBe('3 of 2 pods ready, 3 match app=db (waiting for exactly 2)');
		expect(plan.judge([pod('db-0')], POD_NAMES).message).toBe('1 of 2 pods ready, 1 match app=db (waiting for exactly 2)');
		expect(podReady(pod('x', true, {deletionTimestamp: '2024-01-01T00:00:00Z'}))).toBe(false);
		expect(podReady({metadata: {name: 'x'}, spec: {containers: [{name: 'a'}, {name: 'b'}]}, status: {containerStatuses: [{name: 'a', ready: true}]}})).toBe(false);
	});

	test('refuses a spec with no kind, two kinds, or missing fields', () => {
		expect(() => planWait({})).toThrow('wait needs exactly one of deleted, exists, jsonpath, condition, rollout, jobComplete, podsReady (got none)');
		expect(() => planWait({command: {run: 'true'}})).toThrow('(got command)');
		expect(() => planWait({exists: {kind: 'Pod'}, deleted: {kind: 'Pod'}})).toThrow('(got exists, deleted)');
		expect(() => planWait({jsonpath: {kind: 'Pod', name: 'x', path: '.status.phase'}})).toThrow('wait.jsonpath needs equals or in');
		expect(() => planWait({podsReady: {selector: 'a=b', count: -1}})).toThrow('wait.podsReady needs count');
		expect(() => planWait({rollout: {kind: 'Deployment'}})).toThrow('wait.rollout needs name');
	});
});

describe('jsonpath', () => {
	const object = {
		status: {
			phase: 'Running',
			conditions: [
				{type: 'Ready', status: 'True'},
				{type: 'Initialized', status: 'False'},
			],
			n: 3,
			'a.b': 'dotted',
		},
	};
	test('kubectl paths with or without braces', () => {
		expect(toJsonPathPlus('.status.phase')).toBe('$.status.phase');
		expect(toJsonPathPlus('{.status.phase}')).toBe('$.status.phase');
		expect(readJsonPath(object, '.status.phase')).toEqual(['Running']);
		expect(readJsonPath(object, '{.status.conditions[?(@.type=="Ready")].status}')).toEqual(['True']);
		expect(readJsonPath(object, ".status['a.b']")).toEqual(['dotted']);
		expect(readJsonPath(object, '.status.conditions[1].type')).toEqual(['Initialized']);
		expect(readJsonPath(object, '.status.missing')).toEqual([]);
		expect(displayPath('{.status.phase}')).toBe('status.phase');
		expect(formatJsonPathValues([3])).toBe('3');
		expect(formatJsonPathValues([])).toBe('<none>');
		expect(formatJsonPathValues(['a', 'b'])).toBe('a b');
	});
});

describe('progress', () => {
	test('bytes, rates and ETAs', () => {
		expect(formatBytes(512)).toBe('512 B');
		expect(formatBytes(412 * 1024 * 1024)).toBe('412 MiB');
		expect(formatBytes(1024 ** 3)).toBe('1.0 GiB');
		expect(formatBytes(1024 ** 3 - 1)).toBe('1.0 GiB');
		expect(formatBytes(9.5 * 1024)).toBe('9.5 KiB');
		expect(formatRate(95 * 1024 * 1024)).toBe('95 MiB/s');
		expect(formatRate(3.21 * 1024 * 1024)).toBe('3.2 MiB/s');
		expect(formatEta(6.2)).toBe('7s');
		expect(formatEta(125)).toBe('2m05s');
		expect(formatEta(3720)).toBe('1h02m');
	});

	test('reports are throttled: one per interval, the first at once', () => {
		// performance.now() is faked: it moves only when the test moves it.
		vi.useFakeTimers({toFake: ['performance']});
		try {
			const lines: string[] = [];
			const progress = new TransferProgress('stdin', 1024 ** 3, 250, line => lines.push(line));
			for (let i = 0; i < 100; i++) progress.add(1024 * 1024);
			expect(lines).toHaveLength(1); // the first add reports; the rest come within the same 250 ms
			vi.advanceTimersByTime(249);
			progress.add(1024 * 1024);
			expect(lines).toHaveLength(1);
			vi.advanceTimersByTime(1);
			progress.add(1024 * 1024);
			expect(lines).toHaveLength(2);
			expect(lines[1]).toMatch(/^stdin: 102 MiB of 1\.0 GiB \(9%\), /);
		} finally {
			vi.useRealTimers();
		}
	});

	test('the progress line and the closing line have the shape of the example', () => {
		const progress = new TransferProgress('stdin', 1024 ** 3, 250, () => {});
		for (let i = 0; i < 100; i++) progress.add(1024 * 1024);
		expect(progress.line()).toMatch(/^stdin: 100 MiB of 1\.0 GiB \(9%\), \d+(\.\d)? MiB\/s, ETA (\d+s|\d+m\d\ds|\d+h\d\dm)$/);
		expect(progress.finish()).toMatch(/^stdin: 100 MiB sent in \d+(\.\d)?s \(\d+(\.\d)? MiB\/s\)$/);
	});
});
