// Prometheus metrics of the daemon, in a Registry of its own (never the global one, so tests and
// embedders get a clean set). Labels are bounded sets: integration keys belong in logs, not here.
// With an environments block every reconcile series carries `environment` (a declared name); without
// one the label is left out, so the series are exactly those of a single-environment daemon.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ACTIONS, type Action } from '../plan/types.js';
import { TRIGGERS, type Trigger } from './loop.js';

export const RESULTS = ['success', 'error', 'blocked'] as const;
export type ReconcileResult = (typeof RESULTS)[number];

/** The series of one environment. */
export interface EnvironmentMetrics {
  reconcile(trigger: Trigger, result: ReconcileResult, durationSeconds: number, finishedAt: number): void;
  /** Pending changes per action, every action set (0 included) so a dashboard never shows a stale value. */
  plannedChanges(counts: Readonly<Record<Action, number>>): void;
  appliedChange(action: Action, result: 'applied' | 'failed' | 'skipped'): void;
  apiResponse(method: string, status: number | undefined): void;
  configValid(valid: boolean): void;
}

/** The daemon's metrics; its own methods are those of the environment of a config without an environments block. */
export interface DaemonMetrics extends EnvironmentMetrics {
  readonly registry: Registry;
  /** The series of an environment (undefined: no environments block), created at 0 on first use. */
  environment(name: string | undefined): EnvironmentMetrics;
  /** Drops every series of an environment no longer reconciled. */
  removeEnvironment(name: string | undefined): Promise<void>;
  render(): Promise<{ contentType: string; body: string }>;
}

const ENVIRONMENT = 'environment';

type Labels = Partial<Record<string, string | number>>;
/** What removing an environment's series needs of a metric, whatever its type. */
interface Removable {
  get(): Promise<{ values: ReadonlyArray<{ labels: Labels }> }>;
  remove(labels: Labels): void;
}

export function createDaemonMetrics(info: { version: string; mode: 'apply' | 'plan' }): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const reconcileTotal = new Counter({
    name: 'nango_gitops_reconcile_total',
    help: 'Reconciles by result and by what triggered them',
    labelNames: ['result', 'trigger', ENVIRONMENT] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'nango_gitops_reconcile_duration_seconds',
    help: 'Duration of a reconcile: load, fetch, plan and apply',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    labelNames: [ENVIRONMENT] as const,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'nango_gitops_last_success_timestamp_seconds',
    help: 'When the last successful reconcile ended (Unix time)',
    labelNames: [ENVIRONMENT] as const,
    registers: [registry],
  });
  const lastReconcile = new Gauge({
    name: 'nango_gitops_last_reconcile_timestamp_seconds',
    help: 'When the last reconcile ended, whatever its result (Unix time)',
    labelNames: [ENVIRONMENT] as const,
    registers: [registry],
  });
  const planned = new Gauge({
    name: 'nango_gitops_planned_changes',
    help: 'Changes pending after the last reconcile, by action (non-zero in --plan mode means drift)',
    labelNames: ['action', ENVIRONMENT] as const,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'nango_gitops_applied_changes_total',
    help: 'Changes the daemon attempted, by action and result',
    labelNames: ['action', 'result', ENVIRONMENT] as const,
    registers: [registry],
  });
  const apiRequests = new Counter({
    name: 'nango_gitops_api_requests_total',
    help: 'HTTP attempts to the Nango API (retries included) by method and status; status "error" when no answer came',
    labelNames: ['method', 'status', ENVIRONMENT] as const,
    registers: [registry],
  });
  const configValidGauge = new Gauge({
    name: 'nango_gitops_config_valid',
    help: '1 when the config last read loaded and validated, else 0',
    labelNames: [ENVIRONMENT] as const,
    registers: [registry],
  });
  const infoGauge = new Gauge({
    name: 'nango_gitops_info',
    help: 'Version and mode (apply or plan) of this daemon',
    labelNames: ['version', 'mode'] as const,
    registers: [registry],
  });
  infoGauge.set({ version: info.version, mode: info.mode }, 1);

  const perEnvironment: Removable[] = [reconcileTotal, duration, lastSuccess, lastReconcile, planned, applied, apiRequests, configValidGauge];
  const environments = new Map<string | undefined, EnvironmentMetrics>();

  const environment = (name: string | undefined): EnvironmentMetrics => {
    const known = environments.get(name);
    if (known) return known;
    const env: Partial<Record<typeof ENVIRONMENT, string>> = name === undefined ? {} : { [ENVIRONMENT]: name };
    // Series exist from the start, so rate() and alerts work before the first failure.
    for (const result of RESULTS) for (const trigger of TRIGGERS) reconcileTotal.inc({ result, trigger, ...env }, 0);
    for (const action of ACTIONS) planned.set({ action, ...env }, 0);
    duration.zero(env);
    for (const gauge of [lastSuccess, lastReconcile, configValidGauge]) gauge.set(env, 0);
    const metrics: EnvironmentMetrics = {
      reconcile(trigger, result, durationSeconds, finishedAt) {
        reconcileTotal.inc({ result, trigger, ...env });
        duration.observe(env, durationSeconds);
        lastReconcile.set(env, finishedAt / 1000);
        if (result === 'success') lastSuccess.set(env, finishedAt / 1000);
      },
      plannedChanges(counts) {
        for (const action of ACTIONS) planned.set({ action, ...env }, counts[action]);
      },
      appliedChange(action, result) {
        applied.inc({ action, result, ...env });
      },
      apiResponse(method, status) {
        apiRequests.inc({ method: method.toUpperCase(), status: status === undefined ? 'error' : String(status), ...env });
      },
      configValid(valid) {
        configValidGauge.set(env, valid ? 1 : 0);
      },
    };
    environments.set(name, metrics);
    return metrics;
  };

  return {
    registry,
    environment,
    async removeEnvironment(name) {
      if (!environments.delete(name)) return;
      for (const metric of perEnvironment) {
        const { values } = await metric.get();
        const labelSets = new Map<string, Labels>();
        for (const { labels } of values) {
          if (labels[ENVIRONMENT] !== name) continue;
          // A histogram's buckets differ by `le` only: the series is named by its other labels.
          const { le: _le, ...series } = labels;
          labelSets.set(JSON.stringify(series), series);
        }
        for (const labels of labelSets.values()) metric.remove(labels);
      }
    },
    reconcile: (...args) => environment(undefined).reconcile(...args),
    plannedChanges: (counts) => environment(undefined).plannedChanges(counts),
    appliedChange: (action, result) => environment(undefined).appliedChange(action, result),
    apiResponse: (method, status) => environment(undefined).apiResponse(method, status),
    configValid: (valid) => environment(undefined).configValid(valid),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
