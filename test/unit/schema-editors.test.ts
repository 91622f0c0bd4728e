// The schema editors read: a stable $id that export's modeline uses, the catalog's provider slugs kept up
// to date by the build, and nothing ajv's strict mode rejects (so every editor reads it the same way).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCatalog } from '../../scripts/build-catalog.js';
import { schemaWithProviders } from '../../scripts/build-schema.js';
import { createSchemaAjv, readSchema, schemaPath } from '../../src/config/schema.js';
import { SCHEMA_URL } from '../../src/export/schema-ref.js';
import { ROOT } from '../helpers/cli.js';

type Json = Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; files: string[] };
const providerOf = (schema: Json): Json => ((((schema['definitions'] as Json)['integration'] as Json)['properties'] as Json)['provider'] as Json);

/** Every subschema, depth first. */
function* subschemas(node: unknown): Generator<Json> {
  if (Array.isArray(node)) for (const item of node) yield* subschemas(item);
  else if (node !== null && typeof node === 'object') {
    yield node as Json;
    for (const [key, value] of Object.entries(node)) if (key !== 'examples' && key !== 'enum' && key !== 'const') yield* subschemas(value);
  }
}

describe('schema $id and the export modeline', () => {
  it('is one https URL: the schema file as published in this package', () => {
    const { schema } = readSchema();
    expect(schema['$id']).toBe(SCHEMA_URL);
    const url = new URL(SCHEMA_URL);
    expect(url.protocol).toBe('https:');
    // jsDelivr serves a published npm package's files at /npm/<name>/<path>.
    const prefix = `/npm/${pkg.name}/`;
    expect(url.pathname.startsWith(prefix)).toBe(true);
    const path = url.pathname.slice(prefix.length);
    expect(join(ROOT, path)).toBe(schemaPath());
    expect(pkg.files).toContain(path.split('/')[0]);
  });
});

describe('the modelines users copy', () => {
  it('config-examples and README point at the same URL as export', () => {
    const files = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'config-examples'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(ROOT, 'config-examples', f))];
    let found = 0;
    for (const file of files) {
      for (const [, ref] of readFileSync(file, 'utf8').matchAll(/yaml-language-server: \$schema=([^\s`]+)/g)) {
        expect(ref, file).toBe(SCHEMA_URL);
        found++;
      }
    }
    expect(found).toBeGreaterThanOrEqual(10);
  });
});

describe('provider slugs', () => {
  it('are the catalog of @nangohq/providers, as examples (build-schema keeps them up to date)', () => {
    const text = readFileSync(schemaPath(), 'utf8');
    const slugs = Object.keys(buildCatalog()).sort();
    expect(slugs.length).toBeGreaterThan(500);
    const provider = providerOf(JSON.parse(text) as Json);
    expect(provider['examples']).toEqual(slugs);
    // Not an enum: validate reports an unknown provider with a suggestion, editors would list all slugs.
    expect(provider['enum']).toBeUndefined();
    // The committed file is exactly what the build step writes: run `npm run build` and commit it.
    expect(schemaWithProviders(text, slugs)).toBe(text);
  });

  it('the build step rewrites an outdated list and nothing else', () => {
    const text = readFileSync(schemaPath(), 'utf8');
    const stale = JSON.parse(text) as Json;
    providerOf(stale)['examples'] = ['slack'];
    const rewritten = schemaWithProviders(`${JSON.stringify(stale, null, 2)}\n`, Object.keys(buildCatalog()));
    expect(rewritten).toBe(text);
  });
});

describe('ajv strict mode', () => {
  it('compiles the schema', async () => {
    const ajv = await createSchemaAjv();
    expect(() => ajv.compile(readSchema().schema)).not.toThrow();
  });

  it('rejects a keyword it does not know, so the build fails on one', async () => {
    const ajv = await createSchemaAjv();
    const schema = { type: 'string', pattern: '^a$', patternErrorMessage: 'must be a' };
    expect(() => ajv.compile(schema)).toThrow(/unknown keyword: "patternErrorMessage"/);
  });

  it('every pattern sits with a description that says the rule in words (the error message)', () => {
    const patterns = [...subschemas(readSchema().schema)].filter((s) => typeof s['pattern'] === 'string');
    expect(patterns.length).toBeGreaterThanOrEqual(4);
    for (const s of patterns) expect(typeof s['description'], String(s['pattern'])).toBe('string');
  });
});
