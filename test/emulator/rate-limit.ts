export interface RateLimitDecision {
  allowed: boolean;
  /** X-RateLimit-* headers, and Retry-After when refused. */
  headers: Record<string, string>;
}

/**
 * One fixed window per account: the first request after a window ends opens the next one.
 * Retry-After rounds down, so it is 0 in the last second of a window, as on the real server.
 */
export class FixedWindowRateLimiter {
  private windowEnd = 0;
  private count = 0;

  constructor(
    private limit: number,
    private windowMs: number,
  ) {}

  configure(limit: number, windowMs: number = this.windowMs): void {
    this.limit = limit;
    this.windowMs = windowMs;
    this.restart();
  }

  restart(): void {
    this.windowEnd = 0;
    this.count = 0;
  }

  hit(now: number = Date.now()): RateLimitDecision {
    if (now >= this.windowEnd) {
      this.windowEnd = now + this.windowMs;
      this.count = 0;
    }
    this.count++;
    const allowed = this.count <= this.limit;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(Math.max(0, this.limit - this.count)),
      'x-ratelimit-reset': String(Math.ceil(this.windowEnd / 1000)),
    };
    if (!allowed) headers['retry-after'] = String(Math.max(0, Math.floor((this.windowEnd - now) / 1000)));
    return { allowed, headers };
  }

  /** Headers for a fault-injected 429, consistent with its Retry-After. */
  faultHeaders(retryAfterSeconds: number, now: number = Date.now()): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(now / 1000) + retryAfterSeconds),
      'retry-after': String(retryAfterSeconds),
    };
  }
}
