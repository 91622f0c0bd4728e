import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/daemon/backoff.js';
import { createReconcileLoop, type RunOutcome, type Trigger } from '../../src/daemon/loop.js';

/** A run the test finishes by hand. */
function controlledRuns() {
  const started: Trigger[] = [];
  const finishers: Array<(outcome: RunOutcome) => void> = [];
  let active = 0;
  let maxActive = 0;
  return {
    started,
    maxActive: () => maxActive,
    run(trigger: Trigger): Promise<RunOutcome> {
      started.push(trigger);
      active++;
      maxActive = Math.max(maxActive, active);
      return new Promise((resolve) => {
        finishers.push((outcome) => {
          active--;
          resolve(outcome);
        });
      });
    },
    async finish(outcome: RunOutcome = { retry: false }): Promise<void> {
      const next = finishers.shift();
      if (!next) throw new Error('no run in flight');
      next(outcome);
      // Let the loop's promise chain settle.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('reconcile loop', () => {
  it('runs one reconcile at a time and folds every trigger that arrives during a run into one follow-up', async () => {
    const runs = controlledRuns();
    const loop = createReconcileLoop({ run: runs.run });
    loop.trigger('start');
    for (const t of ['schedule', 'watch', 'schedule', 'signal'] as const) loop.trigger(t);
    expect(runs.started).toEqual(['start']);
    // Named after the first trigger that reports a change, not the tick that came first.
    expect(loop.state()).toMatchObject({ running: true, pending: 'watch' });
    await runs.finish();
    expect(runs.started).toEqual(['start', 'watch']);
    await runs.finish();
    expect(runs.started).toEqual(['start', 'watch']);
    expect(runs.maxActive()).toBe(1);
    await loop.idle();
    expect(loop.state()).toMatchObject({ running: false, failures: 0 });
  });

  it('retries a failed run with growing backoff, lets a file change through early, and resets on success', async () => {
    const runs = controlledRuns();
    const delays: number[] = [];
    const loop = createReconcileLoop({
      run: runs.run,
      backoff: { baseMs: 20, maxMs: 80 },
      random: () => 1,
      onRetryScheduled: (delay) => delays.push(delay),
    });
    loop.trigger('start');
    await runs.finish({ retry: true });
    expect(delays).toEqual([20]);
    // A schedule tick during backoff waits for the retry instead of hitting a failing API early.
    loop.trigger('schedule');
    expect(runs.started).toEqual(['start']);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(runs.started).toEqual(['start', 'retry']);
    await runs.finish({ retry: true });
    await new Promise((resolve) => setTimeout(resolve, 60));
    await runs.finish({ retry: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await runs.finish({ retry: true });
    expect(delays).toEqual([20, 40, 80, 80]);
    expect(loop.state().failures).toBe(4);
    // A file change is new information: it runs now, without waiting for the retry.
    loop.trigger('watch');
    expect(runs.started.at(-1)).toBe('watch');
    await runs.finish({ retry: false });
    expect(loop.state()).toMatchObject({ failures: 0 });
    expect(loop.state().retryAt).toBeUndefined();
    await loop.stop();
  });

  it('a file change pending behind a tick still runs at once after a failed run', async () => {
    const runs = controlledRuns();
    const loop = createReconcileLoop({ run: runs.run, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    loop.trigger('start');
    loop.trigger('schedule');
    loop.trigger('watch');
    await runs.finish({ retry: true });
    expect(runs.started).toEqual(['start', 'watch']);
    await runs.finish({ retry: true });
    // A tick while a retry is scheduled is ignored: the retry timer decides.
    loop.trigger('schedule');
    expect(runs.started).toEqual(['start', 'watch']);
    await loop.stop();
  });

  it('a run that found the config unsettled runs again with the same trigger after its delay, keeping the failure count', async () => {
    const runs = controlledRuns();
    const loop = createReconcileLoop({ run: runs.run, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    loop.trigger('start');
    await runs.finish({ retry: true });
    loop.trigger('signal');
    await runs.finish({ retry: false, againInMs: 30 });
    expect(loop.state()).toMatchObject({ failures: 1, running: false });
    expect(loop.state().againAt).toBeGreaterThan(Date.now() - 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(runs.started).toEqual(['start', 'signal', 'signal']);
    await runs.finish({ retry: false });
    expect(loop.state()).toMatchObject({ failures: 0 });
    // stop() drops a pending run-again.
    loop.trigger('schedule');
    await runs.finish({ retry: false, againInMs: 20 });
    await loop.stop();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(runs.started).toEqual(['start', 'signal', 'signal', 'schedule']);
    expect(loop.state().againAt).toBeUndefined();
  });

  it('a run that throws counts as a failure and is reported', async () => {
    const errors: unknown[] = [];
    const loop = createReconcileLoop({
      run: () => Promise.reject(new Error('boom')),
      backoff: { baseMs: 60_000, maxMs: 60_000 },
      onRunError: (e) => errors.push(e),
    });
    loop.trigger('start');
    await loop.idle();
    expect(errors).toHaveLength(1);
    expect(loop.state()).toMatchObject({ failures: 1, running: false });
    expect(loop.state().retryAt).toBeGreaterThan(Date.now());
    await loop.stop();
    expect(loop.state().retryAt).toBeUndefined();
  });

  it('stop() waits for the run in flight, drops what is pending and accepts no new trigger', async () => {
    const runs = controlledRuns();
    const loop = createReconcileLoop({ run: runs.run });
    loop.trigger('start');
    loop.trigger('watch');
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    await runs.finish();
    await stopping;
    loop.trigger('signal');
    expect(runs.started).toEqual(['start']);
    expect(loop.state()).toMatchObject({ stopped: true, running: false });
  });

  it('backoff doubles from the base up to the cap, with at most half of it random', () => {
    const policy = { baseMs: 2_000, maxMs: 300_000 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(backoffDelay(20, policy, () => 1)).toBe(300_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(150_000);
    expect(backoffDelay(1_000, policy, () => 0.5)).toBe(225_000);
  });
});
