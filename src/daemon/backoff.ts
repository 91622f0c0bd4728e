// Delay before retrying a reconcile that failed on the API. Exponential so a Nango outage is not
// hammered by every sidecar; the random half keeps a fleet that failed together from retrying together.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, maxMs: 300_000 };

/** `failures` counts consecutive failed reconciles, from 1. Result lies in [d/2, d] with d = min(max, base·2^(failures-1)). */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
