/**
 * The engine, driven with fake ports: Given a runbook and the operator's
 * answers, When the run goes, Then these steps ran, these questions were
 * asked, and the saved state says this.
 */
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema, type Runbook} from '../../source/runbook/schema.js';
import {Runner} from '../../source/engine/runner.js';
import {newRunState, reconcileForResume} from '../../source/engine/transitions.js';
import type {RunEvent} from '../../source/engine/events.js';
import type {RunState} from '../../source/engine/state.js';
import {FakeClock, FakeKubernetes, FakeShell, MemoryStore, ScriptedOperator} from '../support/fake-ports.js';
import {systemClock} from '../../source/engine/clock.js';
import type {Operator} from '../../source/engine/ports.js';
import {PlainOperator} from '../../source/ui/plain.js';

function book(yaml: string): Runbook {
	return runbookSchema.parse(parse(yaml));
}

/** Fake ports and a runner factory; `realClock` uses the system clock (a fake sleep would fire at once, so timeouts need it). */
function setup(runbook: Runbook, options: {vars?: Record<string, string>; secrets?: Record<string, string>; state?: RunState; resumed?: boolean; realClock?: boolean; operator?: Operator} = {}) {
	const shell = new FakeShell();
	const store = new MemoryStore();
	const clock = new FakeClock();
	const operator = new ScriptedOperator();
	const state =
		options.state ??
		newRunState({
			runId: 'r1',
			runbookPath: '/rb/test.yaml',
			runbookHash: 'h1',
			title: runbook.title,
			stepIds: runbook.steps.map(s => s.id),
			by: 'alice@host',
			at: clock.now(),
			cwd: '/tmp',
			vars: options.vars ?? {},
			secretVars: Object.keys(options.secrets ?? {}),
		});
	const events: RunEvent[] = [];
	const make = () => {
		const runner = new Runner({
			runbook,
			runbookDir: '/rb',
			state,
			runDir: '/state/runs/r1',
			ports: {shell, store, clock: options.realClock ? systemClock : clock, operator: options.operator ?? operator},
			secrets: options.secrets ?? {},
			by: 'alice@host',
			resumed: options.resumed ?? false,
		});
		runner.subscribe(e => events.push(e));
		return runner;
	};
	return {shell, store, clock, operator, events, make};
}

const three = book(`
version: 1
title: Three steps
steps:
  - id: one
    run: echo one
  - id: two
    run: echo two
  - id: three
    run: echo three
`);

/** A new run of `rb` with `vars`, its Kubernetes port a FakeKubernetes that records the requests. */
function kubeRunner(rb: Runbook, vars: Record<string, string>) {
	const t = setup(rb, {vars});
	const kube = new FakeKubernetes();
	const runner = new Runner({
		runbook: rb,
		runbookDir: '/rb',
		state: newRunState({runId: 'r', runbookPath: '/rb/x.yaml', runbookHash: 'h', title: 't', stepIds: rb.steps.map(s => s.id), by: 'a@h', at: new Date(), cwd: '/tmp', vars, secretVars: []}),
		runDir: '/tmp/r',
		ports: {shell: t.shell, store: t.store, clock: t.clock, operator: t.operator, kubernetes: kube},
		secrets: {},
		by: 'a@h',
		resumed: false,
	});
	return {t, kube, runner};
}

