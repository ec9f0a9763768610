/**
 * Test support: how a child process runs project code from source/ without a
 * build (scripts/source-hooks.ts maps the sources' `.js` specifiers to `.ts`).
 */
import path from 'node:path';

/** The project's root folder. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Node options that let a child `node` import source/*.ts (put them before `-e` or the script). */
export const SOURCE_NODE_ARGS: readonly string[] = ['--import', path.join(ROOT, 'scripts', 'source-hooks.ts')];

/** Absolute path of a module under source/, e.g. `sourceModule('store/lock.ts')`. */
export const sourceModule = (relative: string): string => path.join(ROOT, 'source', relative);
