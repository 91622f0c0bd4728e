// One reconcile of one environment: the same pipeline as `apply` (planRun → applyPlan), with its outcome
// turned into a log line, metrics and readiness. The environment's client and detail cache live here for
// as long as it is reconciled (a new host or secret key opens a new client and starts the cache afresh).
import { applyPlan } from '../apply/apply.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import type { Discovery } from '../config/discover.js';
import { loadConfig, resolveEnvironment } from '../config/index.js';
import type { Diagnostic, DesiredState, EnvironmentResult, LoadOptions } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ResponseEvent } from '../nango/client.js';
import { createDetailCache, type DetailCache } from '../nango/live.js';
import { NangoApiError, type NangoClient } from '../nango/types.js';
import type { Fingerprinter } from '../plan/fingerprint.js';
import { isBlocked } from '../plan/plan.js';
import { sha256Hex } from '../plan/canonical.js';
import { ACTIONS, type Action, type Change, type Plan } from '../plan/types.js';
import { planRun } from '../reconcile/plan-run.js';
import type { PolicyFlags } from '../reconcile/policy.js';
import type { Redactor } from '../redact.js';
import type { FingerprintStore } from '../state/fingerprints.js';
import { compactWhenQuiet } from './compact.js';
import { configFingerprint, integrationHashes, keysToRefetch } from './config-digest.js';
import { countingStore, createConvergedMemo, fingerprintWrites, isConverged, withListed, type PlanInputs } from './converged.js';
import { memoizeLoad } from './config-memo.js';
import { stoppableClient } from './guard.js';
import type { RunOutcome, Trigger } from './loop.js';
import type { DaemonMetrics, EnvironmentMetrics, ReconcileResult } from './metrics.js';
import { createSettledReader, type SettledRead, type Unsettled } from './settle.js';
import type { DaemonStatus, ReconcileReport, Stage } from './status.js';

export type Mode = 'apply' | 'plan';

/** Where one environment is and the key that opens it, as its config resolved them. */
export interface EnvironmentTarget {
  /** undefined: a config without an environments block (NANGO_SECRET_KEY, NANGO_HOST). */
  environment: string | undefined;
  host: string;
  /** Never logged, never in an error. */
  secretKey: string;
}

/** What is derived from one environment's secret key. */
export interface Remote {
  client: NangoClient;
  fingerprint: Fingerprinter;
  fingerprints: FingerprintStore;
}

/** What lives as long as the daemon. */
export interface DaemonDeps {
  /**
   * Opens an environment's client (environments on one host share its rate-limit pacer). Called again
   * only when the environment's host or secret key changed. May throw for a host it cannot use.
   */
  connect(target: EnvironmentTarget, onResponse: (e: ResponseEvent) => void): Remote;
  redactor: Redactor;
  log: Logger;
  metrics: DaemonMetrics;
}

export interface ReconcilerOptions {
  /** The environment this reconciler keeps converged (undefined: the config has no environments block). */
  environment: string | undefined;
  connect: DaemonDeps['connect'];
  redactor: Redactor;
  /** Lines of this environment (they carry its name). */
  log: Logger;
  metrics: EnvironmentMetrics;
  /** True once the daemon shuts down: no new request is sent. */
  stopping: () => boolean;
  load: LoadOptions;
  flags: PolicyFlags;
  concurrency: number;
  mode: Mode;
  /** Detail reads are re-done at least this often, whatever the cache says (0: every run). */
  fullRefreshIntervalMs: number;
  status: DaemonStatus;
  /** Every config that loads, so the watcher can follow new env files and `*_FILE` secrets. */
  onLoaded?: (state: DesiredState) => void;
  /** How long the config must stay unchanged before it is acted on (see settle.ts). */
  debounceMs: number;
  /** File events on the config's own paths so far: a delete waits for two reads of the same config with none in between. */
  changeEvents: () => number;
  now?: () => number;
}

export type ConfigCheck = { status: 'changed' | 'unchanged' } | ({ status: 'unsettled' } & Unsettled);

