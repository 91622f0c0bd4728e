// `export -c environments.yaml --environment dev --environment prod -o DIR` as a process against one
// emulator serving two keys as two environments: one config comes out, shared parts once, differences as
// overrides, secrets as per-environment references; with the variables set, every environment converges.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { loadConfig, resolveEnvironment } from '../../src/config/index.js';
import { readAllIntegrations } from '../../src/export/fetch.js';
import { createNangoClient } from '../../src/nango/client.js';
import { diffIntegrations } from '../../src/plan/diff.js';
import { createFingerprinter } from '../../src/plan/fingerprint.js';
import { startEmulator, type Emulator, type SeedIntegration } from '../emulator/server.js';
import { PEM, runCli, tempConfig } from '../helpers/cli.js';

const KEYS = { dev: '4a1c2e3f-5b6d-4e7f-8a9b-0c1d2e3f4a5b', prod: '9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b' } as const;
type Env = keyof typeof KEYS;
const ENVS: readonly Env[] = ['dev', 'prod'];

const SECRETS = {
  hubspot: 'hubspot-shared-secret-51c0',
  slackDev: 'slack-dev-secret-2b7e',
  slackProd: 'slack-prod-secret-8d44',
  slackSigning: 'slack-prod-signing-0a19',
  linear: 'linear-dev-secret-6f3a',
};
const PEM_BODY = PEM.split('\n')[1] ?? '';

const SEED: Record<Env, SeedIntegration[]> = {
  dev: [
    { unique_key: 'hubspot', provider: 'hubspot', display_name: 'HubSpot', credentials: { type: 'OAUTH2', client_id: 'hub-id', client_secret: SECRETS.hubspot, scopes: 'crm.objects.contacts.read', webhook_secret: null } },
    {
      unique_key: 'slack',
      provider: 'slack',
      display_name: 'Slack (dev)',
      forward_webhooks: true,
      credentials: { type: 'OAUTH2', client_id: 'slack-id', client_secret: SECRETS.slackDev, scopes: 'chat:write', webhook_secret: null },
    },
    { unique_key: 'linear', provider: 'linear', display_name: 'Linear', credentials: { type: 'OAUTH2', client_id: 'lin-id', client_secret: SECRETS.linear, scopes: null, webhook_secret: null } },
    { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', credentials: null },
  ],
  prod: [
    { unique_key: 'hubspot', provider: 'hubspot', display_name: 'HubSpot', credentials: { type: 'OAUTH2', client_id: 'hub-id', client_secret: SECRETS.hubspot, scopes: 'crm.objects.contacts.read', webhook_secret: null } },
    {
      unique_key: 'slack',
      provider: 'slack',
      display_name: 'Slack',
      forward_webhooks: true,
      credentials: { type: 'OAUTH2', client_id: 'slack-id', client_secret: SECRETS.slackProd, scopes: 'chat:write,users:read', webhook_secret: SECRETS.slackSigning },
    },
    { unique_key: 'github-app', provider: 'github-app', display_name: 'GitHub', credentials: { type: 'APP', app_id: '123456', app_link: 'https://github.com/apps/acme', private_key: PEM } },
    { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', credentials: null },
  ],
};

const INPUT = `# yaml-language-server: $schema=../schemas/nango-gitops.schema.json
# Hosts and keys of our two environments.
settings:
  prune: false
  protect: ["*-production"]
environments:
  dev:
    secret_key: \${NANGO_SECRET_KEY_DEV}
    host: \${NANGO_HOST_DEV:-https://api.nango.dev}
    settings: { prune: true }   # dev follows the config exactly
  prod:
    secret_key: \${NANGO_SECRET_KEY_PROD}
    settings: { max_deletes: 0 }
`;

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({ keys: ENVS.map((environment) => ({ secretKey: KEYS[environment], environment })) });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
  for (const environment of ENVS) emu.seed(SEED[environment], environment);
});

