// Client-side pacing against Nango's per-account rate limit. The account's 60-second bucket is shared
// with the customer's own traffic, so this tool stops short of the limit instead of discovering it by 429.
import type { HeaderReader } from './http.js';

const WINDOW_MS = 60_000;
/** Answers whose reset lies within this distance describe the same window (Date has 1 s resolution). */
const SAME_WINDOW_MS = 1_500;
const MAX_RETRY_AFTER_MS = 60_000;
/** How often a waiter looks again while the answers it waits for are in flight. */
const ANSWER_POLL_MS = 25;

export interface PacerOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Requests of a window left for other users of the account. Default: max(2, 5% of the limit). */
  reserve?: (limit: number) => number;
  /** Upper bound of the random delay added to each wait, so waiters do not all fire at the same instant. */
  maxJitterMs?: number;
}

/** One admitted request. `settle` must be called once when it ends, with the answer when there was one. */
export interface PacerTicket {
  settle(answer?: { status: number; headers: HeaderReader }): void;
}

export class RateLimitPacer {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly reserve: (limit: number) => number;
  private readonly maxJitterMs: number;

  private limit: number | undefined;
  private remaining: number | undefined;
  /** Local-clock epoch ms at which the current window ends. */
  private resetAt: number | undefined;
  private inFlight = 0;
  private answered = false;
  private blockedUntil = 0;

  constructor(options: PacerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.reserve = options.reserve ?? ((limit) => Math.max(2, Math.ceil(limit * 0.05)));
    this.maxJitterMs = options.maxJitterMs ?? 250;
  }

  async acquire(): Promise<PacerTicket> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) {
      await this.sleep(wait + Math.floor(this.random() * Math.min(this.maxJitterMs, wait)));
    }
    this.inFlight++;
    let settled = false;
    return {
      settle: (answer) => {
        if (settled) return;
        settled = true;
        this.inFlight--;
        if (!answer) return;
        this.answered = true;
        this.observe(answer.status, answer.headers);
      },
    };
  }

  /** How long the next request must wait; 0 means send now. */
  waitMs(): number {
    const now = this.now();
    if (this.blockedUntil > now) return this.blockedUntil - now;
    if (this.limit === undefined || this.remaining === undefined) {
      // Until a first answer tells the budget, send one request at a time rather than a blind burst.
      return !this.answered && this.inFlight > 0 ? ANSWER_POLL_MS : 0;
    }
    if (this.resetAt !== undefined && now >= this.resetAt) {
      // A new window has started: assume its full budget until an answer says otherwise.
      this.remaining = this.limit;
      this.resetAt = undefined;
    }
    if (this.remaining - this.inFlight > this.reserve(this.limit)) return 0;
    // A fresh window's budget is taken by requests still in flight: their answers will tell the rest.
    if (this.resetAt === undefined) return ANSWER_POLL_MS;
    return Math.min(this.resetAt - now, WINDOW_MS);
  }

  /** The last Date header and its value: it changes once a second, answers come by the hundred. */
  private lastDate: { header: string; ms: number } = { header: '', ms: Number.NaN };

  private parseDate(header: string): number {
    if (header !== this.lastDate.header) this.lastDate = { header, ms: Date.parse(header) };
    return this.lastDate.ms;
  }

  private observe(status: number, headers: HeaderReader): void {
    const now = this.now();
    const limit = parseCount(headers.get('x-ratelimit-limit'));
    const remaining = parseCount(headers.get('x-ratelimit-remaining'));
    const reset = parseCount(headers.get('x-ratelimit-reset'));
    if (limit !== undefined && remaining !== undefined && reset !== undefined) {
      // Reset is on the server's clock; measure it against the server's Date to be immune to clock skew.
      const serverNow = this.parseDate(headers.get('date') ?? '');
      const untilReset = Number.isFinite(serverNow) ? reset * 1000 - serverNow : reset * 1000 - now;
      // A reset further away than one window is a skewed clock or a foreign header: never wait longer than a window.
      const resetAt = now + Math.min(Math.max(0, untilReset), WINDOW_MS + SAME_WINDOW_MS);
      if (this.resetAt === undefined || this.remaining === undefined) {
        this.remaining = remaining;
        this.resetAt = resetAt;
      } else if (Math.abs(resetAt - this.resetAt) < SAME_WINDOW_MS) {
        // Answers arrive out of order: the lowest remaining seen in a window is the freshest.
        this.remaining = Math.min(this.remaining, remaining);
      } else if (resetAt > this.resetAt) {
        this.remaining = remaining;
        this.resetAt = resetAt;
      }
      this.limit = limit;
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), now);
      const pause = retryAfterMs ?? (this.resetAt !== undefined ? this.resetAt - now : 1_000);
      this.blockedUntil = Math.max(this.blockedUntil, now + Math.min(Math.max(0, pause), MAX_RETRY_AFTER_MS));
    }
  }
}

function parseCount(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Retry-After in ms (delta seconds, or an HTTP date), capped at 60 s; undefined when absent or unparsable. */
export function parseRetryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const seconds = parseCount(value);
  if (seconds !== undefined) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (!Number.isFinite(date)) return undefined;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
