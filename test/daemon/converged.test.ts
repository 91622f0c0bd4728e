// A converged daemon reuses the plan of the run before when nothing it depends on changed (converged.ts).
// Each test lets it reuse that plan at least once, then changes one input: the next run must plan and act.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, type SeedIntegration } from '../emulator/server.js';
import { tempConfig } from '../helpers/cli.js';
import { metricValue, startDaemon, type DaemonProcess, type LogLine } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const SECRET = 'converged-secret-5b1f';
const KEYS = ['slack-a', 'slack-b', 'slack-c'];
const REUSED = 'nothing changed since the last run, which planned no change: its plan reused';

function config(displayNameOfC = 'Slack C'): string {
  const items = KEYS.map(
    (key) => `  - unique_key: ${key}
    provider: slack
    display_name: ${key === 'slack-c' ? displayNameOfC : `Slack ${key.slice(-1).toUpperCase()}`}
    credentials:
      type: OAUTH2
      client_id: "id-${key}"
      client_secret: ${key === 'slack-b' ? '${SLACK_SECRET_B}' : SECRET}
      scopes: [chat:write]
`,
  );
  return `integrations:\n${items.join('')}`;
}

function seed(): SeedIntegration[] {
  return KEYS.map((key) => ({
    unique_key: key,
    provider: 'slack',
    display_name: `Slack ${key.slice(-1).toUpperCase()}`,
    credentials: { type: 'OAUTH2', client_id: `id-${key}`, client_secret: SECRET, scopes: 'chat:write', webhook_secret: null },
  }));
}

