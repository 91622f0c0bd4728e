// Prometheus metrics of the daemon, in a Registry of its own (never the global one, so tests and
// embedders get a clean set). Labels are bounded sets: integration keys belong in logs, not here.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ACTIONS, type Action } from '../plan/types.js';
import { TRIGGERS, type Trigger } from './loop.js';

export const RESULTS = ['success', 'error', 'blocked'] as const;
export type ReconcileResult = (typeof RESULTS)[number];

export interface DaemonMetrics {
  readonly registry: Registry;
  reconcile(trigger: Trigger, result: ReconcileResult, durationSeconds: number, finishedAt: number): void;
  /** Pending changes per action, every action set (0 included) so a dashboard never shows a stale value. */
  plannedChanges(counts: Readonly<Record<Action, number>>): void;
  appliedChange(action: Action, result: 'applied' | 'failed' | 'skipped'): void;
  apiResponse(method: string, status: number | undefined): void;
  configValid(valid: boolean): void;
  render(): Promise<{ contentType: string; body: string }>;
}

export function createDaemonMetrics(info: { version: string; mode: 'apply' | 'plan' }): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const reconcileTotal = new Counter({
    name: 'nango_gitops_reconcile_total',
    help: 'Reconciles by result and by what triggered them',
    labelNames: ['result', 'trigger'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'nango_gitops_reconcile_duration_seconds',
    help: 'Duration of a reconcile: load, fetch, plan and apply',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'nango_gitops_last_success_timestamp_seconds',
    help: 'When the last successful reconcile ended (Unix time)',
    registers: [registry],
  });
  const lastReconcile = new Gauge({
    name: 'nango_gitops_last_reconcile_timestamp_seconds',
    help: 'When the last reconcile ended, whatever its result (Unix time)',
    registers: [registry],
  });
  const planned = new Gauge({
    name: 'nango_gitops_planned_changes',
    help: 'Changes pending after the last reconcile, by action (non-zero in --plan mode means drift)',
    labelNames: ['action'] as const,
    registers: [registry],
  });
  const applied = new Counter({
    name: 'nango_gitops_applied_changes_total',
    help: 'Changes the daemon attempted, by action and result',
    labelNames: ['action', 'result'] as const,
    registers: [registry],
  });
  const apiRequests = new Counter({
    name: 'nango_gitops_api_requests_total',
    help: 'HTTP attempts to the Nango API (retries included) by method and status; status "error" when no answer came',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const configValidGauge = new Gauge({
    name: 'nango_gitops_config_valid',
    help: '1 when the config last read loaded and validated, else 0',
    registers: [registry],
  });
  const infoGauge = new Gauge({
    name: 'nango_gitops_info',
    help: 'Version and mode (apply or plan) of this daemon',
    labelNames: ['version', 'mode'] as const,
    registers: [registry],
  });
  infoGauge.set({ version: info.version, mode: info.mode }, 1);

  // Series exist from the start, so rate() and alerts work before the first failure.
  for (const result of RESULTS) for (const trigger of TRIGGERS) reconcileTotal.inc({ result, trigger }, 0);
  for (const action of ACTIONS) planned.set({ action }, 0);

  return {
    registry,
    reconcile(trigger, result, durationSeconds, finishedAt) {
      reconcileTotal.inc({ result, trigger });
      duration.observe(durationSeconds);
      lastReconcile.set(finishedAt / 1000);
      if (result === 'success') lastSuccess.set(finishedAt / 1000);
    },
    plannedChanges(counts) {
      for (const action of ACTIONS) planned.set({ action }, counts[action]);
    },
    appliedChange(action, result) {
      applied.inc({ action, result });
    },
    apiResponse(method, status) {
      apiRequests.inc({ method: method.toUpperCase(), status: status === undefined ? 'error' : String(status) });
    },
    configValid(valid) {
      configValidGauge.set(valid ? 1 : 0);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
