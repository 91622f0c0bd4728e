import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, hasErrors, loadDesiredState } from '../../src/config/index.js';
import type { DesiredIntegration, LoadOptions } from '../../src/config/types.js';
import { RSA_KEY, useTempDir } from '../fixtures/config/helpers.js';

const t = useTempDir();

const SLACK = `# yaml-language-server: $schema=../schemas/nango-gitops.schema.json
integrations:
  - unique_key: slack-production
    provider: slack
    display_name: \${DISPLAY}
    forward_webhooks: true
    credentials:
      type: OAUTH2
      client_id: \${SLACK_CLIENT_ID}
      client_secret: \${SLACK_CLIENT_SECRET}
      scopes: [chat:write, channels:read]
      webhook_secret: literal-webhook-secret
    integration_config:
      role_arn: \${ROLE:-arn:aws:iam::1:role/x}
      region: \${REGION}
`;

const ENV = { DISPLAY: 'Slack (Production)', SLACK_CLIENT_ID: 'cid', SLACK_CLIENT_SECRET: "s3cr$&t'$1", REGION: 'eu' };

async function run(files: Record<string, string>, options: Partial<LoadOptions> = {}) {
  for (const [name, content] of Object.entries(files)) await t.write(name, content);
  return loadDesiredState({ paths: Object.keys(files), cwd: t.path, env: {}, ...options });
}

function only(list: DesiredIntegration[] | undefined): DesiredIntegration {
  expect(list).toHaveLength(1);
  return list![0]!;
}