/** Another writer, through the API, as a person in Nango's dashboard would. */
async function remote(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${fixture.emu.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${DEFAULT_SECRET_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status).toBeLessThan(300);
}

/** A daemon whose config holds 3 integrations, converged, that has just reused a plan. */
async function convergedDaemon(): Promise<{ daemon: DaemonProcess; dir: string }> {
  fixture.emu.seed(seed());
  const dir = tempConfig({ 'slack.yaml': config(), 'vars.env': `SLACK_SECRET_B=${SECRET}\n` });
  const daemon = await startDaemon({
    args: ['-c', join(dir, 'slack.yaml'), '--env-file', join(dir, 'vars.env'), '--prune', '--schedule', '0 0 1 1 *', '--debounce', '100ms', '--log-level', 'debug'],
    env: fixture.env(),
  });
  const [first] = await daemon.waitForReconciles(1);
  expect(first).toMatchObject({ result: 'success', summary: { unchanged: 3 } });
  // The first runs may load the config once more (config-memo.ts); a few runs later the plan is reused.
  for (let i = 0; i < 4 && !daemon.lines.some((l) => l.msg === REUSED); i++) await signalled(daemon);
  const reused = daemon.lines.findIndex((l) => l.msg === REUSED);
  expect(reused).toBeGreaterThan(-1);
  expect(daemon.lines.slice(reused).find((l) => l.msg === 'reconcile')).toMatchObject({ result: 'success', requests: 1, summary: { unchanged: 3 } });
  return { daemon, dir };
}

/** SIGHUP, and the reconcile it caused. */
async function signalled(daemon: DaemonProcess): Promise<LogLine> {
  const mark = daemon.lines.length;
  daemon.kill('SIGHUP');
  return daemon.waitFor((l) => l.msg === 'reconcile' && l.trigger === 'signal', { from: mark });
}

/** The next reconcile from `mark` on, after any trigger, that is not a reuse. */
async function nextPlanned(daemon: DaemonProcess, mark: number): Promise<LogLine> {
  const line = await daemon.waitFor((l) => l.msg === 'reconcile', { from: mark });
  expect(daemon.lines.slice(mark, daemon.lines.indexOf(line)).some((l) => l.msg === REUSED)).toBe(false);
  return line;
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
  expect(daemon.stdout()).not.toContain(SECRET);
}

describe('a run that reuses the plan of a converged one', () => {
  it('counts, reports and logs like any other run', async () => {
    const { daemon } = await convergedDaemon();
    const before = (await daemon.get('/metrics')).text;
    const signals = metricValue(before, 'nango_gitops_reconcile_total', { result: 'success', trigger: 'signal' }) ?? 0;
    const lastSuccess = metricValue(before, 'nango_gitops_last_success_timestamp_seconds') ?? 0;
    const mark = daemon.lines.length;
    const line = await signalled(daemon);
    expect(daemon.lines.slice(mark).some((l) => l.msg === REUSED)).toBe(true);
    expect(line).toMatchObject({ result: 'success', requests: 1, summary: { unchanged: 3 } });
    const after = (await daemon.get('/metrics')).text;
    expect(metricValue(after, 'nango_gitops_reconcile_total', { result: 'success', trigger: 'signal' })).toBe(signals + 1);
    expect(metricValue(after, 'nango_gitops_last_success_timestamp_seconds')).toBeGreaterThan(lastSuccess);
    expect(metricValue(after, 'nango_gitops_planned_changes', { action: 'update' })).toBe(0);
    const ready = (await daemon.get('/readyz')).json as { last_reconcile?: { trigger?: string; result?: string; summary?: Record<string, number> } };
    expect(ready.last_reconcile).toMatchObject({ trigger: 'signal', result: 'success', summary: { unchanged: 3 } });
    await stop(daemon);
  });
});

describe('after a run that reused the plan of a converged one, a drift is still acted on', () => {
  // A change made in Nango behind the daemon's back, the plan it leads to, and what Nango holds afterwards.
  it.each([
    {
      drift: 'a remote change of one field (the list as long as before): updated back',
      change: () => remote('PATCH', '/integrations/slack-b', { display_name: 'Changed in the dashboard' }),
      summary: { update: 1, unchanged: 2 },
      after: () => expect(fixture.emu.integration('slack-b')?.display_name).toBe('Slack B'),
    },
    {
      drift: 'a remote delete: created again',
      change: () => remote('DELETE', '/integrations/slack-a'),
      summary: { create: 1, unchanged: 2 },
      after: () => expect(fixture.emu.integration('slack-a')).toBeDefined(),
    },
    {
      drift: 'a remote create (not in the config): pruned',
      change: () =>
        remote('POST', '/integrations', { unique_key: 'made-by-hand', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'by-hand', client_secret: 'by-hand-secret', scopes: 'chat:write' } }),
      summary: { delete: 1, unchanged: 3 },
      after: () => expect(fixture.emu.integration('made-by-hand')).toBeUndefined(),
    },
  ])('$drift', async ({ change, summary, after }) => {
    const { daemon } = await convergedDaemon();
    await change();
    const mark = daemon.lines.length;
    daemon.kill('SIGHUP');
    expect(await nextPlanned(daemon, mark)).toMatchObject({ result: 'success', summary });
    after();
    await stop(daemon);
  });

  it('a changed variable value (--env-file): the secret updated', async () => {
    const { daemon, dir } = await convergedDaemon();
    const mark = daemon.lines.length;
    writeFileSync(join(dir, 'vars.env'), 'SLACK_SECRET_B=rotated-secret-b-7e2d\n');
    // The watch sees the file; a SIGHUP too, whichever comes first.
    daemon.kill('SIGHUP');
    expect(await nextPlanned(daemon, mark)).toMatchObject({ result: 'success', summary: { update: 1, unchanged: 2 } });
    expect(fixture.emu.integration('slack-b')?.credentials).toMatchObject({ client_secret: 'rotated-secret-b-7e2d' });
    await stop(daemon);
    expect(daemon.stdout()).not.toContain('rotated-secret-b-7e2d');
  });

  it('a changed config file: updated', async () => {
    const { daemon, dir } = await convergedDaemon();
    const mark = daemon.lines.length;
    writeFileSync(join(dir, 'slack.yaml'), config('Renamed in git'));
    daemon.kill('SIGHUP');
    expect(await nextPlanned(daemon, mark)).toMatchObject({ result: 'success', summary: { update: 1, unchanged: 2 } });
    expect(fixture.emu.integration('slack-c')?.display_name).toBe('Renamed in git');
    await stop(daemon);
  });
});
