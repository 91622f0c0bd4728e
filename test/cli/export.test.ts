import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator, type SeedIntegration } from '../emulator/server.js';
import { SCHEMA_URL } from '../../src/export/schema-ref.js';
import { PEM, runCli, tempConfig } from '../helpers/cli.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const SECRETS = {
  slack: 'slack-client-secret-5b1e',
  slackWebhook: 'slack-signing-secret-9c2d',
  oauthApp: 'gh-oauth-client-secret-a7f0',
};
const PEM_BODY = PEM.split('\n')[1] ?? '';

const SEED: SeedIntegration[] = [
  {
    unique_key: 'slack-production',
    provider: 'slack',
    display_name: 'Slack (Production)',
    forward_webhooks: false,
    credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: SECRETS.slack, scopes: 'chat:write,channels:read', webhook_secret: SECRETS.slackWebhook },
  },
  { unique_key: 'github-app', provider: 'github-app', credentials: { type: 'APP', app_id: '123456', app_link: 'https://github.com/apps/acme', private_key: PEM } },
  {
    unique_key: 'github oauth',
    provider: 'github-app-oauth',
    display_name: 'GitHub $HOME',
    credentials: { type: 'CUSTOM', client_id: 'Iv1.abc', client_secret: SECRETS.oauthApp, app_id: '42', app_link: 'https://github.com/apps/acme-oauth', private_key: PEM },
  },
  { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', credentials: null },
];

// A state file of its own: fingerprints recorded by other tests' applies must not count here.
const apiEnv = (host = emu.url): Record<string, string> => ({
  NANGO_SECRET_KEY: DEFAULT_SECRET_KEY,
  NANGO_HOST: host,
  NANGO_GITOPS_STATE: join(tempConfig({}), 'state.json'),
});

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) {
    for (const secret of [...Object.values(SECRETS), PEM_BODY, DEFAULT_SECRET_KEY]) expect(text).not.toContain(secret);
  }
}

/** `.env.example` says which field each variable fills: look the live value up in the emulator, as a user would in their vault. */
function liveValues(envExample: string, from: Emulator = emu): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = envExample.split('\n');
  lines.forEach((line, i) => {
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=$/.exec(line);
    if (!assignment?.[1]) return;
    const comment = /^# (.+): credentials\.(\w+)/.exec(lines[i - 1] ?? '');
    if (!comment?.[1] || !comment[2]) throw new Error(`no comment for ${assignment[1]}`);
    const value = from.integration(comment[1])?.credentials?.[comment[2]];
    if (typeof value !== 'string') throw new Error(`no live value for ${comment[1]} ${comment[2]}`);
    env[assignment[1]] = value;
  });
  return env;
}

