// Nango's rate limit is one window per account, shared by all its environments: clients of environments
// on the same host take their turns from one pacer, so that together they stay under the limit.
import { RateLimitPacer } from './pacer.js';

/** The same URL written differently (case of the host name, default port) is the same host. */
function hostId(host: string): string {
  try {
    return new URL(host).href.replace(/\/+$/, '');
  } catch {
    return host;
  }
}

/** Hands out one pacer per host, created on first use. */
export function createPacerPool(create: () => RateLimitPacer = () => new RateLimitPacer()): (host: string) => RateLimitPacer {
  const pacers = new Map<string, RateLimitPacer>();
  return (host) => {
    const id = hostId(host);
    let pacer = pacers.get(id);
    if (!pacer) {
      pacer = create();
      pacers.set(id, pacer);
    }
    return pacer;
  };
}
