import { randomUUID } from 'node:crypto';

import type { ProviderCatalog } from './catalog.js';
import type { SeedIntegration, StoredIntegration } from './types.js';

interface Environment {
  /** Used in webhook URLs; stable for the emulator's lifetime (reset() keeps it). */
  uuid: string;
  /** Keyed by unique_key. */
  integrations: Map<string, StoredIntegration>;
}

/** Timestamps that strictly increase, so two writes in the same millisecond still get different updated_at. */
export class MonotonicClock {
  private last = 0;

  nowIso(): string {
    this.last = Math.max(Date.now(), this.last + 1);
    return new Date(this.last).toISOString();
  }
}

export class EmulatorState {
  private readonly environments = new Map<string, Environment>();
  private readonly clock = new MonotonicClock();
  private nextId = 1;

  constructor(private readonly catalog: ProviderCatalog) {}

  environment(name: string): Environment {
    let env = this.environments.get(name);
    if (!env) {
      env = { uuid: randomUUID(), integrations: new Map() };
      this.environments.set(name, env);
    }
    return env;
  }

  environmentUuid(name: string): string {
    return this.environment(name).uuid;
  }

  list(environment: string): StoredIntegration[] {
    // Listed by row id, as the database returns them: a rename keeps its place.
    return [...this.environment(environment).integrations.values()].sort((a, b) => a.id - b.id);
  }

  get(environment: string, uniqueKey: string): StoredIntegration | undefined {
    return this.environment(environment).integrations.get(uniqueKey);
  }

  now(): string {
    return this.clock.nowIso();
  }

  /** Stores a new integration; the caller has checked that the key is free. */
  insert(environment: string, fields: Omit<StoredIntegration, 'id' | 'created_at' | 'updated_at' | 'connections'>): StoredIntegration {
    const now = this.clock.nowIso();
    const stored: StoredIntegration = { ...fields, connections: 0, created_at: now, updated_at: now, id: this.nextId++ };
    this.environment(environment).integrations.set(stored.unique_key, stored);
    return stored;
  }

  /** Renames in place: id, created_at and connections stay. */
  rename(environment: string, from: string, to: string): void {
    const integrations = this.environment(environment).integrations;
    const stored = integrations.get(from);
    if (!stored) return;
    integrations.delete(from);
    stored.unique_key = to;
    integrations.set(to, stored);
  }

  touch(stored: StoredIntegration): void {
    stored.updated_at = this.clock.nowIso();
  }

  /** Removes the integration and, with it, its connections. */
  remove(environment: string, uniqueKey: string): boolean {
    return this.environment(environment).integrations.delete(uniqueKey);
  }

  seed(environment: string, seeds: SeedIntegration[]): void {
    for (const seed of seeds) {
      const displayName = seed.display_name ?? this.catalog.get(seed.provider)?.display_name ?? seed.provider;
      this.environment(environment).integrations.delete(seed.unique_key);
      const stored = this.insert(environment, {
        unique_key: seed.unique_key,
        provider: seed.provider,
        display_name: displayName,
        forward_webhooks: seed.forward_webhooks ?? true,
        credentials: seed.credentials === undefined || seed.credentials === null ? null : structuredClone(seed.credentials),
        ...(seed.integration_config ? { integration_config: { ...seed.integration_config } } : {}),
      });
      stored.connections = seed.connections ?? 0;
    }
  }

  setConnections(environment: string, uniqueKey: string, count: number): void {
    const stored = this.get(environment, uniqueKey);
    if (!stored) throw new Error(`emulator: no integration "${uniqueKey}" in environment "${environment}"`);
    if (!Number.isInteger(count) || count < 0) throw new Error('emulator: connection count must be a non-negative integer');
    stored.connections = count;
  }

  clear(): void {
    for (const env of this.environments.values()) env.integrations.clear();
  }
}
