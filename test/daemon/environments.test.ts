// One daemon, several environments (one emulator serving each key as its own environment): each has a
// loop of its own, so a host that refuses connections or a wrong key in prod never holds dev back; the
// set of environments follows the config without a restart; nothing shows any environment's key.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempConfig } from '../helpers/cli.js';
import { eventually, metricValue, startDaemon, type DaemonProcess, type LogLine } from '../helpers/daemon.js';
import { useEmulator } from '../helpers/emulator.js';
import { secretForms } from '../helpers/secret-forms.js';

const KEYS = {
  dev: '2f6c1d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f',
  prod: '7b3e9f10-2c4d-4e6f-8a1b-3c5d7e9f0a2b',
  staging: 'c4d5e6f7-0a1b-4c2d-8e3f-4a5b6c7d8e9f',
};
/** A well-formed key the emulator does not know: 401. */
const UNKNOWN_KEY = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const CANARIES = {
  SLACK_SECRET_DEV: 'canary-dev-client-secret-71c2e9',
  SLACK_SECRET_PROD: 'canary-prod-client-secret-4be0a3',
  SLACK_SECRET_STAGING: 'canary-staging-client-secret-e58d1f',
};

const fixture = useEmulator({
  keys: [
    { secretKey: KEYS.dev, environment: 'dev' },
    { secretKey: KEYS.prod, environment: 'prod' },
    { secretKey: KEYS.staging, environment: 'staging' },
  ],
});

