// Per-attempt request counting, fed from ClientOptions.onResponse (retries count: they cost rate limit).
import type { ResponseEvent } from './transport.js';
import type { RequestStats } from './types.js';

export function createRequestStats(): RequestStats {
  return { requests: 0, byMethodStatus: {} };
}

/** Adds one attempt under `METHOD STATUS` (`GET 200`, `POST error` when there was no answer). */
export function recordRequest(stats: RequestStats, event: ResponseEvent): void {
  stats.requests++;
  const key = `${event.method} ${event.status ?? 'error'}`;
  stats.byMethodStatus[key] = (stats.byMethodStatus[key] ?? 0) + 1;
}
