/**
 * A short fuzz run in the test suite (the full one is `npm run fuzz`, see
 * test/security/fuzz.ts): 24 cases of mutated runbooks and state directories
 * from seed 2026 through the built CLI; each must end with exit 0, 1 or 2, no
 * stack trace, and no file outside its state directory.
 */
import {rmSync} from 'node:fs';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {makeTemplate, runCase, tally, type CaseResult} from './fuzz.ts';

let template: {dir: string; runId: string};
beforeAll(async () => {
	template = await makeTemplate();
});
afterAll(() => {
	if (template) rmSync(template.dir, {recursive: true, force: true});
});

describe('fuzz', () => {
	it('24 cases from seed 2026 end cleanly', async () => {
		const results: CaseResult[] = [];
		for (let index = 0; index < 24; index++) results.push(await runCase(template, 2026, index));
		const failed = results.filter(result => result.problems.length > 0);
		expect(failed, tally(results)).toEqual([]);
	}, 600_000);
});
