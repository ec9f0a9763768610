/**
 * Lets plain `node` (type stripping, no build) import the test Kubernetes cluster
 * (test/support/kube/*.ts) for the benchmarks: those files import each other as
 * `./x.js`, the form TypeScript's NodeNext wants, which Node does not map to `./x.ts`.
 * This resolve hook (node:module registerHooks, in-thread, Node >= 22.15) does, for a
 * relative `.js` specifier imported from a `.ts` file when only the `.ts` file exists.
 * Import this module before importing anything under test/.
 */
import {existsSync} from 'node:fs';
import {registerHooks} from 'node:module';
import {fileURLToPath} from 'node:url';

registerHooks({
	resolve(specifier, context, nextResolve) {
		if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
			const asJs = new URL(specifier, context.parentURL);
			const asTs = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
			if (!existsSync(fileURLToPath(asJs)) && existsSync(fileURLToPath(asTs))) return nextResolve(asTs.href, context);
		}
		return nextResolve(specifier, context);
	},
});
