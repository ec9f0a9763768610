/**
 * vitest global setup: makes sure the real control plane's binaries (etcd, kube-apiserver,
 * kube-controller-manager, kubectl, helm) are built, by running test/controlplane/build.sh
 * (a no-op in a fraction of a second when its cache folder is current; a cold build takes
 * tens of minutes), and hands their folder to the test workers as
 * `RUNBOOK_TUI_CONTROLPLANE_BIN`, helm's path as `RUNBOOK_TUI_HELM`, and puts the folder
 * first on `PATH`, so the runbooks' `kubectl` steps (and a test's own `kubectl`) run the
 * kubectl of the API server's release, not whatever the machine has.
 * @throws Error when the build fails (its output, e.g. "Go is not installed", is printed above).
 */
import {spawnSync} from 'node:child_process';
import path from 'node:path';

const SCRIPT = path.resolve(import.meta.dirname, '..', 'controlplane', 'build.sh');

export default function setup(): void {
	const bin = process.env.RUNBOOK_TUI_CONTROLPLANE_BIN ?? build();
	process.env.RUNBOOK_TUI_CONTROLPLANE_BIN = bin;
	process.env.RUNBOOK_TUI_HELM ??= path.join(bin, 'helm');
	if (process.env.PATH?.split(path.delimiter)[0] !== bin) process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
}

/** Runs build.sh; returns the folder it printed last. */
function build(): string {
	const result = spawnSync('bash', [SCRIPT], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
	const bin = result.stdout.trim().split('\n').pop();
	if (result.status !== 0 || !bin) throw new Error(`test/controlplane/build.sh failed (exit ${result.status}): the Kubernetes tests need the real control plane`);
	return bin;
}