/** One file: the environments block and the integrations (one write changes both, as a commit would). */
function config(names: readonly string[], devName = 'PostHog (dev)'): string {
  const entries = names.map((name) => `  ${name}:\n    secret_key: \${NANGO_SECRET_KEY_${name.toUpperCase()}}\n    host: \${NANGO_HOST_${name.toUpperCase()}}\n`);
  const posthog = names.map((name) => `      ${name}: ${name === 'dev' ? `{ display_name: "${devName}" }` : '{}'}\n`);
  const slack = names.map((name) => `      ${name}: { credentials: { client_secret: "\${SLACK_SECRET_${name.toUpperCase()}}" } }\n`);
  return `environments:
${entries.join('')}integrations:
  - unique_key: posthog
    provider: posthog
    display_name: PostHog
    environments:
${posthog.join('')}  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: "123.456"
      scopes: [chat:write]
    environments:
${slack.join('')}`;
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const hostEnv = (hosts: Partial<Record<keyof typeof KEYS, string>>, keys: Partial<Record<keyof typeof KEYS, string>> = KEYS): Record<string, string> => {
  const env: Record<string, string> = { ...CANARIES };
  for (const [name, key] of Object.entries(keys)) env[`NANGO_SECRET_KEY_${name.toUpperCase()}`] = key;
  for (const [name, host] of Object.entries(hosts)) env[`NANGO_HOST_${name.toUpperCase()}`] = host;
  return env;
};

const reconcileOf = (environment: string, result?: string) => (l: LogLine) => l.msg === 'reconcile' && l.environment === environment && (result === undefined || l.result === result);

async function readiness(daemon: DaemonProcess): Promise<{ status: number; body: { ready: boolean; environments?: Array<Record<string, unknown>> } }> {
  const r = await daemon.get('/readyz');
  return { status: r.status, body: r.json as { ready: boolean; environments?: Array<Record<string, unknown>> } };
}

/** No key of any environment and no secret value, in any encoding, in anything the daemon showed. */
async function expectNoSecret(daemon: DaemonProcess): Promise<void> {
  const shown = [daemon.stdout(), daemon.stderr(), (await daemon.get('/readyz')).text, (await daemon.get('/readyz?verbose')).text, (await daemon.get('/metrics')).text].join('\n');
  for (const key of [...Object.values(KEYS), UNKNOWN_KEY]) for (const form of secretForms(key, { caseInsensitive: true })) expect(shown).not.toContain(form);
  for (const value of Object.values(CANARIES)) for (const form of secretForms(value)) expect(shown).not.toContain(form);
}

async function stop(daemon: DaemonProcess): Promise<void> {
  daemon.kill('SIGTERM');
  expect((await daemon.exited).code).toBe(0);
}

async function devDisplayName(name: string, since: number, timeoutMs: number): Promise<number> {
  await eventually(() => (fixture.emu.integration('posthog', 'dev')?.display_name === name ? true : undefined), timeoutMs, `dev display_name ${name}`);
  return Date.now() - since;
}

describe('daemon with environments', () => {
  it("keeps dev converged while prod's host refuses connections; /readyz is 503 and names prod; metrics carry the environment", async () => {
    const refused = `http://127.0.0.1:${await closedPort()}`;
    const dir = tempConfig({ 'nango.yaml': config(['dev', 'prod']) });
    const daemon = await startDaemon({
      args: ['-c', dir, '--debounce', '100', '--log-level', 'debug'],
      env: hostEnv({ dev: fixture.emu.url, prod: refused }, { dev: KEYS.dev, prod: KEYS.prod }),
    });

    await daemon.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 15_000 });
    expect(fixture.emu.integration('posthog', 'dev')).toMatchObject({ display_name: 'PostHog (dev)' });
    expect(fixture.emu.integration('slack', 'dev')?.credentials).toMatchObject({ client_secret: CANARIES.SLACK_SECRET_DEV });
    expect(fixture.emu.integrations('prod')).toEqual([]);

    // Prod's client is still retrying the refused connection (or its loop is backing off): dev is not held back.
    for (const name of ['PostHog (dev, 2)', 'PostHog (dev, 3)']) {
      const before = Date.now();
      writeFileSync(join(dir, 'nango.yaml'), config(['dev', 'prod'], name));
      const took = await devDisplayName(name, before, 10_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${daemon.stdout()}`);
      });
      expect(took).toBeLessThan(4_000);
    }

    const prodFailed = await daemon.waitFor(reconcileOf('prod', 'error'), { timeoutMs: 40_000 });
    expect(prodFailed).toMatchObject({ stage: 'api', trigger: 'start' });
    const ready = await readiness(daemon);
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(ready.body.environments).toMatchObject([
      { name: 'dev', host: fixture.emu.url, ready: true, last_reconcile: { result: 'success' } },
      { name: 'prod', host: refused, ready: false, last_reconcile: { result: 'error', stage: 'api' } },
    ]);

    const metrics = (await daemon.get('/metrics')).text;
    expect(metricValue(metrics, 'nango_gitops_reconcile_total', { environment: 'dev', result: 'success', trigger: 'watch' })).toBeGreaterThanOrEqual(2);
    expect(metricValue(metrics, 'nango_gitops_reconcile_total', { environment: 'prod', result: 'error', trigger: 'start' })).toBe(1);
    expect(metricValue(metrics, 'nango_gitops_config_valid', { environment: 'prod' })).toBe(1);
    expect(metricValue(metrics, 'nango_gitops_api_requests_total', { environment: 'prod', method: 'GET', status: 'error' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'nango_gitops_api_requests_total', { environment: 'dev', method: 'PATCH', status: '200' })).toBe(2);
    // Every reconcile series names its environment: none is left without the label.
    expect(metrics).not.toMatch(/^nango_gitops_(reconcile_total|config_valid|planned_changes|last_success_timestamp_seconds)(\{(?![^}]*environment=)[^}]*\})? /m);
    expect(daemon.lines.filter((l) => l.msg === 'reconcile').every((l) => l.environment === 'dev' || l.environment === 'prod')).toBe(true);

    await expectNoSecret(daemon);
    await stop(daemon);
  }, 90_000);

  it('a wrong prod key (401) on the same host does not block dev', async () => {
    const dir = tempConfig({ 'nango.yaml': config(['dev', 'prod']) });
    const daemon = await startDaemon({
      args: ['-c', dir, '--debounce', '100', '--log-level', 'debug'],
      env: hostEnv({ dev: fixture.emu.url, prod: fixture.emu.url }, { dev: KEYS.dev, prod: UNKNOWN_KEY }),
    });
    await daemon.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 15_000 });
    const failed = await daemon.waitFor(reconcileOf('prod', 'error'), { timeoutMs: 15_000 });
    expect(failed).toMatchObject({ stage: 'api' });
    expect(String(failed.error)).toContain('authentication failed');
    // The message names prod's key, not NANGO_SECRET_KEY (which this daemon does not read).
    expect(String(failed.error)).toContain('the secret key of environment prod');

    const before = Date.now();
    writeFileSync(join(dir, 'nango.yaml'), config(['dev', 'prod'], 'PostHog (dev, edited)'));
    expect(await devDisplayName('PostHog (dev, edited)', before, 10_000)).toBeLessThan(4_000);
    const ready = await readiness(daemon);
    expect(ready.status).toBe(503);
    expect(ready.body.environments).toMatchObject([
      { name: 'dev', ready: true },
      { name: 'prod', ready: false, last_reconcile: { stage: 'api' } },
    ]);
    expect(fixture.emu.integrations('prod')).toEqual([]);
    expect(metricValue((await daemon.get('/metrics')).text, 'nango_gitops_api_requests_total', { environment: 'prod', method: 'GET', status: '401' })).toBeGreaterThanOrEqual(1);

    await expectNoSecret(daemon);
    await stop(daemon);
  }, 60_000);

  it('an environment added to the config is reconciled, a removed one stopped and its series dropped, without a restart', async () => {
    const dir = tempConfig({ 'nango.yaml': config(['dev', 'prod']) });
    const url = fixture.emu.url;
    const state = join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');
    const daemon = await startDaemon({
      args: ['-c', dir, '--debounce', '100', '--log-level', 'debug', '--state', state],
      env: hostEnv({ dev: url, prod: url, staging: url }),
    });
    await daemon.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 15_000 });
    await daemon.waitFor(reconcileOf('prod', 'success'), { timeoutMs: 15_000 });
    expect((await readiness(daemon)).status).toBe(200);
    expect(fixture.emu.integrations('staging')).toEqual([]);

    writeFileSync(join(dir, 'nango.yaml'), config(['dev', 'prod', 'staging']));
    await daemon.waitFor(reconcileOf('staging', 'success'), { timeoutMs: 15_000 });
    expect(fixture.emu.integration('slack', 'staging')?.credentials).toMatchObject({ client_secret: CANARIES.SLACK_SECRET_STAGING });
    let ready = await readiness(daemon);
    expect(ready.status).toBe(200);
    expect(ready.body.environments?.map((e) => e.name)).toEqual(['dev', 'prod', 'staging']);
    let metrics = (await daemon.get('/metrics')).text;
    expect(metricValue(metrics, 'nango_gitops_reconcile_total', { environment: 'staging', result: 'success', trigger: 'watch' })).toBe(1);
    // One state file, one section per environment: environments that applied at the same moment lost nothing.
    const sections = (JSON.parse(readFileSync(state, 'utf8')) as { environments: Record<string, { integrations: Record<string, unknown> }> }).environments;
    expect(Object.values(sections).map((e) => Object.keys(e.integrations))).toEqual([['slack'], ['slack'], ['slack']]);
    // Adding staging changed nothing dev or prod resolve: neither ran again.
    expect(daemon.reconciles().filter((l) => l.environment !== 'staging')).toHaveLength(2);

    const mark = daemon.lines.length;
    writeFileSync(join(dir, 'nango.yaml'), config(['dev', 'staging']));
    await daemon.waitFor((l) => l.msg === 'environment removed' && l.environment === 'prod', { from: mark, timeoutMs: 10_000 });
    ready = await eventually(async () => {
      const r = await readiness(daemon);
      return r.body.environments?.length === 2 ? r : undefined;
    });
    expect(ready.status).toBe(200);
    expect(ready.body.environments?.map((e) => e.name)).toEqual(['dev', 'staging']);
    metrics = await eventually(async () => {
      const text = (await daemon.get('/metrics')).text;
      return text.includes('environment="prod"') ? undefined : text;
    });
    expect(metricValue(metrics, 'nango_gitops_config_valid', { environment: 'dev' })).toBe(1);
    // Prod is no longer managed: nothing of it is deleted.
    expect(fixture.emu.integrations('prod').map((i) => i.unique_key).sort()).toEqual(['posthog', 'slack']);

    // Back again: a new loop, which finds prod converged.
    writeFileSync(join(dir, 'nango.yaml'), config(['dev', 'prod', 'staging']));
    const again = await daemon.waitFor((l) => reconcileOf('prod', 'success')(l), { from: mark, timeoutMs: 15_000 });
    expect(again.summary).toMatchObject({ create: 0, update: 0, unchanged: 2 });

    await expectNoSecret(daemon);
    await stop(daemon);
  }, 60_000);

  it('--environment / NANGO_GITOPS_ENVIRONMENT select environments (the others need no variables); an unknown name stops the start', async () => {
    const dir = tempConfig({ 'nango.yaml': config(['dev', 'prod']) });
    // No prod variable at all: prod is not selected, so nothing of it is read.
    const env = { NANGO_SECRET_KEY_DEV: KEYS.dev, NANGO_HOST_DEV: fixture.emu.url, SLACK_SECRET_DEV: CANARIES.SLACK_SECRET_DEV };
    const daemon = await startDaemon({ args: ['-c', dir, '--environment', 'dev'], env });
    await daemon.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 15_000 });
    const ready = await readiness(daemon);
    expect(ready.status).toBe(200);
    expect(ready.body.environments?.map((e) => e.name)).toEqual(['dev']);
    expect(fixture.emu.integrations('prod')).toEqual([]);
    await stop(daemon);

    const fromEnv = await startDaemon({ args: ['-c', dir], env: { ...env, NANGO_GITOPS_ENVIRONMENT: 'dev' } });
    await fromEnv.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 15_000 });
    expect(fromEnv.reconciles().every((l) => l.environment === 'dev')).toBe(true);
    await stop(fromEnv);

    await expect(startDaemon({ args: ['-c', dir, '--environment', 'prd'], env, timeoutMs: 5_000 })).rejects.toThrow(/--environment prd: unknown environment "prd" \(did you mean "prod"\?\)/);
  }, 60_000);

  it('environments on one host share its rate-limit window: together they converge without a single 429', async () => {
    // Nango counts one window per account across its environments; so does the emulator.
    fixture.emu.setRateLimit(40, 5_000);
    try {
      const many = Array.from({ length: 30 }, (_, i) => `  - unique_key: tool-${String(i).padStart(2, '0')}\n    provider: posthog\n`).join('');
      const dir = tempConfig({
        'nango.yaml': `environments:\n  dev:\n    secret_key: \${NANGO_SECRET_KEY_DEV}\n    host: \${NANGO_HOST_DEV}\n  prod:\n    secret_key: \${NANGO_SECRET_KEY_PROD}\n    host: \${NANGO_HOST_PROD}\nintegrations:\n${many}`,
      });
      const daemon = await startDaemon({ args: ['-c', dir, '--concurrency', '8'], env: hostEnv({ dev: fixture.emu.url, prod: fixture.emu.url }, { dev: KEYS.dev, prod: KEYS.prod }) });
      await daemon.waitFor(reconcileOf('dev', 'success'), { timeoutMs: 40_000 });
      await daemon.waitFor(reconcileOf('prod', 'success'), { timeoutMs: 40_000 });
      expect(fixture.emu.integrations('dev')).toHaveLength(30);
      expect(fixture.emu.integrations('prod')).toHaveLength(30);
      const throttled = fixture.emu.requests.filter((r) => r.status === 429);
      expect(throttled.map((r) => `${r.environment ?? '?'} ${r.method} ${r.path}`)).toEqual([]);
      await stop(daemon);
    } finally {
      fixture.emu.setRateLimit(5_000, 60_000);
    }
  }, 60_000);
});
