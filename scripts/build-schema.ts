// Build step: write the provider catalog's slugs into the schema as `provider.examples`, so editors
// complete them and the list follows @nangohq/providers. `examples`, not `enum`: an enum makes editors
// print all ~1,000 slugs in one error message and duplicates validate's own "unknown provider (did you
// mean …)"; both were measured equally fast (docs/benchmarks.md, "Schema").
import { isMain, writeFileAtomic } from './build-files.js';
import { readFileSync } from 'node:fs';
import { catalogPath, type ProviderCatalog } from '../src/config/catalog.js';
import { schemaPath } from '../src/config/schema.js';

type Json = Record<string, unknown>;

/** The schema text with `slugs` as the provider examples, formatted as committed. */
export function schemaWithProviders(schemaText: string, slugs: readonly string[]): string {
  const schema = JSON.parse(schemaText) as Json;
  const at = (value: unknown, key: string): Json | undefined => (value !== null && typeof value === 'object' ? ((value as Json)[key] as Json | undefined) : undefined);
  const provider = at(at(at(at(schema, 'definitions'), 'integration'), 'properties'), 'provider');
  if (!provider) throw new Error('the schema has no definitions.integration.properties.provider');
  provider['examples'] = [...slugs].sort();
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function catalogSlugs(path = catalogPath()): string[] {
  return Object.keys(JSON.parse(readFileSync(path, 'utf8')) as ProviderCatalog).sort();
}

/** Rewrites schemas/nango-gitops.schema.json only when its provider list is out of date. */
export function writeSchema(path = schemaPath()): { path: string; changed: boolean; count: number } {
  const slugs = catalogSlugs();
  const before = readFileSync(path, 'utf8');
  const after = schemaWithProviders(before, slugs);
  if (after === before) return { path, changed: false, count: slugs.length };
  writeFileAtomic(path, after);
  return { path, changed: true, count: slugs.length };
}


if (isMain(import.meta.url)) {
  try {
    const { path, changed, count } = writeSchema();
    process.stdout.write(changed ? `wrote ${count} provider slugs into ${path}: commit it\n` : `${path} lists the ${count} providers of the catalog\n`);
  } catch (err) {
    process.stderr.write(`build-schema: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
