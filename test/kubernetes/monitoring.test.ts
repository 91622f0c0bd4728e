// Every metric the PrometheusRule and the Grafana dashboard of components/monitoring query must be one the
// daemon serves on /metrics, with the labels and label values they select on: an alert on a misspelt
// metric never fires, and nothing tells. The daemon runs as a process against the emulator, once in
// --plan mode (drift, 429s, a failed then a successful reconcile) and once applying a change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { metricValue, startDaemon, type DaemonProcess } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';
import { KUBERNETES, kustomizeWith, MONITORING, one } from '../helpers/kustomize.js';

const fixture = useEmulator();

/** Labels Prometheus adds from the scrape target (ServiceMonitor discovery), not served by /metrics. */
const TARGET_LABELS = new Set(['job', 'instance', 'namespace', 'pod', 'service', 'container', 'endpoint']);
const METRIC = /\b((?:nango_gitops|process|nodejs)_[a-z_]+)\b\s*(\{[^}]*\})?/g;
const MATCHER = /([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g;
const GROUPING = /\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g;
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

interface Query {
  where: string;
  expr: string;
}

function ruleQueries(): Query[] {
  const rule = one(kustomizeWith(join(KUBERNETES, 'overlays', 'git-sync'), [MONITORING]), 'PrometheusRule');
  const groups = (rule.spec as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups;
  return groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: String(r.expr) })));
}

function dashboardQueries(): Query[] {
  const dashboard = JSON.parse(readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr?: string }> }>;
    templating: { list: Array<{ name: string; query?: string | { query?: string } }> };
  };
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr ?? '' })));
  const variables = dashboard.templating.list.map((v) => ({ where: `variable ${v.name}`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? '') }));
  return [...panels, ...variables];
}

interface Sample {
  name: string;
  labels: Record<string, string>;
}
interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/** The Prometheus text format: `# TYPE name type` lines and `name{labels} value` samples. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] ?? '', type[2] ?? '');
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] ?? ''] = m[2] ?? '';
    samples.push({ name: sample[1] ?? '', labels });
  }
  return { types, samples };
}

function merge(a: Exposition, b: Exposition): Exposition {
  return { types: new Map([...a.types, ...b.types]), samples: [...a.samples, ...b.samples] };
}

/** Why `name` is not served, or undefined when it is (histogram series through their base name). */
function notServed(name: string, served: Exposition): string | undefined {
  if (served.types.has(name)) return undefined;
  const base = name.replace(HISTOGRAM_SUFFIX, '');
  if (base !== name && ['histogram', 'summary'].includes(served.types.get(base) ?? '')) return undefined;
  return `${name} is not served by /metrics`;
}

const slackless = (displayName: string): string => `integrations:\n  - unique_key: posthog\n    provider: posthog\n    display_name: ${displayName}\n`;

async function scrape(daemon: DaemonProcess): Promise<string> {
  const metrics = await daemon.get('/metrics');
  expect(metrics.status).toBe(200);
  return metrics.text;
}

