import { describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator } from '../emulator/server.js';
import { PEM, runCli, tempConfig } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';

const fixture = useEmulator();
const SECRET = 'canary-client-secret-7f3a9';
const env = (extra: Record<string, string> = {}): Record<string, string> => fixture.env({ SLACK_CLIENT_SECRET: SECRET, ...extra });

const SLACK = `integrations:
  - unique_key: slack-production
    provider: slack
    display_name: Slack (Production)
    forward_webhooks: false
    credentials:
      type: OAUTH2
      client_id: "123.456"
      client_secret: \${SLACK_CLIENT_SECRET}
      scopes: [channels:read, chat:write]
`;
const GITHUB_APP = `integrations:
  - unique_key: github-app
    provider: github-app
    credentials:
      type: APP
      app_id: "12345"
      app_link: https://github.com/apps/my-app
      private_key: |
${PEM.split('\n').map((l) => `        ${l}`).join('\n')}
`;

describe('plan and apply against the emulator', () => {
  it('creates everything, converges, and a second apply sends no write', async () => {
    const dir = tempConfig({ 'slack.yaml': SLACK, 'nested/github.yaml': GITHUB_APP });
    const plan = await runCli(['plan', '-c', dir], { env: env() });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('+ create github-app (github-app)');
    expect(plan.stdout).toContain('+ create slack-production (slack)');
    expect(plan.stdout).toContain('Plan: 2 to create, 0 to update');
    expect(fixture.emu.writes()).toHaveLength(0);

    const apply = await runCli(['apply', '-c', dir], { env: env() });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 2 applied, 0 failed, 0 skipped.');
    const slack = fixture.emu.integration('slack-production');
    expect(slack).toMatchObject({ provider: 'slack', display_name: 'Slack (Production)', forward_webhooks: false });
    expect(slack?.credentials).toMatchObject({ type: 'OAUTH2', client_id: '123.456', client_secret: SECRET, scopes: 'channels:read,chat:write' });
    expect(fixture.emu.integration('github-app')?.credentials).toMatchObject({ type: 'APP', app_id: '12345', private_key: PEM });

    const again = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');

    fixture.emu.clearRequests();
    const second = await runCli(['apply', '-c', dir], { env: env() });
    expect(second.code).toBe(0);
    expect(fixture.emu.writes()).toHaveLength(0);
  });

  it('updates only what differs, compares scopes as a set and PATCHes whole credentials', async () => {
    fixture.emu.seed([
      {
        unique_key: 'slack-production',
        provider: 'slack',
        display_name: 'Old name',
        forward_webhooks: false,
        credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: SECRET, scopes: 'chat:write,channels:read', webhook_secret: null },
      },
    ]);
    const dir = tempConfig({ 'slack.yaml': SLACK });
    const plan = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: env() });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ update slack-production (slack)');
    expect(plan.stdout).toContain('~ display_name: "Old name" → "Slack (Production)"');
    expect(plan.stdout).not.toContain('scopes');

    const rotated = await runCli(['plan', '-c', dir, '--format', 'json'], { env: env({ SLACK_CLIENT_SECRET: 'rotated-secret-value' }) });
    const doc = JSON.parse(rotated.stdout) as { changes: Array<{ fields: Array<{ path: string; sensitive?: boolean; before?: unknown; after?: unknown }> }> };
    const secretField = doc.changes[0]?.fields.find((f) => f.path === 'credentials.client_secret');
    expect(secretField).toMatchObject({ sensitive: true });
    expect(secretField).not.toHaveProperty('after');
    expect(rotated.stdout).not.toContain('rotated-secret-value');
    expect(rotated.stdout).not.toContain(SECRET);

    const apply = await runCli(['apply', '-c', dir], { env: env({ SLACK_CLIENT_SECRET: 'rotated-secret-value' }) });
    expect(apply.code).toBe(0);
    const patches = fixture.emu.writes().filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(fixture.emu.integration('slack-production')?.credentials).toMatchObject({ client_secret: 'rotated-secret-value', client_id: '123.456', scopes: 'channels:read,chat:write' });
  });

  it('leaves undeclared integrations unmanaged and never deletes without --prune', async () => {
    fixture.emu.seed([
      { unique_key: 'old-one', provider: 'hubspot', credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'b', scopes: null, webhook_secret: null } },
      { unique_key: 'old-two', provider: 'slack', credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'b', scopes: null, webhook_secret: null } },
    ]);
    const dir = tempConfig({ 'slack.yaml': SLACK });
    const apply = await runCli(['apply', '-c', dir, '--format', 'json'], { env: env() });
    expect(apply.code).toBe(0);
    const doc = JSON.parse(apply.stdout) as { summary: Record<string, number>; changes: Array<{ action: string; result: string }> };
    expect(doc.summary).toMatchObject({ create: 1, delete: 0, unmanaged: 2 });
    expect(doc.changes).toEqual([expect.objectContaining({ action: 'create', result: 'applied' })]);
    expect(fixture.emu.writes().filter((w) => w.method === 'DELETE')).toHaveLength(0);
    expect(fixture.emu.integration('old-one')).toBeDefined();
  });

  it('renames with renamed_from instead of delete + create', async () => {
    fixture.emu.seed([{ unique_key: 'slack-prod', provider: 'slack', display_name: 'Slack (Production)', forward_webhooks: false }]);
    const dir = tempConfig({
      'slack.yaml': `integrations:\n  - unique_key: slack-production\n    renamed_from: slack-prod\n    provider: slack\n    display_name: Slack (Production)\n`,
    });
    const plan = await runCli(['plan', '-c', dir], { env: env() });
    expect(plan.stdout).toContain('→ rename slack-prod → slack-production (slack)');
    const apply = await runCli(['apply', '-c', dir], { env: env() });
    expect(apply.code).toBe(0);
    expect(fixture.emu.integration('slack-prod')).toBeUndefined();
    expect(fixture.emu.integration('slack-production')).toBeDefined();
    expect(fixture.emu.writes().map((w) => w.method)).toEqual(['PATCH']);
    const again = await runCli(['plan', '-c', dir, '--detailed-exitcode'], { env: env() });
    expect(again.code).toBe(0);
  });

  it('refuses a provider change without --allow-replace (exit 3, no write)', async () => {
    fixture.emu.seed([{ unique_key: 'crm', provider: 'hubspot', credentials: { type: 'OAUTH2', client_id: 'a', client_secret: 'b', scopes: null, webhook_secret: null } }]);
    const dir = tempConfig({
      'crm.yaml': `integrations:\n  - unique_key: crm\n    provider: salesforce\n    credentials: {type: OAUTH2, client_id: x, client_secret: y}\n`,
    });
    const apply = await runCli(['apply', '-c', dir], { env: env() });
    expect(apply.code).toBe(3);
    expect(apply.stdout).toContain('-/+ replace crm (hubspot → salesforce) (forces replacement: provider');
    expect(apply.stdout).toContain('--allow-replace');
    expect(fixture.emu.writes()).toHaveLength(0);
    const allowed = await runCli(['apply', '-c', dir, '--allow-replace'], { env: env() });
    expect(allowed.code).toBe(0);
    expect(fixture.emu.integration('crm')?.provider).toBe('salesforce');
    expect(fixture.emu.writes().map((w) => w.method)).toEqual(['DELETE', 'POST']);
  });

  it('says so when credentials cannot be read, and does not re-send them', async () => {
    await fixture.emu.close();
    const readOnlyKey = '3c1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    fixture.emu = await startEmulator({
      keys: [
        { secretKey: DEFAULT_SECRET_KEY, environment: 'dev' },
        { secretKey: readOnlyKey, environment: 'dev', scopes: ['environment:integrations:list', 'environment:integrations:read', 'environment:integrations:update', 'environment:integrations:create'] },
      ],
    });
    fixture.emu.seed([{ unique_key: 'slack-production', provider: 'slack', display_name: 'Slack (Production)', forward_webhooks: false, credentials: { type: 'OAUTH2', client_id: '123.456', client_secret: SECRET, scopes: 'channels:read,chat:write', webhook_secret: null } }]);
    const dir = tempConfig({ 'slack.yaml': SLACK });
    const plan = await runCli(['plan', '-c', dir, '--detailed-exitcode', '--state', `${dir}/state.json`], { env: env({ NANGO_SECRET_KEY: readOnlyKey }) });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('credentials cannot be read: drift not detectable');
    const apply = await runCli(['apply', '-c', dir, '--state', `${dir}/state.json`], { env: env({ NANGO_SECRET_KEY: readOnlyKey }) });
    expect(apply.code).toBe(0);
    expect(fixture.emu.writes()).toHaveLength(0);
  });
});

