// The client against the in-repo API emulator: real validation, real rate limiting, injected faults.
import { afterEach, describe, expect, it } from 'vitest';

import { createNangoClient } from '../../src/nango/client.js';
import { createDetailCache, fetchLiveState } from '../../src/nango/live.js';
import { RateLimitPacer } from '../../src/nango/pacer.js';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type EmulatorOptions, scopesWithout } from '../emulator/server.js';

const NO_CREDENTIALS_KEY = '0d6c1f9e-2b3a-4c5d-8e7f-9a0b1c2d3e4f';
const ALL_SCOPES_BUT_CREDENTIALS = scopesWithout('environment:integrations:read_credentials');

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({
    keys: [
      { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
      { secretKey: NO_CREDENTIALS_KEY, environment: 'dev', scopes: ALL_SCOPES_BUT_CREDENTIALS },
    ],
    ...options,
  });
  return emulator;
}

const fastSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 5)));
const oauth = { type: 'OAUTH2' as const, client_id: 'client-id', client_secret: 'client-secret', scopes: 'chat:write' };

describe('NangoClient against the emulator', () => {
  it('creates, reads, updates, renames, counts and deletes an integration with an awkward key', async () => {
    const emu = await start();
    const client = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY });
    const key = 'slack prod@team:1';

    const created = await client.createIntegration({ provider: 'slack', unique_key: key, credentials: oauth });
    expect(created).toMatchObject({ unique_key: key, provider: 'slack', forward_webhooks: true });
    expect(created).not.toHaveProperty('credentials');

    const detail = await client.getIntegration(key, ['credentials', 'webhook']);
    expect(detail?.credentials).toMatchObject({ type: 'OAUTH2', client_id: 'client-id', client_secret: 'client-secret' });
    expect(detail).toHaveProperty('webhook_url');

    const updated = await client.updateIntegration(key, { display_name: 'Team Slack' });
    expect(updated.display_name).toBe('Team Slack');

    const renamed = await client.updateIntegration(key, { unique_key: 'slack-2' }, { provider: 'slack' });
    expect(renamed.unique_key).toBe('slack-2');
    expect(await client.getIntegration(key, [])).toBeNull();

    emu.setConnections('slack-2', 3);
    expect(await client.countConnections('slack-2', 2000)).toBe(3);
    expect(await client.countConnections('slack-2', 1)).toBe(1);

    await client.deleteIntegration('slack-2');
    expect(await client.getIntegration('slack-2', [])).toBeNull();
    expect(emu.integrations()).toEqual([]);
  });

  it('reports validation, auth and missing-scope errors in one line each', async () => {
    const emu = await start();
    const client = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY });
    await expect(client.createIntegration({ provider: 'no-such-provider', unique_key: 'x' })).rejects.toThrow(
      'POST /integrations failed (400 invalid_body): provider: Invalid provider',
    );
    const stranger = createNangoClient({ host: emu.url, secretKey: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' });
    await expect(stranger.listIntegrations()).rejects.toThrow('authentication failed (unknown_account): check NANGO_SECRET_KEY');
  });

  it('reads credentials as unreadable without the scope, null for a provider without them', async () => {
    const emu = await start();
    emu.seed([
      { unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'b' } },
      { unique_key: 'openai', provider: 'openai', credentials: null },
    ]);
    const detailKeys = new Set(['slack', 'openai']);
    const full = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY });
    const limited = createNangoClient({ host: emu.url, secretKey: NO_CREDENTIALS_KEY });

    const withScope = await fetchLiveState(full, { detailKeys, concurrency: 2 });
    expect(withScope.live.integrations.find((i) => i.unique_key === 'slack')?.credentials).toMatchObject({ client_secret: 'b' });
    expect(withScope.live.integrations.find((i) => i.unique_key === 'openai')?.credentials).toBeNull();

    const withoutScope = await fetchLiveState(limited, { detailKeys, concurrency: 2 });
    expect(withoutScope.live.integrations.map((i) => i.credentials)).toEqual(['unreadable', 'unreadable']);
  });

  it('a converged fetch with a cache costs one request; a write makes the next one reread that key', async () => {
    const emu = await start();
    emu.seed([
      { unique_key: 'a', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'a' } },
      { unique_key: 'b', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'b', client_secret: 'b' } },
    ]);
    const client = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY });
    const options = { detailKeys: new Set(['a', 'b']), concurrency: 2, cache: createDetailCache() };
    expect((await fetchLiveState(client, options)).requests).toBe(3);
    emu.clearRequests();
    expect((await fetchLiveState(client, options)).requests).toBe(1);
    expect(emu.requests).toHaveLength(1);

    await client.updateIntegration('b', { credentials: { type: 'OAUTH2', client_id: 'b', client_secret: 'rotated' } });
    const after = await fetchLiveState(client, options);
    expect(after.requests).toBe(2);
    expect(after.live.integrations.find((i) => i.unique_key === 'b')?.credentials).toMatchObject({ client_secret: 'rotated' });
  });

  it('recognises writes the server applied after the client gave up waiting', { timeout: 30_000 }, async () => {
    const emu = await start();
    // The first attempt times out while the server is still working; the write lands before the retry.
    const slowOnce = (): void => emu.setLatency(600);
    const client = createNangoClient({
      host: emu.url,
      secretKey: DEFAULT_SECRET_KEY,
      timeoutMs: 300,
      sleep: async () => {
        emu.setLatency(0);
        await new Promise((resolve) => setTimeout(resolve, 600));
      },
    });
    const attempts = (method: string): (number | string)[] => emu.requests.filter((r) => r.method === method).map((r) => r.status);

    slowOnce();
    const created = await client.createIntegration({ provider: 'slack', unique_key: 'a b', credentials: oauth });
    expect(created.unique_key).toBe('a b');
    expect(attempts('POST')).toEqual([200, 400]);

    slowOnce();
    const renamed = await client.updateIntegration('a b', { unique_key: 'c@d' }, { provider: 'slack' });
    expect(renamed.unique_key).toBe('c@d');
    expect(attempts('PATCH')).toEqual([200, 404]);

    slowOnce();
    await client.deleteIntegration('c@d');
    expect(attempts('DELETE')).toEqual([200, 404]);
    expect(emu.integrations()).toEqual([]);
  });

  it('gets every write through random injected faults exactly once', { timeout: 60_000 }, async () => {
    const emu = await start({ randomSeed: 7, hangMs: 3_000 });
    const client = createNangoClient({
      host: emu.url,
      secretKey: DEFAULT_SECRET_KEY,
      maxRetries: 12,
      retryBaseMs: 1,
      timeoutMs: 1_000,
      sleep: fastSleep,
      pacer: new RateLimitPacer({ sleep: fastSleep }),
    });
    const keys = Array.from({ length: 12 }, (_, i) => `key ${i}`);

    emu.setFaults({ rate: 0.4, kinds: ['lost-answer', 'lost-answer', '500', '503-html', '429-retry-0', 'reset', 'hang'] });
    for (const key of keys) await client.createIntegration({ provider: 'slack', unique_key: key, credentials: oauth });
    for (const key of keys.slice(0, 6)) await client.updateIntegration(key, { unique_key: `${key} renamed` }, { provider: 'slack' });
    for (const key of keys.slice(6, 10)) await client.deleteIntegration(key);
    const listed = (await client.listIntegrations()).map((i) => i.unique_key).sort();
    emu.setFaults(undefined);

    expect(listed).toEqual([...keys.slice(0, 6).map((key) => `${key} renamed`), 'key 10', 'key 11'].sort());
    expect(emu.integrations()).toHaveLength(8);
    expect(emu.requests.some((r) => r.status === 'lost-answer')).toBe(true);
  });

  it('paces itself under the account rate limit instead of hitting 429', { timeout: 30_000 }, async () => {
    const emu = await start({ rateLimitPerMinute: 8, rateLimitWindowMs: 1_000 });
    emu.seed(Array.from({ length: 12 }, (_, i) => ({ unique_key: `k${i}`, provider: 'openai', credentials: null })));
    const client = createNangoClient({ host: emu.url, secretKey: DEFAULT_SECRET_KEY });
    const { live, requests } = await fetchLiveState(client, { detailKeys: new Set(emu.integrations().map((i) => i.unique_key)), concurrency: 6 });
    expect(requests).toBe(13);
    expect(live.integrations).toHaveLength(12);
    expect(emu.requests.filter((r) => r.status === 429)).toEqual([]);
  });
});
