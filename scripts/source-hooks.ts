/**
 * Lets plain `node` import the TypeScript under source/ without a build:
 * `node --import ./scripts/source-hooks.ts script.ts`. Node strips the types
 * itself (Node >= 22.18 / 23.6); what it does not do is find `./x.ts` for the
 * `./x.js` specifiers the sources use (tsc's NodeNext convention), which this
 * resolve hook adds. Used by the scripts and by tests that run project code
 * in a child process; `.tsx` (JSX) files cannot be loaded this way.
 */
import {registerHooks} from 'node:module';

registerHooks({
	resolve(specifier, context, nextResolve) {
		try {
			return nextResolve(specifier, context);
		} catch (error) {
			const relative = /^(\.{1,2}\/|\/|file:)/.test(specifier);
			if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' || !relative || !specifier.endsWith('.js')) throw error;
			return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
		}
	},
});
