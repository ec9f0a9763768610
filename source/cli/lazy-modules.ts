/**
 * Modules a session loads only when needed, so that they cost nothing before the first
 * frame (start-up time, see bench/): the zx shell executor, the `wait.http` client and
 * the TUI's modules.
 */
import type {HttpPort, ShellPort} from '../engine/ports.js';
import {stepLogFiles} from '../store/step-logs.js';
import {wantsTui, type SessionOptions} from './options.js';

/** The zx shell executor, imported when the first shell step runs: zx is not needed to draw the first frame. */
export function lazyShellExecutor(): ShellPort {
	let executor: Promise<ShellPort> | undefined;
	return {
		run: async request => {
			executor ??= import('../executors/shell.js').then(shell => shell.createShellExecutor(stepLogFiles));
			return (await executor).run(request);
		},
	};
}

/** The `wait.http` client, imported on the first check (undici is not needed to start). */
export function lazyHttpProbe(): HttpPort {
	let probe: Promise<typeof import('../executors/http-probe.js')> | undefined;
	return {
		probe: async (request, signal) => {
			probe ??= import('../executors/http-probe.js');
			return (await probe).probeHttp(request, signal);
		},
	};
}

/** The TUI's modules, once loaded. */
export interface UiModules {
	operator: typeof import('../ui/operator.js');
	render: typeof import('../ui/render.js');
	chooseResume: typeof import('../ui/choose-resume.js');
}

let uiModules: Promise<UiModules> | undefined;

/**
 * Starts loading the TUI's modules (once; later calls share the promise), so
 * they load while the runbook is read and checked. React picks its build from
 * NODE_ENV when first imported and its development build costs several times
 * more per frame (owner stacks, performance-track marks: a step printing a
 * million lines spent most of its time there), so an unset NODE_ENV reads
 * `production` while they load, then is unset again: steps must not inherit it.
 * (The bundle holds React's production build only, scripts/bundle.ts; this matters
 * when the program runs from source.)
 */
export function loadUi(): Promise<UiModules> {
	if (uiModules) return uiModules;
	const setEnv = process.env.NODE_ENV === undefined;
	if (setEnv) process.env.NODE_ENV = 'production';
	uiModules = Promise.all([import('../ui/operator.js'), import('../ui/render.js'), import('../ui/choose-resume.js')])
		.then(([operator, render, chooseResume]) => ({operator, render, chooseResume}))
		.finally(() => {
			if (setEnv) delete process.env.NODE_ENV;
		});
	return uiModules;
}

/** {@link loadUi} ahead of need; a failure surfaces where the modules are awaited. */
export function preloadUi(options: Pick<SessionOptions, 'plain'>): void {
	if (wantsTui(options)) loadUi().catch(() => {});
}
