/**
 * `runbook plan --format markdown` of the ESS and Kleidia runbooks (the built CLI, no
 * cluster): each names its seed document and section, lists every step in the runbook's
 * order with its kind, and marks what the documents make destructive or a person's work,
 * so the plan can go into a change ticket as the procedure.
 */
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse as parseYaml} from 'yaml';
import {ROOT, runCli} from '../cli/helpers.js';

interface StepLike {
	id: string;
	steps?: StepLike[];
	rescue?: StepLike[];
	always?: StepLike[];
}

/** Every step id of a runbook in the order written: a group, its steps, its rescue, its always. */
function idsOf(steps: StepLike[]): string[] {
	return steps.flatMap(step => [step.id, ...idsOf(step.steps ?? []), ...idsOf(step.rescue ?? []), ...idsOf(step.always ?? [])]);
}

/** The plan's step headings' ids (`### 3. Title (id, kind)`), in order. */
function plannedIds(markdown: string): string[] {
	return [...markdown.matchAll(/^#{3,} \d+\. .* \(([a-z0-9-]+), [a-z]+\)/gm)].map(m => m[1]!);
}

const CASES = [
	{name: 'ess-backup', source: '000_61b0d6b25626d668.txt, "Backup & restore" → "Backup"', destructive: [], manual: ['copy-media']},
	{name: 'ess-restore', source: '000_61b0d6b25626d668.txt, "Backup & restore" → "Restore"', destructive: ['drop-mas-database', 'drop-synapse-database', 'drop-synapse-role', 'drop-mas-role'], manual: ['restore-media', 'verify-login']},
	{name: 'kleidia-upgrade', source: '002_175a7b040601a915.txt, "Pre-Upgrade Checklist", "Upgrade Procedures"', destructive: ['rollback-data'], manual: ['pre-upgrade-checklist', 'update-charts']},
	{name: 'kleidia-rollback', source: '002_175a7b040601a915.txt, "Rollback Procedures"', destructive: ['rollback-data'], manual: []},
] as const;

describe('plan --format markdown of the ESS and Kleidia runbooks', () => {
	for (const {name, source, destructive, manual} of CASES) {
		it(`${name}: source, every step in order, destructive and manual steps marked`, async () => {
			const file = path.join(ROOT, 'runbooks', `${name}.yaml`);
			const result = await runCli(['plan', file, '--format', 'markdown']);
			expect(result.code, result.stderr).toBe(0);
			expect(result.stdout).toContain(`- Source: ${source}`);
			expect(plannedIds(result.stdout)).toEqual(idsOf(parseYaml(readFileSync(file, 'utf8')).steps));
			const marked = [...result.stdout.matchAll(/\(([a-z0-9-]+), [a-z]+\) — DESTRUCTIVE/g)].map(m => m[1]);
			expect(marked).toEqual(destructive);
			for (const id of manual) expect(result.stdout).toMatch(new RegExp(`\\(${id}, manual\\)`));
		});
	}

	it('kleidia-upgrade: each layer a group whose rescue is its helm rollback', async () => {
		const result = await runCli(['plan', path.join(ROOT, 'runbooks', 'kleidia-upgrade.yaml'), '--format', 'markdown']);
		for (const layer of ['platform', 'data', 'services']) {
			expect(result.stdout).toContain(`rescue of ${layer}: Roll back kleidia-${layer} (rollback-${layer}, run)`);
			expect(result.stdout).toContain(`helm rollback kleidia-${layer} --namespace "$NAMESPACE"`);
		}
		expect(result.stdout).toContain('wait http https://kleidia.example.com/api/health');
	});
});
