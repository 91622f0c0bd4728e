import pLimit from 'p-limit';
import type { NangoClient } from '../nango/types.js';
import { CONNECTIONS_LIMIT } from '../plan/connections.js';
import type { Change } from '../plan/types.js';

/**
 * Deletes and replaces destroy connections and Nango refuses renames of integrations that have any,
 * so those changes carry the count (read here, at the I/O edge, so that plan/ stays pure). Unreadable
 * counts become 'unknown', which the safety rules treat as "has connections".
 */
export async function countConnections(changes: Change[], client: NangoClient, concurrency: number): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    changes
      .filter((c) => c.action === 'delete' || c.action === 'replace' || c.action === 'rename')
      .map((c) =>
        limit(async () => {
          const key = c.action === 'rename' ? (c.from_unique_key ?? c.unique_key) : c.unique_key;
          try {
            c.connections = await client.countConnections(key, CONNECTIONS_LIMIT);
          } catch {
            c.connections = 'unknown';
          }
        }),
      ),
  );
}
