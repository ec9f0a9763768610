// Writes schema/runbook.schema.json and schema/fragment.schema.json from the zod schema (npm run schema).
import fs from 'node:fs';
import {fragmentJsonSchema, runbookJsonSchema} from '../source/runbook/schema.ts';

for (const [name, schema] of [
	['runbook', runbookJsonSchema()],
	['fragment', fragmentJsonSchema()],
] as const) {
	fs.writeFileSync(new URL(`../schema/${name}.schema.json`, import.meta.url), JSON.stringify(schema, null, '\t') + '\n');
	console.log(`wrote schema/${name}.schema.json`);
}
