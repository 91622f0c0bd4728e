import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, startEmulator, type Emulator } from '../emulator/server.js';
import { WITHHELD } from '../../src/redact.js';
import { runCli, tempConfig, type CliResult } from '../helpers/cli.js';
import { keyBodyLines, rsaPrivateKey } from '../helpers/rsa-key.js';
import { secretForms } from '../helpers/secret-forms.js';

// A key that validates cannot carry a marker: its body lines (random base64) are the markers.
const APP_PEM = rsaPrivateKey();
/** A real key with one body line dropped: BEGIN and END are right, the body no longer decodes. */
const TRUNCATED_PEM = ((pem: string) => {
  const lines = pem.split('\n');
  lines.splice(3, 1);
  return lines.join('\n');
})(rsaPrivateKey());

// Every secret is a unique marker; no output of any command may contain one.
const MARK = {
  clientId: 'CANARYclientid7c1',
  clientSecret: 'CANARYsecret$&x9',
  webhookSecret: "CANARYwebhook$'q2",
  displayName: 'CANARY Display 55',
  appPem: APP_PEM,
  badProvider: 'canaryprovider',
  badKey: 'canary/bad key!',
  badScope: 'canary scope with spaces',
  badPem: 'CANARY-not-a-pem-key',
  garbagePem: '-----BEGIN RSA PRIVATE KEY-----\nCANARYgarbagebody0123456789\n-----END RSA PRIVATE KEY-----',
  notBool: 'CANARYnotabool',
};
const MARKERS = ['CANARY', 'canary', DEFAULT_SECRET_KEY, ...keyBodyLines(APP_PEM), ...keyBodyLines(TRUNCATED_PEM)];

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu.close();
});

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  NANGO_SECRET_KEY: DEFAULT_SECRET_KEY,
  NANGO_HOST: emu.url,
  C_ID: MARK.clientId,
  C_SECRET: MARK.clientSecret,
  C_WEBHOOK: MARK.webhookSecret,
  C_NAME: MARK.displayName,
  C_PEM: MARK.appPem,
  ...extra,
});

const GOOD = {
  'slack.yaml': `integrations:
  - unique_key: slack
    provider: slack
    display_name: \${C_NAME}
    credentials:
      type: OAUTH2
      client_id: \${C_ID}
      client_secret: \${C_SECRET}
      webhook_secret: \${C_WEBHOOK}
      scopes: [chat:write]
  - unique_key: gh
    provider: github-app
    credentials:
      type: APP
      app_id: "1"
      app_link: https://github.com/apps/x
      private_key: \${C_PEM}
`,
};

function expectNoMarker(label: string, r: CliResult): void {
  for (const marker of MARKERS) {
    expect(r.stdout.includes(marker), `${label}: stdout contains ${marker}\n${r.stdout}`).toBe(false);
    expect(r.stderr.includes(marker), `${label}: stderr contains ${marker}\n${r.stderr}`).toBe(false);
  }
}

