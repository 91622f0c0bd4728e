import { afterEach, describe, expect, it } from 'vitest';

import { createNangoClient } from '../../src/nango/client.js';
import { createDetailCache, fetchLiveState } from '../../src/nango/live.js';
import type { ApiIntegration, NangoClient } from '../../src/nango/types.js';
import { apiIntegration, startFakeServer, type FakeServer } from './nango-fake-server.js';

const oauth = { type: 'OAUTH2', client_id: 'id', client_secret: 'secret', scopes: 'chat:write', webhook_secret: null } as const;

/** An in-memory Nango whose details hold credentials; counts the calls fetchLiveState makes. */
function fakeNango() {
  const details = new Map<string, ApiIntegration>();
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const put = (item: ApiIntegration): void => {
    details.set(item.unique_key, item);
  };
  const strip = (item: ApiIntegration): ApiIntegration => {
    const { credentials: _credentials, webhook_url: _webhookUrl, ...summary } = item;
    return summary;
  };
  const client: NangoClient = {
    async listIntegrations() {
      calls.push('list');
      return [...details.values()].map(strip);
    },
    async getIntegration(key, include) {
      calls.push(`get ${key} ${include.join(',')}`);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return details.get(key) ?? null;
    },
    createIntegration: () => Promise.reject(new Error('not used')),
    updateIntegration: () => Promise.reject(new Error('not used')),
    deleteIntegration: () => Promise.reject(new Error('not used')),
    countConnections: () => Promise.reject(new Error('not used')),
  };
  return { client, calls, details, put, maxInFlight: () => maxInFlight };
}

function integration(key: string, extra: Partial<ApiIntegration> = {}): ApiIntegration {
  return apiIntegration(key, 'slack', extra) as unknown as ApiIntegration;
}