export interface Reconciler {
  reconcile(trigger: Trigger): Promise<RunOutcome>;
  /** The host this environment last resolved to. */
  host(): string | undefined;
  /**
   * Re-reads the config: changed when it differs from the last settled version seen (a reconcile is due).
   * Only once a run has read the config: the loop's first run must be triggered by the caller.
   */
  configChanged(): Promise<ConfigCheck>;
  /** Whether a file event at this path may change the config (see SettledReader.concerns). */
  concerns(path: string): boolean;
}

/** A read of the config, numbered, with the file-event count from just before it began. */
interface ConfigRead extends SettledRead<EnvironmentResult> {
  seq: number;
  events: number;
}

/** Changes that lose something (an integration, its id, its connections) when made from a half-written config. */
const DESTRUCTIVE: ReadonlySet<Action> = new Set<Action>(['delete', 'replace', 'rename']);

/** Diagnostics in readiness bodies are capped: a thousand broken files must not make a megabyte probe answer. */
const MAX_REPORTED_DIAGNOSTICS = 20;

function emptyCounts(): Record<Action, number> {
  return Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
}

function countByAction(changes: readonly Change[]): Record<Action, number> {
  const counts = emptyCounts();
  for (const c of changes) counts[c.action]++;
  return counts;
}

/** The config's fingerprint and the environment's host and key (hashed): a rotated key is a change to act on. */
function targetFingerprint(loaded: EnvironmentResult): string {
  const config = configFingerprint(loaded);
  return loaded.secretKey === undefined ? config : `${config}:${sha256Hex(`${loaded.host ?? ''}\0${loaded.secretKey}`)}`;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const now = options.now ?? Date.now;
  const { log, metrics, status, redactor } = options;
  let cache: DetailCache = createDetailCache();
  let lastSeen: string | undefined;
  /** The config the watch just read to decide a run was due: the run uses it instead of reading again. */
  let handoff: ConfigRead | undefined;
  let reads = 0;
  /** The first settled read of the current config version, with no file changed and no file event since it began. */
  let firstSeen: { fingerprint: string; signature: string; seq: number; startedAt: number; events: number } | undefined;
  let declared: Map<string, string> | undefined;
  let hashed: { state: DesiredState; hashes: Map<string, string> } | undefined;
  let lastFullRefresh = Number.NEGATIVE_INFINITY;
  let warnedFor: string | undefined;
  let lastHost: string | undefined;
  let remote: { host: string; secretKey: string; value: Remote } | undefined;
  let requests = 0;
  /** The last config result a run used: a new one means this run loaded the config. */
  let lastLoaded: EnvironmentResult | undefined;
  const converged = createConvergedMemo();

  const onResponse = (e: ResponseEvent): void => {
    requests++;
    log.debug({ method: e.method, route: e.route, status: e.status, ms: Math.round(e.durationMs), attempt: e.attempt }, 'nango request');
    metrics.apiResponse(e.method, e.status);
  };

  /** The environment's client for the key and host this read resolved; a new one when either changed. */
  const remoteFor = (loaded: EnvironmentResult): Remote => {
    const { host, secretKey } = loaded;
    if (host === undefined || secretKey === undefined) throw new Error('the environment resolved without a host or secret key');
    if (remote === undefined || remote.host !== host || remote.secretKey !== secretKey) {
      const opened = options.connect({ environment: options.environment, host, secretKey }, onResponse);
      const value: Remote = { ...opened, client: stoppableClient(opened.client, options.stopping), fingerprints: countingStore(opened.fingerprints) };
      // Another key may open another environment: what was cached describes the old one.
      if (remote !== undefined) {
        cache = createDetailCache();
        declared = undefined;
        lastFullRefresh = Number.NEGATIVE_INFINITY;
      }
      remote = { host, secretKey, value };
    }
    return remote.value;
  };

  // Server text in a NangoApiError was scrubbed where it entered; other errors are the tool's or the runtime's words.
  const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

  const resolveUnchanged = memoizeLoad(options.load, async (load) => resolveEnvironment(await loadConfig(load), options.environment, { secretKey: true }));
  const readEnvironment = async (discovered: Discovery): Promise<EnvironmentResult> => {
    const loaded = await resolveUnchanged(discovered);
    if (loaded.state) {
      redactor.add(loaded.state.sensitiveValues);
      options.onLoaded?.(loaded.state);
    }
    return loaded;
  };
  const reader = createSettledReader({ load: options.load, debounceMs: options.debounceMs, read: readEnvironment, now });

  const readConfig = async (): Promise<ConfigRead> => {
    const events = options.changeEvents();
    const read = { ...(await reader.read()), seq: ++reads, events };
    if (read.unsettled) return read;
    if (read.loaded.host !== undefined) lastHost = read.loaded.host;
    const fingerprint = targetFingerprint(read.loaded);
    const same = firstSeen !== undefined && firstSeen.fingerprint === fingerprint && firstSeen.signature === read.signature && firstSeen.events === events;
    if (!same) firstSeen = { fingerprint, signature: read.signature, seq: read.seq, startedAt: read.startedAt, events };
    return read;
  };

  /**
   * A destructive plan is applied only from a config read twice, at least the debounce interval apart,
   * with the same digest and no file event in between: a file that is still being written changes
   * between the two reads, however valid each piece of it is.
   */
  const confirmed = (read: ConfigRead): Unsettled | undefined => {
    const first = firstSeen;
    const fingerprint = targetFingerprint(read.loaded);
    if (first === undefined || first.fingerprint !== fingerprint || first.signature !== read.signature || options.changeEvents() !== first.events) {
      return { reason: 'a config file changed after it was read', waitMs: options.debounceMs };
    }
    const apart = read.startedAt - first.startedAt;
    if (first.seq < read.seq && apart >= options.debounceMs) return undefined;
    return {
      reason: 'a delete, replace or rename waits for the same config to be read again after the debounce interval',
      waitMs: Math.max(0, first.startedAt + options.debounceMs - now()),
    };
  };

  const notSettled = (trigger: Trigger, unsettled: Unsettled): RunOutcome => {
    // Not a reconcile: nothing to report yet, and readiness keeps telling the last real outcome.
    log.info({ trigger, reason: unsettled.reason, wait_ms: unsettled.waitMs }, 'config not settled');
    return { retry: false, againInMs: unsettled.waitMs };
  };

  const reportWarnings = (fingerprint: string, diagnostics: readonly Diagnostic[]): void => {
    if (warnedFor === fingerprint) return;
    warnedFor = fingerprint;
    for (const d of diagnostics) if (d.severity === 'warning') log.warn({ diagnostic: formatDiagnostic(d) }, 'config warning');
  };

  async function reconcile(trigger: Trigger): Promise<RunOutcome> {
    const started = now();
    const requestsBefore = requests;
    let loadedAfresh = false;
    const report: Omit<ReconcileReport, 'finished_at' | 'duration_ms' | 'result'> = {
      trigger,
      mode: options.mode,
      started_at: new Date(started).toISOString(),
    };

    const finish = (result: ReconcileResult, extra: Partial<ReconcileReport> = {}): void => {
      const finished = now();
      const full: ReconcileReport = {
        ...report,
        ...extra,
        finished_at: new Date(finished).toISOString(),
        duration_ms: finished - started,
        result,
      };
      status.record(full);
      if (requests - requestsBefore > 1 || loadedAfresh) compactWhenQuiet();
      metrics.reconcile(trigger, result, (finished - started) / 1000, finished);
      const line = {
        trigger,
        mode: options.mode,
        digest: full.digest,
        duration_ms: full.duration_ms,
        result,
        requests: requests - requestsBefore,
        summary: full.summary,
        stage: full.stage,
        error: full.error,
        diagnostics: full.diagnostics,
      };
      if (result === 'success') log.info(line, 'reconcile');
      else if (result === 'blocked') log.warn(line, 'reconcile');
      else log.error(line, 'reconcile');
    };

    const configInvalid = (diagnostics: readonly Diagnostic[], stage: Stage): RunOutcome => {
      converged.clear();
      if (stage === 'config') metrics.configValid(false);
      const errors = diagnostics.filter((d) => d.severity === 'error');
      const formatted = errors.slice(0, MAX_REPORTED_DIAGNOSTICS).map((d) => formatDiagnostic(d));
      const what = stage === 'config' ? 'config invalid' : 'config cannot be planned against the live state';
      finish('error', {
        stage,
        error: `${what}: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing applied`,
        diagnostics: formatted,
      });
      // Retrying cannot fix a config: the next version (watch) or tick (schedule) will.
      return { retry: false };
    };

    let stage: Stage = 'config';
    try {
      const read = handoff ?? (await readConfig());
      handoff = undefined;
      if (read.unsettled) return notSettled(trigger, read.unsettled);
      const { loaded } = read;
      loadedAfresh = loaded !== lastLoaded;
      lastLoaded = loaded;
      lastSeen = targetFingerprint(loaded);
      if (!loaded.state) return configInvalid(loaded.diagnostics, 'config');
      const desired = loaded.state;
      report.digest = desired.digest.slice(0, 12);
      metrics.configValid(true);
      reportWarnings(lastSeen, loaded.diagnostics);
      const opened = remoteFor(loaded);
      const { client, fingerprints, fingerprint } = opened;

      // Kept with the state they describe: a config that did not change is not hashed again.
      if (hashed?.state !== desired) hashed = { state: desired, hashes: integrationHashes(desired) };
      const { hashes } = hashed;
      // The same hashes as the last successful run: nothing declared changed, nothing to look up.
      if (declared !== hashes) for (const key of keysToRefetch(declared, desired, hashes)) cache.entries.delete(key);
      const fullRefresh = started - lastFullRefresh >= options.fullRefreshIntervalMs;

      stage = 'api';
      const inputs: Omit<PlanInputs, 'list'> = { loaded, remote: opened, flags: options.flags, stateWrites: fingerprintWrites() };
      const list = await client.listIntegrations();
      // Taken out on every run: only a run right after a converged one, with the same inputs, reuses its outcome.
      const kept = converged.take({ ...inputs, list });
      // Not at the backstop: it re-reads every detail, which may show what updated_at does not.
      const reused = fullRefresh ? undefined : kept;
      if (reused !== undefined) log.debug('nothing changed since the last run, which planned no change: its plan reused');
      const outcome =
        reused?.outcome ??
        (await planRun({ ...options.load, environment: options.environment }, options.flags, options.concurrency, {
          client: withListed(client, list),
          fingerprints,
          fingerprint,
          redactor,
          cache,
          fullRefresh,
          preloaded: loaded,
        }));
      if (outcome.status === 'invalid') return configInvalid(outcome.diagnostics, outcome.stage);
      if (isConverged(outcome)) converged.keep(reused?.inputs ?? { ...inputs, list }, outcome);
      declared = hashes;
      if (fullRefresh) lastFullRefresh = started;
      report.digest = outcome.desired.digest.slice(0, 12);
      const { plan } = outcome;
      report.summary = plan.summary;

      if (options.mode === 'plan') return finishPlanOnly(plan, finish);
      if (isBlocked(plan)) return finishBlocked(plan, finish);
      if (plan.changes.length === 0) {
        metrics.plannedChanges(emptyCounts());
        finish('success');
        return { retry: false };
      }
      if (plan.changes.some((c) => DESTRUCTIVE.has(c.action))) {
        let unconfirmed = confirmed(read);
        // Planning often outlasts the interval: a second read now confirms without a second round of API reads.
        if (unconfirmed?.waitMs === 0) {
          const again = await readConfig();
          unconfirmed =
            again.unsettled ??
            (targetFingerprint(again.loaded) === targetFingerprint(read.loaded)
              ? confirmed(again)
              : { reason: 'a config file changed after it was read', waitMs: options.debounceMs });
        }
        if (unconfirmed) return notSettled(trigger, unconfirmed);
      }

      stage = 'apply';
      const applied = await applyPlan(plan, {
        client,
        desired: outcome.desired,
        concurrency: options.concurrency,
        fingerprints,
        fingerprint,
        onResult: (change) => logChange(change),
      });
      // Changes that never settled (skipped) get no onResult call; log them too.
      for (const change of applied.changes) if (change.result === 'skipped') logChange(change);
      const pending = applied.changes.filter((c) => c.result !== 'applied');
      metrics.plannedChanges(countByAction(pending));
      const failed = pending.length;
      if (failed === 0) {
        finish('success', { applied: applied.changes.length, failed: 0 });
        return { retry: false };
      }
      finish('error', {
        stage: 'apply',
        applied: applied.changes.length - failed,
        failed,
        error: `${failed} of ${applied.changes.length} change${applied.changes.length === 1 ? '' : 's'} not applied (see the change log lines)`,
      });
      return { retry: true };
    } catch (error) {
      converged.clear();
      const where: Stage = stage === 'config' ? 'config' : error instanceof NangoApiError || stage === 'api' ? 'api' : stage;
      if (where === 'config') metrics.configValid(false);
      finish('error', { stage: where, error: message(error) });
      // A config that cannot even be read (I/O) is retried too: it is not known to be wrong.
      return { retry: true };
    }
  }

  function logChange(change: Change): void {
    const result = change.result ?? 'skipped';
    metrics.appliedChange(change.action, result);
    const line: Record<string, unknown> = { unique_key: change.unique_key, action: change.action, result };
    if (change.from_unique_key !== undefined) line.from_unique_key = change.from_unique_key;
    if (change.error !== undefined) line.error = change.error;
    if (result === 'applied') log.info(line, 'change');
    else log.error(line, 'change');
  }

  function finishPlanOnly(plan: Plan, finish: (result: ReconcileResult, extra?: Partial<ReconcileReport>) => void): RunOutcome {
    metrics.plannedChanges(countByAction(plan.changes));
    for (const change of plan.changes) {
      const line: Record<string, unknown> = { unique_key: change.unique_key, action: change.action, fields: change.fields.map((f) => f.path) };
      if (change.from_unique_key !== undefined) line.from_unique_key = change.from_unique_key;
      if (change.blocked !== undefined) line.blocked = change.blocked;
      log.info(line, 'pending change');
    }
    const blocked = blockedChanges(plan);
    finish('success', blocked.length > 0 ? { blocked } : {});
    return { retry: false };
  }

  function finishBlocked(plan: Plan, finish: (result: ReconcileResult, extra?: Partial<ReconcileReport>) => void): RunOutcome {
    metrics.plannedChanges(countByAction(plan.changes));
    const blocked = blockedChanges(plan);
    for (const b of blocked) log.warn(b, 'blocked change');
    finish('blocked', {
      stage: 'safety',
      blocked,
      error: `a safety rule refused the plan (${blocked.length} change${blocked.length === 1 ? '' : 's'} blocked); nothing applied`,
    });
    // The operator must act (config or flags); repeating the same plan changes nothing.
    return { retry: false };
  }

  return {
    reconcile,
    host: () => lastHost,
    async configChanged() {
      const read = await readConfig();
      if (read.unsettled) return { status: 'unsettled', ...read.unsettled };
      // No run has read the config yet: the first one (started with the loop) is on its way and reads it
      // afresh. Calling this a change would queue a second run of the same version behind it.
      if (lastSeen === undefined) return { status: 'unchanged' };
      const fingerprint = targetFingerprint(read.loaded);
      if (fingerprint === lastSeen) return { status: 'unchanged' };
      lastSeen = fingerprint;
      handoff = read;
      return { status: 'changed' };
    },
    concerns: (path) => reader.concerns(path),
  };
}

function blockedChanges(plan: Plan): { unique_key: string; action: Action; reason: string }[] {
  return plan.changes
    .filter((c): c is Change & { blocked: string } => c.blocked !== undefined)
    .map((c) => ({ unique_key: c.unique_key, action: c.action, reason: c.blocked }));
}
