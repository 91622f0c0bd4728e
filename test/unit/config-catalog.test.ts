import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCatalog, writeCatalog } from '../../scripts/build-catalog.js';
import { catalogPath, credentialsTypeFor, getProvider, requiresCredentials, suggestProviders } from '../../src/config/catalog.js';
import { ensureCatalog, tempDir } from '../fixtures/config/helpers.js';

beforeAll(ensureCatalog);

describe('provider catalog', () => {
  it('is generated from @nangohq/providers with auth mode, name and default scopes', () => {
    const catalog = buildCatalog();
    expect(Object.keys(catalog).length).toBeGreaterThan(500);
    expect(catalog['slack']).toEqual({ auth_mode: 'OAUTH2', display_name: 'Slack' });
    expect(catalog['github-app']?.auth_mode).toBe('APP');
    expect(catalog['netsuite-tba']).toEqual({ auth_mode: 'TBA', display_name: 'NetSuite (TBA)', default_scopes: ['rest_webservices'] });
    // Aliased providers are resolved to their target's auth mode.
    for (const entry of Object.values(catalog)) expect(typeof entry.auth_mode).toBe('string');
  });

  it('writes sorted JSON atomically', async () => {
    const t = await tempDir();
    try {
      const out = join(t.path, 'generated/providers-catalog.json');
      const { count } = writeCatalog(out);
      const parsed = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(parsed)).toHaveLength(count);
      expect(Object.keys(parsed)).toEqual([...Object.keys(parsed)].sort());
    } finally {
      await t.cleanup();
    }
  });

  it('is read from generated/ under the package root', () => {
    expect(catalogPath()).toBe(join(process.cwd(), 'generated', 'providers-catalog.json'));
    expect(getProvider('slack')).toEqual({ auth_mode: 'OAUTH2', display_name: 'Slack' });
    expect(getProvider('no-such-provider')).toBeUndefined();
    expect(getProvider('__proto__')).toBeUndefined();
    expect(getProvider('constructor')).toBeUndefined();
  });

  it('suggests close provider slugs, at most three', () => {
    expect(suggestProviders('slak')[0]).toBe('slack');
    expect(suggestProviders('hubspt')).toContain('hubspot');
    expect(suggestProviders('githib-app')[0]).toBe('github-app');
    expect(suggestProviders('s').length).toBeLessThanOrEqual(3);
    expect(suggestProviders('completely-unrelated-words')).toEqual([]);
  });

  it('maps auth modes to credential rules', () => {
    expect(['OAUTH1', 'OAUTH2', 'APP', 'CUSTOM'].map(requiresCredentials)).toEqual([true, true, true, true]);
    expect(['TBA', 'API_KEY', 'BASIC', 'OAUTH2_CC', 'NONE'].map(requiresCredentials)).toEqual([false, false, false, false, false]);
    expect(['OAUTH1', 'OAUTH2', 'TBA', 'APP', 'CUSTOM'].map(credentialsTypeFor)).toEqual(['OAUTH1', 'OAUTH2', 'TBA', 'APP', 'CUSTOM']);
    expect(credentialsTypeFor('API_KEY')).toBeUndefined();
    expect(credentialsTypeFor('OAUTH2_CC')).toBeUndefined();
  });

  it('fails with a clear message when the generated file is missing', async () => {
    vi.resetModules();
    vi.doMock('node:fs', async (importOriginal) => {
      const fs = await importOriginal<typeof import('node:fs')>();
      const readFileSync = ((path: Parameters<typeof fs.readFileSync>[0], ...rest: unknown[]) => {
        if (String(path).endsWith('providers-catalog.json')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
      }) as typeof fs.readFileSync;
      return { ...fs, default: { ...fs, readFileSync }, readFileSync };
    });
    try {
      const fresh = await import('../../src/config/catalog.js');
      expect(() => fresh.getProvider('slack')).toThrow('generated/providers-catalog.json is missing: run npm run build');
      const config = await import('../../src/config/index.js');
      const t = await tempDir();
      try {
        await t.write('a.yaml', 'integrations:\n  - {unique_key: a, provider: slack}\n  - {unique_key: b, provider: github}\n');
        const r = await config.loadDesiredState({ paths: ['a.yaml'], cwd: t.path, env: {} });
        expect(r.state).toBeUndefined();
        expect(r.diagnostics.map(config.formatDiagnostic)).toEqual(['the provider catalog generated/providers-catalog.json is missing: run npm run build']);
      } finally {
        await t.cleanup();
      }
    } finally {
      vi.doUnmock('node:fs');
      vi.resetModules();
    }
  });
});
