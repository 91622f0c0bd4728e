// Builders of desired and live states for the in-process benchmarks (the same shapes as test/helpers/model.ts,
// which is not part of the build).
import type { DesiredIntegration, DesiredState } from '../src/config/types.js';
import type { LiveIntegration, LiveState } from '../src/nango/types.js';
import type { DiffContext } from '../src/plan/diff.js';
import { createFingerprinter } from '../src/plan/fingerprint.js';

const at = { file: 'nango/bench.yaml', line: 1, column: 1 };
const key = (i: number): string => `bench-slack-${String(i).padStart(5, '0')}`;

function desired(i: number, drift: boolean): DesiredIntegration {
  return {
    unique_key: key(i),
    provider: 'slack',
    display_name: `Bench Slack ${i}`,
    forward_webhooks: false,
    credentials: {
      type: 'OAUTH2',
      client_id: `client-${i}`,
      client_secret: drift ? `rotated-secret-${i}` : `secret-${i}`,
      scopes: drift ? ['chat:write', 'channels:read', 'users:read'] : ['chat:write', 'channels:read'],
    },
    // As interpolation marks them: the secret came from ${ENV}.
    sensitive: new Set(['credentials.client_secret']),
    source: at,
    fieldSources: { display_name: at, 'credentials.client_secret': at },
  };
}

function live(i: number, drift: boolean): LiveIntegration {
  return {
    unique_key: key(i),
    provider: 'slack',
    display_name: drift ? 'Slack' : `Bench Slack ${i}`,
    forward_webhooks: false,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    credentials: { type: 'OAUTH2', client_id: `client-${i}`, client_secret: `secret-${i}`, scopes: 'channels:read,chat:write', webhook_secret: null },
  };
}

export interface DiffWorkload {
  desired: DesiredState;
  live: LiveState;
  /** What the diff must find, to check the benchmark measured real work. */
  expected: { create: number; update: number; delete: number; unchanged: number };
}

/**
 * n declared integrations with readable credentials: 1 % only in config (create), 10 % drifted
 * (display name, secret, scopes: update), the rest converged; plus 1 % remote-only, pruned (delete).
 */
export function diffWorkload(n: number): DiffWorkload {
  const integrations: DesiredIntegration[] = [];
  const remote: LiveIntegration[] = [];
  const creates = Math.floor(n / 100);
  const deletes = Math.floor(n / 100);
  let update = 0;
  for (let i = 0; i < n; i++) {
    const drift = i % 10 === 5;
    integrations.push(desired(i, drift));
    if (i % 100 === 7) continue; // declared, not in Nango yet
    if (drift) update++;
    remote.push(live(i, drift));
  }
  for (let i = n; i < n + deletes; i++) remote.push(live(i, false));
  // Both sides in an order other than the diff's, as the API and a directory walk give them.
  remote.reverse();
  return {
    desired: { integrations, settings: {}, files: [], extraWatchPaths: [], digest: 'bench', sensitiveValues: new Set() },
    live: { integrations: remote },
    expected: { create: creates, update, delete: deletes, unchanged: n - creates - update },
  };
}

export function diffContext(): DiffContext {
  return {
    fingerprint: createFingerprinter('bench-secret-key-not-real'),
    recordedFingerprint: () => undefined,
    requiresCredentials: () => true,
  };
}
