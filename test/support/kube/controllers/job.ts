/**
 * Job controller (after pkg/controller/job, one completion, no parallelism): the API
 * server's defaulting (a `controller-uid` selector and `controller-uid`/`job-name`
 * template labels), one pod `<name>-<5 chars>`, then after jobDurationMs:
 * - success: pod Succeeded, `status.succeeded=1`, `completionTime`, condition Complete;
 * - with the annotation `test.runbook/fail: "true"`: pod Failed, `status.failed`,
 *   condition Failed with reason BackoffLimitExceeded (as a Job whose pods keep failing).
 */
import type {ClusterContext} from '../context.js';
import {RESOURCE_TYPES, type KubeObject} from '../resources.js';
import {randomSuffix} from '../store.js';
import {createPodFromTemplate, finishPod} from './pods.js';

const JOB = RESOURCE_TYPES.find((t) => t.kind === 'Job')!;

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** One reconcile step of a Job. */
export function reconcileJob(ctx: ClusterContext, job: KubeObject): void {
	const uid: string = job.metadata.uid;
	if (!job.spec?.selector) {
		job.spec = {...job.spec, selector: {matchLabels: {'controller-uid': uid}}};
		job.spec.template = job.spec.template ?? {};
		job.spec.template.metadata = {...job.spec.template.metadata, labels: {...job.spec.template.metadata?.labels, 'controller-uid': uid, 'job-name': job.metadata.name}};
		ctx.store.update(JOB, job);
		return;
	}
	if (job.status?.completionTime || (job.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Failed' && c.status === 'True')) {
		return;
	}
	if (!job.status?.startTime) {
		const pod = createPodFromTemplate(ctx, job, `${job.metadata.name}-${randomSuffix(5)}`, {'controller-uid': uid, 'job-name': job.metadata.name});
		job.status = {startTime: now(), active: 1};
		ctx.store.update(JOB, job);
		const fail = job.metadata.annotations?.['test.runbook/fail'] === 'true';
		ctx.later(ctx.options.jobDurationMs, () => finish(ctx, job, pod, fail));
	}
}

function finish(ctx: ClusterContext, started: KubeObject, pod: KubeObject, fail: boolean): void {
	const job = ctx.store.get(JOB, started.metadata.namespace, started.metadata.name);
	if (!job || job.metadata.uid !== started.metadata.uid) {
		return;
	}
	finishPod(ctx, pod, fail ? 'Failed' : 'Succeeded');
	const time = now();
	if (fail) {
		job.status = {
			startTime: job.status?.startTime, failed: (job.spec?.backoffLimit ?? 6) + 1,
			conditions: [{type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: time, lastTransitionTime: time}],
		};
	} else {
		job.status = {
			startTime: job.status?.startTime, completionTime: time, succeeded: 1,
			conditions: [{type: 'Complete', status: 'True', lastProbeTime: time, lastTransitionTime: time}],
		};
	}
	ctx.store.update(JOB, job);
}