describe('config errors: exit 1, file:line:col, no stack trace, no API call', () => {
  const cases: Record<string, { files: Record<string, string>; expect: RegExp }> = {
    'YAML syntax': { files: { 'a.yaml': 'integrations:\n  - unique_key: [oops\n' }, expect: /a\.yaml:\d+:\d+/ },
    schema: { files: { 'a.yaml': 'integrations:\n  - unique_key: x\n    provider: slack\n    display_nam: X\n' }, expect: /a\.yaml:4:5: .*display_nam/ },
    'duplicate key': {
      files: { 'a.yaml': 'integrations:\n  - unique_key: x\n    provider: posthog\n', 'b.yaml': 'integrations:\n  - unique_key: x\n    provider: posthog\n' },
      expect: /a\.yaml:2:\d+.*b\.yaml:2:\d+|b\.yaml:2:\d+.*a\.yaml:2:\d+/s,
    },
    'unknown provider': { files: { 'a.yaml': 'integrations:\n  - unique_key: x\n    provider: slak\n' }, expect: /a\.yaml:3:15: .*slack/ },
    'wrong credential type': {
      files: { 'a.yaml': 'integrations:\n  - unique_key: x\n    provider: slack\n    credentials:\n      type: OAUTH1\n      client_id: a\n      client_secret: b\n' },
      expect: /a\.yaml:5:\d+: .*OAUTH2/,
    },
    'unset variable': {
      files: { 'a.yaml': 'integrations:\n  - unique_key: x\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: a\n      client_secret: ${NOT_SET_ANYWHERE}\n' },
      expect: /a\.yaml:7:22: .*NOT_SET_ANYWHERE/,
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const dir = tempConfig(c.files);
      for (const command of ['validate', 'plan', 'apply']) {
        fixture.emu.clearRequests();
        const r = await runCli([command, '-c', dir], { env: env() });
        expect(r.code, `${command}: ${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(c.expect);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(fixture.emu.requests).toHaveLength(0);
      }
    });
  }
});