describe('canary: no secret reaches any output', () => {
  it('validate, plan, apply in every format and at debug/trace log level', async () => {
    emu.reset();
    const dir = tempConfig(GOOD);
    const state = join(dir, 'state.json');
    const runs: Array<[string, string[]]> = [['validate', ['validate', '-c', dir, '--log-level', 'trace']]];
    for (const format of ['text', 'json', 'markdown', 'github']) {
      runs.push([`validate ${format}`, ['validate', '-c', dir, '--format', format]]);
      runs.push([`plan ${format}`, ['plan', '-c', dir, '--format', format, '--log-level', 'trace', '--state', state, '--out', join(dir, 'plan.json')]]);
      runs.push([`apply --plan ${format}`, ['apply', '--plan', '-c', dir, '--format', format, '--log-level', 'debug', '--state', state]]);
    }
    for (const [label, args] of runs) {
      const r = await runCli(args, { env: env() });
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      expectNoMarker(label, r);
    }
    const planFile = readFileSync(join(dir, 'plan.json'), 'utf8');
    for (const marker of MARKERS) expect(planFile).not.toContain(marker);

    const apply = await runCli(['apply', '-c', dir, '--format', 'json', '--log-level', 'trace', '--state', state], { env: env() });
    expect(apply.code).toBe(0);
    expectNoMarker('apply json', apply);
    const stateFile = readFileSync(state, 'utf8');
    for (const marker of MARKERS) expect(stateFile).not.toContain(marker);

    // A rotation: the update path prints before/after of changed fields.
    for (const format of ['text', 'json', 'markdown', 'github']) {
      const rotated = await runCli(['apply', '-c', dir, '--format', format, '--log-level', 'trace', '--state', state], {
        env: env({ C_SECRET: `${MARK.clientSecret}-${format}`, C_NAME: `${MARK.displayName} ${format}`, C_ID: `${MARK.clientId}${format}` }),
      });
      expect(rotated.code, rotated.stderr).toBe(0);
      expectNoMarker(`rotated apply ${format}`, rotated);
    }
  });

  const ERRORS: Record<string, { yaml: string; expect: RegExp }> = {
    'unknown provider from env': { yaml: 'integrations:\n  - unique_key: x\n    provider: ${BAD}\n', expect: /a\.yaml:3:15/ },
    'invalid unique_key from env': { yaml: 'integrations:\n  - unique_key: ${BAD}\n    provider: posthog\n', expect: /a\.yaml:2:17/ },
    'invalid scope from env': {
      yaml: 'integrations:\n  - unique_key: x\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: a\n      client_secret: b\n      scopes: [${BAD}]\n',
      expect: /a\.yaml:8:\d+/,
    },
    'invalid private key from env': {
      yaml: 'integrations:\n  - unique_key: x\n    provider: github-app\n    credentials:\n      type: APP\n      app_id: "1"\n      app_link: l\n      private_key: ${BAD}\n',
      expect: /a\.yaml:8:20/,
    },
    'private key with a garbage body from env': {
      yaml: 'integrations:\n  - unique_key: x\n    provider: github-app\n    credentials:\n      type: APP\n      app_id: "1"\n      app_link: l\n      private_key: ${BAD}\n',
      expect: /a\.yaml:8:20: credentials\.private_key: private_key is not a valid RSA private key/,
    },
    'truncated private key from env': {
      yaml: 'integrations:\n  - unique_key: x\n    provider: github-app\n    credentials:\n      type: APP\n      app_id: "1"\n      app_link: l\n      private_key: ${BAD}\n',
      expect: /a\.yaml:8:20: credentials\.private_key: private_key is not a valid RSA private key/,
    },
    'wrong type from env': { yaml: 'integrations:\n  - unique_key: x\n    provider: posthog\n    display_name: ${BAD}\n    forward_webhooks: ${BAD}\n', expect: /a\.yaml:5:23/ },
    'required message from env': { yaml: 'integrations:\n  - unique_key: x\n    provider: posthog\n    display_name: ${UNSET_ONE:?$BAD}\n', expect: /a\.yaml:4:19/ },
  };
  const badValues: Record<string, string> = {
    'unknown provider from env': MARK.badProvider,
    'invalid unique_key from env': MARK.badKey,
    'invalid scope from env': MARK.badScope,
    'invalid private key from env': MARK.badPem,
    'private key with a garbage body from env': MARK.garbagePem,
    'truncated private key from env': TRUNCATED_PEM,
    'wrong type from env': MARK.notBool,
    'required message from env': 'CANARY',
  };
  for (const [name, c] of Object.entries(ERRORS)) {
    it(`config error: ${name}`, async () => {
      emu.reset();
      const dir = tempConfig({ 'a.yaml': c.yaml });
      for (const format of ['text', 'json', 'github']) {
        for (const command of ['validate', 'plan']) {
          const r = await runCli([command, '-c', dir, '--format', format, '--log-level', 'trace'], { env: env({ BAD: badValues[name] ?? '' }) });
          expect(r.code, `${command} ${format}: ${r.stderr}`).toBe(1);
          expect(r.stderr).toMatch(c.expect);
          expectNoMarker(`${name} ${command} ${format}`, r);
        }
      }
      expect(emu.requests).toHaveLength(0);
    });
  }

  it('API and transport errors: a wrong host, a bad key, a rejected write', async () => {
    emu.reset();
    const dir = tempConfig(GOOD);
    const badKey = await runCli(['plan', '-c', dir, '--log-level', 'trace'], { env: env({ NANGO_SECRET_KEY: 'CANARY-not-a-uuid-key' }) });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/authentication failed/i);
    expectNoMarker('bad key', badKey);

    const html = await startEmulator({ htmlForUnknownGet: true });
    try {
      const wrongHost = await runCli(['plan', '-c', dir, '--log-level', 'trace'], { env: env({ NANGO_HOST: `${html.url}/not-the-api` }) });
      expect(wrongHost.code).toBe(1);
      expect(wrongHost.stderr).toMatch(/did not answer like the Nango API/);
      expectNoMarker('wrong host', wrongHost);
    } finally {
      await html.close();
    }

    // Nango refuses the writes (the key lacks the create scope): the error path of apply.
    const readOnlyKey = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d';
    const limited = await startEmulator({ keys: [{ secretKey: readOnlyKey, environment: 'dev', scopes: ['environment:integrations:list', 'environment:integrations:read'] }] });
    let rejected: CliResult;
    try {
      rejected = await runCli(['apply', '-c', dir, '--format', 'json', '--log-level', 'trace', '--state', join(dir, 's.json')], { env: env({ NANGO_HOST: limited.url, NANGO_SECRET_KEY: readOnlyKey }) });
    } finally {
      await limited.close();
    }
    expect(rejected.code).toBe(1);
    const doc = JSON.parse(rejected.stdout) as { changes: Array<{ result: string; error?: string }> };
    expect(doc.changes.every((c) => c.result === 'failed' && /environment:integrations:create/.test(c.error ?? ''))).toBe(true);
    expect(rejected.stdout + rejected.stderr).not.toContain(readOnlyKey);
    expectNoMarker('rejected write', rejected);
  });

  describe('a server that quotes requests back', () => {
    let echo: Emulator;
    beforeAll(async () => {
      echo = await startEmulator({ echoRequestBody: true });
    });
    afterAll(async () => {
      await echo.close();
    });

    /** Every form of every secret of the run, the secret key in any letter case. */
    function expectNoSecretForm(label: string, text: string, secrets: readonly string[], key = DEFAULT_SECRET_KEY): void {
      const forms = [...secrets.flatMap((v) => secretForms(v)), ...secretForms(key, { caseInsensitive: true })];
      for (const form of forms) expect(text.includes(form), `${label} shows ${JSON.stringify(form)}:\n${text}`).toBe(false);
    }

    it('shows nothing it echoes, in any encoding, in any format or file', async () => {
      echo.reset();
      echo.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
      const dir = tempConfig(GOOD);
      const state = join(dir, 'state.json');
      const secrets = [MARK.clientId, MARK.clientSecret, MARK.webhookSecret, MARK.displayName, MARK.appPem];
      for (const format of ['text', 'json', 'markdown', 'github']) {
        const r = await runCli(['apply', '-c', dir, '--format', format, '--log-level', 'debug', '--state', state], { env: env({ NANGO_HOST: echo.url }) });
        expect(r.code, r.stderr).toBe(1);
        // The echo reached the output, scrubbed: the quote is there, the secrets are not.
        expect(r.stdout).toMatch(/POST \/integrations failed \(400 invalid\\?_body\): Invalid request body \(request body: /); // markdown escapes the _
        expect(r.stdout).toContain('(sensitive)');
        expectNoSecretForm(`apply ${format}`, r.stdout + r.stderr, secrets);
      }
      expect(echo.writes().every((w) => w.status === 400)).toBe(true);

      // A GET refused with the Authorization header quoted back, and a key the server does not know.
      echo.setFaults({ rate: 1, kinds: ['400'], methods: ['GET'] });
      const refused = await runCli(['plan', '-c', dir, '--log-level', 'debug', '--out', join(dir, 'plan.json')], { env: env({ NANGO_HOST: echo.url }) });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/authorization: Bearer \(sensitive\) BEARER \(sensitive\)/);
      expectNoSecretForm('refused GET', refused.stdout + refused.stderr, secrets);
      // The same failure as a JSON error document (issue 12): the scrubbed quote, no secret in any form.
      const refusedJson = await runCli(['plan', '-c', dir, '--format', 'json'], { env: env({ NANGO_HOST: echo.url }) });
      expect(refusedJson.code).toBe(1);
      expect(JSON.parse(refusedJson.stdout)).toEqual({
        format_version: 1,
        error: { kind: 'api', message: expect.stringMatching(/^Nango API: GET \/integrations failed \(400 invalid_body\): .*authorization: Bearer \(sensitive\)/), diagnostics: [] },
      });
      expectNoSecretForm('refused GET, JSON', refusedJson.stdout + refusedJson.stderr, secrets);
      echo.setFaults(undefined);
      const unknownKey = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
      const unknown = await runCli(['plan', '-c', dir, '--log-level', 'debug'], { env: env({ NANGO_HOST: echo.url, NANGO_SECRET_KEY: unknownKey }) });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/authentication failed \(unknown_account\)/);
      expectNoSecretForm('unknown key', unknown.stdout + unknown.stderr, secrets, unknownKey);
    });

    it('withholds its text when a secret is too short to mask, and keeps status, code and integration', async () => {
      echo.reset();
      echo.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
      const dir = tempConfig(GOOD);
      for (const short of ['"', 'a', '\\n', 'é😀']) {
        const r = await runCli(['apply', '-c', dir, '--format', 'json', '--log-level', 'debug'], { env: env({ NANGO_HOST: echo.url, C_SECRET: short }) });
        expect(r.code, r.stderr).toBe(1);
        const doc = JSON.parse(r.stdout) as { changes: Array<{ unique_key: string; action: string; result: string; error?: string }> };
        const slack = doc.changes.find((c) => c.unique_key === 'slack');
        expect(slack).toMatchObject({ action: 'create', result: 'failed', error: `POST /integrations failed (400 invalid_body): ${WITHHELD}` });
        expect(r.stdout).not.toContain('request body');
      }
    });

    it("a secret equal to the tool's own words rewrites none of them", async () => {
      const config = {
        'slack.yaml': 'integrations:\n  - unique_key: slack\n    provider: slack\n    credentials:\n      type: OAUTH2\n      client_id: "123.456"\n      client_secret: ${C_SECRET}\n      webhook_secret: ${C_WEBHOOK}\n',
      };
      const dir = tempConfig(config);
      const words = { C_SECRET: 'slack', C_WEBHOOK: 'nango request' };
      const neutral = { C_SECRET: 'neutral-secret-0001', C_WEBHOOK: 'neutral-secret-0002' };
      echo.reset();
      const plan = await runCli(['plan', '-c', dir, '--log-level', 'debug'], { env: env({ NANGO_HOST: echo.url, ...words }) });
      const neutralPlan = await runCli(['plan', '-c', dir, '--log-level', 'debug'], { env: env({ NANGO_HOST: echo.url, ...neutral }) });
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toContain('+ create slack (slack)');
      expect(plan.stdout).toBe(neutralPlan.stdout);

      echo.setFaults({ rate: 1, kinds: ['400'], methods: ['POST'] });
      const apply = await runCli(['apply', '-c', dir, '--format', 'json', '--log-level', 'debug'], { env: env({ NANGO_HOST: echo.url, ...words }) });
      expect(apply.code, apply.stderr).toBe(1);
      const doc = JSON.parse(apply.stdout) as { changes: Array<{ unique_key: string; provider: string; error?: string }> };
      expect(doc.changes).toMatchObject([{ unique_key: 'slack', provider: 'slack', error: `POST /integrations failed (400 invalid_body): ${WITHHELD}` }]);
      expect(apply.stderr).toContain('"route":"/integrations"');
      expect(apply.stderr).toContain('"msg":"nango request"');
      expect(apply.stdout + apply.stderr).not.toContain('(sensitive)');
    });
  });
});
