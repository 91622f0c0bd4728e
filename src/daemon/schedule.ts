// The periodic reconcile. Each environment's run waits a random moment of its own first, so that many
// sidecars started from the same manifest, and the environments of one daemon, do not all call the Nango
// API (whose rate limit is per account) in the same second.
import { createTask, validate, type Logger as CronLogger, type ScheduledTask } from 'node-cron';

export const DEFAULT_SCHEDULE = '*/5 * * * *';
/** Upper bound of the default jitter; the default is also at most a tenth of the schedule's period. */
export const MAX_DEFAULT_JITTER_MS = 30_000;

/** Runs `run` after a random delay of its own, up to the schedule's jitter. */
export type Jitter = (run: () => void) => void;

export interface ScheduleOptions {
  /** Fixed upper bound of the random delay (ms); default min(30 s, period / 10). */
  jitterMs?: number;
  /** At each tick, at once: each thing it starts waits its own random delay through `jitter`. */
  onTick: (jitter: Jitter) => void;
  logger: CronLogger;
  random?: () => number;
}

export interface Schedule {
  /** Time between the next two ticks (ms). */
  periodMs: number;
  jitterMs: number;
  stop(): Promise<void>;
}

export function isValidSchedule(expression: string): boolean {
  return validate(expression);
}

function periodOf(task: ScheduledTask): number {
  const [first, second] = task.getNextRuns(2);
  return first && second ? Math.max(0, second.getTime() - first.getTime()) : 0;
}

export function startSchedule(expression: string, options: ScheduleOptions): Schedule {
  const random = options.random ?? Math.random;
  const delays = new Set<NodeJS.Timeout>();
  let jitterMs = 0;
  const jitter: Jitter = (run) => {
    const delay = Math.floor(random() * jitterMs);
    if (delay === 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      delays.delete(timer);
      run();
    }, delay);
    delays.add(timer);
  };
  const task = createTask(expression, () => options.onTick(jitter), { logger: options.logger, suppressMissedWarning: true });
  const periodMs = periodOf(task);
  jitterMs = options.jitterMs ?? Math.min(MAX_DEFAULT_JITTER_MS, Math.floor(periodMs / 10));
  void task.start();
  return {
    periodMs,
    jitterMs,
    async stop() {
      for (const timer of delays) clearTimeout(timer);
      delays.clear();
      await task.destroy();
    },
  };
}
