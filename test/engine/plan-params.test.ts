/** The plan's params row: what a param shows before the first step (engine/plan.ts). */
import {expect, test} from 'vitest';
import {buildPlan} from '../../source/engine/plan.js';
import type {Runbook} from '../../source/runbook/schema.js';

const runbook = {
	version: 1,
	title: 'Restore',
	params: {BACKUP_FILE: {required: true}, PASSPHRASE: {secret: true, required: true}, TOKEN: {secret: true, required: true}},
	steps: [{id: 'decrypt', when: {var: 'BACKUP_FILE', matches: '\\.gpg$'}, run: 'gpg --passphrase "$PASSPHRASE" -d "$BACKUP_FILE"'}],
} as unknown as Runbook;

test('a required secret asked during the run reads so, not MISSING; one asked before the first step stays MISSING', () => {
	const plan = buildPlan(runbook, '/srv/restore.yaml', {vars: {BACKUP_FILE: 'b.sql.gz'}, secrets: {}, missing: ['PASSPHRASE', 'TOKEN']}, {}, ['PASSPHRASE']);
	const shown = Object.fromEntries(plan.params.map(param => [param.name, [param.shown, param.missing]]));
	expect(shown).toEqual({
		BACKUP_FILE: ['b.sql.gz', false],
		PASSPHRASE: ['asked when a step that uses it is sure to run', false],
		TOKEN: ['MISSING (required)', true],
	});
});
