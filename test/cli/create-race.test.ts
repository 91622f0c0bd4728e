// Issue 9 §7: a create answered "Unique key already exists" on its first attempt (another writer made the
// key after the plan) is resolved by reading the key back and updating it, never by failing the run or
// by replacing what the other writer made.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, scopesWithout } from '../emulator/server.js';
import { runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

/** Same environment as the default key, but credentials are never shown to it. */
const NO_READ_CREDENTIALS_KEY = '8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d';
const fixture = useEmulator({
  keys: [
    { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
    { secretKey: NO_READ_CREDENTIALS_KEY, environment: 'dev', scopes: scopesWithout('environment:integrations:read_credentials') },
  ],
});
const SECRET = 'declared-client-secret-4b1e';
const OTHER_SECRET = 'someone-elses-secret-9d2c';
const env = (secretKey = DEFAULT_SECRET_KEY, extra: Record<string, string> = {}): Record<string, string> =>
  fixture.env({ NANGO_SECRET_KEY: secretKey, SLACK_CLIENT_SECRET: SECRET, ...extra });

const ANALYTICS = { 'a.yaml': 'integrations:\n  - unique_key: analytics\n    provider: posthog\n    display_name: Analytics\n    forward_webhooks: false\n' };
const SLACK = {
  'slack.yaml': `integrations:
  - unique_key: slack
    provider: slack
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${SLACK_CLIENT_SECRET}
      scopes: [chat:write]
    integration_config:
      region: eu
`,
};
const otherSlack = { unique_key: 'slack', provider: 'slack', credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: OTHER_SECRET, scopes: 'chat:write', webhook_secret: null } };

const writes = (): string[] => fixture.emu.writes().map((w) => `${w.method} ${w.path} ${w.status}`);
const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'nango-gitops-state-')), 'state.json');

describe('a create whose key another writer took after the plan', () => {
  it('updates the integration it finds to the declared values with one PATCH, and a reviewed plan still applies', async () => {
    const dir = tempConfig(ANALYTICS);
    const planFile = join(dir, 'plan.json');
    const plan = await runCli(['plan', '-c', dir, '--out', planFile], { env: env() });
    expect(plan.stdout).toContain('+ create analytics (posthog)');
    fixture.emu.raceCreate({ unique_key: 'analytics', provider: 'posthog', display_name: 'Made by hand', forward_webhooks: true, connections: 3 });

    const r = await runCli(['apply', '-c', dir, '--plan-file', planFile], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete: 1 applied, 0 failed, 0 skipped.');
    expect(writes()).toEqual(['POST /integrations 400', 'PATCH /integrations/analytics 200']);
    // Updated in place: the other writer's integration (and its connections) is kept.
    expect(fixture.emu.integration('analytics')).toMatchObject({ provider: 'posthog', display_name: 'Analytics', forward_webhooks: false, connections: 3 });
  });

  it('sends no PATCH when what it finds already matches the config', async () => {
    fixture.emu.raceCreate({ unique_key: 'analytics', provider: 'posthog', display_name: 'Analytics', forward_webhooks: false });
    const r = await runCli(['apply', '-c', tempConfig(ANALYTICS)], { env: env() });
    expect(r.code).toBe(0);
    expect(writes()).toEqual(['POST /integrations 400']);
  });

  it('fails that change, and writes nothing more, when the key was taken by another provider', async () => {
    fixture.emu.raceCreate({ unique_key: 'analytics', provider: 'mixpanel', display_name: 'Theirs', connections: 2 });
    const r = await runCli(['apply', '-c', tempConfig(ANALYTICS), '--allow-replace', '--allow-delete-connections', '--format', 'json'], { env: env() });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { changes: Array<{ unique_key: string; result?: string; error?: string }> };
    expect(doc.changes[0]).toMatchObject({ unique_key: 'analytics', result: 'failed' });
    expect(doc.changes[0]?.error).toContain('unique key "analytics" was created with provider mixpanel by someone else since the plan (declared: posthog)');
    expect(writes()).toEqual(['POST /integrations 400']);
    expect(fixture.emu.integration('analytics')).toMatchObject({ provider: 'mixpanel', display_name: 'Theirs', connections: 2 });
  });

  it('compares readable credentials, sends the declared ones, and records fingerprints as a create does', async () => {
    const dir = tempConfig(SLACK);
    const state = stateFile();
    fixture.emu.raceCreate(otherSlack);
    const r = await runCli(['apply', '-c', dir], { env: env(DEFAULT_SECRET_KEY, { NANGO_GITOPS_STATE: state }) });
    expect(r.code).toBe(0);
    expect(writes()).toEqual(['POST /integrations 400', 'PATCH /integrations/slack 200']);
    expect(fixture.emu.integration('slack')).toMatchObject({ credentials: { client_secret: SECRET }, integration_config: { region: 'eu' } });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain(OTHER_SECRET);

    // integration_config is never shown back: only a recorded fingerprint lets the next plan verify it.
    const recorded = JSON.parse(readFileSync(state, 'utf8')) as { environments: Record<string, { integrations: Record<string, Record<string, string>> }> };
    expect(Object.keys(Object.values(recorded.environments)[0]?.integrations['slack'] ?? {}).sort()).toEqual([
      'credentials.client_id',
      'credentials.client_secret',
      'credentials.scopes',
      'credentials.type',
      'integration_config.region',
    ]);
    const again = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: env(DEFAULT_SECRET_KEY, { NANGO_GITOPS_STATE: state }) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect(again.stdout).not.toContain('cannot verify');
  });

  it('sends credentials it cannot read back: another writer\'s values are never assumed to match', async () => {
    fixture.emu.raceCreate(otherSlack);
    const r = await runCli(['apply', '-c', tempConfig(SLACK)], { env: env(NO_READ_CREDENTIALS_KEY) });
    expect(r.code).toBe(0);
    expect(writes()).toEqual(['POST /integrations 400', 'PATCH /integrations/slack 200']);
    expect(fixture.emu.integration('slack')?.credentials).toMatchObject({ client_secret: SECRET });
  });
});