describe('export', () => {
  it('round-trips OAUTH2, APP, CUSTOM and API_KEY integrations: plan reports the export converged', async () => {
    emu.seed(SEED);
    const dir = join(tempConfig({}), 'nango');
    const exported = await runCli(['export', '-o', dir], { env: apiEnv() });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(exported.stderr).toContain('Exported 4 integrations');
    expect(exported.stderr).toContain('.env.example lists the 5 variables');
    expectNoSecret(exported.stdout, exported.stderr);

    expect(readdirSync(dir).sort()).toEqual(['.env.example', 'integrations.yaml']);
    const config = readFileSync(join(dir, 'integrations.yaml'), 'utf8');
    const envExample = readFileSync(join(dir, '.env.example'), 'utf8');
    expectNoSecret(config, envExample);
    expect(config.startsWith(`# yaml-language-server: $schema=${SCHEMA_URL}\n`)).toBe(true);
    expect(config).toContain('client_secret: ${SLACK_PRODUCTION_CLIENT_SECRET}');
    expect(config).toContain('webhook_secret: ${SLACK_PRODUCTION_WEBHOOK_SECRET}');
    expect(config).toContain('private_key: ${GITHUB_OAUTH_PRIVATE_KEY}');
    expect(config).toContain('display_name: GitHub $$HOME');
    expect(envExample).toMatch(/^SLACK_PRODUCTION_CLIENT_SECRET=$/m);
    const parsed = parse(config) as { integrations: Array<{ unique_key: string; credentials?: unknown }> };
    expect(parsed.integrations.find((i) => i.unique_key === 'posthog')?.credentials).toBeUndefined();

    const env = liveValues(envExample);
    expect(Object.keys(env).sort()).toEqual([
      'GITHUB_APP_PRIVATE_KEY',
      'GITHUB_OAUTH_CLIENT_SECRET',
      'GITHUB_OAUTH_PRIVATE_KEY',
      'SLACK_PRODUCTION_CLIENT_SECRET',
      'SLACK_PRODUCTION_WEBHOOK_SECRET',
    ]);
    emu.clearRequests();
    const plan = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: { ...apiEnv(), ...env } });
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.code).toBe(0);
    expect(emu.writes()).toHaveLength(0);

    // The round trip is not vacuous: a changed value is a change.
    const drift = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: { ...apiEnv(), ...env, SLACK_PRODUCTION_CLIENT_SECRET: 'rotated-secret-value' } });
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain('~ update slack-production');
  });

  it('prints YAML on stdout and the variables on stderr; --split writes one file per key', async () => {
    emu.seed(SEED);
    const out = await runCli(['export'], { env: apiEnv() });
    expect(out.code).toBe(0);
    expectNoSecret(out.stdout, out.stderr);
    expect(out.stdout.startsWith(`# yaml-language-server: $schema=${SCHEMA_URL}\n`)).toBe(true);
    expect(out.stderr).toContain('SLACK_PRODUCTION_WEBHOOK_SECRET  slack-production: credentials.webhook_secret');
    const single = tempConfig({ 'nango.yaml': out.stdout });
    const env = {
      SLACK_PRODUCTION_CLIENT_SECRET: SECRETS.slack,
      SLACK_PRODUCTION_WEBHOOK_SECRET: SECRETS.slackWebhook,
      GITHUB_APP_PRIVATE_KEY: PEM,
      GITHUB_OAUTH_CLIENT_SECRET: SECRETS.oauthApp,
      GITHUB_OAUTH_PRIVATE_KEY: PEM,
    };
    const plan = await runCli(['plan', '-c', single, '--detailed-exitcode'], { env: { ...apiEnv(), ...env } });
    expect(plan.code).toBe(0);

    const dir = tempConfig({});
    const split = await runCli(['export', '-o', dir, '--split'], { env: apiEnv() });
    expect(split.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['.env.example', 'github-app.yaml', 'github_oauth.yaml', 'posthog.yaml', 'slack-production.yaml']);
    const splitPlan = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: { ...apiEnv(), ...env } });
    expect(splitPlan.code).toBe(0);
  });

  it('-o FILE writes one file and lists the variables on stderr', async () => {
    emu.seed(SEED);
    const file = join(tempConfig({}), 'sub', 'adopted.yaml');
    const out = await runCli(['export', '-o', file], { env: apiEnv() });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('GITHUB_APP_PRIVATE_KEY');
    expect(readFileSync(file, 'utf8')).toContain('unique_key: slack-production');
    expect(existsSync(join(file, '..', '.env.example'))).toBe(false);
  });

  it('without read_credentials, writes references for every credentials value and says so', async () => {
    const restricted = await startEmulator({
      keys: [
        {
          secretKey: DEFAULT_SECRET_KEY,
          environment: 'dev',
          scopes: ['environment:integrations:list', 'environment:integrations:read', 'environment:connections:list'],
        },
      ],
    });
    try {
      restricted.seed(SEED);
      const dir = tempConfig({});
      const out = await runCli(['export', '-o', dir], { env: apiEnv(restricted.url) });
      expect(out.code).toBe(0);
      expect(out.stderr).toMatch(/note: slack-production: credentials could not be read/);
      expectNoSecret(out.stdout, out.stderr);
      const config = readFileSync(join(dir, 'integrations.yaml'), 'utf8');
      expectNoSecret(config);
      expect(config).toContain('client_id: ${SLACK_PRODUCTION_CLIENT_ID}');
      expect(config).toContain('app_link: ${GITHUB_APP_APP_LINK}');
      expect(config).not.toContain('123.456');
      const envExample = readFileSync(join(dir, '.env.example'), 'utf8');
      expect(envExample).toContain('# slack-production: credentials.client_id (could not be read)');

      const env = liveValues(envExample, restricted);
      expect(Object.keys(env)).toContain('SLACK_PRODUCTION_CLIENT_ID');
      const plan = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: { ...apiEnv(restricted.url), ...env } });
      expect(plan.stdout).toContain('credentials cannot be read');
      expect(plan.code).toBe(0);
    } finally {
      await restricted.close();
    }
  });

  it('refuses to overwrite, to --split onto stdout, and to run without a secret key', async () => {
    emu.seed(SEED);
    const dir = tempConfig({ '.env.example': 'X=\n' });
    const overwrite = await runCli(['export', '-o', dir], { env: apiEnv() });
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr).toMatch(/refusing to overwrite .*\.env\.example/);

    const clash = tempConfig({ 'integrations.yaml': 'integrations: []\n' });
    const again = await runCli(['export', '-o', clash], { env: apiEnv() });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite .*integrations\.yaml/);
    expect(readFileSync(join(clash, 'integrations.yaml'), 'utf8')).toBe('integrations: []\n');

    const file = join(tempConfig({}), 'x.yaml');
    writeFileSync(file, 'keep\n');
    const existing = await runCli(['export', '-o', file], { env: apiEnv() });
    expect(existing.code).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('keep\n');

    const split = await runCli(['export', '--split'], { env: apiEnv() });
    expect(split.code).toBe(1);
    expect(split.stderr).toContain('--split');

    const noKey = await runCli(['export'], { env: { NANGO_HOST: emu.url } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('NANGO_SECRET_KEY');
  });
});
