// Nango's rate limit is one window per account, shared by all its environments: environments reached
// through the same host share one pacer, so that together they stay under the limit and keep its reserve.
import { RateLimitPacer } from '../nango/pacer.js';

export interface Pacers {
  /** The pacer of this host (an http(s) URL), the same object for every environment on it. */
  forHost(host: string): RateLimitPacer;
}

/** `https://API.nango.dev/` and `https://api.nango.dev` are one host; a different port or path is another. */
function hostId(host: string): string {
  try {
    const url = new URL(host.trim());
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return host.trim();
  }
}

export function createPacers(create: () => RateLimitPacer = () => new RateLimitPacer()): Pacers {
  const pacers = new Map<string, RateLimitPacer>();
  return {
    forHost(host) {
      const id = hostId(host);
      let pacer = pacers.get(id);
      if (pacer === undefined) {
        pacer = create();
        pacers.set(id, pacer);
      }
      return pacer;
    },
  };
}
