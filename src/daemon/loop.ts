// The single-flight queue between triggers and reconciles: never two runs at once, triggers that arrive
// during a run collapse into one follow-up run, and a run that failed on the API is retried with backoff.
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';

export const TRIGGERS = ['start', 'watch', 'schedule', 'signal', 'retry'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface RunOutcome {
  /** The run failed in a way another attempt may fix (API down, apply failed): retry with backoff. */
  retry: boolean;
  /**
   * The run did nothing because the config was not settled (still being written): run again, with the
   * same trigger, after this delay. Neither a success nor a failure: the backoff is left as it was.
   */
  againInMs?: number;
}

export interface LoopOptions {
  run(trigger: Trigger): Promise<RunOutcome>;
  backoff?: BackoffPolicy;
  random?: () => number;
  now?: () => number;
  /** A run that threw instead of reporting (a bug): counted as a failure worth retrying. */
  onRunError?: (error: unknown) => void;
  onRetryScheduled?: (delayMs: number, failures: number) => void;
}

export interface LoopState {
  running: boolean;
  /** Epoch ms at which the run in flight started. */
  runningSince?: number;
  pending?: Trigger;
  /** Consecutive runs that asked for a retry. */
  failures: number;
  /** Epoch ms of the scheduled retry. */
  retryAt?: number;
  /** Epoch ms of the run again after a config that was not settled. */
  againAt?: number;
  stopped: boolean;
}

export interface ReconcileLoop {
  trigger(trigger: Trigger): void;
  /** No trigger is accepted afterwards; resolves when the run in flight (if any) has ended. */
  stop(): Promise<void>;
  /** Resolves once nothing runs and nothing is pending. */
  idle(): Promise<void>;
  state(): LoopState;
}

/** Triggers that only say "time has passed", as opposed to "something changed". */
const isPeriodic = (trigger: Trigger): boolean => trigger === 'schedule' || trigger === 'retry';

export function createReconcileLoop(options: LoopOptions): ReconcileLoop {
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const now = options.now ?? Date.now;
  let current: Promise<void> | undefined;
  let runningSince: number | undefined;
  let pending: Trigger | undefined;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryAt: number | undefined;
  let againTimer: NodeJS.Timeout | undefined;
  let againAt: number | undefined;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const clearRetry = (): void => {
    if (retryTimer !== undefined) clearTimeout(retryTimer);
    retryTimer = undefined;
    retryAt = undefined;
  };

  const clearAgain = (): void => {
    if (againTimer !== undefined) clearTimeout(againTimer);
    againTimer = undefined;
    againAt = undefined;
  };

  const scheduleAgain = (trigger: Trigger, delay: number): void => {
    againAt = now() + delay;
    againTimer = setTimeout(() => {
      againTimer = undefined;
      againAt = undefined;
      loop.trigger(trigger);
    }, delay);
  };

  const settleIdle = (): void => {
    if (current !== undefined || pending !== undefined) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const scheduleRetry = (): void => {
    const delay = backoffDelay(failures, policy, options.random);
    retryAt = now() + delay;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retryAt = undefined;
      loop.trigger('retry');
    }, delay);
    options.onRetryScheduled?.(delay, failures);
  };

  const start = (trigger: Trigger): void => {
    clearRetry();
    clearAgain();
    runningSince = now();
    current = options
      .run(trigger)
      .catch((error: unknown): RunOutcome => {
        options.onRunError?.(error);
        return { retry: true };
      })
      .then((outcome) => finish(trigger, outcome));
  };

  const finish = (trigger: Trigger, outcome: RunOutcome): void => {
    current = undefined;
    runningSince = undefined;
    if (stopped) {
      settleIdle();
      return;
    }
    if (outcome.againInMs !== undefined) {
      scheduleAgain(trigger, outcome.againInMs);
    } else if (outcome.retry) {
      failures++;
      scheduleRetry();
    } else {
      failures = 0;
    }
    const next = pending;
    pending = undefined;
    // After a failure, a timer tick is no reason to hit a failing API early: the retry will come.
    // A file change or SIGHUP is new information (perhaps the fix), so it runs now.
    if (next !== undefined && !(outcome.retry && isPeriodic(next))) start(next);
    settleIdle();
  };

  const loop: ReconcileLoop = {
    trigger(trigger) {
      if (stopped) return;
      if (current !== undefined) {
        // The follow-up run is named after the strongest reason: a file change or SIGHUP outranks a
        // tick or a retry (and, unlike them, is not dropped when the run in flight fails).
        if (pending === undefined || (isPeriodic(pending) && !isPeriodic(trigger))) pending = trigger;
        return;
      }
      if (trigger === 'schedule' && retryTimer !== undefined) return;
      start(trigger);
    },
    async stop() {
      stopped = true;
      clearRetry();
      clearAgain();
      pending = undefined;
      await current;
      settleIdle();
    },
    idle() {
      if (current === undefined && pending === undefined) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    state() {
      const state: LoopState = { running: current !== undefined, failures, stopped };
      if (runningSince !== undefined) state.runningSince = runningSince;
      if (pending !== undefined) state.pending = pending;
      if (retryAt !== undefined) state.retryAt = retryAt;
      if (againAt !== undefined) state.againAt = againAt;
      return state;
    },
  };
  return loop;
}
