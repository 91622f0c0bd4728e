import type { FaultConfig, FaultKind } from './types.js';

/** mulberry32: tiny, seedable, good enough to pick faults reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private config: FaultConfig | undefined;
  private readonly random: () => number;

  constructor(config: FaultConfig | undefined, seed: number | undefined) {
    this.config = config;
    this.random = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  set(config: FaultConfig | undefined): void {
    this.config = config;
  }

  /**
   * Decides synchronously on arrival, so that with a seed the same request sequence gets the same
   * faults whatever the timing; requests the config does not cover draw no random number.
   */
  pick(method: string): FaultKind | undefined {
    const config = this.config;
    if (!config || config.rate <= 0 || config.kinds.length === 0) return undefined;
    if (config.methods && !config.methods.some((m) => m.toUpperCase() === method.toUpperCase())) return undefined;
    if (this.random() >= config.rate) return undefined;
    return config.kinds[Math.floor(this.random() * config.kinds.length)];
  }
}
