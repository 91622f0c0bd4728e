import type { DesiredIntegration, DesiredState } from '../../src/config/types.js';
import type { LiveIntegration } from '../../src/nango/types.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import type { DiffContext } from '../../src/plan/diff.js';

const at = { file: 'nango/test.yaml', line: 1, column: 1 };

export function desired(i: Partial<DesiredIntegration> & Pick<DesiredIntegration, 'unique_key' | 'provider'>, sensitive: string[] = []): DesiredIntegration {
  return { sensitive: new Set(sensitive), source: at, fieldSources: {}, ...i };
}

export function state(integrations: DesiredIntegration[]): DesiredState {
  return { integrations, settings: {}, files: [], extraWatchPaths: [], digest: 'x', sensitiveValues: new Set() };
}

export function live(i: Partial<LiveIntegration> & Pick<LiveIntegration, 'unique_key' | 'provider'>): LiveIntegration {
  return { display_name: i.provider, forward_webhooks: true, created_at: 't', updated_at: 't', credentials: 'not-fetched', ...i };
}

export function context(recorded: Record<string, string> = {}): DiffContext {
  return {
    fingerprint: createFingerprinter('test-secret-key'),
    recordedFingerprint: (key, path) => recorded[`${key} ${path}`],
    requiresCredentials: (provider) => ['slack', 'github-app', 'hubspot'].includes(provider),
  };
}
