// Which environments the daemon reconciles, each with a reconciler and a single-flight loop of its own,
// so that a bad key or an outage in one never delays another (like Argo CD ApplicationSets: one target's
// failure stays its own). The set follows the config: an environment added to the environments block is
// started, a removed one is stopped and its series dropped, without a restart.
import { loadConfig, selectEnvironments } from '../config/index.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { LoadOptions, LoadResult } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ReconcileLoop } from './loop.js';
import { memoizeLoad } from './config-memo.js';
import type { Reconciler } from './reconcile.js';
import { createSettledReader, type Unsettled } from './settle.js';
import { combineReadiness, type DaemonStatus, type Readiness } from './status.js';

/** One environment's reconciler, its loop and what /readyz says of it. */
export interface EnvironmentRunner {
  reconciler: Reconciler;
  loop: ReconcileLoop;
  status: DaemonStatus;
  /** Its lines carry the environment's name. */
  log: Logger;
}

/** undefined: a config without an environments block (one environment, NANGO_SECRET_KEY). */
export type EnvironmentName = string | undefined;

export interface EnvironmentSetOptions {
  load: LoadOptions;
  debounceMs: number;
  /** `--environment` names: these and only these, whatever the config declares; undefined: every declared one. */
  selected?: readonly string[];
  start(name: EnvironmentName): EnvironmentRunner;
  /** After a removed environment's last run ended (drop its metrics). */
  onRemoved(name: EnvironmentName): Promise<void>;
  log: Logger;
}

export interface EnvironmentSet {
  /**
   * Reads which environments the config declares and starts or stops loops to match. Only a settled read
   * changes the set (a half-written file must not stop an environment), except the first, which makes it.
   * Returns the names started, and why the read could not be acted on, if so.
   */
  refresh(): Promise<{ added: EnvironmentName[]; unsettled?: Unsettled }>;
  runners(): ReadonlyArray<readonly [EnvironmentName, EnvironmentRunner]>;
  readiness(): Readiness;
  /** Whether a file event at this path may change the environments or any environment's config. */
  concerns(path: string): boolean;
  /** Stops every loop; resolves when every run in flight (removed environments' too) has ended. */
  stop(): Promise<void>;
}

/** The field that names an environment in a log line (none for a config without an environments block). */
export function environmentField(name: EnvironmentName): { environment?: string } {
  return name === undefined ? {} : { environment: name };
}

interface ListRead extends LoadResult {
  /** The names to run, or undefined when this config does not tell (a file that declares them did not parse). */
  names: EnvironmentName[] | undefined;
}

export function createEnvironmentSet(options: EnvironmentSetOptions): EnvironmentSet {
  const { log } = options;
  let runners = new Map<EnvironmentName, EnvironmentRunner>();
  const retiring = new Set<Promise<void>>();
  const namesOf = (config: LoadedConfig): EnvironmentName[] | undefined => {
    if (options.selected !== undefined) return [...options.selected];
    if (config.sources.block === undefined && !config.sources.complete) return undefined;
    const { names } = selectEnvironments(config);
    // An environments block that names none is an error each run reports; it stops nothing.
    return names.length > 0 ? names : undefined;
  };
  const listUnchanged = memoizeLoad(options.load, async (load): Promise<ListRead> => {
    const config = await loadConfig(load);
    return { names: namesOf(config), diagnostics: config.diagnostics };
  });
  const reader = createSettledReader<ListRead>({ load: options.load, debounceMs: options.debounceMs, read: listUnchanged });

  const sync = (names: readonly EnvironmentName[]): EnvironmentName[] => {
    const next = new Map<EnvironmentName, EnvironmentRunner>();
    const added: EnvironmentName[] = [];
    for (const name of names) {
      const running = runners.get(name);
      if (running) {
        next.set(name, running);
        continue;
      }
      next.set(name, options.start(name));
      added.push(name);
    }
    for (const [name, runner] of runners) {
      if (next.has(name)) continue;
      if (name === undefined) log.info('the config now declares environments: NANGO_SECRET_KEY\'s environment is no longer reconciled');
      else log.info({ environment: name }, 'environment removed');
      // The run in flight finishes (an apply is not cut in half); its series go once it has.
      const retired: Promise<void> = runner.loop
        .stop()
        .then(() => (runners.has(name) ? undefined : options.onRemoved(name)))
        .catch((error: unknown) => log.warn({ ...environmentField(name), error: String(error) }, 'cannot drop the metrics of a removed environment'))
        .finally(() => retiring.delete(retired));
      retiring.add(retired);
    }
    runners = next;
    for (const name of added) if (name !== undefined) log.info({ environment: name }, 'environment added');
    return added;
  };

  const refresh = async (): Promise<{ added: EnvironmentName[]; unsettled?: Unsettled }> => {
    const read = await reader.read();
    const first = runners.size === 0;
    if (read.unsettled && !first) return { added: [], unsettled: read.unsettled };
    const names = read.loaded.names ?? (first ? [undefined] : undefined);
    const added = names === undefined ? [] : sync(names);
    return read.unsettled ? { added, unsettled: read.unsettled } : { added };
  };
  // One read at a time (file events, ticks and SIGHUP overlap): an older read never undoes a newer one.
  let refreshing: Promise<unknown> = Promise.resolve();

  return {
    refresh() {
      const next = refreshing.then(refresh);
      refreshing = next.catch(() => undefined);
      return next;
    },
    runners: () => [...runners],
    readiness() {
      const list = [...runners];
      const only = list[0];
      if (list.length === 1 && only !== undefined && only[0] === undefined) return only[1].status.readiness();
      return combineReadiness(
        list.map(([name, runner]) => {
          const host = runner.reconciler.host();
          return { name: name ?? 'default', ...(host !== undefined ? { host } : {}), ...runner.status.readiness() };
        }),
      );
    },
    concerns: (path) => reader.concerns(path) || [...runners.values()].some((r) => r.reconciler.concerns(path)),
    async stop() {
      await Promise.all([...[...runners.values()].map((r) => r.loop.stop()), ...retiring]);
    },
  };
}
