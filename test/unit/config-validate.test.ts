import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredState } from '../../src/config/index.js';
import type { LoadResult } from '../../src/config/types.js';
import { privateKeyProblem } from '../../src/config/validate.js';
import { RSA_KEY, useTempDir } from '../fixtures/config/helpers.js';

const t = useTempDir();

async function load(files: Record<string, string>, env: Record<string, string> = {}, extra: { allowMissingEnv?: boolean } = {}): Promise<LoadResult> {
  for (const [name, content] of Object.entries(files)) await t.write(name, content);
  return loadDesiredState({ paths: Object.keys(files), cwd: t.path, env, ...extra });
}

async function messages(files: Record<string, string>, env: Record<string, string> = {}): Promise<string[]> {
  return (await load(files, env)).diagnostics.map(formatDiagnostic);
}

const oauth = (key: string, provider = 'slack', type = 'OAUTH2', more = ''): string =>
  `  - unique_key: ${key}\n    provider: ${provider}\n    credentials:\n      type: ${type}\n      client_id: id\n      client_secret: s\n${more}`;

describe('providers and credentials', () => {
  it('rejects an unknown provider with suggestions', async () => {
    expect(await messages({ 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: slak\n' })).toEqual([
      expect.stringMatching(/^a\.yaml:3:15: provider: unknown provider "slak" \(did you mean "slack"/),
    ]);
    expect(await messages({ 'b.yaml': 'integrations:\n  - unique_key: a\n    provider: zzzzzzzzzzzz\n' })).toEqual([
      'b.yaml:3:15: provider: unknown provider "zzzzzzzzzzzz"',
    ]);
  });

  it('refuses a provider from the environment without echoing it', async () => {
    const out = await messages({ 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: ${P}\n' }, { P: 'sekret-provider' });
    expect(out).toEqual(['a.yaml:3:15: provider: unique_key, renamed_from and provider cannot take values from the environment; write them literally']);
  });

  it('requires credentials.type to equal the provider auth mode', async () => {
    expect(await messages({ 'a.yaml': `integrations:\n${oauth('a', 'slack', 'OAUTH1')}` })).toEqual([
      'a.yaml:5:13: credentials.type: provider "slack" needs credentials of type OAUTH2, not OAUTH1',
    ]);
  });

  it('rejects credentials for a provider that takes none', async () => {
    expect(await messages({ 'a.yaml': `integrations:\n${oauth('a', 'openai')}` })).toEqual([
      'a.yaml:5:7: credentials: provider "openai" (auth mode API_KEY) takes no credentials: remove "credentials"',
    ]);
  });

  it('warns (only) when an OAuth provider has no credentials', async () => {
    const r = await load({ 'a.yaml': 'integrations:\n  - unique_key: a\n    provider: trello\n  - unique_key: b\n    provider: netsuite-tba\n' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'warning: a.yaml:2:5: credentials: provider "trello" (auth mode OAUTH1) needs credentials to create the integration; without them only an existing integration can be managed',
    ]);
    expect(r.state?.integrations).toHaveLength(2);
  });

  it('accepts the APP and CUSTOM shapes with a PKCS#1 key', async () => {
    const key = RSA_KEY.split('\n').map((l) => `        ${l}`).join('\n');
    const r = await load({
      'a.yaml': [
        'integrations:',
        '  - unique_key: gh-app',
        '    provider: github-app',
        '    credentials:',
        '      type: APP',
        '      app_id: "123"',
        '      app_link: https://github.com/apps/x',
        '      private_key: |',
        key,
        '  - unique_key: gh-custom',
        '    provider: github-app-oauth',
        '    credentials: {type: CUSTOM, client_id: a, client_secret: b, app_id: "1", app_link: l, private_key: "${KEY}"}',
        '',
      ].join('\n'),
    }, { KEY: `${RSA_KEY}\r\n` });
    expect(r.diagnostics).toEqual([]);
    expect(r.state?.integrations.map((i) => i.credentials?.private_key)).toEqual([RSA_KEY, RSA_KEY]);
  });
});

describe('private_key', () => {
  it('trims exactly one trailing newline', () => {
    expect(privateKeyProblem(RSA_KEY)).toBeUndefined();
    expect(privateKeyProblem(`${RSA_KEY}\n`)).toBeUndefined();
    expect(privateKeyProblem(`${RSA_KEY}\r\n`)).toBeUndefined();
    expect(privateKeyProblem(`${RSA_KEY}\n\n`)).toContain('extra blank lines');
    expect(privateKeyProblem(`${RSA_KEY} `)).toContain('extra blank lines');
  });

  it('parses the key: BEGIN and END lines around anything else are not enough', () => {
    const garbage = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----';
    expect(privateKeyProblem(garbage)).toMatch(/^private_key is not a valid RSA private key: /);
    expect(privateKeyProblem(garbage)).not.toContain('MIIB');
    expect(privateKeyProblem('-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----')).toMatch(/^private_key is not a valid RSA private key/);
    // Windows line endings are still the same key.
    expect(privateKeyProblem(RSA_KEY.replace(/\n/g, '\r\n'))).toBeUndefined();
  });

  it('hints at converting a PKCS#8 key', () => {
    const pkcs8 = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
    expect(privateKeyProblem(pkcs8)).toContain('openssl rsa -in key.pem -traditional');
  });

  it('rejects anything else without quoting it', () => {
    const problem = privateKeyProblem('not-a-key-hunter2');
    expect(problem).toBe('private_key must be an RSA PKCS#1 PEM starting with -----BEGIN RSA PRIVATE KEY-----');
    expect(privateKeyProblem(`\n${RSA_KEY}`)).toContain('before');
  });

  it('reports a |+ block with the field position', async () => {
    const out = await messages({
      'a.yaml': `integrations:\n  - unique_key: a\n    provider: github-app\n    credentials:\n      type: APP\n      app_id: "1"\n      app_link: l\n      private_key: |+\n${RSA_KEY.split('\n').map((l) => `        ${l}`).join('\n')}\n\n\n`,
    });
    expect(out).toEqual([expect.stringMatching(/^a\.yaml:8:20: credentials\.private_key: private_key has extra blank lines/)]);
  });
});

describe('scopes', () => {
  it('a list and a comma string normalise to the same sorted set', async () => {
    const r = await load({
      'a.yaml': `integrations:\n${oauth('a', 'slack', 'OAUTH2', '      scopes: [chat:write, channels:read, chat:write]\n')}${oauth('b', 'slack', 'OAUTH2', '      scopes: "channels:read, chat:write,chat:write"\n')}${oauth('c', 'slack', 'OAUTH2', '      scopes: ""\n')}${oauth('d')}`,
    });
    expect(r.diagnostics).toEqual([]);
    const scopes = r.state?.integrations.map((i) => i.credentials?.scopes);
    expect(scopes).toEqual([['channels:read', 'chat:write'], ['channels:read', 'chat:write'], [], undefined]);
  });

  it('rejects invalid scopes and commas inside list items', async () => {
    const out = await messages({
      'a.yaml': `integrations:\n${oauth('a', 'slack', 'OAUTH2', '      scopes: [ok, "chat write", "a,b", ""]\n')}${oauth('b', 'slack', 'OAUTH2', '      scopes: "a,,b"\n')}`,
    });
    expect(out).toEqual([
      'a.yaml:8:20: credentials.scopes[1]: invalid scope "chat write": a scope may contain only letters, digits and : / _ . * -',
      'a.yaml:8:34: credentials.scopes[2]: a list item holds one scope: write each scope as its own item, or use one comma-separated string',
      'a.yaml:8:41: credentials.scopes[3]: empty scope',
      'a.yaml:15:15: credentials.scopes: empty scope',
    ]);
  });

  it('hides a scope that came from the environment', async () => {
    const out = await messages({ 'a.yaml': `integrations:\n${oauth('a', 'slack', 'OAUTH2', '      scopes: ${S}\n')}` }, { S: 'sec ret' });
    expect(out).toEqual(['a.yaml:8:15: credentials.scopes: invalid scope (value from the environment): a scope may contain only letters, digits and : / _ . * -']);
  });
});

describe('keys across files', () => {
  it('reports a duplicate unique_key naming both places', async () => {
    const out = await messages({
      'nango/a.yaml': `integrations:\n${oauth('slack-prod')}`,
      'nango/b.yaml': `\nintegrations:\n${oauth('slack-prod')}${oauth('other')}${oauth('other')}`,
    });
    expect(out).toEqual([
      'nango/b.yaml:3:17: unique_key: duplicate unique_key "slack-prod": also declared at nango/a.yaml:2:17',
      'nango/b.yaml:15:17: unique_key: duplicate unique_key "other": also declared at nango/b.yaml:9:17',
    ]);
  });

  it('checks renamed_from', async () => {
    const out = await messages({
      'a.yaml': [
        'integrations:',
        '  - {unique_key: a, provider: openai, renamed_from: a}',
        '  - {unique_key: b, provider: openai, renamed_from: old}',
        '  - {unique_key: c, provider: openai, renamed_from: old}',
        '  - {unique_key: d, provider: openai, renamed_from: b}',
        '',
      ].join('\n'),
    });
    expect(out).toEqual([
      'a.yaml:2:53: renamed_from: renamed_from "a" equals this integration\'s own unique_key',
      'a.yaml:4:53: renamed_from: renamed_from "old" is also used at a.yaml:3:53; one remote integration can be renamed only once',
      'a.yaml:5:53: renamed_from: renamed_from "b" is also declared as a unique_key at a.yaml:3:18; a key cannot be renamed and kept',
    ]);
  });

  it('allows settings in one file only, naming both', async () => {
    const out = await messages({ 'a.yaml': 'settings:\n  prune: true\n', 'b.yaml': '# x\nsettings: {}\n' });
    expect(out).toEqual(['b.yaml:2:1: settings: settings are already defined at a.yaml:1:1; at most one config file may hold settings']);
  });
});

describe('--allow-missing-env', () => {
  it('skips checks that depend on unset variables', async () => {
    const r = await load(
      {
        'a.yaml': [
          'integrations:',
          '  - unique_key: ${KEY}',
          '    provider: ${PROVIDER}',
          '    credentials:',
          '      type: OAUTH2',
          '      client_id: ${ID}',
          '      client_secret: ${SECRET:?set it}',
          '      scopes: ${SCOPES}',
          '  - unique_key: ${KEY2}',
          '    provider: github-app',
          '    credentials: {type: APP, app_id: "1", app_link: l, private_key: "${PEM}"}',
          '',
        ].join('\n'),
      },
      {},
      { allowMissingEnv: true },
    );
    expect(r.diagnostics).toEqual([]);
  });

  it('still reports malformed references and checks that do not depend on them', async () => {
    const r = await load({ 'a.yaml': 'integrations:\n  - unique_key: ${1KEY}\n    provider: slak\n' }, {}, { allowMissingEnv: true });
    expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('invalid variable name'), expect.stringContaining('unknown provider "slak"')]);
  });
});
