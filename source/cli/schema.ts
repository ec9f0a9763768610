/** `runbook schema`: the JSON Schema of the runbook format. */
import {runbookJsonSchema} from '../runbook/schema.js';

/**
 * `runbook schema`: the JSON Schema generated from the zod schema, formatted like the
 * committed schema/runbook.schema.json (tabs, final newline; scripts/write-schema.ts),
 * so `runbook schema > schema/runbook.schema.json` reproduces it byte for byte. Exit 0.
 */
export function printSchema(write: (text: string) => void = t => void process.stdout.write(t)): number {
	write(JSON.stringify(runbookJsonSchema(), null, '\t') + '\n');
	return 0;
}
