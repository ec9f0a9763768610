/**
 * Hints of `runbook validate` that do not make a runbook invalid: a `run` script
 * that pipes an endless producer (`yes`, `cat /dev/...`) into `head`. `head`
 * stops reading early, the producer gets SIGPIPE and exits 141, and under
 * `set -o pipefail` (every script runs under it) the pipeline, and so the step,
 * fails with 141 (bash(1): Pipelines; 128 + SIGPIPE's 13).
 */
import type {Runbook} from './schema.js';
import {allSteps} from './groups.js';

/** One hint: the step it is about and what to do. */
export interface PipeHint {
	stepId: string;
	message: string;
}

/** A pipeline stage that never ends by itself: `yes`, `cat /dev/<x>`, optionally in `$(`, `(`, `` ` `` or after `VAR=$(`. */
const ENDLESS_PRODUCER = /^(?:[A-Za-z_][A-Za-z0-9_]*=)?(?:\$\(|\(|`)?\s*(?:yes(?:\s|$)|cat\s+\/dev\/\S)/;

/** A stage that stops reading early. */
const EARLY_READER = /^head(?:\s|$|\))/;

/**
 * True when a line of `script` has an endless producer piped, directly or through
 * other stages, into `head`. Comment lines are skipped; a line is cut into lists at
 * `;`, `&&`, `||` and `&`, then into stages at `|` (a rough reading of bash's
 * grammar: quotes are not followed, which is fine for a hint).
 */
export function pipesEndlessProducerIntoHead(script: string): boolean {
	for (const line of script.split('\n')) {
		if (line.trimStart().startsWith('#')) continue;
		for (const list of line.split(/\|\||&&|;|&(?!>)/)) {
			const stages = list.split('|').map(stage => stage.trim());
			const producer = stages.findIndex(stage => ENDLESS_PRODUCER.test(stage));
			if (producer !== -1 && stages.slice(producer + 1).some(stage => EARLY_READER.test(stage))) return true;
		}
	}
	return false;
}

/**
 * The hints for `runbook`'s `run` steps: one per step that pipes an endless
 * producer into `head` and does not already accept exit code 141.
 */
export function pipeHints(runbook: Pick<Runbook, 'steps'>): PipeHint[] {
	const hints: PipeHint[] = [];
	for (const step of allSteps(runbook)) {
		if (typeof step.run !== 'string' || !pipesEndlessProducerIntoHead(step.run)) continue;
		if ((step.okExitCodes ?? [0]).includes(141)) continue;
		hints.push({
			stepId: step.id,
			message: 'its script pipes `yes` or `cat /dev/...` into `head`: the producer exits 141 (SIGPIPE) when head stops reading, which fails the step under pipefail; add `okExitCodes: [0, 141]` or read the device with head itself (`head -c 16 /dev/urandom`)',
		});
	}
	return hints;
}
