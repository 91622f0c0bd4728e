// Wires the daemon together: triggers (start, file changes, schedule, SIGHUP via `signal()`) feed each
// environment's single-flight loop; the loops run reconciles; the HTTP server shows their outcome.
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LoadOptions } from '../config/types.js';
import type { PolicyFlags } from '../reconcile/policy.js';
import type { BackoffPolicy } from './backoff.js';
import { createEnvironmentSet, environmentField, type EnvironmentName, type EnvironmentRunner } from './environments.js';
import { formatListen, type ListenAddress } from './listen.js';
import { createReconcileLoop, type Trigger } from './loop.js';
import { createReconciler, type DaemonDeps, type Mode } from './reconcile.js';
import { startSchedule, type Jitter, type Schedule } from './schedule.js';
import { startHttpServer, type Health, type HttpServer } from './server.js';
import { DaemonStatus } from './status.js';
import { watchConfig, type ConfigWatcher } from './watch.js';

export interface DaemonConfig {
  load: LoadOptions;
  /** `--environment`: only these; undefined: every environment the config declares, as it changes. */
  environments?: readonly string[];
  flags: PolicyFlags;
  concurrency: number;
  mode: Mode;
  schedule: string;
  /** Upper bound of the random delay before a scheduled run; default from the schedule's period. */
  jitterMs?: number;
  listen: ListenAddress;
  debounceMs: number;
  fullRefreshIntervalMs: number;
  /** How long SIGTERM waits for the reconcile in flight before going anyway. */
  shutdownGraceMs: number;
  /** A reconcile running longer than this makes /healthz fail (the loop is stuck). */
  stuckAfterMs: number;
  /** Absolute path of the fingerprint state file: the daemon's own writes to it are no config change. */
  statePath?: string;
  backoff?: BackoffPolicy;
}

export type { DaemonDeps, EnvironmentTarget, Remote } from './reconcile.js';

export interface Daemon {
  address: ListenAddress;
  /** SIGHUP: reconcile now. */
  signal(): void;
  /** SIGTERM: stop triggers, let the request in flight finish (up to the grace period), close. */
  stop(reason: string): Promise<void>;
}

/** The real path of a file that may not exist yet (its directory resolved instead). */
async function realPathOf(path: string): Promise<string> {
  return realpath(dirname(path)).then(
    (dir) => join(dir, basename(path)),
    () => path,
  );
}

