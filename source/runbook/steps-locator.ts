/**
 * A locator for a runbook whose includes are expanded: paths into the expanded list
 * (`steps[7].wait`) are mapped back to the file the step came from and its path there
 * (`shared/restore.yaml`, `steps[2].wait`), so every problem points at the line an author
 * must edit, and its path shows the include chain.
 */
import type {Locator} from './positions.js';
import type {YamlPath} from './problems.js';

/** Where one step of the expanded list was written. */
export interface StepPlace {
	/** The locator of the file that holds the step (with the include chain of that file). */
	at: Locator;
	/** The step's path in that file, `['steps', 2]`. */
	path: YamlPath;
}

/**
 * Creates the locator of an expanded runbook.
 * @param root the locator of the runbook file (paths outside `steps[i]` stay there).
 * @param places where each step of the expanded list was written, by index.
 */
export function createStepsLocator(root: Locator, places: readonly StepPlace[]): Locator {
	const map = (path: YamlPath): [Locator, YamlPath] => {
		const index = path[1];
		const place = path[0] === 'steps' && typeof index === 'number' ? places[index] : undefined;
		return place ? [place.at, [...place.path, ...path.slice(2)]] : [root, path];
	};
	return {
		file: root.file,
		short: root.short,
		has: path => {
			const [at, inner] = map(path);
			return at.has(inner);
		},
		at: (path, on) => {
			const [at, inner] = map(path);
			return at.at(inner, on);
		},
		within: (path, index, token, value) => {
			const [at, inner] = map(path);
			return at.within(inner, index, token, value);
		},
		problem: (path, message, options) => {
			const [at, inner] = map(path);
			return at.problem(inner, message, options);
		},
		label: path => {
			const [at, inner] = map(path);
			return at.label(inner);
		},
		lineRef: (path, from) => {
			const [at, inner] = map(path);
			const [other] = map(from);
			const line = at.at(inner).line;
			return at.file === other.file ? `line ${line}` : `${at.short}:${line}`;
		},
	};
}
