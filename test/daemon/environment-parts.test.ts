// The parts of a daemon with several environments: one state file shared by their fingerprint stores,
// per-environment metric series, per-environment terse readiness, one pacer per host, per-run jitter.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDaemonMetrics } from '../../src/daemon/metrics.js';
import { createPacerPool } from '../../src/nango/pacers.js';
import { terseReadiness } from '../../src/daemon/probe-detail.js';
import { startSchedule } from '../../src/daemon/schedule.js';
import { combineReadiness, type ReconcileReport } from '../../src/daemon/status.js';
import { openFingerprintFile, openFingerprintStore } from '../../src/state/fingerprints.js';
import { metricValue } from '../helpers/daemon.js';

const KEY_DEV = '2f6c1d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';
const KEY_PROD = '7b3e9f10-2c4d-4e6f-8a1b-3c5d7e9f0a2b';

describe('fingerprint state shared by environments', () => {
  it('stores of one file keep each environment in its own section; saves at the same moment lose nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');
    const file = await openFingerprintFile(path);
    const dev = file.store(KEY_DEV);
    const prod = file.store(KEY_PROD);
    dev.record('slack', { 'credentials.client_secret': 'hmac-dev' });
    prod.record('slack', { 'credentials.client_secret': 'hmac-prod' });
    await Promise.all([dev.save(), prod.save(), dev.save()]);
    prod.record('github', { 'credentials.client_secret': 'hmac-prod-2' });
    await Promise.all([prod.save(), dev.save()]);

    const json = JSON.parse(readFileSync(path, 'utf8')) as { format_version: number; environments: Record<string, unknown> };
    expect(json.format_version).toBe(1);
    expect(Object.keys(json.environments)).toHaveLength(2);
    // The sections are the ones a single-environment run opens with the same key: the file format is unchanged.
    expect((await openFingerprintStore(path, KEY_DEV)).get('slack', 'credentials.client_secret')).toBe('hmac-dev');
    const reopened = await openFingerprintStore(path, KEY_PROD);
    expect(reopened.get('slack', 'credentials.client_secret')).toBe('hmac-prod');
    expect(reopened.get('github', 'credentials.client_secret')).toBe('hmac-prod-2');
  });
});

describe('metrics per environment', () => {
  it('label every reconcile series with the environment, create them at 0, and drop them all when it goes', async () => {
    const metrics = createDaemonMetrics({ version: '1.2.3', mode: 'apply' });
    const dev = metrics.environment('dev');
    const prod = metrics.environment('prod');
    expect(metrics.environment('dev')).toBe(dev);
    dev.reconcile('start', 'success', 0.2, 1_000_000);
    prod.reconcile('start', 'error', 0.3, 1_000_000);
    prod.apiResponse('get', undefined);
    prod.appliedChange('create', 'failed');
    prod.configValid(true);
    let body = (await metrics.render()).body;
    expect(metricValue(body, 'nango_gitops_reconcile_total', { environment: 'dev', result: 'success', trigger: 'start' })).toBe(1);
    expect(metricValue(body, 'nango_gitops_reconcile_total', { environment: 'prod', result: 'error', trigger: 'retry' })).toBe(0);
    expect(body).toContain('nango_gitops_reconcile_duration_seconds_count{environment="prod"} 1');
    expect(body).toContain('nango_gitops_planned_changes{action="delete",environment="dev"} 0');
    expect(body).toContain('nango_gitops_api_requests_total{method="GET",status="error",environment="prod"} 1');
    // Only named environments here: no unlabelled series (those of a config without an environments block) appear.
    expect(body).not.toMatch(/^nango_gitops_(reconcile_total|planned_changes)\{(?![^}]*environment=)/m);
    expect(body).not.toMatch(/^nango_gitops_config_valid /m);
    expect(metricValue(body, 'nango_gitops_config_valid', { environment: 'dev' })).toBe(0);

    await metrics.removeEnvironment('prod');
    body = (await metrics.render()).body;
    expect(body).not.toContain('environment="prod"');
    expect(metricValue(body, 'nango_gitops_reconcile_total', { environment: 'dev', result: 'success', trigger: 'start' })).toBe(1);
    expect(body).toContain('nango_gitops_info{version="1.2.3",mode="apply"} 1');
    // Back again: its series start afresh at 0.
    metrics.environment('prod');
    body = (await metrics.render()).body;
    expect(metricValue(body, 'nango_gitops_reconcile_total', { environment: 'prod', result: 'error', trigger: 'start' })).toBe(0);
  });
});

