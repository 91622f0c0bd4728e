// Live state: one list call, then credential details only for keys whose credentials config manages,
// reusing a cached detail read while the integration's updated_at has not moved (every write bumps it).
import pLimit from 'p-limit';

import { isRecord } from './errors.js';
import type { ApiCredentials, ApiIntegration, LiveIntegration, LiveState, NangoClient } from './types.js';

interface CachedDetail {
  updated_at: string;
  integration: LiveIntegration;
}

export interface DetailCache {
  /** Keyed by unique_key. */
  readonly entries: Map<string, CachedDetail>;
}

export function createDetailCache(): DetailCache {
  return { entries: new Map() };
}

export interface FetchLiveOptions {
  /** Keys whose credentials are managed by config: details (include[]=credentials) are fetched for these only. */
  detailKeys: ReadonlySet<string>;
  concurrency: number;
  /** Reuse a detail read while the integration's updated_at has not moved. */
  cache?: DetailCache;
  /** Ignore the cache this time (hourly backstop in the daemon). */
  fullRefresh?: boolean;
}

/** Absent `credentials` after include[]=credentials means the key may not read them, never "empty". */
export function credentialsOf(detail: ApiIntegration): ApiCredentials | null | 'unreadable' {
  if (!('credentials' in detail) || detail.credentials === undefined) return 'unreadable';
  if (detail.credentials === null) return null;
  return isRecord(detail.credentials) ? detail.credentials : 'unreadable';
}

export function toLiveIntegration(api: ApiIntegration, credentials: LiveIntegration['credentials']): LiveIntegration {
  const live: LiveIntegration = {
    unique_key: api.unique_key,
    provider: api.provider,
    // The API shows the provider's name when none is set, so null does not occur in answers.
    display_name: api.display_name ?? '',
    forward_webhooks: api.forward_webhooks,
    created_at: api.created_at,
    updated_at: api.updated_at,
    credentials,
  };
  if (api.webhook_url !== undefined) live.webhook_url = api.webhook_url;
  return live;
}

export async function fetchLiveState(client: NangoClient, options: FetchLiveOptions): Promise<{ live: LiveState; requests: number }> {
  const listed = await client.listIntegrations();
  let requests = 1;
  const cache = options.cache;
  const limit = pLimit(Math.max(1, options.concurrency));
  const used = new Set<string>();

  const read = async (summary: ApiIntegration): Promise<LiveIntegration | undefined> => {
    const key = summary.unique_key;
    if (!options.detailKeys.has(key)) return toLiveIntegration(summary, 'not-fetched');
    const cached = cache?.entries.get(key);
    if (cached && !options.fullRefresh && cached.updated_at === summary.updated_at) {
      used.add(key);
      return cached.integration;
    }
    requests++;
    const detail = await client.getIntegration(key, ['credentials', 'webhook']);
    // Deleted between the list and this read: it is not live any more.
    if (detail === null) return undefined;
    const integration = toLiveIntegration(detail, credentialsOf(detail));
    if (cache) {
      cache.entries.set(key, { updated_at: integration.updated_at, integration });
      used.add(key);
    }
    return integration;
  };

  let integrations: (LiveIntegration | undefined)[];
  try {
    integrations = await Promise.all(listed.map((summary) => limit(read, summary)));
  } catch (error) {
    // The state is unusable after one failure: do not spend rate limit on the reads still queued.
    limit.clearQueue();
    throw error;
  }
  if (cache) {
    for (const key of cache.entries.keys()) if (!used.has(key)) cache.entries.delete(key);
  }
  return { live: { integrations: integrations.filter((item): item is LiveIntegration => item !== undefined) }, requests };
}
