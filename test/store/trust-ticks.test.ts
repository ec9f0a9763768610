/**
 * Saved checklist ticks are untrusted input (store/trust.ts trustedTicks): a resume keeps
 * only items the runbook's checklist still has, exactly as written, each once, in checklist
 * order, and says which steps lost ticks.
 */
import {describe, expect, test} from 'vitest';
import {parse} from 'yaml';
import {runbookSchema} from '../../source/runbook/schema.js';
import {trustedTicks} from '../../source/store/trust.js';
import type {StepState} from '../../source/engine/state.js';

const runbook = runbookSchema.parse(
	parse(`
version: 1.1
title: Ticks
steps:
  - id: checklist
    manual: {items: [Backups taken, Window announced, Team on call]}
  - id: plain
    manual: Do it.
  - id: group
    steps:
      - id: inner
        manual: {items: [Inner item]}
`),
);

const step = (id: string, ticked: string[]): StepState => ({id, status: 'pending', attempts: [], ticked});

describe('trustedTicks', () => {
	test("keeps the runbook's items only, once each, in checklist order; a step inside a group too", () => {
		const {ticked, dropped} = trustedTicks({steps: {checklist: step('checklist', ['Team on call', 'Backups taken', 'Backups taken']), inner: step('inner', ['Inner item'])}}, runbook);
		expect(ticked).toEqual({checklist: ['Backups taken', 'Team on call'], inner: ['Inner item']});
		expect(dropped).toEqual(['checklist']);
	});

	test('items the runbook does not have, ticks on a step that is no checklist, and unknown steps are dropped', () => {
		const {ticked, dropped} = trustedTicks({steps: {checklist: step('checklist', ['Backups taken ', 'rm -rf /']), plain: step('plain', ['Do it.']), ghost: step('ghost', ['x'])}}, runbook);
		expect(ticked).toEqual({});
		expect(dropped).toEqual(['checklist', 'ghost', 'plain']);
	});
});
