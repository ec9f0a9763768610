import {globSync} from 'node:fs';
import {defineConfig} from 'vitest/config';

/** Pure code (engine, runbook model, report, UI components): no processes, no servers; seconds. */
const UNIT_FOLDERS = ['test/architecture.test.ts', 'test/support/wait.test.ts', 'test/engine/**', 'test/runbook/**', 'test/report/**', 'test/ui/**'].map(dir => (dir.endsWith('**') ? `${dir}/*.test.{ts,tsx}` : dir));
/** Files in those folders that run processes or servers (bash, the built CLI, PostgreSQL): e2e. */
const RUN_PROCESSES = ['test/runbook/pipe-hints.test.ts', 'test/runbook/postgres-restore-runbooks.test.ts', 'test/runbook/validate.test.ts', 'test/runbook/variables.test.ts'];
const UNIT = UNIT_FOLDERS.flatMap(pattern => globSync(pattern)).filter(file => !RUN_PROCESSES.includes(file));
const TESTS = ['test/**/*.test.ts', 'test/**/*.test.tsx'];

export default defineConfig({
	test: {
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Tests that start PostgreSQL or spawn the CLI are heavy on a 2-core machine.
		maxWorkers: 2,
		projects: [
			{extends: true, test: {name: 'unit', include: UNIT}},
			{
				extends: true,
				test: {
					name: 'e2e',
					// A safety net, not a bound any test asserts: a Kubernetes run of six steps took over 30 s
					// at load 24 with a CPU hog on one core.
					testTimeout: 120_000,
					// Processes, terminals (tmux), PostgreSQL, the cluster, the built CLI.
					include: TESTS,
					exclude: UNIT,
					// Builds dist/ when it is older than source/: the CLI tests spawn `node dist/cli.js`;
					// builds the real Kubernetes control plane and helm when their cache is cold (test/controlplane/).
					globalSetup: ['test/support/build.ts', 'test/support/controlplane-setup.ts'],
				},
			},
		],
	},
});
