// Build step: distil @nangohq/providers' 1 MB providers.yaml into the small JSON catalog that
// `validate` reads, so no command parses that YAML at start and the package is only a dev dependency.
import { isMain, writeFileAtomic } from './build-files.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { getProviders } from '@nangohq/providers';
import { catalogPath, type ProviderCatalog } from '../src/config/catalog.js';

export function buildCatalog(): ProviderCatalog {
  const providers = getProviders();
  if (!providers) throw new Error('@nangohq/providers could not load its providers.yaml');
  const out: ProviderCatalog = {};
  for (const slug of Object.keys(providers).sort()) {
    const p = providers[slug];
    if (!p || typeof p.auth_mode !== 'string') continue;
    out[slug] = {
      auth_mode: p.auth_mode,
      display_name: p.display_name,
      ...(Array.isArray(p.default_scopes) && p.default_scopes.length > 0 ? { default_scopes: [...p.default_scopes] } : {}),
    };
  }
  return out;
}

export function writeCatalog(path = catalogPath()): { path: string; count: number } {
  const catalog = buildCatalog();
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a reader never sees half a file.
  writeFileAtomic(path, `${JSON.stringify(catalog, null, 1)}\n`);
  return { path, count: Object.keys(catalog).length };
}


if (isMain(import.meta.url)) {
  try {
    const { path, count } = writeCatalog();
    process.stdout.write(`wrote ${count} providers to ${path}\n`);
  } catch (err) {
    process.stderr.write(`build-catalog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
