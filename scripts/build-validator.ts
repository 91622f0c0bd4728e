// Build step: pre-compile the config schema with ajv's standalone code generation, so commands do not
// pay for compiling it at every start (see src/config/schema.ts for the run-time side and its fallback).
import { writeFileAtomic } from './build-files.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { createSchemaAjv, prebuiltValidatorPath, readSchema } from '../src/config/schema.js';

const { schema, text } = readSchema();
const ajv = await createSchemaAjv({ source: true });
let validate;
try {
  validate = ajv.compile(schema);
} catch (err) {
  // Strict mode: an unknown keyword or a loose type fails the build, with the schema's path in the message.
  process.stderr.write(`build-validator: schemas/nango-gitops.schema.json: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
// CommonJS on purpose: ajv's generated code requires its small runtime helpers.
const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaText = ${JSON.stringify(text)};\n`;
const path = prebuiltValidatorPath();
mkdirSync(dirname(path), { recursive: true });
writeFileAtomic(path, code);
process.stdout.write(`wrote the pre-compiled config validator to ${path}\n`);
