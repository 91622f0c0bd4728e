// Remotes of several environments: one pacer per host (Nango's rate-limit window is the account's, so
// environments on one host must never together exceed it), one client per environment, and one state
// file in which each environment has its own section.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchLiveState } from '../../src/nango/live.js';
import { openRemotes } from '../../src/reconcile/remotes.js';
import { createRedactor } from '../../src/redact.js';
import { environmentId, openFingerprintFile } from '../../src/state/fingerprints.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

const KEY_DEV = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';
const KEY_PROD = 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const statePath = (): string => join(mkdtempSync(join(tmpdir(), 'nango-gitops-remotes-')), 'state.json');

describe('openRemotes', () => {
  it('gives environments on one host one pacer, another host its own, and the same remote while host and key stay', async () => {
    const remotes = await openRemotes({ statePath: undefined, redactor: createRedactor() });
    const dev = remotes.open({ environment: 'dev', host: 'https://api.nango.dev', secretKey: KEY_DEV });
    remotes.open({ environment: 'prod', host: 'https://api.nango.dev', secretKey: KEY_PROD });
    expect(remotes.pacer('https://api.nango.dev')).toBe(remotes.pacer('https://API.nango.dev:443/'));
    expect(remotes.pacer('https://nango.example.com')).not.toBe(remotes.pacer('https://api.nango.dev'));

    expect(remotes.open({ environment: 'dev', host: 'https://api.nango.dev', secretKey: KEY_DEV })).toBe(dev);
    const rotated = remotes.open({ environment: 'dev', host: 'https://api.nango.dev', secretKey: KEY_PROD });
    expect(rotated).not.toBe(dev);
    expect(rotated.client).not.toBe(dev.client);
  });

  it('two environments on one host, read at once, stay under the account rate limit together (no 429)', { timeout: 30_000 }, async () => {
    emu = await startEmulator({
      keys: [
        { secretKey: KEY_DEV, environment: 'dev' },
        { secretKey: KEY_PROD, environment: 'prod' },
      ],
      rateLimitPerMinute: 8,
      rateLimitWindowMs: 1_000,
    });
    const seeds = Array.from({ length: 8 }, (_, i) => ({ unique_key: `k${i}`, provider: 'openai', credentials: null }));
    emu.seed(seeds, 'dev');
    emu.seed(seeds, 'prod');
    const remotes = await openRemotes({ statePath: undefined, redactor: createRedactor() });
    const dev = remotes.open({ environment: 'dev', host: emu.url, secretKey: KEY_DEV });
    const prod = remotes.open({ environment: 'prod', host: emu.url, secretKey: KEY_PROD });
    const detailKeys = new Set(seeds.map((s) => s.unique_key));
    const [a, b] = await Promise.all([
      fetchLiveState(dev.client, { detailKeys, concurrency: 6 }),
      fetchLiveState(prod.client, { detailKeys, concurrency: 6 }),
    ]);
    expect(a.live.integrations).toHaveLength(8);
    expect(b.live.integrations).toHaveLength(8);
    expect(new Set(emu.requests.map((r) => r.environment))).toEqual(new Set(['dev', 'prod']));
    expect(emu.requests.filter((r) => r.status === 429)).toEqual([]);
  });

  it('names the environment and its key variable in an authentication error, never the key', async () => {
    emu = await startEmulator({ keys: [{ secretKey: KEY_DEV, environment: 'dev' }] });
    const remotes = await openRemotes({ statePath: undefined, redactor: createRedactor() });
    const prod = remotes.open({ environment: 'prod', host: emu.url, secretKey: KEY_PROD, secretKeyVariable: 'NANGO_SECRET_KEY_PROD' });
    await expect(prod.client.listIntegrations()).rejects.toThrow(
      'authentication failed (unknown_account): check NANGO_SECRET_KEY_PROD (the secret key of environment prod)',
    );
  });
});

describe('one state file, a section per environment', () => {
  it('keeps every environment\'s fingerprints when their saves overlap, and labels each section with its name', async () => {
    const path = statePath();
    const file = await openFingerprintFile(path);
    const dev = file.store(KEY_DEV, 'dev');
    const prod = file.store(KEY_PROD, 'prod');
    dev.record('slack', { 'credentials.client_secret': 'hmac-dev' });
    prod.record('slack', { 'credentials.client_secret': 'hmac-prod' });
    await Promise.all([dev.save(), prod.save()]);

    const written = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    expect(written).toEqual({
      format_version: 1,
      environments: {
        [environmentId(KEY_DEV)]: { environment: 'dev', integrations: { slack: { 'credentials.client_secret': 'hmac-dev' } } },
        [environmentId(KEY_PROD)]: { environment: 'prod', integrations: { slack: { 'credentials.client_secret': 'hmac-prod' } } },
      },
    });
    const again = await openFingerprintFile(path);
    expect(again.store(KEY_PROD).get('slack', 'credentials.client_secret')).toBe('hmac-prod');
    expect(again.store(KEY_DEV).get('slack', 'credentials.client_secret')).toBe('hmac-dev');
  });

  it('reads a file written before sections had names, and keeps its other sections as they are', async () => {
    const path = statePath();
    const old = { format_version: 1, environments: { [environmentId(KEY_DEV)]: { integrations: { a: { 'integration_config.x': 'h1' } } }, other: { integrations: {} } } };
    writeFileSync(path, JSON.stringify(old));
    const file = await openFingerprintFile(path);
    const dev = file.store(KEY_DEV);
    expect(dev.get('a', 'integration_config.x')).toBe('h1');
    dev.record('b', { 'integration_config.y': 'h2' });
    await dev.save();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      format_version: 1,
      environments: { [environmentId(KEY_DEV)]: { integrations: { a: { 'integration_config.x': 'h1' }, b: { 'integration_config.y': 'h2' } } }, other: { integrations: {} } },
    });
  });
});
