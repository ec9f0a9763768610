/**
 * vitest global setup: makes sure dist/cli.js (the built CLI that the end-to-end tests
 * spawn as `node dist/cli.js`) is current. It bundles as `npm run build` does
 * (`npm run bundle`: esbuild), only when dist/cli.js is missing or a file under source/
 * (or package.json, or scripts/bundle.ts) is newer than everything in dist/ (scripts/dist.ts), so it costs a
 * directory walk when `npm test` has just built. Type errors are `npm test`'s and
 * `npm run typecheck`'s to report, not this setup's.
 */
import {bundleIfStale} from '../../scripts/dist.ts';

export {distIsStale} from '../../scripts/dist.ts';

/**
 * Bundles dist/cli.js when it is stale.
 * @throws Error with the bundler's output when the bundle fails.
 */
export default function setup(): void {
	bundleIfStale();
}