describe('fetchLiveState', () => {
  it('reads details only for keys whose credentials config manages', async () => {
    const nango = fakeNango();
    nango.put(integration('managed', { credentials: oauth, webhook_url: 'https://api.nango.dev/webhook/x/managed' }));
    nango.put(integration('unmanaged', { credentials: oauth }));
    const { live, requests } = await fetchLiveState(nango.client, { detailKeys: new Set(['managed', 'not-listed']), concurrency: 4 });
    expect(requests).toBe(2);
    expect(nango.calls).toEqual(['list', 'get managed credentials,webhook']);
    const [managed, unmanaged] = live.integrations;
    expect(managed?.credentials).toEqual(oauth);
    expect(managed?.webhook_url).toBe('https://api.nango.dev/webhook/x/managed');
    expect(unmanaged?.credentials).toBe('not-fetched');
    expect(unmanaged).not.toHaveProperty('webhook_url');
    expect(unmanaged).not.toHaveProperty('logo');
  });

  it("tells credentials the key may not read ('unreadable') from a provider without credentials (null)", async () => {
    const nango = fakeNango();
    nango.put(integration('no-scope')); // include[]=credentials answered without the field
    nango.put(integration('api-key', { credentials: null }));
    const { live } = await fetchLiveState(nango.client, { detailKeys: new Set(['no-scope', 'api-key']), concurrency: 2 });
    expect(live.integrations.map((i) => [i.unique_key, i.credentials])).toEqual([
      ['no-scope', 'unreadable'],
      ['api-key', null],
    ]);
  });

  it('drops an integration deleted between the list and its detail read', async () => {
    const nango = fakeNango();
    nango.put(integration('stays', { credentials: oauth }));
    nango.put(integration('goes', { credentials: oauth }));
    const list = nango.client.listIntegrations.bind(nango.client);
    nango.client.listIntegrations = async () => {
      const listed = await list();
      nango.details.delete('goes');
      return listed;
    };
    const { live } = await fetchLiveState(nango.client, { detailKeys: new Set(['stays', 'goes']), concurrency: 2 });
    expect(live.integrations.map((i) => i.unique_key)).toEqual(['stays']);
  });

  it('bounds the detail reads in flight', async () => {
    const nango = fakeNango();
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    for (const key of keys) nango.put(integration(key, { credentials: oauth }));
    const { requests } = await fetchLiveState(nango.client, { detailKeys: new Set(keys), concurrency: 3 });
    expect(requests).toBe(13);
    expect(nango.maxInFlight()).toBe(3);
  });

  it('with a cache, costs one request when nothing moved and rereads only what moved', async () => {
    const nango = fakeNango();
    nango.put(integration('a', { credentials: oauth }));
    nango.put(integration('b', { credentials: oauth }));
    nango.put(integration('c'));
    const cache = createDetailCache();
    const options = { detailKeys: new Set(['a', 'b']), concurrency: 2, cache };

    const first = await fetchLiveState(nango.client, options);
    expect(first.requests).toBe(3);

    nango.calls.length = 0;
    const second = await fetchLiveState(nango.client, options);
    expect(second.requests).toBe(1);
    expect(nango.calls).toEqual(['list']);
    expect(second.live).toEqual(first.live);

    const rotated = { ...oauth, client_secret: 'rotated' };
    nango.put(integration('b', { credentials: rotated, updated_at: '2024-02-01T00:00:00.000Z' }));
    nango.calls.length = 0;
    const third = await fetchLiveState(nango.client, options);
    expect(third.requests).toBe(2);
    expect(nango.calls).toEqual(['list', 'get b credentials,webhook']);
    expect(third.live.integrations.find((i) => i.unique_key === 'b')?.credentials).toEqual(rotated);

    nango.calls.length = 0;
    const refresh = await fetchLiveState(nango.client, { ...options, fullRefresh: true });
    expect(refresh.requests).toBe(3);
  });

  it('evicts cached keys no longer listed', async () => {
    const nango = fakeNango();
    nango.put(integration('a', { credentials: oauth }));
    nango.put(integration('b', { credentials: oauth }));
    const cache = createDetailCache();
    await fetchLiveState(nango.client, { detailKeys: new Set(['a', 'b']), concurrency: 2, cache });
    expect([...cache.entries.keys()].sort()).toEqual(['a', 'b']);
    nango.details.delete('b');
    await fetchLiveState(nango.client, { detailKeys: new Set(['a', 'b']), concurrency: 2, cache });
    expect([...cache.entries.keys()]).toEqual(['a']);
    // Re-created with the same updated_at (clock granularity): must be read again, not served from the cache.
    nango.put(integration('b', { credentials: null }));
    const { live, requests } = await fetchLiveState(nango.client, { detailKeys: new Set(['a', 'b']), concurrency: 2, cache });
    expect(requests).toBe(2);
    expect(live.integrations.find((i) => i.unique_key === 'b')?.credentials).toBeNull();
  });

  it('fails as a whole when a detail read fails', async () => {
    const nango = fakeNango();
    nango.put(integration('a', { credentials: oauth }));
    nango.client.getIntegration = () => Promise.reject(new Error('boom'));
    await expect(fetchLiveState(nango.client, { detailKeys: new Set(['a']), concurrency: 1 })).rejects.toThrow('boom');
  });
});

describe('fetchLiveState over HTTP', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('sends one list and one detail with both includes, then only the list', async () => {
    server = await startFakeServer((req) => {
      if (req.url === '/integrations') return { status: 200, json: { data: [apiIntegration('my key')] } };
      return { status: 200, json: { data: apiIntegration('my key', 'slack', { credentials: oauth, webhook_url: null }) } };
    });
    const client = createNangoClient({ host: server.url, secretKey: 'k' });
    const cache = createDetailCache();
    const options = { detailKeys: new Set(['my key']), concurrency: 2, cache };
    const first = await fetchLiveState(client, options);
    expect(first.live.integrations[0]?.credentials).toEqual(oauth);
    expect(first.live.integrations[0]?.webhook_url).toBeNull();
    const second = await fetchLiveState(client, options);
    expect(second.requests).toBe(1);
    expect(server.requests.map((r) => decodeURIComponent(r.url))).toEqual([
      '/integrations',
      '/integrations/my key?include[]=credentials&include[]=webhook',
      '/integrations',
    ]);
  });
});
