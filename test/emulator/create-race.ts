// Test hook: another writer creates a key an instant before our POST of it arrives, i.e. after the plan
// was computed, where neither the plan nor a reviewed plan file can see it. One-shot per key.
import type { SeedIntegration } from './types.js';

interface Armed {
  seed: SeedIntegration;
  environment: string;
}

export class CreateRace {
  private readonly armed = new Map<string, Armed>();

  arm(seed: SeedIntegration, environment: string): void {
    this.armed.set(seed.unique_key, { seed, environment });
  }

  /** The integration to store before handling this request, if it is the armed POST (then disarmed). */
  take(method: string, pathname: string, body: Buffer): Armed | undefined {
    if (this.armed.size === 0 || method !== 'POST' || pathname !== '/integrations') return undefined;
    let key: unknown;
    try {
      key = (JSON.parse(body.toString('utf8')) as { unique_key?: unknown }).unique_key;
    } catch {
      return undefined;
    }
    if (typeof key !== 'string') return undefined;
    const armed = this.armed.get(key);
    this.armed.delete(key);
    return armed;
  }

  clear(): void {
    this.armed.clear();
  }
}