/** What the export needs: both keys, dev's host through its own variable and prod's through NANGO_HOST. */
const exportEnv = (): Record<string, string> => ({ NANGO_SECRET_KEY_DEV: KEYS.dev, NANGO_SECRET_KEY_PROD: KEYS.prod, NANGO_HOST_DEV: emu.url, NANGO_HOST: emu.url });

function expectNoSecret(...texts: string[]): void {
  for (const text of texts) for (const secret of [...Object.values(SECRETS), PEM_BODY, ...Object.values(KEYS)]) expect(text).not.toContain(secret);
}

/**
 * The values a user would set for each variable `.env.example` lists, looked up as they would in their
 * vault: by the environment(s) of its section and the field its comment names. Returns them per section.
 */
function variablesFrom(envExample: string): { all: Record<string, string>; by: Map<string, Env[]> } {
  const all: Record<string, string> = {};
  const by = new Map<string, Env[]>();
  let environments: Env[] = [];
  let comment = '';
  for (const line of envExample.split('\n')) {
    const section = /^# ---- read by (.+) ----$/.exec(line)?.[1];
    if (section) {
      environments = ENVS.filter((e) => new RegExp(`\\b${e}\\b`).test(section));
      continue;
    }
    if (line.startsWith('# ')) comment = line.slice(2);
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=$/.exec(line)?.[1];
    if (!assignment) continue;
    const environment = environments[0];
    if (!environment) throw new Error(`${assignment} is in no environment's section`);
    by.set(assignment, environments);
    const block = /^environment (\w+): (secret_key|host)/.exec(comment);
    if (block) {
      all[assignment] = block[2] === 'secret_key' ? KEYS[block[1] as Env] : emu.url;
      continue;
    }
    const field = /^(.+): credentials\.(\w+)/.exec(comment);
    if (!field?.[1] || !field[2]) throw new Error(`no field for ${assignment}`);
    const values = environments.map((e) => emu.integration(field[1] ?? '', e)?.credentials?.[field[2] ?? '']);
    // A variable shared by several environments stands for one value: it must be the same in each.
    expect(new Set(values).size, assignment).toBe(1);
    if (typeof values[0] !== 'string') throw new Error(`no live value for ${assignment}`);
    all[assignment] = values[0];
  }
  return { all, by };
}

/** The variables one environment reads: the shared ones and its own, none of another's (prod's host is NANGO_HOST). */
function only(environment: Env, vars: ReturnType<typeof variablesFrom>): Record<string, string> {
  return { NANGO_HOST: emu.url, ...Object.fromEntries(Object.entries(vars.all).filter(([name]) => vars.by.get(name)?.includes(environment))) };
}