describe('loadDesiredState', () => {
  it('builds the normalised desired state', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: ENV });
    expect(r.diagnostics).toEqual([]);
    const i = only(r.state?.integrations);
    expect(i).toMatchObject({
      unique_key: 'slack-production',
      provider: 'slack',
      display_name: 'Slack (Production)',
      forward_webhooks: true,
      credentials: {
        type: 'OAUTH2',
        client_id: 'cid',
        client_secret: "s3cr$&t'$1",
        scopes: ['channels:read', 'chat:write'],
        webhook_secret: 'literal-webhook-secret',
      },
      integration_config: { role_arn: 'arn:aws:iam::1:role/x', region: 'eu' },
      source: { file: 'nango/slack.yaml', line: 3, column: 5 },
    });
    expect(i.fieldSources['credentials.client_secret']).toEqual({ file: 'nango/slack.yaml', line: 10, column: 22 });
    expect(i.fieldSources['integration_config.region']).toEqual({ file: 'nango/slack.yaml', line: 15, column: 15 });
    expect(r.state?.files).toEqual([join(t.path, 'nango/slack.yaml')]);
    expect(r.state?.settings).toEqual({});
    expect(r.state?.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('marks sensitive fields by name and by provenance', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: ENV });
    const i = only(r.state?.integrations);
    expect([...i.sensitive].sort()).toEqual([
      'credentials.client_id',
      'credentials.client_secret',
      'credentials.webhook_secret',
      'display_name',
      'integration_config.region',
    ]);
    // role_arn resolved only by its literal default: not sensitive.
    expect(i.sensitive.has('integration_config.role_arn')).toBe(false);
    expect([...(r.state?.sensitiveValues ?? [])].sort()).toEqual(['Slack (Production)', 'cid', 'eu', 'literal-webhook-secret', "s3cr$&t'$1"].sort());
  });

  it('a default-only display_name is not sensitive; an interpolated scope list is', async () => {
    const r = await run(
      { 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: slack\n    display_name: ${D:-Slack}\n    credentials: {type: OAUTH2, client_id: x, client_secret: y, scopes: ["${S}", b]}\n' },
      { env: { S: 'a' } },
    );
    const i = only(r.state?.integrations);
    expect(i.display_name).toBe('Slack');
    expect(i.sensitive.has('display_name')).toBe(false);
    expect(i.sensitive.has('credentials.scopes')).toBe(true);
    expect(r.state?.sensitiveValues.has('a,b')).toBe(true);
  });

  it('reports an unset variable with its name and position, and no state', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: { ...ENV, SLACK_CLIENT_ID: undefined } });
    expect(r.state).toBeUndefined();
    expect(r.diagnostics).toEqual([
      {
        severity: 'error',
        message: 'SLACK_CLIENT_ID is not set',
        envVar: 'SLACK_CLIENT_ID',
        path: 'credentials.client_id',
        location: { file: 'nango/slack.yaml', line: 9, column: 18 },
      },
    ]);
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe('nango/slack.yaml:9:18: credentials.client_id: SLACK_CLIENT_ID is not set');
  });

  it('refuses NANGO_SECRET_KEY', async () => {
    const r = await run({ 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: openai\n    display_name: ${NANGO_SECRET_KEY}\n' }, { env: { NANGO_SECRET_KEY: 'the-key' } });
    expect(r.state).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([expect.stringMatching(/^a\.yaml:4:19: display_name: NANGO_SECRET_KEY may not be referenced/)]);
    expect(JSON.stringify(r.diagnostics)).not.toContain('the-key');
  });

  it('applies --env-prefix', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: ENV, envPrefixes: ['SLACK_'] });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      expect.stringContaining('DISPLAY is not allowed by --env-prefix'),
      expect.stringContaining('ROLE is not allowed by --env-prefix'),
      expect.stringContaining('REGION is not allowed by --env-prefix'),
    ]);
  });

  it('reads NAME_FILE when NAME is unset, trimming one newline, and watches the file', async () => {
    const secretPath = await t.write('secrets/slack', 'from-file\n\n');
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: { ...ENV, SLACK_CLIENT_SECRET: undefined, SLACK_CLIENT_SECRET_FILE: 'secrets/slack' } });
    expect(r.diagnostics).toEqual([]);
    const i = only(r.state?.integrations);
    expect(i.credentials?.client_secret).toBe('from-file\n');
    expect(r.state?.extraWatchPaths).toEqual([secretPath]);
    expect(r.state?.sensitiveValues.has('from-file\n')).toBe(true);
  });

  it('reports a NAME_FILE that does not exist', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: { ...ENV, SLACK_CLIENT_SECRET: undefined, SLACK_CLIENT_SECRET_FILE: '/nonexistent/x' } });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'nango/slack.yaml:10:22: credentials.client_secret: SLACK_CLIENT_SECRET_FILE names /nonexistent/x, which does not exist',
    ]);
  });

  it('reads env files; the real environment wins; values are sensitive', async () => {
    const envFile = await t.write('.env', 'DISPLAY=from-file\nSLACK_CLIENT_ID=file-id\nSLACK_CLIENT_SECRET="quoted secret"\nREGION=us\n');
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: { SLACK_CLIENT_ID: 'real-id' }, envFiles: ['.env'] });
    expect(r.diagnostics).toEqual([]);
    const i = only(r.state?.integrations);
    expect(i).toMatchObject({ display_name: 'from-file', credentials: { client_id: 'real-id', client_secret: 'quoted secret' } });
    expect(i.sensitive.has('display_name')).toBe(true);
    expect(r.state?.extraWatchPaths).toEqual([envFile]);
  });

  it('reports a missing env file by name', async () => {
    const r = await run({ 'nango/slack.yaml': SLACK }, { env: ENV, envFiles: ['missing.env'] });
    expect(r.state).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['env file missing.env: not found']);
  });

  it('never puts a secret value in a diagnostic', async () => {
    const r = await run(
      {
        'a.yaml': [
          'integrations:',
          '  - unique_key: ${K}',
          '    provider: ${P}',
          '    display_name: ${D}',
          '    renamed_from: ${K}',
          '    credentials: {type: OAUTH2, client_id: "${I}", client_secret: "${S}", scopes: "${SC}", webhook_secret: 7}',
          '  - unique_key: ${K}',
          '    provider: github-app',
          '    credentials: {type: APP, app_id: "1", app_link: l, private_key: "${S}"}',
          '',
        ].join('\n'),
      },
      { env: { K: 'bad/KEYVALUE', P: 'PROVIDERVALUE', D: '', I: 'IDVALUE', S: 'SECRETVALUE', SC: 'SCOPE VALUE' } },
    );
    expect(hasErrors(r.diagnostics)).toBe(true);
    const text = r.diagnostics.map(formatDiagnostic).join('\n');
    for (const secret of ['KEYVALUE', 'PROVIDERVALUE', 'IDVALUE', 'SECRETVALUE', 'SCOPE VALUE']) expect(text).not.toContain(secret);
  });

  it('digest ignores key order, positions and file layout, and changes with a secret', async () => {
    const a = await run({ 'one/a.yaml': SLACK }, { env: ENV });
    const reordered = SLACK.replace('    display_name: ${DISPLAY}\n', '').replace('    forward_webhooks: true\n', '    forward_webhooks: true\n    display_name: ${DISPLAY}\n');
    const b = await run({ 'two/b.yaml': `\n\n${reordered}` }, { env: ENV });
    const c = await run({ 'one/a.yaml': SLACK }, { env: { ...ENV, SLACK_CLIENT_SECRET: 'rotated' } });
    expect(a.state?.digest).toBeDefined();
    expect(b.state?.digest).toBe(a.state?.digest);
    expect(c.state?.digest).not.toBe(a.state?.digest);
  });

  it('digest is independent of integration order across files', async () => {
    const one = 'integrations:\n  - {unique_key: a, provider: openai}\n';
    const two = 'integrations:\n  - {unique_key: b, provider: openai}\n';
    const x = await run({ 'x/1.yaml': one, 'x/2.yaml': two });
    const y = await run({ 'y/1.yaml': two, 'y/2.yaml': one });
    expect(x.state?.integrations.map((i) => i.unique_key)).toEqual(['a', 'b']);
    expect(y.state?.integrations.map((i) => i.unique_key)).toEqual(['b', 'a']);
    expect(x.state?.digest).toBe(y.state?.digest);
  });

  it('takes settings from the one file that has them', async () => {
    const r = await run({ 'a.yaml': 'integrations: []\n', 'b.yaml': '# c\nsettings:\n  prune: true\n  protect: ["prod-*"]\n  max_deletes: 0\n' });
    expect(r.state?.settings).toEqual({ prune: true, protect: ['prod-*'], max_deletes: 0, source: { file: 'b.yaml', line: 2, column: 1 } });
  });

  it('reads a private key from a _FILE with its trailing newline trimmed', async () => {
    await writeFile(join(t.path, 'key.pem'), `${RSA_KEY}\n`);
    const r = await run(
      { 'a.yaml': 'integrations:\n  - unique_key: gh\n    provider: github-app\n    credentials: {type: APP, app_id: "1", app_link: l, private_key: "${PEM}"}\n' },
      { env: { PEM_FILE: join(t.path, 'key.pem') } },
    );
    expect(r.diagnostics).toEqual([]);
    expect(only(r.state?.integrations).credentials?.private_key).toBe(RSA_KEY);
  });
});

describe('formatDiagnostic', () => {
  it('formats positions, env-only problems and warnings', () => {
    expect(formatDiagnostic({ severity: 'error', message: 'm', path: 'credentials.client_secret', location: { file: 'nango/slack.yaml', line: 7, column: 7 } })).toBe(
      'nango/slack.yaml:7:7: credentials.client_secret: m',
    );
    expect(formatDiagnostic({ severity: 'error', message: 'is not set', envVar: 'X' })).toBe('env X: is not set');
    expect(formatDiagnostic({ severity: 'warning', message: 'no *.yaml files under d' })).toBe('warning: no *.yaml files under d');
  });
});
