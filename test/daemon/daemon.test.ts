// The daemon as a process against the emulator: readiness, metrics, failure modes, shutdown.
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { eventually, metricValue, startDaemon } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const SECRET = 'canary-daemon-secret-5d1e';
const env = (extra: Record<string, string> = {}): Record<string, string> => fixture.env({ SLACK_CLIENT_SECRET: SECRET, ...extra });

const slack = (displayName: string): string => `integrations:
  - unique_key: slack-production
    provider: slack
    display_name: ${displayName}
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${SLACK_CLIENT_SECRET}
      scopes: [channels:read, chat:write]
`;
const POSTHOG = 'integrations:\n  - unique_key: posthog\n    provider: posthog\n';

describe('daemon lifecycle', () => {
  it('is not ready before the first reconcile, converges, then serves readiness, health and metrics; SIGTERM exits 0', async () => {
    fixture.emu.setLatency(300);
    const dir = tempConfig({ 'slack.yaml': slack('Slack (Production)'), 'posthog.yaml': POSTHOG });
    const daemon = await startDaemon({ args: ['-c', dir], env: env() });
    const early = await daemon.get('/readyz');
    expect(early.status).toBe(503);
    expect(early.json).toMatchObject({ ready: false });
    expect((await daemon.get('/healthz')).status).toBe(200);

    const [first] = await daemon.waitForReconciles(1);
    expect(first).toMatchObject({ trigger: 'start', result: 'success', mode: 'apply', summary: { create: 2 } });
    expect(first!.digest).toMatch(/^[0-9a-f]{12}$/);
    expect(fixture.emu.integration('slack-production')).toMatchObject({ display_name: 'Slack (Production)', credentials: { client_secret: SECRET } });
    expect(fixture.emu.integration('posthog')).toBeDefined();
    const changes = daemon.lines.filter((l) => l.msg === 'change');
    expect(changes.map((c) => [c.unique_key, c.action, c.result]).sort()).toEqual([
      ['posthog', 'create', 'applied'],
      ['slack-production', 'create', 'applied'],
    ]);

    const ready = await daemon.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ ready: true, last_reconcile: { result: 'success', trigger: 'start', summary: { create: 2 } } });

    const metrics = await daemon.get('/metrics');
    expect(metrics.status).toBe(200);
    const text = metrics.text;
    expect(metricValue(text, 'nango_gitops_reconcile_total', { result: 'success', trigger: 'start' })).toBe(1);
    expect(metricValue(text, 'nango_gitops_reconcile_total', { result: 'error', trigger: 'watch' })).toBe(0);
    expect(metricValue(text, 'nango_gitops_reconcile_duration_seconds_count')).toBe(1);
    expect(metricValue(text, 'nango_gitops_last_success_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(metricValue(text, 'nango_gitops_config_valid')).toBe(1);
    for (const action of ['create', 'update', 'rename', 'delete', 'replace']) {
      expect(metricValue(text, 'nango_gitops_planned_changes', { action })).toBe(0);
    }
    expect(metricValue(text, 'nango_gitops_api_requests_total', { method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'nango_gitops_api_requests_total', { method: 'POST', status: '200' })).toBe(2);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('slack-production');

    const started = Date.now();
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(daemon.stdout()).not.toContain(SECRET);
    expect(daemon.stderr()).toBe('');
  });

  it('takes every flag from NANGO_GITOPS_* (plan mode: never writes, reports drift in logs and metrics)', async () => {
    const dir = tempConfig({ 'slack.yaml': slack('Slack'), 'posthog.yaml': `${POSTHOG}    display_name: PostHog\n` });
    fixture.emu.seed([{ unique_key: 'posthog', provider: 'posthog', display_name: 'Old' }]);
    const daemon = await startDaemon({
      args: [],
      env: env({ NANGO_GITOPS_CONFIG: dir, NANGO_GITOPS_PLAN: 'true', NANGO_GITOPS_LISTEN: '127.0.0.1:0', NANGO_GITOPS_SCHEDULE: '*/1 * * * * *', NANGO_GITOPS_LOG_LEVEL: 'info' }),
    });
    await daemon.waitForReconciles(2);
    expect(fixture.emu.writes()).toHaveLength(0);
    const [first] = daemon.reconciles();
    expect(first).toMatchObject({ mode: 'plan', result: 'success', summary: { create: 1, update: 1 } });
    expect(daemon.reconciles()[1]).toMatchObject({ trigger: 'schedule' });
    const pending = daemon.lines.filter((l) => l.msg === 'pending change');
    expect(pending).toEqual(expect.arrayContaining([expect.objectContaining({ unique_key: 'slack-production', action: 'create' })]));
    const text = (await daemon.get('/metrics')).text;
    expect(metricValue(text, 'nango_gitops_planned_changes', { action: 'create' })).toBe(1);
    expect(metricValue(text, 'nango_gitops_planned_changes', { action: 'update' })).toBe(1);
    expect(metricValue(text, 'nango_gitops_planned_changes', { action: 'delete' })).toBe(0);
    expect(metricValue(text, 'nango_gitops_info', { mode: 'plan' })).toBe(1);
    expect((await daemon.get('/readyz')).status).toBe(200);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  it('reports a broken config (nothing applied, readiness 503, config_valid 0) and recovers on the next good version', async () => {
    const dir = tempConfig({ 'slack.yaml': slack('Slack'), 'posthog.yaml': POSTHOG });
    const daemon = await startDaemon({ args: ['-c', dir, '--debounce', '100'], env: env() });
    await daemon.waitForReconciles(1);
    fixture.emu.clearRequests();

    // One good edit and one broken file: nothing may be applied, not even the valid part.
    writeFileSync(join(dir, 'slack.yaml'), slack('Slack Renamed'));
    writeFileSync(join(dir, 'posthog.yaml'), 'integrations:\n  - unique_key: posthog\n    provider: [unclosed\n');
    const broken = await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'error');
    expect(broken).toMatchObject({ trigger: 'watch', stage: 'config' });
    expect(fixture.emu.requests).toHaveLength(0);
    const ready = await daemon.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ ready: false, last_reconcile: { result: 'error', stage: 'config' } });
    expect(JSON.stringify(ready.json)).toContain('posthog.yaml');
    expect(metricValue((await daemon.get('/metrics')).text, 'nango_gitops_config_valid')).toBe(0);
    expect(fixture.emu.integration('slack-production')?.display_name).toBe('Slack');

    writeFileSync(join(dir, 'posthog.yaml'), POSTHOG);
    await daemon.waitFor((l) => l.msg === 'reconcile' && l.result === 'success', { from: daemon.lines.indexOf(broken) + 1 });
    expect(fixture.emu.integration('slack-production')?.display_name).toBe('Slack Renamed');
    expect((await daemon.get('/readyz')).status).toBe(200);
    expect(metricValue((await daemon.get('/metrics')).text, 'nango_gitops_config_valid')).toBe(1);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  it('a plan blocked by a safety rule applies nothing: result blocked, readiness 503 with the reasons', async () => {
    fixture.emu.seed([{ unique_key: 'posthog', provider: 'posthog' }, { unique_key: 'old-a', provider: 'posthog' }, { unique_key: 'old-b', provider: 'posthog' }]);
    const dir = tempConfig({ 'posthog.yaml': POSTHOG, 'new.yaml': 'integrations:\n  - unique_key: new-one\n    provider: posthog\n' });
    const daemon = await startDaemon({ args: ['-c', dir, '--prune'], env: env() });
    const [first] = await daemon.waitForReconciles(1);
    expect(first).toMatchObject({ result: 'blocked', stage: 'safety', summary: { delete: 2, create: 1 } });
    expect(fixture.emu.writes()).toHaveLength(0);
    const ready = await daemon.get('/readyz');
    expect(ready.status).toBe(503);
    const body = ready.json as { last_reconcile: { blocked: { unique_key: string; reason: string }[] } };
    expect(body.last_reconcile.blocked.length).toBeGreaterThan(0);
    expect(body.last_reconcile.blocked[0]!.reason).toContain('max-deletes');
    const text = (await daemon.get('/metrics')).text;
    expect(metricValue(text, 'nango_gitops_reconcile_total', { result: 'blocked', trigger: 'start' })).toBe(1);
    expect(metricValue(text, 'nango_gitops_planned_changes', { action: 'delete' })).toBe(2);
    daemon.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
  });

  it('SIGTERM during an apply exits 0 within 10 s; the next start converges without duplicates', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`p${i}.yaml`] = `integrations:\n  - unique_key: posthog-${i}\n    provider: posthog\n`;
    const dir = tempConfig(files);
    fixture.emu.setLatency(400);
    const daemon = await startDaemon({ args: ['-c', dir, '--concurrency', '2'], env: env() });
    await eventually(() => (fixture.emu.writes().length > 0 ? true : undefined), 10_000, 'first write');
    const started = Date.now();
    daemon.kill('SIGTERM');
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    const created = fixture.emu.integrations().length;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(12);

    fixture.emu.setLatency(0);
    fixture.emu.clearRequests();
    const again = await startDaemon({ args: ['-c', dir], env: env() });
    const [first] = await again.waitForReconciles(1);
    expect(first).toMatchObject({ result: 'success', summary: { create: 12 - created } });
    expect(fixture.emu.integrations().map((i) => i.unique_key).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `posthog-${i}`).sort());
    // Every POST succeeded: no create was sent twice.
    expect(fixture.emu.writes().every((w) => w.status === 200)).toBe(true);
    again.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });

  it('backs off while the API fails (readiness 503, stage api), then recovers and resets', async () => {
    // A switchable front for the emulator: 401 is not retried by the client, so each reconcile fails fast.
    let failing = true;
    const front: Server = createServer((req, res) => {
      if (failing) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'unknown_account', message: 'Authentication failed.', payload: {} } }));
        return;
      }
      const target = new URL(req.url ?? '/', fixture.emu.url);
      const upstream = request(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempConfig({ 'posthog.yaml': POSTHOG });
      const host = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
      const daemon = await startDaemon({ args: ['-c', dir], env: env({ NANGO_HOST: host }) });
      const [first] = await daemon.waitForReconciles(1);
      expect(first).toMatchObject({ trigger: 'start', result: 'error', stage: 'api' });
      expect(String(first!.error)).toContain('authentication failed');
      const ready = await daemon.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ ready: false, last_reconcile: { stage: 'api', result: 'error' } });
      expect((await daemon.get('/healthz')).status).toBe(200);
      const text = (await daemon.get('/metrics')).text;
      expect(metricValue(text, 'nango_gitops_reconcile_total', { result: 'error', trigger: 'start' })).toBe(1);
      expect(metricValue(text, 'nango_gitops_api_requests_total', { method: 'GET', status: '401' })).toBe(1);

      const [, second] = await daemon.waitForReconciles(2);
      expect(second).toMatchObject({ trigger: 'retry', result: 'error' });
      // The retry is scheduled right after the reconcile line.
      await daemon.waitFor((l) => l.msg === 'retry scheduled', { from: daemon.lines.indexOf(second!) });
      const delays = daemon.lines.filter((l) => l.msg === 'retry scheduled').map((l) => Number(l.delay_ms));
      expect(delays).toHaveLength(2);
      expect(delays[0]).toBeGreaterThanOrEqual(1_000);
      expect(delays[1]).toBeGreaterThanOrEqual(delays[0]!);
      failing = false;
      const [, , third] = await daemon.waitForReconciles(3);
      expect(third).toMatchObject({ trigger: 'retry', result: 'success' });
      expect(fixture.emu.integration('posthog')).toBeDefined();
      expect((await daemon.get('/readyz')).status).toBe(200);
      expect(daemon.lines.filter((l) => l.msg === 'retry scheduled')).toHaveLength(2);
      expect(daemon.stdout()).not.toContain(fixture.env().NANGO_SECRET_KEY);
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    } finally {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('refuses bad flags before starting', async () => {
    const dir = tempConfig({ 'posthog.yaml': POSTHOG });
    for (const [args, message] of [
      [['--schedule', 'every minute'], '--schedule'],
      [['--listen', 'nowhere'], '--listen'],
      [['--debounce', 'soon'], '--debounce'],
    ] as const) {
      await expect(startDaemon({ args: ['-c', dir, ...args], env: env(), timeoutMs: 5_000 })).rejects.toThrow(`daemon exited before the expected log line\nstdout:\n\nstderr:\nerror: option '${message}`);
    }
  });
});