export async function startDaemon(config: DaemonConfig, deps: DaemonDeps): Promise<Daemon> {
  const { log } = deps;
  let stopping = false;
  let watcher: ConfigWatcher | undefined;
  let fileEvents = 0;
  // The state file (and its temporary copy) may sit under a watched directory; watches see real paths.
  const statePaths = config.statePath === undefined ? [] : [config.statePath, await realPathOf(config.statePath)];
  const isStateFile = (path: string): boolean => statePaths.some((state) => path === state || path.startsWith(`${state}.`));

  const startEnvironment = (name: EnvironmentName): EnvironmentRunner => {
    const envLog = name === undefined ? log : log.child(environmentField(name));
    const status = new DaemonStatus();
    const reconciler = createReconciler({
      environment: name,
      load: config.load,
      flags: config.flags,
      concurrency: config.concurrency,
      mode: config.mode,
      fullRefreshIntervalMs: config.fullRefreshIntervalMs,
      connect: deps.connect,
      stopping: () => stopping,
      redactor: deps.redactor,
      log: envLog,
      metrics: deps.metrics.environment(name),
      status,
      debounceMs: config.debounceMs,
      changeEvents: () => fileEvents,
      onLoaded: (state) => {
        watcher
          ?.addExtraPaths(state.extraWatchPaths)
          // A secret file first seen in this load was not watched while it was read: a change made in
          // between would be missed until the next tick, so look once more (a digest compare, no API call).
          .then((added) => added && onFileEvent())
          .catch((error: unknown) => envLog.warn({ error: String(error) }, 'cannot watch a secret file'));
      },
    });
    const loop = createReconcileLoop({
      run: (trigger: Trigger) => reconciler.reconcile(trigger),
      backoff: config.backoff,
      onRunError: (error) => envLog.error({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'reconcile crashed'),
      onRetryScheduled: (delayMs, failures) => envLog.info({ delay_ms: delayMs, failures }, 'retry scheduled'),
    });
    return { reconciler, loop, status, log: envLog };
  };

  const onTriggerError = (error: unknown): void => log.error({ error: error instanceof Error ? error.message : String(error) }, 'cannot re-read the config');
  const environments = createEnvironmentSet({
    load: config.load,
    debounceMs: config.debounceMs,
    ...(config.environments !== undefined ? { selected: config.environments } : {}),
    start: startEnvironment,
    onRemoved: (name) => deps.metrics.removeEnvironment(name),
    log,
  });
  // The environments to start with, read before any trigger can run, so that the first run is `start`.
  const initial = await environments.refresh().catch((error: unknown) => {
    onTriggerError(error);
    return { added: [], unsettled: undefined };
  });

  /**
   * A tick or SIGHUP first looks which environments the config declares now (a file change does so in
   * checkConfig): a new one gets a loop, a removed one loses its loop. `jitter` spreads scheduled runs.
   */
  const triggerAll = async (trigger: 'schedule' | 'signal', jitter: Jitter = (run) => run()): Promise<void> => {
    const { unsettled } = await environments.refresh();
    if (unsettled) recheckEnvironments(trigger, unsettled.waitMs);
    if (stopping) return;
    for (const [, runner] of environments.runners()) jitter(() => runner.loop.trigger(trigger));
  };

  /**
   * A half-written file may add or drop environments: read the list again once it may have settled, and
   * start the environments it adds with the same trigger. Each environment's own read waits for it too.
   */
  let recheckTimer: NodeJS.Timeout | undefined;
  const recheckEnvironments = (trigger: Trigger, waitMs: number): void => {
    if (stopping || recheckTimer !== undefined) return;
    recheckTimer = setTimeout(() => {
      recheckTimer = undefined;
      if (stopping) return;
      void environments
        .refresh()
        .then(({ added, unsettled }) => {
          for (const [name, runner] of environments.runners()) if (added.includes(name)) runner.loop.trigger(trigger);
          if (unsettled) recheckEnvironments(trigger, unsettled.waitMs);
        })
        .catch(onTriggerError);
    }, waitMs);
  };

  const health = (): Health => {
    if (stopping) return { alive: false, reason: 'shutting down' };
    for (const [name, runner] of environments.runners()) {
      const state = runner.loop.state();
      if (state.stopped) return { alive: false, reason: 'shutting down' };
      if (state.runningSince !== undefined && Date.now() - state.runningSince > config.stuckAfterMs) {
        const which = name === undefined ? '' : ` in environment ${name}`;
        return { alive: false, reason: `a reconcile${which} has been running since ${new Date(state.runningSince).toISOString()}` };
      }
    }
    return { alive: true };
  };

  const server: HttpServer = await startHttpServer(config.listen, {
    health,
    readiness: () => environments.readiness(),
    metrics: () => deps.metrics.render(),
  });
  log.info({ address: formatListen(server.address) }, 'listening');

  // Debounce: an editor's save, a git checkout or a volume swap are bursts of events; read once after
  // the burst, but no later than maxWait after its first event, however long it lasts.
  const maxWaitMs = Math.max(config.debounceMs * 4, 2_000);
  let debounceTimer: NodeJS.Timeout | undefined;
  let burstStart: number | undefined;
  let checking = false;
  let recheck = false;

  const checkConfig = async (): Promise<void> => {
    debounceTimer = undefined;
    burstStart = undefined;
    if (stopping) return;
    if (checking) {
      recheck = true;
      return;
    }
    checking = true;
    try {
      await watcher?.refresh();
      const listed = await environments.refresh();
      let waitMs = listed.unsettled?.waitMs;
      for (const [name, runner] of environments.runners()) {
        const envLog = runner.log;
        if (listed.added.includes(name)) {
          runner.loop.trigger('watch');
          continue;
        }
        const check = await runner.reconciler.configChanged();
        if (check.status === 'changed') {
          envLog.info('config changed');
          runner.loop.trigger('watch');
        } else if (check.status === 'unsettled') {
          // Still being written: look again once it may have settled, even if no further event comes.
          envLog.info({ trigger: 'watch', reason: check.reason, wait_ms: check.waitMs }, 'config not settled');
          waitMs = Math.min(waitMs ?? check.waitMs, check.waitMs);
        } else {
          envLog.debug('config unchanged');
        }
      }
      if (waitMs !== undefined) scheduleCheck(waitMs);
    } catch (error) {
      log.error({ error: error instanceof Error ? error.message : String(error) }, 'cannot re-read the config');
    } finally {
      checking = false;
      if (recheck) {
        recheck = false;
        onFileEvent();
      }
    }
  };

  function scheduleCheck(waitMs: number): void {
    if (stopping) return;
    debounceTimer ??= setTimeout(() => void checkConfig(), waitMs);
  }

  function onFileEvent(): void {
    if (stopping) return;
    const now = Date.now();
    burstStart ??= now;
    if (debounceTimer !== undefined) clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(config.debounceMs, burstStart + maxWaitMs - now));
    debounceTimer = setTimeout(() => void checkConfig(), wait);
  }

  watcher = await watchConfig({
    paths: config.load.paths,
    cwd: config.load.cwd ?? process.cwd(),
    onEvent: (path) => {
      if (!isStateFile(path) && environments.concerns(path)) fileEvents++;
      onFileEvent();
    },
    onError: (error) => log.warn({ error: error.message }, 'watch error'),
  });
  await watcher.addExtraPaths(config.load.envFiles ?? []);

  const schedule: Schedule = startSchedule(config.schedule, {
    jitterMs: config.jitterMs,
    onTick: (jitter) => void triggerAll('schedule', jitter).catch(onTriggerError),
    logger: {
      info: (m) => log.debug({ cron: m }, 'schedule'),
      debug: (m) => log.debug({ cron: String(m) }, 'schedule'),
      warn: (m) => log.debug({ cron: m }, 'schedule'),
      error: (m) => log.warn({ cron: String(m) }, 'schedule'),
    },
  });
  log.info(
    { mode: config.mode, schedule: config.schedule, jitter_ms: schedule.jitterMs, debounce_ms: config.debounceMs, full_refresh_interval_ms: config.fullRefreshIntervalMs },
    'daemon started',
  );
  for (const [, runner] of environments.runners()) runner.loop.trigger('start');
  if (initial.unsettled) recheckEnvironments('start', initial.unsettled.waitMs);

  let stopped: Promise<void> | undefined;
  return {
    address: server.address,
    signal() {
      log.info('SIGHUP: reconcile requested');
      void triggerAll('signal').catch(onTriggerError);
    },
    stop(reason) {
      stopped ??= (async () => {
        log.info({ reason }, 'stopping');
        stopping = true;
        if (debounceTimer !== undefined) clearTimeout(debounceTimer);
        if (recheckTimer !== undefined) clearTimeout(recheckTimer);
        await Promise.allSettled([schedule.stop(), watcher?.close()]);
        const inFlight = environments.stop();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          inFlight.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), config.shutdownGraceMs);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) log.warn({ grace_ms: config.shutdownGraceMs }, 'the reconcile in flight did not end in time; exiting anyway');
        await server.close();
        log.info('stopped');
      })();
      return stopped;
    },
  };
}
