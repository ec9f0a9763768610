/**
 * Loading groups (runbook format 1.1): the shapes the loader accepts, and the problem (file,
 * line, column, path, what to do) for each shape it refuses.
 */
import {describe, expect, test} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';
import {allSteps, flatSteps} from '../../source/runbook/groups.js';

/** The problems of a runbook text as [line, col, path, message]; [] when it loads. */
function problems(text: string): Array<[number, number, string, string]> {
	try {
		parseRunbook(text, 'test.yaml');
		return [];
	} catch (error) {
		if (!(error instanceof RunbookError)) throw error;
		return error.problems.map(p => [p.line, p.col, p.path, p.message]);
	}
}

const book = (steps: string, version = '1.1') => `version: ${version}\ntitle: Groups\nsteps:\n${steps}`;

const good = book(`  - id: g
    title: Upgrade
    when: {var: MODE, equals: full}
    steps:
      - id: a
        run: echo a
        capture: A
      - id: inner
        steps:
          - id: b
            run: echo "$A"
    rescue:
      - id: r
        run: echo "$A"
    always:
      - id: c
        run: echo c
  - id: after
    run: echo after
`).replace('steps:\n', 'params: {MODE: {default: full}}\nsteps:\n');

describe('groups load', () => {
	test('a group with steps, nested groups, rescue and always loads; the flat view lists every step in run order with its depth and role', () => {
		const loaded = parseRunbook(good, 'test.yaml');
		expect(loaded.runbook.version).toBe(1.1);
		expect(loaded.runbook.steps.map(s => s.id)).toEqual(['g', 'after']);
		expect(flatSteps(loaded.runbook).map(e => [e.step.id, e.depth, e.role, e.parentId])).toEqual([
			['g', 0, 'top', undefined],
			['a', 1, 'body', 'g'],
			['inner', 1, 'body', 'g'],
			['b', 2, 'body', 'inner'],
			['r', 1, 'rescue', 'g'],
			['c', 1, 'always', 'g'],
			['after', 0, 'top', undefined],
		]);
		expect(allSteps(loaded.runbook)).toHaveLength(7);
	});

	test('every version 1 runbook stays valid (no group, version: 1)', () => {
		expect(problems(book('  - id: a\n    run: echo a\n', '1'))).toEqual([]);
	});

	test('a group in a version 1 runbook: the loader says the feature needs version 1.1', () => {
		expect(problems(book('  - id: g\n    steps:\n      - id: a\n        run: echo a\n', '1'))).toEqual([[5, 5, 'steps[0].steps', 'a group (a step with steps:) needs format version 1.1, and this runbook says version: 1']]);
	});

	test('an unknown version names both', () => {
		expect(problems(book('  - id: a\n    run: echo a\n', '2'))).toEqual([[1, 10, 'version', 'expected version: 1 or 1.1']]);
	});

	test('a group with an action too', () => {
		expect(problems(book('  - id: g\n    run: echo x\n    steps:\n      - id: a\n        run: echo a\n'))).toEqual([[5, 5, 'steps[0].run', 'a group has steps instead of an action, and this one also has "run"']]);
	});

	test('a group with empty steps', () => {
		expect(problems(book('  - id: g\n    steps: []\n'))).toEqual([[5, 12, 'steps[0].steps', 'expected at least one step in the group']]);
	});

	test('a step modifier on a group (timeout) is refused with what a group has', () => {
		expect(problems(book('  - id: g\n    timeout: 5m\n    steps:\n      - id: a\n        run: echo a\n'))).toEqual([[5, 5, 'steps[0].timeout', '"timeout" does not apply to a group']]);
	});

	test('duplicate ids across nesting, rescue and always', () => {
		const text = book(`  - id: a
    run: echo a
  - id: g
    steps:
      - id: inner
        steps:
          - id: a
            run: echo a
    rescue:
      - id: inner
        run: echo r
`);
		expect(problems(text)).toEqual([
			[10, 17, 'steps[1].steps[0].steps[0].id', 'duplicate step id "a" (first used by steps[0] on line 4)'],
			[13, 13, 'steps[1].rescue[0].id', 'duplicate step id "inner" (first used by steps[1].steps[0] on line 8)'],
		]);
	});

	test('rescue (or always) on a step that is not a group', () => {
		expect(problems(book('  - id: s\n    run: echo s\n    rescue:\n      - id: r\n        run: echo r\n    always:\n      - id: c\n        run: echo c\n'))).toEqual([
			[6, 5, 'steps[0].rescue', '"rescue" applies only to a group (a step with steps: instead of an action)'],
			[9, 5, 'steps[0].always', '"always" applies only to a group (a step with steps: instead of an action)'],
		]);
	});

	test('a step inside a group with no action is reported at its nested path', () => {
		expect(problems(book('  - id: g\n    steps:\n      - id: a\n        title: nothing\n'))).toEqual([[6, 9, 'steps[0].steps[0]', 'a step needs one action']]);
	});

	test('variables: what a step in a group captures is known after it, not before it', () => {
		const text = book(`  - id: g
    steps:
      - id: a
        run: echo "$LATER"
      - id: b
        run: echo x
        capture: LATER
    always:
      - id: c
        run: echo "$LATER"
`);
		const found = problems(text);
		expect(found).toHaveLength(1);
		expect(found[0]?.slice(0, 3)).toEqual([7, 20, 'steps[0].steps[0].run']);
		expect(found[0]?.[3]).toContain('LATER');
	});
});
