/**
 * Helm for the end-to-end tests of the Helm runbooks (ESS, Kleidia): the real `helm` built
 * with the control plane (`RUNBOOK_TUI_HELM`, first on PATH for the runbooks' own `helm`
 * steps), with its cache, configuration and data folders inside the test's workspace, the
 * small charts under test/fixtures/charts/ (and other versions of them made by copying one
 * with another version and other default values), a release's revisions as `helm history`
 * prints them, and the CLI run without a terminal with that same Helm environment.
 */
import {spawn} from 'node:child_process';
import {cpSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {parse as parseYaml, stringify as toYaml} from 'yaml';
import {ROOT, type CliResult, type Workspace} from '../cli/helpers.js';
import {helmPath} from '../support/kube/controlplane.js';
import {cliEnvFor, paramArgs} from './harness.js';

/** The charts folder of the fixtures. */
export const CHARTS = path.join(ROOT, 'test', 'fixtures', 'charts');

/** HELM_CACHE_HOME, HELM_CONFIG_HOME and HELM_DATA_HOME inside the workspace (nothing written to the real home). */
export function helmEnv(ws: Workspace): Record<string, string> {
	return {HELM_CACHE_HOME: ws.path('helm/cache'), HELM_CONFIG_HOME: ws.path('helm/config'), HELM_DATA_HOME: ws.path('helm/data')};
}

/** What a helm run gave. */
export interface HelmResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs `helm --kubeconfig KUBECONFIG ...args` in the workspace, without blocking the event
 * loop (the test kubelet runs in this process and must go on serving the pods). Never rejects.
 */
export function helm(ws: Workspace, kubeconfig: string, args: string[], timeoutMs = 60_000): Promise<HelmResult> {
	return new Promise(resolve => {
		const child = spawn(helmPath(), ['--kubeconfig', kubeconfig, ...args], {cwd: ws.dir, env: {...process.env, ...helmEnv(ws)}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.on('close', code => {
			clearTimeout(timer);
			resolve({code, stdout, stderr});
		});
	});
}

/**
 * Like {@link helm}; returns stdout.
 * @throws Error with helm's stderr when it exits non-zero.
 */
export async function helmOk(ws: Workspace, kubeconfig: string, args: string[]): Promise<string> {
	const result = await helm(ws, kubeconfig, args);
	if (result.code !== 0) throw new Error(`helm ${args.join(' ')}: exit ${result.code}\n${result.stderr}`);
	return result.stdout;
}

/** One revision of a release, as `helm history -o json` prints it. */
export interface Revision {
	revision: number;
	status: string;
	chart: string;
	description: string;
}

/** The revisions of `release` in `namespace`, oldest first. */
export async function history(ws: Workspace, kubeconfig: string, namespace: string, release: string): Promise<Revision[]> {
	const out = await helmOk(ws, kubeconfig, ['history', release, '--namespace', namespace, '-o', 'json']);
	return (JSON.parse(out) as Revision[]).map(({revision, status, chart, description}) => ({revision, status, chart, description}));
}

/**
 * Copies the fixture chart `name` into the workspace (charts/<name>-<version>) with
 * Chart.yaml's `version` set to `version` and `values` merged over the top level of its
 * values.yaml; returns the copy's path.
 */
export function chartVersion(ws: Workspace, name: string, version: string, values: Record<string, unknown> = {}): string {
	const to = ws.path(`charts/${name}-${version}`);
	cpSync(path.join(CHARTS, name), to, {recursive: true});
	const chartFile = path.join(to, 'Chart.yaml');
	const chart = parseYaml(readFileSync(chartFile, 'utf8')) as Record<string, unknown>;
	writeFileSync(chartFile, toYaml({...chart, version}));
	const valuesFile = path.join(to, 'values.yaml');
	const defaults = parseYaml(readFileSync(valuesFile, 'utf8')) as Record<string, unknown>;
	writeFileSync(valuesFile, toYaml({...defaults, ...values}));
	return to;
}

/**
 * Runs `runbook run FILE --plain --yes --yes-destructive` in the workspace against the
 * kubeconfig, with `params` and `extra` arguments, the workspace's Helm folders, and
 * `env` added. Default timeout 300 s (a guard against a hang, not a speed claim).
 */
export function runHelmRunbook(ws: Workspace, file: string, kubeconfig: string, params: Record<string, string>, extra: string[] = [], env: Record<string, string> = {}, timeoutMs = 300_000): Promise<CliResult> {
	const args = ['run', file, '--plain', '--yes', '--yes-destructive', '--state-dir', ws.stateDir, '--kubeconfig', kubeconfig, ...paramArgs(params), ...extra];
	return ws.cli(args, {env: {...cliEnvFor(ws), ...helmEnv(ws), ...env}, timeoutMs});
}
