// validate (and plan, which must stop before any request) on the credential mistakes GitHub App users make:
// a private key whose body is not a key, an app_id YAML reads as a number, the OAuth `github` provider
// with App credentials.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { useEmulator } from '../helpers/emulator.js';
import { keyBodyLines, rsaPrivateKey } from '../helpers/rsa-key.js';

const fixture = useEmulator();

const indent = (text: string, spaces: number): string =>
  text
    .split('\n')
    .map((l) => `${' '.repeat(spaces)}${l}`)
    .join('\n');

/** One github-app integration whose private_key is the `|` block `key`, at line 8 column 20. */
function appConfig(key: string, fields: { provider?: string; appId?: string; type?: string } = {}): Record<string, string> {
  return {
    'app.yaml': [
      'integrations:',
      '  - unique_key: gh',
      `    provider: ${fields.provider ?? 'github-app'}`,
      '    credentials:',
      `      type: ${fields.type ?? 'APP'}`,
      `      app_id: ${fields.appId ?? '"12345"'}`,
      '      app_link: https://github.com/apps/acme',
      '      private_key: |',
      indent(key, 8),
      '',
    ].join('\n'),
  };
}

/** validate in every format, and plan: exit 1, `expected` on stderr, no request, none of `secrets` anywhere. */
async function expectRejected(files: Record<string, string>, expected: RegExp, secrets: readonly string[] = []): Promise<CliResult[]> {
  const dir = tempConfig(files);
  const runs: CliResult[] = [];
  for (const args of [['validate'], ['validate', '--format', 'json'], ['validate', '--format', 'github'], ['plan', '--prune'], ['apply', '--format', 'json']]) {
    const r = await runCli([...args, '-c', dir, '--log-level', 'trace'], { env: fixture.env() });
    const context = `${args.join(' ')}: exit ${String(r.code)}\n${r.stderr}\n${r.stdout}`;
    expect(r.code, context).toBe(1);
    expect(r.stderr, context).toMatch(expected);
    for (const secret of secrets) expect(r.stdout + r.stderr, `${args.join(' ')} shows part of the key`).not.toContain(secret);
    runs.push(r);
  }
  expect(fixture.emu.requests).toEqual([]);
  return runs;
}

describe('private_key is parsed, never quoted', () => {
  it('a real RSA PKCS#1 key is valid', async () => {
    const r = await runCli(['validate', '-c', tempConfig(appConfig(rsaPrivateKey()))]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Valid: 1 integration in 1 file.\n');
  });

  it('a body of random text between valid BEGIN and END lines is an error at the field', async () => {
    const body = 'dGhpcyBpcyBub3QgYSBrZXkgYnV0IGl0IGxvb2tzIGxpa2UgYmFzZTY0IHRleHQ=';
    await expectRejected(
      appConfig(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`),
      /app\.yaml:8:20: credentials\.private_key: private_key is not a valid RSA private key/,
      [body, body.slice(0, 16)],
    );
  });

  it('a real key with a line cut out (a bad copy and paste) is an error, and no line of it is shown', async () => {
    const lines = rsaPrivateKey().split('\n');
    const cut = [...lines.slice(0, 5), ...lines.slice(6)].join('\n');
    await expectRejected(appConfig(cut), /app\.yaml:8:20: credentials\.private_key: private_key is not a valid RSA private key/, keyBodyLines(cut));
  });

  it('a passphrase-protected key says to remove the passphrase', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'hunter2' },
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    const key = privateKey.trimEnd();
    await expectRejected(appConfig(key), /app\.yaml:8:20: credentials\.private_key: private_key is encrypted with a passphrase; .*openssl rsa -in key\.pem -traditional/, keyBodyLines(key));
  });

  it('the header rule of Nango comes first: a PKCS#8 key still gets the conversion hint', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await expectRejected(appConfig(privateKey.trimEnd()), /app\.yaml:8:20: credentials\.private_key: private_key is a PKCS#8 key/, keyBodyLines(privateKey));
  });
});

describe('app_id', () => {
  it('a YAML number gets a "quote it" hint', async () => {
    await expectRejected(appConfig(rsaPrivateKey(), { appId: '1' }), /^\S*app\.yaml:6:15: credentials\.app_id: must be a string: quote it: app_id: "1"$/m);
  });

  it('a secret field written as a number is not repeated in the hint', async () => {
    const files = {
      'a.yaml': 'integrations:\n  - unique_key: s\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: "1"\n      client_secret: 918273645546372819\n',
    };
    await expectRejected(files, /a\.yaml:7:22: credentials\.client_secret: must be a string: quote it: client_secret: "…"/, ['918273645546372819', '918273645546372800']);
  });
});

describe('a provider whose auth mode is not the credentials type', () => {
  it('github with APP credentials suggests github-app', async () => {
    await expectRejected(
      appConfig(rsaPrivateKey(), { provider: 'github' }),
      /^\S*app\.yaml:5:13: credentials\.type: provider "github" needs credentials of type OAUTH2, not APP \(for APP credentials, did you mean provider "github-app"\?\)$/m,
    );
  });

  it('github with CUSTOM credentials suggests github-app-oauth', async () => {
    const files = {
      'a.yaml': [
        'integrations:',
        '  - unique_key: gh',
        '    provider: github',
        '    credentials:',
        '      type: CUSTOM',
        '      client_id: Iv1.abc',
        '      client_secret: s',
        '      app_id: "1"',
        '      app_link: https://github.com/apps/acme',
        '      private_key: |',
        indent(rsaPrivateKey(), 8),
        '',
      ].join('\n'),
    };
    await expectRejected(files, /a\.yaml:5:13: credentials\.type: provider "github" needs credentials of type OAUTH2, not CUSTOM \(for CUSTOM credentials, did you mean provider "github-app-oauth"\?\)/);
  });

  it('an API-key provider with OAuth credentials suggests its OAuth sibling', async () => {
    const files = { 'a.yaml': 'integrations:\n  - unique_key: dd\n    provider: datadog\n    credentials:\n      type: OAUTH2\n      client_id: a\n      client_secret: b\n' };
    await expectRejected(files, /a\.yaml:5:7: credentials: provider "datadog" \(auth mode API_KEY\) takes no credentials: remove "credentials" \(for OAUTH2 credentials, did you mean provider "datadog-oauth"\?\)/);
  });

  it('no suggestion when no sibling has that mode', async () => {
    const slack = { 'a.yaml': 'integrations:\n  - unique_key: s\n    provider: slack\n    credentials:\n      type: TBA\n      client_id: a\n      client_secret: b\n' };
    const [r] = await expectRejected(slack, /a\.yaml:5:13: credentials\.type: provider "slack" needs credentials of type OAUTH2, not TBA$/m);
    expect(r?.stderr).not.toContain('did you mean');
  });
});
