// Wires the daemon together: triggers (start, file changes, schedule, SIGHUP via `signal()`) feed the
// single-flight loop; the loop runs reconciles; the HTTP server shows their outcome.
import { realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LoadOptions } from '../config/types.js';
import type { PolicyFlags } from '../reconcile/policy.js';
import type { BackoffPolicy } from './backoff.js';
import { stoppableClient } from './guard.js';
import { formatListen, type ListenAddress } from './listen.js';
import { createReconcileLoop, type Trigger } from './loop.js';
import { createReconciler, type DaemonDeps, type Mode } from './reconcile.js';
import { startSchedule, type Schedule } from './schedule.js';
import { startHttpServer, type Health, type HttpServer } from './server.js';
import { DaemonStatus } from './status.js';
import { watchConfig, type ConfigWatcher } from './watch.js';

export interface DaemonConfig {
  load: LoadOptions;
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

export type { DaemonDeps } from './reconcile.js';

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
  const status = new DaemonStatus();
  let stopping = false;
  let watcher: ConfigWatcher | undefined;
  let fileEvents = 0;
  // The state file (and its temporary copy) may sit under a watched directory; watches see real paths.
  const statePaths = config.statePath === undefined ? [] : [config.statePath, await realPathOf(config.statePath)];
  const isStateFile = (path: string): boolean => statePaths.some((state) => path === state || path.startsWith(`${state}.`));

  const reconciler = createReconciler({
    load: config.load,
    flags: config.flags,
    concurrency: config.concurrency,
    mode: config.mode,
    fullRefreshIntervalMs: config.fullRefreshIntervalMs,
    client: stoppableClient(deps.client, () => stopping),
    fingerprint: deps.fingerprint,
    fingerprints: deps.fingerprints,
    redactor: deps.redactor,
    log,
    metrics: deps.metrics,
    status,
    requestCount: deps.requestCount,
    debounceMs: config.debounceMs,
    changeEvents: () => fileEvents,
    onLoaded: (state) => {
      watcher
        ?.addExtraPaths(state.extraWatchPaths)
        // A secret file first seen in this load was not watched while it was read: a change made in
        // between would be missed until the next tick, so look once more (a digest compare, no API call).
        .then((added) => added && onFileEvent())
        .catch((error: unknown) => log.warn({ error: String(error) }, 'cannot watch a secret file'));
    },
  });

  const loop = createReconcileLoop({
    run: (trigger: Trigger) => reconciler.reconcile(trigger),
    backoff: config.backoff,
    onRunError: (error) => log.error({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'reconcile crashed'),
    onRetryScheduled: (delayMs, failures) => log.info({ delay_ms: delayMs, failures }, 'retry scheduled'),
  });

  const health = (): Health => {
    const state = loop.state();
    if (state.stopped) return { alive: false, reason: 'shutting down' };
    if (state.runningSince !== undefined && Date.now() - state.runningSince > config.stuckAfterMs) {
      return { alive: false, reason: `a reconcile has been running since ${new Date(state.runningSince).toISOString()}` };
    }
    return { alive: true };
  };

  const server: HttpServer = await startHttpServer(config.listen, {
    health,
    readiness: () => status.readiness(),
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
      const check = await reconciler.configChanged();
      if (check.status === 'changed') {
        log.info('config changed');
        loop.trigger('watch');
      } else if (check.status === 'unsettled') {
        // Still being written: look again once it may have settled, even if no further event comes.
        log.info({ trigger: 'watch', reason: check.reason, wait_ms: check.waitMs }, 'config not settled');
        debounceTimer ??= setTimeout(() => void checkConfig(), check.waitMs);
      } else {
        log.debug('config unchanged');
      }
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
      if (!isStateFile(path) && reconciler.concerns(path)) fileEvents++;
      onFileEvent();
    },
    onError: (error) => log.warn({ error: error.message }, 'watch error'),
  });
  await watcher.addExtraPaths(config.load.envFiles ?? []);

  const schedule: Schedule = startSchedule(config.schedule, {
    jitterMs: config.jitterMs,
    onTick: () => loop.trigger('schedule'),
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
  loop.trigger('start');

  let stopped: Promise<void> | undefined;
  return {
    address: server.address,
    signal() {
      log.info('SIGHUP: reconcile requested');
      loop.trigger('signal');
    },
    stop(reason) {
      stopped ??= (async () => {
        log.info({ reason }, 'stopping');
        stopping = true;
        if (debounceTimer !== undefined) clearTimeout(debounceTimer);
        await Promise.allSettled([schedule.stop(), watcher?.close()]);
        const inFlight = loop.stop();
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
