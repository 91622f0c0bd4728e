// Build step: pre-compile the config schema with ajv's standalone code generation, so commands do not
// pay for compiling it at every start (see src/config/schema.ts for the run-time side and its fallback).
import { writeFileAtomic } from './build-files.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { rolldown } from 'rolldown';
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
// CommonJS on purpose (src/config/schema.ts requires it). ajv's generated code requires two small runtime
// helpers (ucs2length; equal, with fast-deep-equal): finding them in node_modules cost each run more than
// their code, so they are bundled in, and the validator needs no node_modules at all.
const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaText = ${JSON.stringify(text)};\n`;
const path = prebuiltValidatorPath();
mkdirSync(dirname(path), { recursive: true });
const raw = `${path}.${process.pid}.raw.cjs`;
writeFileSync(raw, code);
try {
  const bundle = await rolldown({ input: raw, platform: 'node', logLevel: 'silent' });
  const { output } = await bundle.generate({ format: 'cjs' });
  await bundle.close();
  const [chunk, ...others] = output;
  if (!chunk || chunk.type !== 'chunk' || others.length > 0) throw new Error('build-validator: expected one chunk from rolldown');
  // A call, not the helpers' own source text, which they keep in a string (`.code = "require(\\"ajv/...`).
  if (/\brequire\("/.test(chunk.code)) throw new Error('build-validator: the bundled validator still requires a module');
  writeFileAtomic(path, chunk.code);
} finally {
  rmSync(raw, { force: true });
}
process.stdout.write(`wrote the pre-compiled config validator to ${path}\n`);
