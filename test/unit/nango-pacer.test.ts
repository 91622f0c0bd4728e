import { describe, expect, it } from 'vitest';

import { parseRetryAfterMs, RateLimitPacer, type PacerTicket } from '../../src/nango/pacer.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function setup(start = T0) {
  const clock = { now: start };
  const sleeps: number[] = [];
  const pacer = new RateLimitPacer({
    now: () => clock.now,
    sleep: async (ms) => {
      // A waiter that never gets admitted would spin on microtasks and starve the test runner.
      if (sleeps.length > 10_000) throw new Error('pacer never admitted the request');
      sleeps.push(ms);
      clock.now += ms;
    },
    random: () => 0,
  });
  return { clock, sleeps, pacer };
}

function headers(limit: number, remaining: number, resetEpochMs: number, extra: Record<string, string> = {}): Headers {
  return new Headers({
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(Math.ceil(resetEpochMs / 1000)),
    ...extra,
  });
}

describe('RateLimitPacer', () => {
  it('sends at once while nothing is known', async () => {
    const { pacer, sleeps } = setup();
    (await pacer.acquire()).settle();
    (await pacer.acquire()).settle({ status: 200, headers: new Headers() });
    await pacer.acquire();
    expect(sleeps).toEqual([]);
  });

  it('waits for the window to reset when the remaining budget reaches the reserve', async () => {
    const { pacer, sleeps, clock } = setup();
    const reset = T0 + 30_000;
    // limit 100 → reserve max(2, 5) = 5
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 6, reset) });
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 5, reset) });
    expect(sleeps).toEqual([]);
    const ticket = await pacer.acquire();
    expect(sleeps).toEqual([30_000]);
    expect(clock.now).toBe(reset);
    ticket.settle({ status: 200, headers: headers(100, 99, reset + 60_000) });
    await pacer.acquire();
    expect(sleeps).toHaveLength(1);
  });

  it('counts requests in flight against the remaining budget', async () => {
    const { pacer, sleeps } = setup();
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 7, T0 + 10_000) });
    await pacer.acquire(); // 7 - 0 > 5
    await pacer.acquire(); // 7 - 1 > 5
    expect(sleeps).toEqual([]);
    await pacer.acquire(); // 7 - 2 = 5: wait
    expect(sleeps).toEqual([10_000]);
  });

  it('keeps the lowest remaining of a window when answers arrive out of order', async () => {
    const { pacer, sleeps } = setup();
    const reset = T0 + 20_000;
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 90, reset) });
    const a = await pacer.acquire();
    const b = await pacer.acquire();
    b.settle({ status: 200, headers: headers(100, 4, reset) });
    a.settle({ status: 200, headers: headers(100, 5 + 50, reset) });
    await pacer.acquire();
    expect(sleeps).toEqual([20_000]);
  });

  it('ignores a late answer from a window that has already been replaced', async () => {
    const { pacer, sleeps, clock } = setup();
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 50, T0 + 1_000) });
    const late = await pacer.acquire();
    clock.now += 1_000;
    (await pacer.acquire()).settle({ status: 200, headers: headers(100, 90, T0 + 61_000) });
    late.settle({ status: 200, headers: headers(100, 1, T0 + 1_000) });
    await pacer.acquire();
    expect(sleeps).toEqual([]);
  });

  it('sends one request at a time until a first answer tells the budget', async () => {
    const { pacer, sleeps } = setup();
    const first = await pacer.acquire();
    let admitted = false;
    const second = pacer.acquire().then((ticket) => {
      admitted = true;
      return ticket;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(admitted).toBe(false);
    expect(sleeps.length).toBeGreaterThan(0);
    first.settle({ status: 200, headers: new Headers() });
    await second;
    // A server without rate-limit headers is not paced at all after that.
    await pacer.acquire();
    await pacer.acquire();
  });

  it('after a window resets, admits only its budget before answers arrive (no stampede)', async () => {
    const { pacer, sleeps, clock } = setup();
    (await pacer.acquire()).settle({ status: 200, headers: headers(6, 0, T0 + 5_000) });
    const admitted: PacerTicket[] = [];
    const waiters = Array.from({ length: 6 }, () => pacer.acquire().then((ticket) => void admitted.push(ticket)));
    for (let i = 0; i < 100; i++) await Promise.resolve();
    expect(sleeps[0]).toBe(5_000);
    // 6 - in flight must stay above the reserve of 2: four go, two wait for answers.
    expect(admitted).toHaveLength(4);
    // Their answers tell the new window is nearly used up: the last two wait for the next one.
    admitted.slice().forEach((ticket, i) => ticket.settle({ status: 200, headers: headers(6, 5 - i, T0 + 65_000) }));
    await Promise.all(waiters);
    expect(clock.now).toBeGreaterThanOrEqual(T0 + 65_000);
    expect(admitted).toHaveLength(6);
  });

  it('measures the reset against the server Date, not the local clock', async () => {
    // The local clock is one hour behind the server.
    const { pacer, sleeps } = setup(T0 - 3_600_000);
    const serverDate = new Date(T0).toUTCString();
    (await pacer.acquire()).settle({ status: 200, headers: headers(200, 2, T0 + 15_000, { Date: serverDate }) });
    await pacer.acquire();
    expect(sleeps).toEqual([15_000]);
  });

  it('never waits longer than a window for a far-away reset', async () => {
    const { pacer, sleeps } = setup();
    (await pacer.acquire()).settle({ status: 200, headers: headers(200, 0, T0 + 3_600_000) });
    await pacer.acquire();
    expect(sleeps[0]).toBeLessThanOrEqual(61_500);
  });

  it('holds every request back after a 429 for Retry-After', async () => {
    const { pacer, sleeps } = setup();
    (await pacer.acquire()).settle({ status: 429, headers: new Headers({ 'Retry-After': '2' }) });
    await pacer.acquire();
    expect(sleeps).toEqual([2_000]);
  });

  it('adds jitter to waits so waiters do not fire together', async () => {
    const clock = { now: T0 };
    const sleeps: number[] = [];
    const pacer = new RateLimitPacer({
      now: () => clock.now,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.now += ms;
      },
      random: () => 0.5,
      maxJitterMs: 200,
    });
    (await pacer.acquire()).settle({ status: 429, headers: new Headers({ 'Retry-After': '1' }) });
    await pacer.acquire();
    expect(sleeps).toEqual([1_100]);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds, HTTP dates, and caps at 60 s', () => {
    expect(parseRetryAfterMs('0')).toBe(0);
    expect(parseRetryAfterMs('1')).toBe(1000);
    expect(parseRetryAfterMs('600')).toBe(60_000);
    expect(parseRetryAfterMs(new Date(T0 + 5_000).toUTCString(), T0)).toBe(5_000);
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});