/** In-process check, with the same config stage and planner plan uses: one environment's view against its live state. */
async function changesIn(dir: string, environment: Env, env: Record<string, string>): Promise<{ changes: string[]; unchanged: number; keys: string[] }> {
  const config = await loadConfig({ paths: [dir], env, cwd: dir });
  const resolved = await resolveEnvironment(config, environment, { secretKey: true });
  expect(resolved.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const state = resolved.state;
  if (!state || !resolved.host || !resolved.secretKey) throw new Error(`environment ${environment} did not resolve`);
  const client = createNangoClient({ host: resolved.host, secretKey: resolved.secretKey, timeoutMs: 10_000 });
  const live = await readAllIntegrations(client, 4);
  const diff = diffIntegrations(state, { integrations: live }, { prune: true, protect: [] }, {
    fingerprint: createFingerprinter(resolved.secretKey),
    recordedFingerprint: () => undefined,
    requiresCredentials: () => false,
  });
  expect(diff.diagnostics).toEqual([]);
  return { changes: diff.changes.map((c) => `${c.action} ${c.unique_key}`), unchanged: diff.unchanged, keys: state.integrations.map((i) => i.unique_key).sort() };
}

/** `plan --environment` is added to the CLI by the environments CLI work; until it is there, its check is skipped. */
const planHasEnvironment = (await buildProgram('plan')).commands.find((c) => c.name() === 'plan')?.options.some((o) => o.long === '--environment') === true;

async function exportBoth(): Promise<{ dir: string; code: number | null; stdout: string; stderr: string }> {
  const input = tempConfig({ 'environments.yaml': INPUT });
  const dir = join(tempConfig({}), 'nango');
  const r = await runCli(['export', '-c', join(input, 'environments.yaml'), '--environment', 'dev', '--environment', 'prod', '-o', dir], { env: exportEnv() });
  return { dir, ...r };
}

describe('export of several environments', () => {
  it('writes one config: shared parts once, differences as overrides, per-environment secrets, no secret anywhere', async () => {
    const r = await exportBoth();
    expect(r.stderr).toContain('Exported 5 integrations of environments dev, prod to ');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(r.dir).sort()).toEqual(['.env.example', 'environments.yaml', 'integrations.yaml']);
    const files = readdirSync(r.dir).map((f) => readFileSync(join(r.dir, f), 'utf8'));
    expectNoSecret(r.stdout, r.stderr, ...files);

    const integrations = parse(readFileSync(join(r.dir, 'integrations.yaml'), 'utf8')) as { integrations: unknown[] };
    expect(integrations).toEqual({
      integrations: [
        { unique_key: 'github-app', provider: 'github-app', display_name: 'GitHub', forward_webhooks: true, credentials: { type: 'APP', app_id: '123456', app_link: 'https://github.com/apps/acme', private_key: '${GITHUB_APP_PRIVATE_KEY}' }, environments: ['prod'] },
        {
          unique_key: 'hubspot',
          provider: 'hubspot',
          display_name: 'HubSpot',
          forward_webhooks: true,
          credentials: { type: 'OAUTH2', client_id: 'hub-id', client_secret: '${HUBSPOT_CLIENT_SECRET}', scopes: ['crm.objects.contacts.read'] },
        },
        { unique_key: 'linear', provider: 'linear', display_name: 'Linear', forward_webhooks: true, credentials: { type: 'OAUTH2', client_id: 'lin-id', client_secret: '${LINEAR_CLIENT_SECRET}' }, environments: ['dev'] },
        { unique_key: 'posthog', provider: 'posthog', display_name: 'PostHog', forward_webhooks: true },
        {
          unique_key: 'slack',
          provider: 'slack',
          forward_webhooks: true,
          credentials: { type: 'OAUTH2', client_id: 'slack-id' },
          environments: {
            dev: { display_name: 'Slack (dev)', credentials: { client_secret: '${SLACK_CLIENT_SECRET_DEV}', scopes: ['chat:write'] } },
            prod: { display_name: 'Slack', credentials: { client_secret: '${SLACK_CLIENT_SECRET_PROD}', scopes: ['chat:write', 'users:read'], webhook_secret: '${SLACK_WEBHOOK_SECRET_PROD}' } },
          },
        },
      ],
    });

    // The settings and environments block come along (with their comments), so the directory stands alone.
    const block = readFileSync(join(r.dir, 'environments.yaml'), 'utf8');
    expect(parse(block)).toEqual(parse(INPUT));
    expect(block).toContain('# dev follows the config exactly');
    expect(block).toContain('# Hosts and keys of our two environments.');
    // Only the written file's own $schema line: the copied one was relative to the input.
    expect(block.match(/yaml-language-server/g)).toHaveLength(1);
    expect(block).toMatch(/^# yaml-language-server: \$schema=\S*schemas\/nango-gitops\.schema\.json\n/);

    const envExample = readFileSync(join(r.dir, '.env.example'), 'utf8');
    const names = Object.keys(parseEnv(envExample));
    expect(names.sort()).toEqual(
      [
        'GITHUB_APP_PRIVATE_KEY',
        'HUBSPOT_CLIENT_SECRET',
        'LINEAR_CLIENT_SECRET',
        'NANGO_HOST_DEV',
        'NANGO_SECRET_KEY_DEV',
        'NANGO_SECRET_KEY_PROD',
        'SLACK_CLIENT_SECRET_DEV',
        'SLACK_CLIENT_SECRET_PROD',
        'SLACK_WEBHOOK_SECRET_PROD',
      ].sort(),
    );
    expect(Object.values(parseEnv(envExample)).every((v) => v === '')).toBe(true);
    const vars = variablesFrom(envExample);
    expect(vars.by.get('HUBSPOT_CLIENT_SECRET')).toEqual(['dev', 'prod']);
    expect(vars.by.get('SLACK_CLIENT_SECRET_PROD')).toEqual(['prod']);
    expect(vars.by.get('LINEAR_CLIENT_SECRET')).toEqual(['dev']);
    expect(envExample).toContain('# environment dev: host (optional: it has a default)');
    expect(emu.writes()).toEqual([]);
  });

  it('converges in every environment once the variables are set, each reading only its own (in process)', async () => {
    const r = await exportBoth();
    expect(r.code).toBe(0);
    const vars = variablesFrom(readFileSync(join(r.dir, '.env.example'), 'utf8'));
    for (const environment of ENVS) {
      const result = await changesIn(r.dir, environment, only(environment, vars));
      expect(result.changes, environment).toEqual([]);
      expect(result.keys).toEqual(SEED[environment].map((i) => i.unique_key).sort());
      expect(result.unchanged).toBe(SEED[environment].length);
    }
    // Not vacuous: a different prod secret is a change in prod only.
    const rotated = { NANGO_HOST: emu.url, ...vars.all, SLACK_CLIENT_SECRET_PROD: 'rotated-prod-secret' };
    expect((await changesIn(r.dir, 'prod', rotated)).changes).toEqual(['update slack']);
    expect((await changesIn(r.dir, 'dev', rotated)).changes).toEqual([]);
  });

  it.runIf(planHasEnvironment)('plan --environment NAME --detailed-exitcode exits 0 for each environment with only its variables', async () => {
    const r = await exportBoth();
    expect(r.code).toBe(0);
    const vars = variablesFrom(readFileSync(join(r.dir, '.env.example'), 'utf8'));
    for (const environment of ENVS) {
      const plan = await runCli(['plan', '-c', r.dir, '--environment', environment, '--detailed-exitcode'], { env: only(environment, vars) });
      expect(plan.stderr, environment).toBe('');
      expect(plan.code, environment).toBe(0);
      expectNoSecret(plan.stdout, plan.stderr);
    }
    const all = await runCli(['plan', '-c', r.dir, '--detailed-exitcode'], { env: { NANGO_HOST: emu.url, ...vars.all } });
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('Environment dev');
    expect(all.stdout).toContain('Environment prod');
    expectNoSecret(all.stdout, all.stderr);
    expect(emu.writes()).toEqual([]);
  });

  it('reads only the selected environments: prod\'s variables are not needed to export dev', async () => {
    const input = tempConfig({ 'environments.yaml': INPUT });
    const r = await runCli(['export', '-c', join(input, 'environments.yaml')], { env: { NANGO_GITOPS_ENVIRONMENT: 'dev', NANGO_SECRET_KEY_DEV: KEYS.dev, NANGO_HOST_DEV: emu.url } });
    expect(r.stderr).toContain('Exported 4 integrations of environment dev.');
    expect(r.stderr).toMatch(/NANGO_SECRET_KEY_DEV +environment dev: secret_key \(secret\)/);
    expect(r.stderr).toMatch(/SLACK_CLIENT_SECRET +slack: credentials.client_secret\n/);
    expect(r.code).toBe(0);
    expectNoSecret(r.stdout, r.stderr);
    const doc = parse(r.stdout) as { environments: Record<string, unknown>; settings: unknown; integrations: Array<Record<string, unknown>> };
    // One file: the block (dev only) and the integrations together; nothing is per-environment with one.
    expect(Object.keys(doc)).toEqual(['settings', 'environments', 'integrations']);
    expect(Object.keys(doc.environments)).toEqual(['dev']);
    expect(doc.integrations.map((i) => i['unique_key'])).toEqual(['hubspot', 'linear', 'posthog', 'slack']);
    expect(doc.integrations.some((i) => 'environments' in i)).toBe(false);
    expect(emu.requests.every((q) => q.environment === 'dev' || q.environment === undefined)).toBe(true);
  });

  it('refuses unknown environments, --environment without an environments block, and a wrong key, writing nothing', async () => {
    const input = tempConfig({ 'environments.yaml': INPUT, 'single/nango.yaml': 'integrations: []\n' });
    const unknown = await runCli(['export', '-c', join(input, 'environments.yaml'), '--environment', 'prdo'], { env: exportEnv() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--environment prdo: unknown environment "prdo" (did you mean "prod"?)');

    const none = await runCli(['export', '-c', join(input, 'single'), '--environment', 'dev'], { env: exportEnv() });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('this config declares no environments');

    const missing = await runCli(['export', '-c', join(input, 'environments.yaml'), '--environment', 'prod'], { env: { NANGO_HOST: emu.url } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/environments\.yaml:12:17: environments\.prod\.secret_key: NANGO_SECRET_KEY_PROD is not set/);

    const dir = join(tempConfig({}), 'out');
    const wrong = await runCli(['export', '-c', join(input, 'environments.yaml'), '-o', dir], { env: { ...exportEnv(), NANGO_SECRET_KEY_PROD: '0f0e0d0c-0b0a-4908-8706-050403020100' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: environment prod \(http:\/\/127\.0\.0\.1:\d+\): Nango API: .*nothing was written\n$/);
    expect(() => readdirSync(dir)).toThrow();
    expectNoSecret(wrong.stderr);
    expect(wrong.stderr).not.toContain('0f0e0d0c-0b0a-4908-8706-050403020100');
  });

  it('without an environments block and without --environment, -c changes nothing: NANGO_SECRET_KEY as always', async () => {
    const input = tempConfig({ 'nango.yaml': 'integrations: []\n' });
    const r = await runCli(['export', '-c', join(input, 'nango.yaml')], { env: { NANGO_SECRET_KEY: KEYS.prod, NANGO_HOST: emu.url } });
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['integrations']);
    expect((doc['integrations'] as Array<{ unique_key: string }>).map((i) => i.unique_key)).toEqual(['github-app', 'hubspot', 'posthog', 'slack']);
  });
});

describe('export of several environments on one host', () => {
  it('paces both environments with one rate-limit budget: together they never get a 429', async () => {
    // One account, one window shared by its environments (as Nango's): 10 requests per window, 9 per environment.
    // Two pacers would each spend the budget the first answers show (8 sent at once per environment).
    const limited = await startEmulator({ keys: ENVS.map((environment) => ({ secretKey: KEYS[environment], environment })), rateLimitPerMinute: 10, rateLimitWindowMs: 1_500 });
    try {
      const many = (environment: Env): SeedIntegration[] => ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((k) => ({ unique_key: `${k}-${environment}`, provider: 'posthog', credentials: null }));
      for (const environment of ENVS) limited.seed(many(environment), environment);
      const input = tempConfig({ 'environments.yaml': INPUT });
      const r = await runCli(['export', '-c', join(input, 'environments.yaml')], { env: { ...exportEnv(), NANGO_HOST_DEV: limited.url, NANGO_HOST: limited.url } });
      expect(r.stderr).toContain('Exported 16 integrations of environments dev, prod.');
      expect(r.code).toBe(0);
      expect(limited.requests.filter((q) => q.status === 429)).toEqual([]);
      expect(new Set(limited.requests.map((q) => q.environment))).toEqual(new Set(ENVS));
    } finally {
      await limited.close();
    }
  });
});