describe('Runner: the happy path', () => {
	it('runs every step in order, asks the gate before each, and completes', async () => {
		const t = setup(three);
		const status = await t.make().start();
		expect(status).toBe('completed');
		expect(t.shell.ran()).toEqual(['one', 'two', 'three']);
		expect(t.operator.asked).toEqual(['gate:one', 'gate:two', 'gate:three']);
		expect(t.store.last.status).toBe('completed');
		expect(Object.values(t.store.last.steps).map(s => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
	});

	it('saves the state at every transition: a step is saved running before its command returns', async () => {
		const t = setup(three);
		let savedWhileRunning: RunState | undefined;
		t.shell.on('two', async request => {
			savedWhileRunning = structuredClone(t.store.last);
			return {exitCode: 0, durationMs: 1, aborted: false, ...(request.capture ? {stdout: ''} : {})};
		});
		await t.make().start();
		expect(savedWhileRunning?.steps.two.status).toBe('running');
		expect(savedWhileRunning?.steps.two.attempts).toHaveLength(1);
		expect(savedWhileRunning?.steps.one.status).toBe('succeeded');
	});

	it('records attempts with exit code, log path and operator', async () => {
		const t = setup(three);
		await t.make().start();
		const attempt = t.store.last.steps.one.attempts[0];
		expect(attempt).toMatchObject({n: 1, exitCode: 0, outcome: 'succeeded', log: 'logs/one.1.log', by: 'alice@host'});
		expect(t.shell.requests[0].logPath).toBe('/state/runs/r1/logs/one.1.log');
	});
});

describe('Runner: variables', () => {
	const rb = book(`
version: 1
title: Vars
params:
  DB: {default: synapse}
  PASS: {secret: true}
steps:
  - id: count
    run: echo 42
    capture: COUNT
  - id: use
    env: {TARGET: "$DB-$COUNT"}
    run: echo "$TARGET $PASS"
`);

	it('passes params, captures and step env as environment variables, never in the script text', async () => {
		const t = setup(rb, {vars: {DB: 'synapse'}, secrets: {PASS: 'hunter2'}});
		t.shell.on('count', {exitCode: 0, stdout: ['  42  ']});
		await t.make().start();
		const use = t.shell.requests[1];
		expect(use.script).toBe('echo "$TARGET $PASS"\n'.trimEnd());
		expect(use.env).toMatchObject({DB: 'synapse', COUNT: '42', TARGET: 'synapse-42', PASS: 'hunter2'});
		expect(t.store.last.vars.COUNT).toBe('42');
	});

	it('never saves a secret value, and redacts it from output', async () => {
		const t = setup(rb, {vars: {DB: 'synapse'}, secrets: {PASS: 'hunter2'}});
		t.shell.on('use', {exitCode: 0, stdout: ['the pass is hunter2!']});
		await t.make().start();
		expect(JSON.stringify(t.store.saved)).not.toContain('hunter2');
		const output = t.events.filter(e => e.type === 'output').flatMap(e => (e.type === 'output' ? e.lines : []));
		expect(output).toContain('the pass is ***!');
	});
});

describe('Runner: when, confirm, destructive', () => {
	const rb = book(`
version: 1
title: Guards
params:
  MODE: {default: docker, choices: [docker, server]}
  DB: {default: synapse}
steps:
  - id: only-docker
    when: {var: MODE, equals: docker}
    run: echo docker
  - id: only-server
    when: {var: MODE, equals: server}
    run: echo server
  - id: drop
    confirm: Drop $DB?
    destructive: $DB
    run: dropdb "$DB"
`);

	it('skips a step whose when does not hold, with a note saying why', async () => {
		const t = setup(rb, {vars: {MODE: 'docker', DB: 'synapse'}});
		await t.make().start();
		expect(t.shell.ran()).toEqual(['only-docker', 'drop']);
		expect(t.store.last.steps['only-server']).toMatchObject({status: 'skipped', note: expect.stringContaining('MODE is "docker"')});
	});

	it('a destructive step with a confirm question asks once: the question with the word to type (the resolved database name)', async () => {
		const t = setup(rb, {vars: {MODE: 'docker', DB: 'synapse'}});
		await t.make().start();
		expect(t.operator.asked).not.toContain('confirm:drop');
		expect(t.operator.asked).toContain('destructive:drop');
		expect(t.operator.words).toEqual(['synapse']);
		expect(t.store.last.decisions.filter(d => d.stepId === 'drop').map(d => d.kind)).toEqual(['confirm']);
	});

	it('declining leaves the step pending and goes back to its gate; quitting there aborts', async () => {
		const t = setup(rb, {vars: {MODE: 'docker', DB: 'synapse'}});
		t.operator.answers.destructive.push('no');
		t.operator.answers.gate.push('run', 'run', 'quit');
		const status = await t.make().start();
		expect(status).toBe('aborted');
		expect(t.shell.ran()).toEqual(['only-docker']);
		expect(t.store.last.steps.drop.status).toBe('pending');
		expect(t.store.last.decisions.map(d => d.kind)).toContain('decline');
	});
});

describe('Runner: failures, retries, continueOnError', () => {
	const rb = book(`
version: 1
title: Failures
steps:
  - id: flaky
    run: exit 1
    retries: 2
    retryDelay: 5s
  - id: tolerant
    run: exit 3
    okExitCodes: [0, 3]
  - id: optional
    run: exit 9
    continueOnError: true
  - id: last
    run: "true"
`);

	it('retries after the delay and succeeds on a later attempt', async () => {
		const t = setup(rb);
		t.shell.on('flaky', {exitCode: 1}, {exitCode: 1}, {exitCode: 0}).on('tolerant', {exitCode: 3}).on('optional', {exitCode: 9});
		const status = await t.make().start();
		expect(status).toBe('completed');
		expect(t.store.last.steps.flaky.attempts.map(a => a.outcome)).toEqual(['failed', 'failed', 'succeeded']);
		expect(t.clock.sleeps.filter(ms => ms === 5000)).toHaveLength(2);
		expect(t.store.last.steps.tolerant.status).toBe('succeeded');
		expect(t.store.last.steps.optional.status).toBe('failed');
		expect(t.shell.ran()).toContain('last');
	});

	it('asks the operator after the last retry; quit ends the run failed', async () => {
		const t = setup(rb);
		t.shell.on('flaky', {exitCode: 1});
		const status = await t.make().start();
		expect(status).toBe('failed');
		expect(t.operator.failures).toEqual([expect.objectContaining({error: 'exit code 1', exitCode: 1, attempt: 3})]);
		expect(t.shell.ran()).toEqual(['flaky', 'flaky', 'flaky']);
	});

	it('operator retry runs again, skip and mark done move on', async () => {
		const t = setup(rb);
		t.shell.on('flaky', {exitCode: 1}, {exitCode: 1}, {exitCode: 1}, {exitCode: 0});
		t.operator.answers.failure.push('retry');
		expect(await t.make().start()).toBe('completed');
		expect(t.store.last.steps.flaky.attempts).toHaveLength(4);
		expect(t.store.last.decisions.map(d => d.kind)).toContain('retry');

		const s = setup(rb);
		s.shell.on('flaky', {exitCode: 1});
		s.operator.answers.failure.push('mark-done');
		expect(await s.make().start()).toBe('completed');
		expect(s.store.last.steps.flaky).toMatchObject({status: 'succeeded', note: expect.stringContaining('marked done')});
	});
});

/** A runbook of one `run` step with a `timeout`. */
function timedStep(id: string, run: string, timeout: string): Runbook {
	return runbookSchema.parse({version: 1, title: id, steps: [{id, run, timeout}]});
}

describe('Runner: timeouts and stopping', () => {
	it('a step that runs past its timeout fails with "timed out"', async () => {
		const rb = timedStep('slow', 'sleep 100', '1s');
		const t = setup(rb, {realClock: true});
		t.shell.on('slow', request => new Promise(resolve => request.signal.addEventListener('abort', () => resolve({exitCode: null, signal: 'SIGTERM', durationMs: 1000, aborted: true}))));
		expect(await t.make().start()).toBe('failed');
		expect(t.store.last.steps.slow.attempts[0]).toMatchObject({outcome: 'timed-out', error: 'timed out after 1s'});
	});

	it('a wait that timed out offers "wait longer": another wait of its timeout, journalled as wait-longer', async () => {
		const rb = book(`
version: 1
title: Waiting
steps:
  - id: ready
    wait:
      command: {run: test -f ready, interval: 50ms}
    timeout: 300ms
`);
		const t = setup(rb, {realClock: true});
		let checks = 0;
		let ready = false;
		t.shell.on('ready', () => {
			checks++;
			return {exitCode: ready ? 0 : 1, durationMs: 1, aborted: false};
		});
		const operator = t.operator;
		operator.answers.failure.push('wait-longer');
		const onFailure = operator.onFailure.bind(operator);
		operator.onFailure = async (step, failure) => {
			ready = true; // the condition holds during the longer wait
			return onFailure(step, failure);
		};
		expect(await t.make().start()).toBe('completed');
		expect(operator.failures).toEqual([expect.objectContaining({error: 'timed out after 300ms', waitLonger: '300ms'})]);
		expect(t.store.last.steps.ready.attempts.map(a => a.outcome)).toEqual(['timed-out', 'succeeded']);
		expect(t.store.last.decisions.filter(d => d.kind === 'wait-longer')).toEqual([expect.objectContaining({stepId: 'ready', detail: 'waiting another 300ms'})]);
		// At least one check in each wait; how many fit in 300 ms depends on the machine's load.
		expect(checks).toBeGreaterThanOrEqual(2);
	});

	it('a failed run step offers no "wait longer"; the answer, if given anyway, is a retry, never a mark done', async () => {
		const t = setup(three);
		t.shell.on('two', {exitCode: 3}, {exitCode: 0});
		t.operator.answers.failure.push('wait-longer');
		expect(await t.make().start()).toBe('completed');
		expect(t.operator.failures[0].waitLonger).toBeUndefined();
		expect(t.store.last.steps.two.attempts.map(a => a.outcome)).toEqual(['failed', 'succeeded']);
		expect(t.store.last.decisions.map(d => d.kind)).toContain('retry');
	});

	it('a stop while a command runs records the step interrupted and aborts the run', async () => {
		const t = setup(three);
		let runner!: Runner;
		t.shell.on('two', request => {
			queueMicrotask(() => runner.requestStop('operator quit'));
			return new Promise(resolve => request.signal.addEventListener('abort', () => resolve({exitCode: null, signal: 'SIGTERM', durationMs: 3, aborted: true})));
		});
		runner = t.make();
		expect(await runner.start()).toBe('aborted');
		expect(t.store.last.steps.two.status).toBe('interrupted');
		expect(t.store.last.steps.three.status).toBe('pending');
		expect(t.store.last.status).toBe('aborted');
	});

	it('a second stop while the command is stopping aborts its kill signal (SIGKILL now), with a notice for each', async () => {
		const t = setup(three);
		let runner!: Runner;
		const seen: string[] = [];
		t.shell.on('two', request => {
			request.onStart?.(4242, 'command-id');
			queueMicrotask(() => runner.requestStop('received SIGINT'));
			return new Promise(resolve => {
				request.signal.addEventListener('abort', () => {
					seen.push(`term, kill aborted: ${request.kill?.aborted}`);
					// The command ignores SIGTERM; the operator asks again.
					queueMicrotask(() => runner.requestStop('received SIGINT'));
				});
				request.kill?.addEventListener('abort', () => {
					seen.push('kill');
					resolve({exitCode: null, signal: 'SIGKILL', durationMs: 3, aborted: true});
				});
			});
		});
		runner = t.make();
		const notices: string[] = [];
		runner.subscribe(event => void (event.type === 'notice' && notices.push(event.message)));
		expect(await runner.start()).toBe('aborted');
		expect(seen).toEqual(['term, kill aborted: false', 'kill']);
		expect(notices).toEqual(['received SIGINT: SIGTERM sent; SIGKILL in 10s, or at once if stopped again', 'received SIGINT again: SIGKILL sent to the command at once']);
		expect(t.store.last.steps.two.status).toBe('interrupted');
		// A third request changes nothing.
		runner.requestStop('received SIGINT');
		expect(notices).toHaveLength(2);
	});

	it('a stop after the timeout ran out says the command is already stopping, not that SIGTERM is sent now', async () => {
		const rb = timedStep('stubborn', "trap '' TERM; sleep 100", '200ms');
		const t = setup(rb, {realClock: true});
		let runner!: Runner;
		t.shell.on('stubborn', request => {
			request.onStart?.(4242, 'command-id');
			return new Promise(resolve => {
				// The timeout aborts; the command ignores SIGTERM; the operator stops the run.
				request.signal.addEventListener('abort', () => queueMicrotask(() => runner.requestStop('received SIGINT')));
				request.kill?.addEventListener('abort', () => resolve({exitCode: null, signal: 'SIGKILL', durationMs: 3, aborted: true}));
				setTimeout(() => resolve({exitCode: null, signal: 'SIGKILL', durationMs: 3, aborted: true}), 2000);
			});
		});
		runner = t.make();
		const notices: string[] = [];
		runner.subscribe(event => void (event.type === 'notice' && notices.push(event.message)));
		await runner.start();
		expect(notices[0]).toBe('received SIGINT: the command is already stopping (its timeout ran out); stop again to kill it at once');
	});

	it('a second stop while no command runs (waiting for the operator) sends no kill notice', async () => {
		const t = setup(three);
		let runner!: Runner;
		t.operator.beforeStep = async () => {
			runner.requestStop('SIGTERM');
			runner.requestStop('SIGTERM');
			return new Promise(() => {});
		};
		runner = t.make();
		const notices: string[] = [];
		runner.subscribe(event => void (event.type === 'notice' && notices.push(event.message)));
		expect(await runner.start()).toBe('aborted');
		expect(notices).toEqual([]);
	});

	it('a stop while waiting for the operator ends the run without running the step', async () => {
		const t = setup(three);
		let runner!: Runner;
		t.operator.beforeStep = async () => {
			runner.requestStop('SIGTERM');
			return new Promise(() => {});
		};
		runner = t.make();
		expect(await runner.start()).toBe('aborted');
		expect(t.shell.ran()).toEqual([]);
	});
});

describe('Runner: manual, ask and unsupported steps', () => {
	const rb = book(`
version: 1
title: People
steps:
  - id: choose
    ask: {var: MODE, prompt: "Which?", choices: [a, b]}
  - id: secret
    ask: {var: TOKEN, prompt: "Token?", secret: true}
  - id: agents
    manual: Restart the agents with pdsh.
  - id: scale
    scale: {kind: StatefulSet, name: x, replicas: 0}
`);

	it('asks until the answer is one of the choices; a secret answer is kept out of the state', async () => {
		const t = setup(rb);
		t.operator.answers.ask.push('c', 'b', 's3cr3t');
		t.operator.answers.failure.push('skip');
		expect(await t.make().start()).toBe('completed');
		expect(t.operator.asked.filter(a => a === 'ask:choose')).toHaveLength(2);
		expect(t.store.last.vars.MODE).toBe('b');
		expect(t.store.last.secretVars).toContain('TOKEN');
		expect(JSON.stringify(t.store.saved)).not.toContain('s3cr3t');
		expect(t.store.last.steps.agents).toMatchObject({status: 'succeeded', note: 'done by the operator'});
	});

	it('sends Kubernetes actions to the Kubernetes port with variables resolved; a failure goes to the operator', async () => {
		const t = setup(rb);
		t.operator.answers.ask.push('a', 'tok3n-long');
		t.operator.answers.failure.push('skip');
		const kube = new FakeKubernetes();
		kube.results.push({ok: false, error: 'statefulsets.apps "x" not found'});
		const runner = new Runner({
			runbook: rb,
			runbookDir: '/rb',
			state: newRunState({runId: 'r', runbookPath: '/rb/x.yaml', runbookHash: 'h', title: 't', stepIds: rb.steps.map(s => s.id), by: 'a@h', at: new Date(), cwd: '/tmp', vars: {}, secretVars: []}),
			runDir: '/tmp/r',
			ports: {shell: t.shell, store: t.store, clock: t.clock, operator: t.operator, kubernetes: kube},
			secrets: {},
			by: 'a@h',
			resumed: false,
		});
		const events: RunEvent[] = [];
		runner.subscribe(e => events.push(e));
		await runner.start();
		expect(kube.requests[0]).toMatchObject({kind: 'scale', spec: {kind: 'StatefulSet', name: 'x', replicas: 0}, namespace: 'default-ns', stepId: 'scale'});
		expect(t.operator.failures[0].error).toBe('statefulsets.apps "x" not found');
		expect(events).toContainEqual({type: 'progress', stepId: 'scale', message: '1 pod left: x-0'});
		expect(t.store.last.steps.scale.status).toBe('skipped');
	});
});

describe('Runner: counts from variables (format 1.1)', () => {
	const rb = book(`
version: 1.1
title: Counts
steps:
  - id: scale-down
    scale: {kind: StatefulSet, selector: app=db, replicas: $REPLICAS}
  - id: wait-up
    wait: {podsReady: {selector: app=db, count: "\${PODS}"}}
`);

	const runWith = (vars: Record<string, string>) => kubeRunner(rb, vars);

	it('a whole number goes to the cluster as the variable resolved', async () => {
		const {kube, runner} = runWith({REPLICAS: '0', PODS: '3'});
		expect(await runner.start()).toBe('completed');
		expect(kube.requests.map(r => r.spec)).toEqual([{kind: 'StatefulSet', selector: 'app=db', replicas: '0'}, {podsReady: {selector: 'app=db', count: '3'}}]);
	});

	it('any other value fails the step before anything reaches the cluster, naming the step, the field and the variable', async () => {
		for (const [value, shown] of [
			['', '""'],
			['three', '"three"'],
			['-1', '"-1"'],
			['2.5', '"2.5"'],
			[' 3', '" 3"'],
			['2147483648', '"2147483648"'],
		] as const) {
			const {t, kube, runner} = runWith({REPLICAS: value, PODS: '1'});
			t.operator.answers.failure.push('quit');
			expect(await runner.start()).toBe('failed');
			expect(kube.requests).toEqual([]);
			expect(t.operator.failures[0]!.error).toBe(`step scale-down: scale.replicas is $REPLICAS, whose value ${shown} is not a whole number >= 0; give REPLICAS a count such as 0 or 3`);
		}
		const {t, kube, runner} = runWith({REPLICAS: '1', PODS: 'x'});
		t.operator.answers.failure.push('quit');
		expect(await runner.start()).toBe('failed');
		expect(kube.requests).toHaveLength(1);
		expect(t.operator.failures[0]!.error).toBe('step wait-up: wait.podsReady.count is ${PODS}, whose value "x" is not a whole number >= 0; give PODS a count such as 0 or 3');
	});
});

describe('Runner: checklists (format 1.1)', () => {
	const rb = book(`
version: 1.1
title: Checklist
params:
  VERSION: {default: "2.4"}
steps:
  - id: pre-upgrade
    manual:
      text: Before the upgrade
      items: [Backups taken, "Release notes of $VERSION read", Window announced]
  - id: upgrade
    run: echo upgrade
`);

	it('asks each item in order, saves each tick and journals it as a tick decision by the operator; then the step is done', async () => {
		const t = setup(rb, {vars: {VERSION: '2.4'}});
		expect(await t.make().start()).toBe('completed');
		expect(t.operator.asked.filter(a => a.startsWith('checklist:'))).toEqual(['checklist:pre-upgrade:1', 'checklist:pre-upgrade:2', 'checklist:pre-upgrade:3']);
		expect(t.operator.items[1]).toMatchObject({index: 1, total: 3, text: 'Release notes of 2.4 read'});
		expect(t.operator.items[2]!.items.map(i => i.ticked)).toEqual([true, true, false]);
		const step = t.store.last.steps['pre-upgrade']!;
		expect(step.status).toBe('succeeded');
		expect(step.ticked).toEqual(['Backups taken', 'Release notes of $VERSION read', 'Window announced']);
		const ticks = t.store.last.decisions.filter(d => d.kind === 'tick');
		expect(ticks.map(d => [d.by, d.stepId, d.detail])).toEqual([
			['alice@host', 'pre-upgrade', 'item 1 of 3: Backups taken'],
			['alice@host', 'pre-upgrade', 'item 2 of 3: Release notes of 2.4 read'],
			['alice@host', 'pre-upgrade', 'item 3 of 3: Window announced'],
		]);
		expect(t.events.filter(e => e.type === 'decision' && e.decision.kind === 'tick')).toHaveLength(3);
		// Each tick was saved before the next item was asked.
		const savedTicks = t.store.saved.map(s => s.steps['pre-upgrade']?.ticked?.length ?? 0);
		expect(savedTicks).toEqual([...savedTicks].sort((a, b) => a - b));
		expect(new Set(savedTicks)).toEqual(new Set([0, 1, 2, 3]));
	});

	it('quitting keeps the ticks so far; a resume asks only the items left', async () => {
		const first = setup(rb, {vars: {VERSION: '2.4'}});
		first.operator.answers.checklist.push('tick', 'quit');
		expect(await first.make().start()).toBe('aborted');
		const saved = first.store.last;
		expect(saved.steps['pre-upgrade']!.ticked).toEqual(['Backups taken']);
		const again = setup(rb, {
			state: reconcileForResume(
				saved,
				rb.steps.map(s => s.id),
				'h1',
				new Date(),
			).state,
			resumed: true,
		});
		expect(await again.make().start()).toBe('completed');
		expect(again.operator.asked.filter(a => a.startsWith('checklist:'))).toEqual(['checklist:pre-upgrade:2', 'checklist:pre-upgrade:3']);
		expect(again.store.last.steps['pre-upgrade']!.ticked).toHaveLength(3);
	});

	it('s skips the whole step, and the run goes on', async () => {
		const t = setup(rb, {vars: {VERSION: '2.4'}});
		t.operator.answers.checklist.push('tick', 'skip');
		expect(await t.make().start()).toBe('completed');
		expect(t.store.last.steps['pre-upgrade']).toMatchObject({status: 'skipped', ticked: ['Backups taken']});
		expect(t.store.last.decisions.find(d => d.kind === 'skip')?.detail).toBe('checklist skipped at item 2 of 3');
		expect(t.shell.ran()).toEqual(['upgrade']);
	});
});

describe('resume', () => {
	/** A run of `three` stopped in step two, reconciled for a resume as if the process had died mid-step (the last save says running). */
	async function interruptedAtTwo(): Promise<ReturnType<typeof reconcileForResume>> {
		const first = setup(three);
		let runner!: Runner;
		first.shell.on('two', request => {
			queueMicrotask(() => runner.requestStop('SIGKILL stand-in'));
			return new Promise(resolve => request.signal.addEventListener('abort', () => resolve({exitCode: null, signal: 'SIGKILL', durationMs: 1, aborted: true})));
		});
		runner = first.make();
		await runner.start();
		const saved = structuredClone(first.store.last);
		saved.steps.two.status = 'running';
		return reconcileForResume(
			saved,
			three.steps.map(s => s.id),
			'h1',
			new Date(),
		);
	}

	it('never re-runs succeeded steps; an interrupted step waits for the operator', async () => {
		const reconciled = await interruptedAtTwo();
		expect(reconciled.interrupted).toEqual(['two']);

		const second = setup(three, {state: reconciled.state, resumed: true});
		second.operator.answers.interrupted.push('mark-done');
		expect(await second.make().start()).toBe('completed');
		expect(second.shell.ran()).toEqual(['three']);
		expect(second.store.last.steps.two.note).toMatch(/marked done/);
		expect(second.store.last.decisions.map(d => d.kind)).toEqual(expect.arrayContaining(['resume', 'mark-done']));
	});

	it('without a terminal and --rerun-interrupted, an interrupted step ends the run as a refusal naming the flag, not as a quit', async () => {
		const reconciled = await interruptedAtTwo();

		const plain = new PlainOperator({yes: false, yesDestructive: false, rerunInterrupted: false, values: {}}, () => {});
		const second = setup(three, {state: reconciled.state, resumed: true, operator: plain});
		expect(await second.make().start()).toBe('aborted');
		expect(second.shell.ran()).toEqual([]);
		const finished = second.events.find(e => e.type === 'run-finished');
		expect(finished).toMatchObject({type: 'run-finished', status: 'aborted'});
		const reason = finished?.type === 'run-finished' ? finished.reason : undefined;
		expect(reason).toMatch(/^refused: step two was interrupted .*pass --rerun-interrupted/);
		expect(reason).not.toContain('operator quit');
	});

	it("re-runs an interrupted step only on the operator's choice, and maps steps by id when the runbook changed", () => {
		const saved = newRunState({runId: 'r', runbookPath: '/x', runbookHash: 'old', title: 't', stepIds: ['a', 'b', 'gone'], by: 'a@h', at: new Date(), cwd: '/', vars: {}, secretVars: []});
		saved.steps.a.status = 'succeeded';
		const reconciled = reconcileForResume(saved, ['a', 'new', 'b'], 'new-hash', new Date());
		expect(reconciled.changed).toBe(true);
		expect(reconciled.added).toEqual(['new']);
		expect(reconciled.removed).toEqual(['gone']);
		expect(reconciled.state.order).toEqual(['a', 'new', 'b']);
		expect(reconciled.state.steps.a.status).toBe('succeeded');
		expect(reconciled.state.currentStepId).toBe('new');
	});
});

describe('Runner: durability per step (issue 14)', () => {
	it('saves every transition with `later` and flushes after the command is recorded, before it is released; other actions flush before they act', async () => {
		const runbook = book(`
version: 1
title: Two steps
steps:
  - id: one
    run: echo one
  - id: ask
    manual: Check the dashboard
  - id: two
    run: echo two
`);
		const {shell, store, clock, operator} = setup(runbook);
		const log: string[] = [];
		const recording = {
			save(state: RunState, options?: {later?: boolean}) {
				store.save(state);
				log.push(options?.later ? 'save-later' : 'save');
			},
			flush() {
				log.push('flush');
			},
		};
		for (const id of ['one', 'two']) {
			shell.on(id, async request => {
				log.push(`spawned ${request.stepId}`);
				request.onStart?.(4242, `cmd-${request.stepId}`);
				log.push(`released ${request.stepId}`);
				return {exitCode: 0, durationMs: 1, aborted: false};
			});
		}
		const state = newRunState({runId: 'r1', runbookPath: '/rb/test.yaml', runbookHash: 'h1', title: runbook.title, stepIds: ['one', 'ask', 'two'], by: 'alice@host', at: clock.now(), cwd: '/tmp', vars: {}, secretVars: []});
		const runner = new Runner({runbook, runbookDir: '/rb', state, runDir: '/state/runs/r1', ports: {shell, store: recording, clock, operator}, secrets: {}, by: 'alice@host', resumed: false});
		expect(await runner.start()).toBe('completed');
		// No transition is fsynced on its own: saves are `later`, flushes come at the command's start.
		expect(log.filter(entry => entry === 'save')).toEqual([]);
		for (const id of ['one', 'two']) {
			const released = log.indexOf(`released ${id}`);
			// Recorded (its process group), flushed, then released: nothing since the last flush is unsynced.
			expect(log.slice(log.indexOf(`spawned ${id}`), released)).toEqual([`spawned ${id}`, 'save-later', 'flush']);
		}
		// One flush per command: the step's transitions before it ride on the same fsync.
		expect(log.filter(entry => entry === 'flush')).toHaveLength(2);
		expect(store.last.steps.two!.attempts[0]!.pgid).toBe(4242);
	});
});

describe('Runner: a label selector from a variable (issue 10, item 5)', () => {
	const rb = book(`
version: 1.1
title: Selectors
steps:
  - id: remove
    delete: {kind: Pod, selector: "app=$APP"}
  - id: gone
    wait: {deleted: {kind: Pod, selector: "$SELECTOR"}}
`);

	const runWith = (vars: Record<string, string>) => kubeRunner(rb, vars);

	it('a valid one goes to the cluster substituted', async () => {
		const {kube, runner} = runWith({APP: 'web', SELECTOR: 'app in (web, db)'});
		expect(await runner.start()).toBe('completed');
		expect(kube.requests.map(r => r.spec)).toEqual([{kind: 'Pod', selector: 'app=web'}, {deleted: {kind: 'Pod', selector: 'app in (web, db)'}}]);
	});

	it('one that does not parse once substituted fails its step before any request, naming the step and the selector', async () => {
		const {t, kube, runner} = runWith({APP: 'web server', SELECTOR: 'app=web'});
		t.operator.answers.failure.push('quit');
		expect(await runner.start()).toBe('failed');
		expect(kube.requests).toEqual([]);
		expect(t.operator.failures[0]!.error).toBe('step remove: delete.selector "app=$APP" is "app=web server" once substituted: not a valid label selector: expected "," or the end of the selector, found "server" at character 9');
		const wait = runWith({APP: 'web', SELECTOR: 'app in spire'});
		wait.t.operator.answers.failure.push('quit');
		expect(await wait.runner.start()).toBe('failed');
		expect(wait.kube.requests).toHaveLength(1);
		expect(wait.t.operator.failures[0]!.error).toBe('step gone: wait.deleted.selector "$SELECTOR" is "app in spire" once substituted: not a valid label selector: expected "(" after "app in" (write app in (a,b)), found "spire" at character 8');
	});

	it('an empty value would select every pod: refused before the request', async () => {
		const {t, kube, runner} = runWith({APP: 'web', SELECTOR: ''});
		t.operator.answers.failure.push('quit');
		expect(await runner.start()).toBe('failed');
		expect(kube.requests).toHaveLength(1);
		expect(t.operator.failures[0]!.error).toBe('step gone: wait.deleted.selector "$SELECTOR" is "" once substituted: an empty selector matches every object of the kind');
	});
});
