import { describe, expect, it } from 'vitest';
import type { DesiredIntegration, DesiredState } from '../../src/config/types.js';
import { configFingerprint, integrationHashes, keysToRefetch } from '../../src/daemon/config-digest.js';
import { parseDuration } from '../../src/daemon/duration.js';
import { formatListen, parseListen } from '../../src/daemon/listen.js';
import { createDaemonMetrics } from '../../src/daemon/metrics.js';
import { isValidSchedule } from '../../src/daemon/schedule.js';
import { watchTargets } from '../../src/daemon/watch.js';

describe('flag parsing', () => {
  it('reads --listen forms, port 0 included, and refuses ambiguous ones', () => {
    expect(parseListen('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen(':9090')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseListen('9090')).toEqual({ host: '0.0.0.0', port: 9090 });
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseListen('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['::1:8080', 'host', 'host:port', 'host:70000', '']) expect(parseListen(bad)).toBeUndefined();
    expect(formatListen({ host: '::1', port: 1 })).toBe('[::1]:1');
  });

  it('reads durations with and without units', () => {
    expect(parseDuration('500')).toBe(500);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    for (const bad of ['', 'soon', '-1', '1d', '1 h x', ' 5s', '5s ', '5 s', '+5s', '1e3', '0x10', '.5s', '5.s', '1_000']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('accepts 5- and 6-field cron expressions', () => {
    expect(isValidSchedule('*/5 * * * *')).toBe(true);
    expect(isValidSchedule('*/1 * * * * *')).toBe(true);
    expect(isValidSchedule('every minute')).toBe(false);
  });
});

describe('watch targets', () => {
  it('watches config paths deeply and their parents (symlink swaps) and the directories of secret files shallowly', () => {
    const targets = watchTargets(['current', '/etc/nango/slack.yaml'], ['/run/secrets/slack', '/work/.env'], '/srv/sync');
    expect(targets.deep).toEqual(['/etc/nango/slack.yaml', '/srv/sync/current']);
    expect(targets.shallow).toEqual(['/etc/nango', '/run/secrets', '/srv/sync', '/work']);
  });
});

function integration(key: string, extra: Partial<DesiredIntegration> = {}): DesiredIntegration {
  return { unique_key: key, provider: 'slack', sensitive: new Set(), source: { file: 'a.yaml', line: 1, column: 1 }, fieldSources: {}, ...extra };
}

function state(integrations: DesiredIntegration[], digest = 'd'): DesiredState {
  return { integrations, settings: {}, files: [], extraWatchPaths: [], digest, sensitiveValues: new Set() };
}

describe('config digests', () => {
  it('uses the resolved digest for a valid config and a digest of the diagnostics for a broken one', () => {
    expect(configFingerprint({ state: state([], 'abc'), diagnostics: [] })).toBe('abc');
    const broken = configFingerprint({ diagnostics: [{ severity: 'error', message: 'bad', location: { file: 'a.yaml', line: 1, column: 2 } }] });
    expect(broken).toMatch(/^invalid:[0-9a-f]{64}$/);
    expect(configFingerprint({ diagnostics: [{ severity: 'error', message: 'bad', location: { file: 'a.yaml', line: 1, column: 2 } }] })).toBe(broken);
    expect(configFingerprint({ diagnostics: [{ severity: 'error', message: 'other' }] })).not.toBe(broken);
  });

  it('re-reads only integrations whose declaration changed (and the key a rename comes from), ignoring moved lines', () => {
    const creds = { type: 'OAUTH2' as const, client_id: 'a', client_secret: 's1' };
    const before = state([integration('a', { credentials: creds }), integration('b', { credentials: creds })]);
    const first = integrationHashes(before);
    expect(keysToRefetch(undefined, before, first)).toEqual(new Set());
    const after = state([
      integration('a', { credentials: creds, source: { file: 'a.yaml', line: 40, column: 3 } }),
      integration('b', { credentials: { ...creds, client_secret: 's2' } }),
      integration('c', { renamed_from: 'old-c' }),
    ]);
    expect(keysToRefetch(first, after, integrationHashes(after))).toEqual(new Set(['b', 'c', 'old-c']));
  });
});

describe('metrics', () => {
  it('exposes every required series with bounded labels, every action set each time', async () => {
    const metrics = createDaemonMetrics({ version: '1.2.3', mode: 'apply' });
    metrics.reconcile('watch', 'blocked', 0.2, 1_000_000);
    metrics.reconcile('schedule', 'success', 0.1, 2_000_000);
    metrics.plannedChanges({ create: 2, update: 0, rename: 0, delete: 1, replace: 0 });
    metrics.apiResponse('get', 200);
    metrics.apiResponse('POST', undefined);
    metrics.configValid(true);
    const { body, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(body).toContain('nango_gitops_reconcile_total{result="blocked",trigger="watch"} 1');
    expect(body).toContain('nango_gitops_reconcile_total{result="error",trigger="retry"} 0');
    expect(body).toContain('nango_gitops_reconcile_duration_seconds_count 2');
    expect(body).toContain('nango_gitops_last_success_timestamp_seconds 2000');
    expect(body).toContain('nango_gitops_planned_changes{action="create"} 2');
    expect(body).toContain('nango_gitops_planned_changes{action="replace"} 0');
    expect(body).toContain('nango_gitops_api_requests_total{method="GET",status="200"} 1');
    expect(body).toContain('nango_gitops_api_requests_total{method="POST",status="error"} 1');
    expect(body).toContain('nango_gitops_config_valid 1');
    expect(body).toContain('nango_gitops_info{version="1.2.3",mode="apply"} 1');
    expect(body).toContain('process_resident_memory_bytes');
    metrics.plannedChanges({ create: 0, update: 0, rename: 0, delete: 0, replace: 0 });
    expect((await metrics.render()).body).toContain('nango_gitops_planned_changes{action="create"} 0');
  });
});
