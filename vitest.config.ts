import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
		// Builds dist/ when it is older than source/: test/cli spawns `node dist/cli.js`; builds
		// the real Kubernetes control plane and helm when their cache is cold (test/controlplane/).
		globalSetup: ['test/support/build.ts', 'test/support/controlplane-setup.ts'],
		testTimeout: 30_000,
		hookTimeout: 60_000,
		// Tests that start PostgreSQL or spawn the CLI are heavy on a 2-core machine.
		maxWorkers: 2,
	},
});
