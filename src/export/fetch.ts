// Every integration with its credentials: the one read an export needs (plan reads details only for
// keys whose credentials the config manages).
import pLimit from 'p-limit';
import { toLiveIntegration } from '../nango/live.js';
import type { ApiIntegration, LiveIntegration, NangoClient } from '../nango/types.js';

/** Absent `credentials` after include[]=credentials means the key may not read them, never "empty". */
function credentialsOf(detail: ApiIntegration): LiveIntegration['credentials'] {
  const creds: unknown = detail.credentials;
  if (creds === null) return null;
  if (creds === undefined || typeof creds !== 'object' || Array.isArray(creds)) return 'unreadable';
  return detail.credentials ?? null;
}

export async function readAllIntegrations(client: NangoClient, concurrency: number): Promise<LiveIntegration[]> {
  const listed = await client.listIntegrations();
  const limit = pLimit(Math.max(1, concurrency));
  try {
    const read = await Promise.all(
      listed.map((summary) =>
        limit(async () => {
          const detail = await client.getIntegration(summary.unique_key, ['credentials']);
          // Deleted between the list and this read: nothing to export.
          return detail === null ? undefined : toLiveIntegration(detail, credentialsOf(detail));
        }),
      ),
    );
    return read.filter((i): i is LiveIntegration => i !== undefined);
  } catch (error) {
    limit.clearQueue();
    throw error;
  }
}