describe('components/monitoring queries only what the daemon serves', () => {
  const queries = [...ruleQueries(), ...dashboardQueries()];
  let served: Exposition;

  beforeAll(async () => {
    // --plan, with Nango answering 429 at first: a failed reconcile, then drift found on the retry.
    fixture.emu.seed([{ unique_key: 'posthog', provider: 'posthog', display_name: 'Changed by hand' }]);
    fixture.emu.setFaults({ rate: 1, kinds: ['429-retry-0'], methods: ['GET'] });
    const planner = await startDaemon({ args: ['-c', tempConfig({ 'posthog.yaml': slackless('PostHog') }), '--plan'], env: fixture.env() });
    const [first] = await planner.waitForReconciles(1);
    expect(first).toMatchObject({ result: 'error', mode: 'plan' });
    fixture.emu.setFaults(undefined);
    const reconciles = await planner.waitForReconciles(2, 15_000);
    expect(reconciles[1]).toMatchObject({ result: 'success', trigger: 'retry', summary: { update: 1 } });
    const planText = await scrape(planner);
    expect(metricValue(planText, 'nango_gitops_planned_changes', { action: 'update' })).toBe(1);
    planner.kill('SIGTERM');
    await planner.exited;

    // Apply mode: a change applied, so the applied-changes counter has samples.
    fixture.emu.reset();
    const applier = await startDaemon({ args: ['-c', tempConfig({ 'posthog.yaml': slackless('PostHog') })], env: fixture.env() });
    const [applied] = await applier.waitForReconciles(1);
    expect(applied).toMatchObject({ result: 'success', summary: { create: 1 } });
    const applyText = await scrape(applier);
    applier.kill('SIGTERM');
    await applier.exited;

    served = merge(parseExposition(planText), parseExposition(applyText));
  }, 60_000);

  it('the alerts and the dashboard query the daemon metrics at all', () => {
    const names = new Set(queries.flatMap((q) => [...q.expr.matchAll(METRIC)].map((m) => m[1])));
    expect(queries.filter((q) => q.where.startsWith('alert')).length).toBeGreaterThanOrEqual(5);
    for (const name of [
      'nango_gitops_reconcile_total',
      'nango_gitops_last_success_timestamp_seconds',
      'nango_gitops_planned_changes',
      'nango_gitops_config_valid',
      'nango_gitops_api_requests_total',
      'nango_gitops_info',
      'nango_gitops_reconcile_duration_seconds_bucket',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('every metric name they use is served by /metrics, with the labels and fixed label values they select and group by', () => {
    expect(problems(queries, served)).toEqual([]);
  });

  it('the check catches a misspelt metric, label or label value', () => {
    const broken = [
      { where: 'a', expr: 'nango_gitops_reconciles_total' },
      { where: 'b', expr: 'rate(nango_gitops_planned_changes_bucket[5m])' },
      { where: 'c', expr: 'nango_gitops_api_requests_total{status="430"}' },
      { where: 'd', expr: 'nango_gitops_info{mood="plan"}' },
      { where: 'e', expr: 'sum by (actoin) (nango_gitops_planned_changes)' },
      { where: 'f', expr: 'nango_gitops_reconcile_total{result=~"error|blockd"}' },
    ];
    expect(problems(broken, served).map((p) => p.split(':')[0])).toEqual(['a', 'b', 'c', 'd', 'e']);
    // A regex matcher passes when one reported value matches ("error" does); labels from the target and
    // templated values are not the daemon's to serve.
    expect(problems([{ where: 'g', expr: 'histogram_quantile(0.9, sum by (le) (rate(nango_gitops_reconcile_duration_seconds_bucket{pod=~"$pod"}[5m])))' }], served)).toEqual([]);
  });
});

function problems(queries: Query[], served: Exposition): string[] {
  const found: string[] = [];
  const samplesOf = (name: string): Sample[] => served.samples.filter((s) => s.name === name);
  for (const { where, expr } of queries) {
    const used = [...expr.matchAll(METRIC)];
    const labelNames = new Set(used.flatMap((m) => samplesOf(m[1] ?? '').flatMap((s) => Object.keys(s.labels))));
    for (const [, name = '', selector = ''] of used) {
      const missing = notServed(name, served);
      if (missing) {
        found.push(`${where}: ${missing}`);
        continue;
      }
      for (const [, label = '', op = '', value = ''] of selector.matchAll(MATCHER)) {
        if (TARGET_LABELS.has(label) || value.includes('$')) continue;
        const samples = samplesOf(name);
        if (!samples.some((s) => label in s.labels)) {
          found.push(`${where}: ${name} has no label ${label}`);
          continue;
        }
        const matches = (v: string | undefined): boolean => v !== undefined && (op === '=' ? v === value : new RegExp(`^(?:${value})$`).test(v));
        if ((op === '=' || op === '=~') && !samples.some((s) => matches(s.labels[label]))) found.push(`${where}: no ${name} sample has ${label}${op}"${value}"`);
      }
    }
    for (const [, list = ''] of expr.matchAll(GROUPING)) {
      for (const label of list.split(',').map((l) => l.trim()).filter(Boolean)) {
        if (!TARGET_LABELS.has(label) && !labelNames.has(label)) found.push(`${where}: groups by ${label}, which no metric it uses has`);
      }
    }
  }
  return found;
}
