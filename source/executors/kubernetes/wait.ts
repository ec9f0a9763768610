/**
 * Runs a Kubernetes `wait`: resolves the kind, then keeps the matching objects
 * current with a list and a watch (watch.ts; a name becomes the field selector
 * `metadata.name=<name>`, a selector the label selector) and judges them
 * (wait-kinds.ts) after the list and after every event, so the wait ends
 * within milliseconds of the change that makes it hold. What is left is
 * reported through `onProgress` whenever the message changes. Zero matches
 * make `deleted` hold at once (unlike `kubectl wait --for=delete` on a
 * selector, kubernetes/kubernetes#83242).
 */
import type {KubeResult} from '../../engine/kubernetes-port.js';
import type {ActionIO, PortContext} from './context.js';
import {KubeApiError} from './client.js';
import {resourcePath, type ResourceInfo} from './discovery.js';
import {planWait, type Verdict, type WaitPlan} from './wait-kinds.js';
import {type KubeObject, retryDelay, sleep, watchObjects, type WatchNote} from './watch.js';

/** Waits until the condition holds (ok), can never hold (final failure), or the request is aborted. */
export async function wait(ctx: PortContext, io: ActionIO): Promise<KubeResult> {
	const {signal} = io.request;
	let plan: WaitPlan;
	try {
		plan = planWait(io.request.spec);
	} catch (error) {
		return {ok: false, final: true, error: (error as Error).message};
	}
	const info = await resolveKind(ctx, io, plan);
	if (!info) return {ok: false, error: 'stopped while waiting: the API server did not answer discovery'};
	if (plan.waitKind === 'rollout' && info.group !== 'apps') {
		return {ok: false, final: true, error: `rollout works on Deployment, StatefulSet and DaemonSet, not ${info.kind}`};
	}
	const namespace = info.namespaced ? (plan.namespace ?? io.request.namespace) : undefined;
	const names = {kind: info.kind, singular: info.singular, plural: info.plural};
	const target = {
		path: resourcePath(info, namespace),
		...(plan.selector ? {labelSelector: plan.selector} : {}),
		...(plan.name ? {fieldSelector: `metadata.name=${plan.name}`} : {}),
	};
	const what = [plan.name ? `${info.singular} ${plan.name}` : plan.selector ? `${info.plural} matching ${plan.selector}` : info.plural, namespace ? `in ${namespace}` : ''].filter(Boolean).join(' ');
	io.note(`wait.${plan.waitKind}: ${what}`);

	let verdict: Verdict = {state: 'waiting', message: 'listing'};
	let shown = '';
	const check = (objects: ReadonlyMap<string, KubeObject>): boolean => {
		const sorted = [...objects.values()].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
		verdict = plan.judge(sorted, names);
		if (verdict.message !== shown) {
			shown = verdict.message;
			io.progress(verdict.message);
		}
		return verdict.state !== 'waiting';
	};
	const requestsBefore = ctx.client.requests;
	const onNote = (note: WatchNote): void => {
		io.note(describeNote(note));
		if (note.type === 'retry') {
			// The operator sees why nothing moves; the next verdict replaces it.
			shown = `${verdict.message} (the API server failed: ${note.error}; retrying)`;
			io.progress(shown);
		}
	};
	const end = await watchObjects(ctx.client, target, check, signal, ctx.settings.watch, onNote);
	const requests = ctx.client.requests - requestsBefore;
	if (end === 'aborted') {
		io.note(`wait.${plan.waitKind} stopped (${requests} API requests): ${verdict.message}`);
		return {ok: false, error: `stopped while waiting: ${verdict.message}`};
	}
	io.note(`wait.${plan.waitKind} ${verdict.state === 'ok' ? 'holds' : 'failed'} (${requests} API requests): ${verdict.message}`);
	if (verdict.state === 'ok') return {ok: true};
	return {ok: false, final: true, error: verdict.message};
}

/**
 * The resource of the wait's kind. A server that does not answer (or answers
 * 429/5xx) is asked again, with a growing pause, until the request is
 * aborted (undefined); other failures (an unknown kind) are thrown.
 */
async function resolveKind(ctx: PortContext, io: ActionIO, plan: WaitPlan): Promise<ResourceInfo | undefined> {
	const {signal} = io.request;
	for (let failures = 0; ; failures++) {
		try {
			return await ctx.discovery.resolve(plan.kind, plan.apiVersion, signal);
		} catch (error) {
			if (signal.aborted) return undefined;
			if (!(error instanceof KubeApiError) || !error.transient) throw error;
			const delayMs = retryDelay(failures, ctx.settings.watch);
			io.note(`discovery failed: ${error.message}; retrying in ${delayMs} ms`);
			io.progress(`the API server failed: ${error.message}; retrying`);
			await sleep(delayMs, signal);
		}
	}
}

function describeNote(note: WatchNote): string {
	switch (note.type) {
		case 'listed':
			return `listed ${note.count} at resourceVersion ${note.resourceVersion}`;
		case 'restart':
			if (note.why === 'quiet') return `watch quiet for too long: restarted from resourceVersion ${note.resourceVersion}`;
			return `watch ${note.why === 'broken' ? 'connection broke' : 'ended'}: restarted from resourceVersion ${note.resourceVersion}`;
		case 'gone':
			return 'watch expired (410 Gone): listing again';
		case 'retry':
			return `API request failed: ${note.error}; retrying in ${note.delayMs} ms`;
	}
}
