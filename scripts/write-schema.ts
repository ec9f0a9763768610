// Writes schema/runbook.schema.json from the zod schema (npm run schema).
import fs from 'node:fs';
import {runbookJsonSchema} from '../dist/runbook/schema.js';

fs.writeFileSync(new URL('../schema/runbook.schema.json', import.meta.url), JSON.stringify(runbookJsonSchema(), null, '\t') + '\n');
console.log('wrote schema/runbook.schema.json');
