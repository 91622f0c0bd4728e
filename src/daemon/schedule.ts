// The periodic reconcile. Each tick waits a random moment first, so that many sidecars started from
// the same manifest do not all call the Nango API (whose rate limit is per account) in the same second.
import { createTask, validate, type Logger as CronLogger, type ScheduledTask } from 'node-cron';

export const DEFAULT_SCHEDULE = '*/5 * * * *';
/** Upper bound of the default jitter; the default is also at most a tenth of the schedule's period. */
export const MAX_DEFAULT_JITTER_MS = 30_000;

export interface ScheduleOptions {
  /** Fixed upper bound of the random delay (ms); default min(30 s, period / 10). */
  jitterMs?: number;
  onTick: () => void;
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
  const task = createTask(
    expression,
    () => {
      const delay = Math.floor(random() * jitterMs);
      if (delay === 0) {
        options.onTick();
        return;
      }
      const timer = setTimeout(() => {
        delays.delete(timer);
        options.onTick();
      }, delay);
      delays.add(timer);
    },
    { logger: options.logger, suppressMissedWarning: true },
  );
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