describe('readiness with environments', () => {
  const report = (extra: Partial<ReconcileReport>): ReconcileReport => ({
    trigger: 'start',
    mode: 'apply',
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:00:01.000Z',
    duration_ms: 1000,
    result: 'success',
    ...extra,
  });

  it('is ready only when every environment is; the terse body names them but no host, key, path or message', () => {
    const readiness = combineReadiness([
      { name: 'dev', host: 'https://nango.internal/dev', ready: true, last_success: '2026-01-01T00:00:01.000Z', last_reconcile: report({}) },
      {
        name: 'prod',
        host: 'https://nango.internal/prod',
        ready: false,
        last_reconcile: report({ result: 'error', stage: 'api', error: 'GET /integrations: no answer from NANGO_HOST (https://nango.internal/prod)', diagnostics: ['/etc/nango/a.yaml:1:1: x'] }),
      },
    ]);
    expect(readiness.ready).toBe(false);
    const terse = terseReadiness(readiness);
    const text = JSON.stringify(terse);
    for (const hidden of ['nango.internal', '/etc']) expect(text).not.toContain(hidden);
    expect(terse).toEqual({
      ready: false,
      environments: [
        { name: 'dev', ready: true, last_success: '2026-01-01T00:00:01.000Z', last_reconcile: report({}) },
        { name: 'prod', ready: false, last_reconcile: report({ result: 'error', stage: 'api', error: 'a request to the Nango API failed' }) },
      ],
      detail: expect.stringContaining('?verbose'),
    });
    expect(combineReadiness([{ name: 'dev', ready: true }]).ready).toBe(true);
    expect(combineReadiness([]).ready).toBe(false);
  });
});

describe('pacers', () => {
  it('one per host: environments on one host share it, another port or path is another host', () => {
    const pacerFor = createPacerPool();
    const cloud = pacerFor('https://api.nango.dev');
    expect(pacerFor('https://API.nango.dev/')).toBe(cloud);
    expect(pacerFor('https://api.nango.dev:8443')).not.toBe(cloud);
    expect(pacerFor('http://127.0.0.1:3003')).not.toBe(pacerFor('http://127.0.0.1:3004'));
    expect(pacerFor('https://nango.example.com/a')).not.toBe(pacerFor('https://nango.example.com/b'));
  });
});

describe('schedule jitter', () => {
  it('each run started by a tick waits a random delay of its own', async () => {
    const draws = [0.1, 0.9];
    const ran: Array<{ name: string; at: number }> = [];
    let tickAt = 0;
    let resolveBoth: () => void = () => undefined;
    const both = new Promise<void>((resolve) => (resolveBoth = resolve));
    const schedule = startSchedule('* * * * * *', {
      jitterMs: 600,
      random: () => draws.shift() ?? 0,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
      onTick: (jitter) => {
        if (tickAt !== 0) return;
        tickAt = Date.now();
        for (const name of ['dev', 'prod']) {
          jitter(() => {
            ran.push({ name, at: Date.now() - tickAt });
            if (ran.length === 2) resolveBoth();
          });
        }
      },
    });
    try {
      await both;
    } finally {
      await schedule.stop();
    }
    expect(ran.map((r) => r.name)).toEqual(['dev', 'prod']);
    expect(ran[0]!.at).toBeGreaterThanOrEqual(55);
    expect(ran[1]!.at).toBeGreaterThanOrEqual(535);
  });
});
